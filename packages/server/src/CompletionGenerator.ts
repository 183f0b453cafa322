/**
 * The deterministic built-in model of the local server: no weights, only templates and a seeded PRNG. The answer is
 * a pure function of the request (its `seed` included), so the same request always gets the same completion; the
 * id and creation time are inputs, chosen by the caller.
 *
 * @since 0.1.0
 */
import type {
  ChatCompletion,
  ChatCompletionChunk,
  ChatCompletionCreateParams,
  ChatCompletionMessage,
  ChatCompletionTool,
  CompletionUsage,
  Logprobs
} from "@objectiveai-effect/domain"
import { CompletionId, Json } from "@objectiveai-effect/domain"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import { sample } from "./internal/jsonSchemaSampler.js"
import { modelInfo } from "./internal/models.js"
import { canonicalJson, digest, Prng } from "./internal/random.js"
import * as Text from "./internal/text.js"
import { countTokens, tokenize, tokenLogprobs } from "./internal/tokens.js"
import * as LocalServerError from "./LocalServerError.js"

/**
 * A create body the generator cannot answer although the API's schema accepts it (more choices than
 * {@link maxChoices}). The server answers it with 400.
 *
 * @since 0.1.0
 * @category errors
 */
export class InvalidRequest extends Schema.TaggedError<InvalidRequest>()("InvalidRequest", {
  message: Schema.String
}) {
  /** @since 0.1.0 */
  readonly [LocalServerError.TypeId]: LocalServerError.TypeId = LocalServerError.TypeId
}

/**
 * What identifies one completion apart from its content: its id and its creation time in Unix seconds.
 *
 * @since 0.1.0
 * @category models
 */
export interface Meta {
  readonly id: CompletionId.CompletionId
  readonly created: number
}

/**
 * A model's list price in USD per million tokens.
 *
 * @since 0.1.0
 * @category models
 */
export interface Price {
  readonly prompt: number
  readonly completion: number
}

/**
 * The price the generator charges for a model: the 2025 OpenRouter list price for the models it knows
 * (openai/gpt-4o-mini, openai/gpt-4o, anthropic/claude-3.5-sonnet, meta-llama/llama-3.1-70b-instruct,
 * google/gemini-2.0-flash, deepseek/deepseek-r1), 1 and 2 USD per million prompt and completion tokens otherwise.
 *
 * @since 0.1.0
 * @category getters
 */
export const priceOf = (model: string): Price => {
  const { completion, prompt } = modelInfo(model)
  return { prompt, completion }
}

/** USD per million tokens times tokens, as credits rounded to 1e-10. */
const toCredits = (microUsd: number): number => Math.round(microUsd * 1e4) / 1e10

/**
 * The cost in USD (credits) of a model's usage, rounded to 1e-10 so that the JSON stays short.
 *
 * @since 0.1.0
 * @category getters
 */
export const cost = (model: string, promptTokens: number, completionTokens: number): number => {
  const price = priceOf(model)
  return toCredits(promptTokens * price.prompt + completionTokens * price.completion)
}

/**
 * The usage `cost_details` the generator reports, as OpenRouter and ObjectiveAI send them: the upstream's charge
 * (all of {@link cost}, since the gateway bills the provider's list price), nothing charged behind it (the caller
 * brought no key of their own), and the list price of the prompt and of the completion apart, each rounded like
 * {@link cost}.
 *
 * @since 0.1.0
 * @category getters
 */
export const costDetails = (
  model: string,
  promptTokens: number,
  completionTokens: number
): CompletionUsage.CostDetails => {
  const price = priceOf(model)
  return {
    upstream_inference_cost: cost(model, promptTokens, completionTokens),
    upstream_upstream_inference_cost: 0,
    upstream_inference_prompt_cost: toCredits(promptTokens * price.prompt),
    upstream_inference_completions_cost: toCredits(completionTokens * price.completion)
  }
}

/**
 * An id in ObjectiveAI's current form, `chtcpl-<32 hex>-<unix seconds>`, the hex taken from a digest of `key`: the
 * same key and time always give the same id.
 *
 * @since 0.1.0
 * @category constructors
 */
export const completionId = (key: string, created: number): CompletionId.CompletionId =>
  CompletionId.make(`chtcpl-${digest(key).slice(0, 32)}-${created}`)

/**
 * The most choices one request may ask for, as OpenAI allows.
 *
 * @since 0.1.0
 * @category constants
 */
export const maxChoices = 128

/**
 * Checks what this server adds to the API's rules (which the domain schema checks): `n` within {@link maxChoices}.
 *
 * @since 0.1.0
 * @category parsing
 */
