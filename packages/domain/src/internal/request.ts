import * as Schema from "effect/Schema"
import * as Json from "../Json.js"
import { enumOf, type Mode, nullish, rejectUnknownKeys, required, unknownKeys } from "./schema.js"
import { refuseLikelyTypos } from "./typos.js"

const between = (minimum: number, maximum: number) => Schema.Number.pipe(Schema.between(minimum, maximum))

// Not `Schema.Int`: its identifier makes JSON Schema emit `{ "$ref": "#/$defs/Int", "minimum": … }`, and draft-07
// ignores every keyword beside a `$ref`, so the bounds would be lost.
const integer = Schema.Number.pipe(Schema.int())

const atLeastOne = integer.pipe(Schema.greaterThanOrEqualTo(1))

// Effect builds a decoded record by assigning each key to a fresh object, and assigning "__proto__" sets that object's
// prototype instead of a key: the entry would silently vanish. Keys of a request's records are names and token ids, so
// refusing this one turns the loss into an error.
const recordKey = Schema.String.pipe(Schema.filter((key) => key !== "__proto__")).annotations({
  identifier: "RecordKey",
  description: "any key but \"__proto__\"",
  jsonSchema: { type: "string", not: { const: "__proto__" } }
})

const strictDescription =
  "Whether to strictly enforce the schema. If true, the model will only output properties defined in the schema. If false, the model may output additional properties."

/**
 * The API's rule for `tool_choice`: `"required"` needs a tool, and a named function must be one of `tools`. Checked on
 * the whole body, as it relates two fields; the issue names `tool_choice`.
 */
const toolChoiceInTools = (params: {
  readonly tool_choice?: string | { readonly function: { readonly name: string } } | null | undefined
  readonly tools?: ReadonlyArray<{ readonly function: { readonly name: string } }> | null | undefined
}): true | Schema.FilterIssue => {
  const choice = params.tool_choice
  const tools = params.tools ?? []
  if (choice === "required" && tools.length === 0) {
    return { path: ["tool_choice"], message: "\"required\" needs at least one tool in tools" }
  }
  if (
    typeof choice === "object" && choice !== null && !tools.some((tool) => tool.function.name === choice.function.name)
  ) {
    return {
      path: ["tool_choice"],
      message: `must name a function in tools, got ${JSON.stringify(choice.function.name)}`
    }
  }
  return true
}

/**
 * Every schema of the create body, in one mode (see `Mode`): as a caller sends it, as the API reads it, as a stored
 * request holds it. An optional field takes `null` as absent in every mode, as the API's SDKs type it.
 */
