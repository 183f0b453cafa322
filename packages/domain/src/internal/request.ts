import * as Schema from "effect/Schema"
import * as Json from "../Json.js"
import { enumOf, type Mode, optional, required, unknownKeys } from "./schema.js"

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

/** Every schema of the create body, in one mode: strict for what a caller sends, lenient for stored requests. */
export const make = <M extends Mode>(mode: M) => {
  const object = <Fields extends Schema.Struct.Fields>(fields: Fields, identifier: string, description?: string) =>
    Schema.Struct(fields).annotations({
      identifier: mode === "strict" ? identifier : `${identifier}Lenient`,
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
        detail: optional(enumOf(mode, "auto", "low", "high"), "The image's detail level.")
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
        file_data: optional(Schema.String),
        file_id: optional(Schema.String),
        filename: optional(Schema.String)
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

  const content = <Parts extends ReadonlyArray<Schema.Schema.AnyNoContext>>(...parts: Parts) =>
    Schema.Union(Schema.String, Schema.Array(parts.length === 1 ? parts[0] : Schema.Union(...parts)))

  const name = optional(Schema.String, "An optional name for the participant.")

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
      content: content(TextContentPart, ImageContentPart, AudioContentPart, FileContentPart),
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
      content: optional(
        Schema.NullOr(content(TextContentPart, RefusalContentPart)),
        "The page marks content required; the wire (as OpenAI) allows it null or absent beside `tool_calls`."
      ),
      name,
      refusal: optional(Schema.String, "The assistant's refusal message."),
      tool_calls: optional(Schema.Array(ToolCall), "The tool calls the assistant made.")
    },
    "AssistantMessage",
    "An earlier answer of the model, sent back as conversation history."
  )

  const ToolMessage = object(
    {
      role: Schema.Literal("tool"),
      content: content(TextContentPart),
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
  ).annotations({ identifier: mode === "strict" ? "CompletionReferenceMessage" : "CompletionReferenceMessageLenient" })

  const Message = Schema.Union(
    DeveloperMessage,
    SystemMessage,
    UserMessage,
    AssistantMessage,
    ToolMessage,
    ...CompletionReferenceMessage.members
  ).annotations({ identifier: mode === "strict" ? "Message" : "MessageLenient" })

  const FunctionDefinition = object(
    {
      name: required(Schema.String, "The function's name."),
      description: optional(Schema.String, "What the function does."),
      parameters: optional(Json.JsonObject, "The JSON Schema object defining the expected structure."),
      strict: optional(Schema.Boolean, strictDescription)
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
    identifier: mode === "strict" ? "ToolChoice" : "ToolChoiceLenient",
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
        description: optional(Schema.String),
        strict: optional(Schema.Boolean, strictDescription),
        schema: optional(Json.JsonValue, "The JSON Schema object defining the expected structure.")
      }, "JsonSchemaFormat")
    },
    "ResponseFormatJsonSchema",
    "Responses will adhere to the provided JSON Schema."
  )
  const ResponseFormat = Schema.Union(ResponseFormatText, ResponseFormatJsonObject, ResponseFormatJsonSchema)
    .annotations({
      identifier: mode === "strict" ? "ResponseFormat" : "ResponseFormatLenient",
      description: "An object specifying the format that the model must output."
    })

  const effort = enumOf(mode, "low", "medium", "high")

  const ProviderPreferences = object(
    {
      order: optional(Schema.Array(Schema.String), "List of provider slugs to try in order."),
      allow_fallbacks: optional(Schema.Boolean, "Whether to allow backup providers when the primary is unavailable."),
      require_parameters: optional(Schema.Boolean, "Only use providers that support all parameters in your request."),
      data_collection: optional(enumOf(mode, "allow", "deny"), "Control whether to use providers that may store data."),
      only: optional(Schema.Array(Schema.String), "List of provider slugs to allow for this request."),
      ignore: optional(Schema.Array(Schema.String), "List of provider slugs to skip for this request."),
      quantizations: optional(Schema.Array(Schema.String), "List of quantization levels to filter by."),
      sort: optional(Schema.String, "Sort providers by price or throughput.")
    },
    "ProviderPreferences",
    "OpenRouter provider preferences."
  )

  const ReasoningConfig = object(
    {
      max_tokens: optional(atLeastOne, "An upper bound for the number of tokens that can be generated for reasoning."),
      effort: optional(effort, "Constrains effort on reasoning for some reasoning models."),
      enabled: optional(Schema.Boolean, "Whether reasoning is enabled for this request.")
    },
    "ReasoningConfig",
    "OpenRouter reasoning configuration."
  )

  const Plugin = Schema.Struct(
    { id: required(Schema.String, "The plugin's id.") },
    Schema.Record({ key: recordKey, value: Json.JsonValue })
  ).annotations({
    identifier: mode === "strict" ? "Plugin" : "PluginLenient",
    description: "An OpenRouter plugin. May include additional fields as needed."
  })

  const WebSearchOptions = object(
    {
      search_context_size: optional(effort),
      user_location: optional(object({
        type: Schema.Literal("approximate"),
        approximate: object({
          city: optional(Schema.String),
          country: optional(Schema.String),
          region: optional(Schema.String),
          timezone: optional(Schema.String)
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

  const ChatCompletionCreateParams = object(
    {
      messages: required(
        Schema.Array(Message),
        "A list of messages comprising the conversation so far. Depending on the model you use, different message types (modalities) are supported, like text, images, and audio."
      ),
      model: required(Schema.String, "Model ID used to generate the response."),
      frequency_penalty: optional(
        between(-2, 2),
        "This setting aims to control the repetition of tokens based on how often they appear in the input. Negative values will encourage token reuse."
      ),
      logit_bias: optional(
        Schema.Record({ key: recordKey, value: between(-100, 100) }),
        "Maps tokens (by their token ID in the tokenizer) to a bias value from -100 to 100, added to the logits before sampling."
      ),
      logprobs: optional(Schema.Boolean, "Whether to return log probabilities of the output tokens or not."),
      max_completion_tokens: optional(
        atLeastOne,
        "An upper bound for the number of tokens that can be generated for a completion, including visible output tokens and reasoning tokens."
      ),
      modalities: optional(Schema.Array(Schema.String), "Output types that you would like the model to generate."),
      n: optional(atLeastOne, "How many chat completion choices to generate for each input message."),
      parallel_tool_calls: optional(Schema.Boolean, "Whether to enable parallel tool calling during tool use."),
      prediction: optional(
        Prediction,
        "The predicted output from the model. The page gives a string; upstream takes `{ type: \"content\", content }`. Both are accepted."
      ),
      presence_penalty: optional(
        between(-2, 2),
        "This setting aims to control the presence of tokens in the output. Negative values will encourage more diverse token usage."
      ),
      reasoning_effort: optional(effort, "Constrains effort on reasoning for some reasoning models."),
      response_format: optional(ResponseFormat),
      seed: optional(
        Seed,
        "If specified, the inferencing will sample deterministically, such that repeated requests with the same seed and parameters should return the same result. Integers beyond 2^53 are kept exact as `bigint`."
      ),
      service_tier: optional(
        enumOf(mode, "auto", "default", "flex"),
        "Specifies the processing type used for serving the request."
      ),
      stop: optional(
        Schema.Union(Schema.String, Schema.Array(Schema.String)),
        "Stop generation immediately if the model encounters any token specified in the stop array."
      ),
      stream: optional(
        Schema.Boolean,
        "If set to true, the model response data will be streamed to the client as it is generated using server-sent events."
      ),
      stream_options: optional(
        object({
          include_usage: optional(
            Schema.Boolean,
            "If set, an additional chunk will be streamed before the data: [DONE] message, carrying the usage and cost of the entire request."
          )
        }, "StreamOptions"),
        "Options for streaming response."
      ),
      temperature: optional(
        between(0, 2),
        "This setting influences the variety in the model's responses. At 0, the model always gives the same response for a given input."
      ),
      tool_choice: optional(ToolChoice),
      tools: optional(Schema.Array(Tool), "A list of tools the model may call."),
      top_logprobs: optional(
        integer.pipe(Schema.between(0, 20)),
        "An integer between 0 and 20 specifying the number of most likely tokens to return at each token position."
      ),
      top_p: optional(
        between(0, 1),
        "This setting limits the model's choices to a percentage of likely tokens: only the top tokens whose probabilities add up to P."
      ),
      web_search_options: optional(WebSearchOptions),
      max_tokens: optional(
        atLeastOne,
        "This sets the upper limit for the number of tokens the model can generate in response."
      ),
      min_p: optional(
        between(0, 1),
        "Represents the minimum probability for a token to be considered, relative to the probability of the most likely token."
      ),
      plugins: optional(Schema.Array(Plugin), "OpenRouter plugins."),
      provider: optional(ProviderPreferences),
      reasoning: optional(ReasoningConfig),
      repetition_penalty: optional(
        between(0, 2),
        "Helps to reduce the repetition of tokens from the input. A higher value makes the model less likely to repeat tokens."
      ),
      top_a: optional(
        between(0, 1),
        "Consider only the top tokens with sufficiently high probabilities based on the probability of the most likely token."
      ),
      top_k: optional(atLeastOne, "This limits the model's choice of tokens at each step to the K most likely."),
      usage: optional(
        object({ include: optional(Schema.Boolean, "Whether to include Cost in the response usage.") }, "UsageConfig"),
        "OpenRouter accounting configuration."
      ),
      verbosity: optional(
        enumOf(mode, "low", "medium", "high"),
        "Controls the verbosity and length of the model response."
      ),
      models: optional(Schema.Array(Schema.String), "Fallback models. Will be tried in order if the first one fails.")
    },
    "ChatCompletionCreateParams",
    "The body of `POST /chat/completions`."
  )

  return {
    TextContentPart,
    ImageContentPart,
    AudioContentPart,
    FileContentPart,
    RefusalContentPart,
    DeveloperMessage,
    SystemMessage,
    UserMessage,
    AssistantMessage,
    ToolMessage,
    CompletionReferenceMessage,
    Message,
    ToolCall,
    FunctionDefinition,
    Tool,
    NamedToolChoice,
    ToolChoice,
    ResponseFormatText,
    ResponseFormatJsonObject,
    ResponseFormatJsonSchema,
    ResponseFormat,
    ProviderPreferences,
    ReasoningConfig,
    Plugin,
    WebSearchOptions,
    Prediction,
    Seed,
    ChatCompletionCreateParams
  }
}

/** The create body's schemas as a caller must write them. */
export const strict = make("strict")

/** The create body's schemas as a stored request may hold them. */
export const lenient = make("lenient")