export const check = (
  request: ChatCompletionCreateParams.ChatCompletionCreateParams
): Either.Either<ChatCompletionCreateParams.ChatCompletionCreateParams, InvalidRequest> =>
  (request.n ?? 1) > maxChoices
    ? Either.left(new InvalidRequest({ message: `n: must be at most ${maxChoices}, got ${request.n}` }))
    : Either.right(request)

// Fields applied after the answer is drafted (truncation, stop, presentation, transport): two requests differing only
// in these draft the same text, so a truncated or streamed answer is a prefix of, or equal to, the full one.
const presentationKeys = new Set([
  "stream",
  "stream_options",
  "n",
  "logprobs",
  "top_logprobs",
  "max_tokens",
  "max_completion_tokens",
  "stop",
  "usage"
])

const messageText = (message: ChatCompletionMessage.Message): string => {
  if (!("content" in message) || message.content == null) return ""
  if (typeof message.content === "string") return message.content
  return message.content.map((part) => part.type === "text" ? part.text : part.type === "refusal" ? part.refusal : "")
    .join(" ")
}

const promptTokens = (request: ChatCompletionCreateParams.ChatCompletionCreateParams): number => {
  let total = 3
  for (const message of request.messages) {
    total += 4 + countTokens(messageText(message))
    if (message.role === "assistant") {
      for (const call of message.tool_calls ?? []) total += countTokens(call.function.arguments) + 1
    }
  }
  if (request.tools != null && request.tools.length > 0) total += countTokens(Json.stringify(request.tools))
  return total
}

/** The tools one choice calls, following `tool_choice`; `auto` calls tools the prompt mentions, or by chance. */
const chooseTools = (
  request: ChatCompletionCreateParams.ChatCompletionCreateParams,
  words: ReadonlyArray<string>,
  prng: Prng
): ReadonlyArray<ChatCompletionTool.Tool> => {
  const tools = request.tools ?? []
  const choice = request.tool_choice ?? "auto"
  if (tools.length === 0 || choice === "none") return []
  if (typeof choice === "object") return tools.filter((tool) => tool.function.name === choice.function.name).slice(0, 1)
  const lower = new Set(words.map((word) => word.toLowerCase()))
  const mentioned = tools.filter((tool) =>
    tool.function.name.split(/[_\-.]|(?=[A-Z])/).some((part) => part.length >= 4 && lower.has(part.toLowerCase()))
  )
  if (choice === "auto") {
    // A model that has just been given a tool's result answers in text rather than calling again.
    if (request.messages[request.messages.length - 1]?.role === "tool") return []
    if (mentioned.length === 0 && !prng.chance(0.5)) return []
  }
  const candidates = mentioned.length > 0 ? mentioned : tools
  const first = prng.pick(candidates)
  const parallel = request.parallel_tool_calls !== false && tools.length > 1 && prng.chance(0.25)
  if (!parallel) return [first]
  return [first, prng.pick(tools.filter((tool) => tool !== first))]
}

const sentenceRange: Record<"low" | "medium" | "high", readonly [number, number]> = {
  low: [1, 2],
  medium: [2, 4],
  high: [4, 7]
}

/** How many sentences a `low`/`medium`/`high` setting (effort, verbosity) asks for; medium when unset. */
const sentences = (level: string | undefined, prng: Prng): number => {
  const [min, max] = sentenceRange[level === "low" || level === "high" ? level : "medium"]
  return prng.int(min, max)
}

/** Takes tokens while the completion budget lasts, remembering whether anything was cut. */
class Budget {
  truncated = false
  constructor(private remaining: number) {}

  take(tokens: ReadonlyArray<string>, cap = Infinity): Array<string> {
    const allowed = Math.min(this.remaining, cap)
    if (tokens.length > allowed) {
      if (allowed === this.remaining) this.truncated = true
      tokens = tokens.slice(0, allowed)
    }
    this.remaining -= tokens.length
    return tokens.slice()
  }
}

const cutAtStop = (text: string, stop: string | ReadonlyArray<string> | undefined): string => {
  let end = text.length
  for (const sequence of typeof stop === "string" ? [stop] : stop ?? []) {
    const at = sequence.length > 0 ? text.indexOf(sequence) : -1
    if (at !== -1 && at < end) end = at
  }
  return text.slice(0, end)
}

interface Drafted {
  readonly choice: ChatCompletion.Choice
  readonly tokens: number
  readonly reasoningTokens: number
}