export const make = <M extends Mode>(mode: M) => {
  const named = (identifier: string) => mode === "lenient" ? `${identifier}Lenient` : identifier

  const object = <Fields extends Schema.Struct.Fields>(fields: Fields, identifier: string, description?: string) =>
    Schema.Struct(fields).annotations({
      identifier: named(identifier),
      ...(description === undefined ? {} : { description }),
      ...unknownKeys(mode)
    })

  const TextContentPart = object(
    { type: Schema.Literal("text"), text: Schema.String },
    "TextContentPart",
    "A part of a message's content that is text."
  )

  const ImageContentPart = object(
    {
      type: Schema.Literal("image_url"),
      image_url: object({
        url: required(Schema.String, "The image's URL, or its data as a base64 `data:` URL."),
        detail: nullish(enumOf(mode, "auto", "low", "high"), "The image's detail level.")
      }, "ImageUrl")
    },
    "ImageContentPart",
    "A part of a user message that is an image."
  )

  const AudioContentPart = object(
    {
      type: required(
        Schema.Literal("input_audio", "audio_url"),
        "The page says `audio_url`; every SDK and upstream sends `input_audio`. Both decode and encode as written."
      ),
      input_audio: object({
        data: required(Schema.String, "Base64-encoded audio data."),
        format: required(enumOf(mode, "wav", "mp3"), "The audio's encoding.")
      }, "InputAudio")
    },
    "AudioContentPart",
    "A part of a user message that is audio."
  )

  const FileContentPart = object(
    {
      type: Schema.Literal("file"),
      file: object({
        file_data: nullish(Schema.String),
        file_id: nullish(Schema.String),
        filename: nullish(Schema.String)
      }, "FileData")
    },
    "FileContentPart",
    "A part of a user message that is a file."
  )

  const RefusalContentPart = object(
    { type: Schema.Literal("refusal"), refusal: Schema.String },
    "RefusalContentPart",
    "A part of an assistant message that is a refusal."
  )

  // A key a record's key schema refuses ("__proto__") counts as unknown: a request refuses it rather than lose it, and a
  // stored request, read in place by `Json.parseJson`, keeps it.
  const recordKeys = mode === "lenient" ? {} : rejectUnknownKeys

  const content = <Part extends Schema.Schema.AnyNoContext>(part: Part) =>
    Schema.Union(Schema.String, Schema.Array(part))

  const name = nullish(Schema.String, "An optional name for the participant.")

  const DeveloperMessage = object(
    { role: Schema.Literal("developer"), content: content(TextContentPart), name },
    "DeveloperMessage",
    "Instructions from the developer, which the model should follow regardless of user messages."
  )

  const SystemMessage = object(
    { role: Schema.Literal("system"), content: content(TextContentPart), name },
    "SystemMessage",
    "Instructions for the model, as in older models' system prompts."
  )

  const UserMessage = object(
    {
      role: Schema.Literal("user"),
      content: content(Schema.Union(TextContentPart, ImageContentPart, AudioContentPart, FileContentPart)),
      name
    },
    "UserMessage",
    "A message from the end user: text, images, audio or files."
  )

  const ToolCall = object(
    {
      id: required(Schema.String, "The tool call's id."),
      type: Schema.Literal("function"),
      function: object({
        name: required(Schema.String, "The name of the function called."),
        arguments: required(Schema.String, "The function's arguments, as JSON text.")
      }, "ToolCallFunction")
    },
    "ToolCall",
    "A call of a function tool made by the model."
  )

  const AssistantMessage = object(
    {
      role: Schema.Literal("assistant"),
      content: nullish(
        content(Schema.Union(TextContentPart, RefusalContentPart)),
        "The page marks content required; the wire (as OpenAI) allows it null or absent beside `tool_calls`."
      ),
      name,
      refusal: nullish(Schema.String, "The assistant's refusal message."),
      tool_calls: nullish(Schema.Array(ToolCall), "The tool calls the assistant made.")
    },
    "AssistantMessage",
    "An earlier answer of the model, sent back as conversation history."
  )

  const ToolMessage = object(
    {
      role: Schema.Literal("tool"),
      content: nullish(
        content(TextContentPart),
        "The page marks content required; the API's SDKs type it optional and nullable, and the API reads null as absent."
      ),
      tool_call_id: required(Schema.String, "The id of the tool call this message answers.")
    },
    "ToolMessage",
    "The result of a tool call."
  )

  // One struct per role, each with a single literal `role`, so that `Message` can pick its member by `role` and a
  // wrong role fails with one line listing every role, not with the errors of every member.
  const completionReference = <Role extends "chat_completion" | "score_completion">(role: Role, identifier: string) =>
    object(
      {
        role: Schema.Literal(role),
        id: required(Schema.String, "The id of the earlier completion."),
        choice_index: required(integer.pipe(Schema.nonNegative()), "The referenced choice."),
        name
      },
      identifier,
      "A reference to a choice of an earlier completion; stored requests from late 2025 hold these roles."
    )

  const CompletionReferenceMessage = Schema.Union(
    completionReference("chat_completion", "ChatCompletionReferenceMessage"),
    completionReference("score_completion", "ScoreCompletionReferenceMessage")
  ).annotations({ identifier: named("CompletionReferenceMessage") })

  const Message = Schema.Union(
    DeveloperMessage,
    SystemMessage,
    UserMessage,
    AssistantMessage,
    ToolMessage,
    ...CompletionReferenceMessage.members
  ).annotations({ identifier: named("Message") })

  const FunctionDefinition = object(
    {
      name: required(Schema.String, "The function's name."),
      description: nullish(Schema.String, "What the function does."),
      parameters: nullish(Json.JsonObject, "The JSON Schema object defining the expected structure."),
      strict: nullish(Schema.Boolean, strictDescription)
    },
    "FunctionDefinition"
  )

  const Tool = object(
    { type: Schema.Literal("function"), function: FunctionDefinition },
    "Tool",
    "A tool the model may call."
  )

  const NamedToolChoice = object(
    { type: Schema.Literal("function"), function: object({ name: Schema.String }, "ToolChoiceFunction") },
    "NamedToolChoice",
    "The model must call the specified function."
  )

  const ToolChoice = Schema.Union(
    Schema.Literal("none", "auto", "required"),
    NamedToolChoice
  ).annotations({
    identifier: named("ToolChoice"),
    description:
      "Controls which (if any) tool is called by the model: `none` calls no tool, `auto` lets the model choose, `required` makes it call one, a named function makes it call that one."
  })

  const ResponseFormatText = object(
    { type: Schema.Literal("text") },
    "ResponseFormatText",
    "Responses will have no specific format."
  )
  const ResponseFormatJsonObject = object(
    { type: Schema.Literal("json_object") },
    "ResponseFormatJsonObject",
    "Responses will be JSON Objects."
  )
  const ResponseFormatJsonSchema = object(
    {
      type: Schema.Literal("json_schema"),
      json_schema: object({
        name: Schema.String,
        description: nullish(Schema.String),
        strict: nullish(Schema.Boolean, strictDescription),
        schema: nullish(Json.JsonValue, "The JSON Schema object defining the expected structure.")
      }, "JsonSchemaFormat")
    },
    "ResponseFormatJsonSchema",
    "Responses will adhere to the provided JSON Schema."
  )
  const ResponseFormat = Schema.Union(ResponseFormatText, ResponseFormatJsonObject, ResponseFormatJsonSchema)
    .annotations({
      identifier: named("ResponseFormat"),
      description: "An object specifying the format that the model must output."
    })

  const effort = enumOf(mode, "low", "medium", "high")

  const ProviderPreferences = object(
    {
      order: nullish(Schema.Array(Schema.String), "List of provider slugs to try in order."),
      allow_fallbacks: nullish(Schema.Boolean, "Whether to allow backup providers when the primary is unavailable."),
      require_parameters: nullish(Schema.Boolean, "Only use providers that support all parameters in your request."),
      data_collection: nullish(enumOf(mode, "allow", "deny"), "Control whether to use providers that may store data."),
      only: nullish(Schema.Array(Schema.String), "List of provider slugs to allow for this request."),
      ignore: nullish(Schema.Array(Schema.String), "List of provider slugs to skip for this request."),
      quantizations: nullish(Schema.Array(Schema.String), "List of quantization levels to filter by."),
      sort: nullish(Schema.String, "Sort providers by price or throughput.")
    },
    "ProviderPreferences",
    "OpenRouter provider preferences."
  )

  const ReasoningConfig = object(
    {
      max_tokens: nullish(atLeastOne, "An upper bound for the number of tokens that can be generated for reasoning."),
      effort: nullish(effort, "Constrains effort on reasoning for some reasoning models."),
      enabled: nullish(Schema.Boolean, "Whether reasoning is enabled for this request.")
    },
    "ReasoningConfig",
    "OpenRouter reasoning configuration."
  )

  const Plugin = Schema.Struct(
    { id: required(Schema.String, "The plugin's id.") },
    Schema.Record({ key: recordKey, value: Json.JsonValue })
  ).annotations({
    identifier: named("Plugin"),
    description: "An OpenRouter plugin. May include additional fields as needed.",
    ...recordKeys
  })

  const WebSearchOptions = object(
    {
      search_context_size: nullish(effort),
      user_location: nullish(object({
        type: Schema.Literal("approximate"),
        approximate: object({
          city: nullish(Schema.String),
          country: nullish(Schema.String),
          region: nullish(Schema.String),
          timezone: nullish(Schema.String)
        }, "ApproximateLocation")
      }, "UserLocation"))
    },
    "WebSearchOptions",
    "This tool searches the web for relevant results to use in a response."
  )

  const Prediction = Schema.Union(
    Schema.String,
    object({
      type: Schema.Literal("content"),
      content: Schema.Union(Schema.String, Schema.Array(TextContentPart))
    }, "PredictionContent")
  )

  const Seed = Schema.Union(integer, Schema.BigIntFromSelf).annotations({
    identifier: "Seed",
    jsonSchema: { type: "integer" }
  })

  // The rules the API enforces beyond the page's types hold for what a caller sends and what the API reads; a stored
  // request is read back whatever it holds, and checked again (by `validate`) only when it is replayed.
  const enforced = mode !== "lenient"

  const ChatCompletionCreateParams = object(
    {
      messages: required(
        enforced ? Schema.Array(Message).pipe(Schema.minItems(1)) : Schema.Array(Message),
        "A list of messages comprising the conversation so far. Depending on the model you use, different message types (modalities) are supported, like text, images, and audio."
      ),
      model: required(
        enforced ? Schema.String.pipe(Schema.minLength(1)) : Schema.String,
        "Model ID used to generate the response."
      ),
      frequency_penalty: nullish(
        between(-2, 2),
        "This setting aims to control the repetition of tokens based on how often they appear in the input. Negative values will encourage token reuse."
      ),
      logit_bias: nullish(
        Schema.Record({ key: recordKey, value: between(-100, 100) }).annotations(recordKeys),
        "Maps tokens (by their token ID in the tokenizer) to a bias value from -100 to 100, added to the logits before sampling."
      ),
      logprobs: nullish(Schema.Boolean, "Whether to return log probabilities of the output tokens or not."),
      max_completion_tokens: nullish(
        atLeastOne,
        "An upper bound for the number of tokens that can be generated for a completion, including visible output tokens and reasoning tokens."
      ),
      modalities: nullish(Schema.Array(Schema.String), "Output types that you would like the model to generate."),
      n: nullish(atLeastOne, "How many chat completion choices to generate for each input message."),
      parallel_tool_calls: nullish(Schema.Boolean, "Whether to enable parallel tool calling during tool use."),
      prediction: nullish(
        Prediction,
        "The predicted output from the model. The page gives a string; upstream takes `{ type: \"content\", content }`. Both are accepted."
      ),
      presence_penalty: nullish(
        between(-2, 2),
        "This setting aims to control the presence of tokens in the output. Negative values will encourage more diverse token usage."
      ),
      reasoning_effort: nullish(effort, "Constrains effort on reasoning for some reasoning models."),
      response_format: nullish(ResponseFormat),
      seed: nullish(
        Seed,
        "If specified, the inferencing will sample deterministically, such that repeated requests with the same seed and parameters should return the same result. Integers beyond 2^53 are kept exact as `bigint`."
      ),
      service_tier: nullish(
        enumOf(mode, "auto", "default", "flex"),
        "Specifies the processing type used for serving the request."
      ),
      stop: nullish(
        Schema.Union(Schema.String, Schema.Array(Schema.String)),
        "Stop generation immediately if the model encounters any token specified in the stop array."
      ),
      stream: nullish(
        Schema.Boolean,
        "If set to true, the model response data will be streamed to the client as it is generated using server-sent events."
      ),
      stream_options: nullish(
        object({
          include_usage: nullish(
            Schema.Boolean,
            "If set, an additional chunk will be streamed before the data: [DONE] message, carrying the usage and cost of the entire request."
          )
        }, "StreamOptions"),
        "Options for streaming response."
      ),
      temperature: nullish(
        between(0, 2),
        "This setting influences the variety in the model's responses. At 0, the model always gives the same response for a given input."
      ),
      tool_choice: nullish(ToolChoice),
      tools: nullish(Schema.Array(Tool), "A list of tools the model may call."),
      top_logprobs: nullish(
        integer.pipe(Schema.between(0, 20)),
        "An integer between 0 and 20 specifying the number of most likely tokens to return at each token position."
      ),
      top_p: nullish(
        between(0, 1),
        "This setting limits the model's choices to a percentage of likely tokens: only the top tokens whose probabilities add up to P."
      ),
      web_search_options: nullish(WebSearchOptions),
      max_tokens: nullish(
        atLeastOne,
        "This sets the upper limit for the number of tokens the model can generate in response."
      ),
      min_p: nullish(
        between(0, 1),
        "Represents the minimum probability for a token to be considered, relative to the probability of the most likely token."
      ),
      plugins: nullish(Schema.Array(Plugin), "OpenRouter plugins."),
      provider: nullish(ProviderPreferences),
      reasoning: nullish(ReasoningConfig),
      repetition_penalty: nullish(
        between(0, 2),
        "Helps to reduce the repetition of tokens from the input. A higher value makes the model less likely to repeat tokens."
      ),
      top_a: nullish(
        between(0, 1),
        "Consider only the top tokens with sufficiently high probabilities based on the probability of the most likely token."
      ),
      top_k: nullish(atLeastOne, "This limits the model's choice of tokens at each step to the K most likely."),
      usage: nullish(
        object({ include: nullish(Schema.Boolean, "Whether to include Cost in the response usage.") }, "UsageConfig"),
        "OpenRouter accounting configuration."
      ),
      verbosity: nullish(
        enumOf(mode, "low", "medium", "high"),
        "Controls the verbosity and length of the model response."
      ),
      models: nullish(Schema.Array(Schema.String), "Fallback models. Will be tried in order if the first one fails.")
    },
    "ChatCompletionCreateParams",
    "The body of `POST /chat/completions`."
  )

  // In strict mode every schema a caller can use refuses likely typos anywhere inside it. The filter sits only at the
  // top of each, not on every nested object, so that an error names the broken field without a layer per object.
  const exported = <A, I>(schema: Schema.Schema<A, I>): Schema.Schema<A, I> =>
    mode === "strict" ? refuseLikelyTypos(schema) : schema

  return {
    TextContentPart: exported(TextContentPart),
    ImageContentPart: exported(ImageContentPart),
    AudioContentPart: exported(AudioContentPart),
    FileContentPart: exported(FileContentPart),
    RefusalContentPart: exported(RefusalContentPart),
    DeveloperMessage: exported(DeveloperMessage),
    SystemMessage: exported(SystemMessage),
    UserMessage: exported(UserMessage),
    AssistantMessage: exported(AssistantMessage),
    ToolMessage: exported(ToolMessage),
    CompletionReferenceMessage: exported(CompletionReferenceMessage),
    Message: exported(Message),
    ToolCall: exported(ToolCall),
    FunctionDefinition: exported(FunctionDefinition),
    Tool: exported(Tool),
    NamedToolChoice: exported(NamedToolChoice),
    ToolChoice: exported(ToolChoice),
    ResponseFormatText: exported(ResponseFormatText),
    ResponseFormatJsonObject: exported(ResponseFormatJsonObject),
    ResponseFormatJsonSchema: exported(ResponseFormatJsonSchema),
    ResponseFormat: exported(ResponseFormat),
    ProviderPreferences: exported(ProviderPreferences),
    ReasoningConfig: exported(ReasoningConfig),
    Plugin: exported(Plugin),
    WebSearchOptions: exported(WebSearchOptions),
    Prediction: exported(Prediction),
    Seed,
    // Outside the typo check, whose filter reports beside the struct's own problems only when it sits right on it.
    ChatCompletionCreateParams: enforced
      ? exported(ChatCompletionCreateParams).pipe(Schema.filter(toolChoiceInTools, { jsonSchema: {} }))
      : exported(ChatCompletionCreateParams)
  }
}

/** The create body's schemas as a caller must write them. */
export const strict = make("strict")

/** The create body's schemas as the API reads them. */
export const received = make("received")

/** The create body's schemas as a stored request may hold them. */
export const lenient = make("lenient")