const draftChoice = (
  request: ChatCompletionCreateParams.ChatCompletionCreateParams,
  base: string,
  index: number
): Drafted => {
  // At temperature 0 every choice is the greedy one, so all choices share one stream of numbers.
  const slot = String(request.temperature === 0 ? 0 : index)
  const prng = (aspect: string) => new Prng(base, slot, aspect)
  const lastUser = [...request.messages].reverse().find((message) => message.role === "user")
  const words = Text.keywords(messageText(lastUser ?? request.messages[request.messages.length - 1]))
  const budget = new Budget(Math.min(request.max_tokens ?? Infinity, request.max_completion_tokens ?? Infinity))

  // `null` in any field of the request means absent, as the API reads it.
  const effort = request.reasoning?.effort ?? request.reasoning_effort ?? undefined
  const reasoningBudget = request.reasoning?.max_tokens ?? undefined
  const reasons = request.reasoning?.enabled ?? (effort !== undefined || reasoningBudget !== undefined ||
    modelInfo(request.model).reasons)
  const reasoningPrng = prng("reasoning")
  const reasoningTokens = reasons
    ? budget.take(
      tokenize(Text.reasoning(words, sentences(effort, reasoningPrng), reasoningPrng)),
      reasoningBudget
    )
    : []
  const reasoning = reasons ? reasoningTokens.join("") : null

  const logprobs = request.logprobs === true
  const logprobsOf = (tokens: ReadonlyArray<string>) =>
    tokenLogprobs(tokens, request.top_logprobs ?? 0, prng("logprobs"))
  const finish = (fallback: ChatCompletion.FinishReason): ChatCompletion.FinishReason =>
    budget.truncated ? "length" : fallback
  // The keys OpenAI requires are present, `null` where they have no value (`content`, `refusal`, `logprobs`); the ones
  // ObjectiveAI's SDK declares optional and never null (`reasoning`, `tool_calls`) are left out when there are none.
  const drafted = (
    answer: {
      readonly content: string | null
      readonly refusal: string | null
      readonly tool_calls?: ReadonlyArray<ChatCompletion.MessageToolCall>
    },
    finishReason: ChatCompletion.FinishReason,
    outputTokens: number,
    choiceLogprobs: Logprobs.ChoiceLogprobs | null
  ): Drafted => ({
    choice: {
      index,
      message: {
        role: "assistant",
        content: answer.content,
        refusal: answer.refusal,
        ...(reasoning === null ? {} : { reasoning }),
        ...(answer.tool_calls === undefined ? {} : { tool_calls: answer.tool_calls })
      },
      logprobs: choiceLogprobs,
      finish_reason: finishReason,
      native_finish_reason: finishReason
    },
    tokens: reasoningTokens.length + outputTokens,
    reasoningTokens: reasoningTokens.length
  })

  if (Text.shouldRefuse(words)) {
    const tokens = budget.take(tokenize(Text.refusal(prng("refusal"))))
    return drafted(
      { content: null, refusal: tokens.join("") },
      finish("stop"),
      tokens.length,
      logprobs ? { content: [], refusal: logprobsOf(tokens) } : null
    )
  }

  const toolPrng = prng("tools")
  const tools = chooseTools(request, words, toolPrng)
  if (tools.length > 0) {
    const calls: Array<ChatCompletion.MessageToolCall> = []
    let tokens = 0
    for (const tool of tools) {
      if (calls.length > 0 && budget.truncated) break
      const value = sample(tool.function.parameters ?? { type: "object", properties: {} }, words, toolPrng)
      const args = budget.take(tokenize(JSON.stringify(value)))
      tokens += args.length
      calls.push({
        id: `call_${toolPrng.alphanumeric(24)}`,
        type: "function",
        function: { name: tool.function.name, arguments: args.join("") }
      })
    }
    return drafted({ content: null, refusal: null, tool_calls: calls }, finish("tool_calls"), tokens, null)
  }

  const contentPrng = prng("content")
  const format = request.response_format
  const text = format == null || format.type === "text"
    ? Text.answer(words, sentences(request.verbosity ?? undefined, contentPrng), contentPrng)
    : JSON.stringify(
      format.type === "json_schema" && format.json_schema.schema !== undefined
        ? sample(format.json_schema.schema, words, contentPrng)
        : { answer: Text.answer(words, 1, contentPrng), topics: words.slice(0, 3) }
    )
  const tokens = budget.take(tokenize(cutAtStop(text, request.stop ?? undefined)))
  return drafted(
    { content: tokens.join(""), refusal: null },
    finish("stop"),
    tokens.length,
    logprobs ? { content: logprobsOf(tokens), refusal: [] } : null
  )
}

const requestKey = (request: ChatCompletionCreateParams.ChatCompletionCreateParams): string => {
  const drafting: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(request)) {
    if (!presentationKeys.has(key) && value !== null) drafting[key] = value
  }
  return canonicalJson(drafting)
}

/**
 * Answers a create request. Content comes from templates filled with the words of the last user message; prompts
 * about weapons, malware and the like get a refusal. With `tools`, `tool_choice` `required` or a named function
 * makes a tool call (`auto` calls a tool the prompt mentions, else one half of the time, and never right after a
 * tool result), with arguments generated from the tool's JSON Schema. `logprobs`/`top_logprobs`, `n`, `max_tokens`
 * and `max_completion_tokens` (finish reason `length`), `stop`, `reasoning`/`reasoning_effort`, `verbosity` and
 * `response_format` are honoured. At temperature 0 all `n` choices are equal.
 *
 * The completion has the shape ObjectiveAI's own SDK, openai-node and OpenRouter's zod schemas all accept:
 * `message.content`, `message.refusal` and `choice.logprobs` always present, `null` where they have no value; inside
 * `logprobs`, `content` and `refusal` always arrays (`[]` when there are no such tokens); `message.reasoning` and
 * `message.tool_calls` left out when there are none (ObjectiveAI's SDK declares them optional and never null); and
 * usage with its token details and {@link costDetails}.
 *
 * Only the request decides the answer: the same request and `seed` give the same completion apart from `meta`, and
 * changing `stream`, `n`, `logprobs`, `max_tokens` or `stop` changes only how much of the same answer is shown.
 *
 * @example
 * ```ts
 * import { CompletionGenerator } from "@objectiveai-effect/server"
 *
 * const completion = CompletionGenerator.complete(
 *   { model: "openai/gpt-4o-mini", messages: [{ role: "user", content: "Explain vector clocks" }], seed: 7 },
 *   { id: CompletionGenerator.completionId("example", 1_750_000_000), created: 1_750_000_000 }
 * )
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const complete = (
  request: ChatCompletionCreateParams.ChatCompletionCreateParams,
  meta: Meta
): ChatCompletion.ChatCompletion => {
  // Hashed once here, so the per-choice generators seed from a short digest rather than the whole request.
  const base = digest(requestKey(request))
  const drafts = Array.from({ length: request.n ?? 1 }, (_, index) => draftChoice(request, base, index))
  const prompt = promptTokens(request)
  const completion = drafts.reduce((sum, draft) => sum + draft.tokens, 0)
  const reasoningTokens = drafts.reduce((sum, draft) => sum + draft.reasoningTokens, 0)
  const usage: CompletionUsage.CompletionUsage = {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: reasoningTokens, image_tokens: 0 },
    cost: cost(request.model, prompt, completion),
    is_byok: false,
    cost_details: costDetails(request.model, prompt, completion)
  }
  return {
    id: meta.id,
    object: "chat.completion",
    created: meta.created,
    model: request.model,
    provider: new Prng(base, "provider").pick(modelInfo(request.model).providers),
    system_fingerprint: `fp_${new Prng(request.model, "fingerprint").hex(10)}`,
    choices: drafts.map((draft) => draft.choice),
    usage
  }
}

/** How a choice's text streams: a few tokens per delta, as upstreams send them. */
const pieces = (tokens: ReadonlyArray<string>, prng: Prng): Array<[start: number, end: number]> => {
  const out: Array<[number, number]> = []
  for (let start = 0; start < tokens.length;) {
    const end = Math.min(tokens.length, start + prng.int(1, 4))
    out.push([start, end])
    start = end
  }
  return out
}

const choiceDeltas = (choice: ChatCompletion.Choice, prng: Prng): Array<ChatCompletionChunk.ChunkChoice> => {
  const { index, message } = choice
  // As on the real wire, every choice of every chunk carries both finish reasons, `null` until known; `logprobs` only
  // where the delta has some, as ObjectiveAI's SDK declares it optional and never null.
  const unfinished = { finish_reason: null, native_finish_reason: null } as const
  // The stream opens with the role alone, as OpenAI and OpenRouter send it, with `content: ""` when the answer has
  // content; a refusal or tool calls leave `content` out, so that the merged message reads as the unary one.
  const deltas: Array<ChatCompletionChunk.ChunkChoice> = [{
    index,
    delta: message.content == null ? { role: "assistant" } : { role: "assistant", content: "" },
    ...unfinished
  }]
  const push = (delta: ChatCompletionChunk.ChoiceDelta, logprobs?: Logprobs.ChoiceLogprobs) =>
    deltas.push({ index, delta, ...unfinished, ...(logprobs === undefined ? {} : { logprobs }) })
  const streamText = (
    text: string,
    field: "content" | "refusal" | "reasoning",
    logprobs: ReadonlyArray<Logprobs.TokenLogprob> | null | undefined
  ) => {
    const tokens = tokenize(text)
    const slices = pieces(tokens, prng)
    // An empty answer still streams one empty delta, so that its logprobs merge as `[]` rather than none.
    if (slices.length === 0) slices.push([0, 0])
    for (const [start, end] of slices) {
      const slice = logprobs?.slice(start, end)
      push(
        { [field]: tokens.slice(start, end).join("") },
        slice === undefined || field === "reasoning"
          ? undefined
          : field === "content"
          ? { content: slice, refusal: [] }
          : { content: [], refusal: slice }
      )
    }
  }
  if (message.reasoning != null) streamText(message.reasoning, "reasoning", undefined)
  if (message.refusal != null) streamText(message.refusal, "refusal", choice.logprobs?.refusal)
  if (message.content != null) streamText(message.content, "content", choice.logprobs?.content)
  message.tool_calls?.forEach((call, position) => {
    const { arguments: args, name } = call.function
    push({ tool_calls: [{ index: position, id: call.id, type: call.type, function: { name, arguments: "" } }] })
    const tokens = tokenize(args)
    for (const [start, end] of pieces(tokens, prng)) {
      push({ tool_calls: [{ index: position, function: { arguments: tokens.slice(start, end).join("") } }] })
    }
  })
  deltas.push({
    index,
    delta: {},
    finish_reason: choice.finish_reason,
    native_finish_reason: choice.native_finish_reason ?? null
  })
  return deltas
}

/**
 * The chunks that stream a completion, shaped as OpenAI and OpenRouter stream: per choice, a first delta with the
 * role alone, then reasoning, refusal and content a few tokens at a time (with their logprobs), tool calls as a first
 * fragment with id and name then argument pieces, and a last empty delta with the finish reason; every chunk choice
 * carries `finish_reason` and `native_finish_reason`, `null` until they have a value, and `logprobs` only where it has
 * some (ObjectiveAI's SDK declares a chunk's `logprobs` optional and never null). Choices take turns,
 * one per chunk. With `includeUsage` a final chunk with `choices: []` carries the usage. Merging the chunks
 * (`ChatCompletionChunk.merge`) gives back the completion key for key (with its usage only when `includeUsage`).
 * Chunks carry no `usage: null` and no `system_fingerprint: null`, as OpenRouter sends them: its SDK refuses either.
 *
 * @since 0.1.0
 * @category constructors
 */
export const chunks = (
  completion: ChatCompletion.ChatCompletion,
  options: { readonly includeUsage: boolean }
): Array<ChatCompletionChunk.ChatCompletionChunk> => {
  const prng = new Prng(completion.id, "chunks")
  const head = {
    id: completion.id,
    object: "chat.completion.chunk",
    created: completion.created,
    model: completion.model,
    ...(completion.provider == null ? {} : { provider: completion.provider }),
    ...(completion.system_fingerprint == null ? {} : { system_fingerprint: completion.system_fingerprint })
  } as const
  const queues = completion.choices.map((choice) => choiceDeltas(choice, prng))
  const out: Array<ChatCompletionChunk.ChatCompletionChunk> = []
  for (let round = 0; queues.some((queue) => round < queue.length); round++) {
    for (const queue of queues) {
      if (round < queue.length) out.push({ ...head, choices: [queue[round]] })
    }
  }
  if (options.includeUsage && completion.usage != null) out.push({ ...head, choices: [], usage: completion.usage })
  return out
}

/**
 * A JSON value valid for a JSON Schema, as the generator writes tool arguments and `json_schema` answers. It honours
 * `type` (one or several), `enum`, `const`, `anyOf`/`oneOf` (one branch), `allOf` (merged), `$ref` into the same
 * document (`#/$defs/…`, `#/definitions/…`, with sibling keywords as Effect's JSON Schema writes them), objects
 * (`properties`, `required`, `additionalProperties`), arrays (`items` as a schema or a tuple, `minItems`, `maxItems`,
 * `uniqueItems`), strings (`minLength`, `maxLength`, formats `date-time`, `date`, `time`, `email`, `uri`, `uuid`),
 * numbers and integers (`minimum`, `maximum`, their exclusive forms, `multipleOf`), booleans and null. `pattern` is
 * not interpreted beyond those formats. Strings are made of `words`; the same `seed` gives the same value.
 *
 * @since 0.1.0
 * @category constructors
 */
export const sampleJson = (schema: Json.JsonValue, words: ReadonlyArray<string>, seed: string): Json.JsonValue =>
  sample(schema, words, new Prng(seed))
