/**
 * Streamed chunks (`chat.completion.chunk`) and the merge that turns a sequence of them into the `ChatCompletion`
 * the same request would have returned unstreamed.
 *
 * @since 0.1.0
 */
import type * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import * as ChatCompletion from "./ChatCompletion.js"
import * as CompletionId from "./CompletionId.js"
import * as CompletionUsage from "./CompletionUsage.js"
import * as ErrorBody from "./ErrorBody.js"
import { ChunkAccumulator } from "./internal/merge.js"
import { nullish, openLiteral, preserveUnknownKeys, required } from "./internal/schema.js"
import * as Json from "./Json.js"
import * as Logprobs from "./Logprobs.js"

/**
 * A fragment of a tool call. `id`, `type` and `name` usually come only with the first fragment of an `index`;
 * `arguments` arrive in pieces to concatenate.
 *
 * @since 0.1.0
 * @category schemas
 */
export const ToolCallDelta = Schema.Struct({
  index: required(Json.JsonWholeNumber, "The position of the tool call this fragment belongs to."),
  id: nullish(Schema.String),
  type: nullish(openLiteral("function")),
  function: nullish(
    Schema.Struct({ name: nullish(Schema.String), arguments: nullish(Schema.String) }).annotations({
      identifier: "ToolCallDeltaFunction",
      ...preserveUnknownKeys
    })
  )
}).annotations({ identifier: "ToolCallDelta", ...preserveUnknownKeys })
/**
 * @since 0.1.0
 * @category models
 */
export interface ToolCallDelta extends Schema.Schema.Type<typeof ToolCallDelta> {}

/**
 * What a chunk adds to a choice's message.
 *
 * @since 0.1.0
 * @category schemas
 */
export const ChoiceDelta = Schema.Struct({
  role: nullish(openLiteral("assistant")),
  content: nullish(Schema.String),
  refusal: nullish(Schema.String),
  reasoning: nullish(Schema.String),
  reasoning_details: nullish(Schema.Array(ChatCompletion.ReasoningDetail)),
  tool_calls: nullish(Schema.Array(ToolCallDelta)),
  annotations: nullish(Schema.Array(ChatCompletion.Annotation)),
  images: nullish(Schema.Array(ChatCompletion.Image))
}).annotations({ identifier: "ChoiceDelta", ...preserveUnknownKeys })
/**
 * @since 0.1.0
 * @category models
 */
export interface ChoiceDelta extends Schema.Schema.Type<typeof ChoiceDelta> {}

/**
 * A choice of a chunk.
 *
 * @since 0.1.0
 * @category schemas
 */
export const ChunkChoice = Schema.Struct({
  delta: ChoiceDelta,
  finish_reason: nullish(ChatCompletion.FinishReason),
  native_finish_reason: nullish(Schema.String),
  index: Json.JsonWholeNumber,
  logprobs: nullish(Logprobs.ChoiceLogprobs),
  error: nullish(ErrorBody.OpenRouterError)
}).annotations({ identifier: "ChunkChoice", ...preserveUnknownKeys })
/**
 * @since 0.1.0
 * @category models
 */
export interface ChunkChoice extends Schema.Schema.Type<typeof ChunkChoice> {}

/**
 * One streamed event. The last chunk before `[DONE]` may have `choices: []` and carry only `usage`; an OpenRouter
 * mid-stream failure is a chunk with a top-level `error` and `finish_reason: "error"`.
 *
 * @since 0.1.0
 * @category schemas
 */
export const ChatCompletionChunk = Schema.Struct({
  id: required(
    CompletionId.CompletionId,
    "A unique identifier for the chat completion; every chunk of a stream has the same."
  ),
  choices: Schema.Array(ChunkChoice),
  created: Json.JsonWholeNumber,
  model: Schema.String,
  object: Schema.Literal("chat.completion.chunk"),
  service_tier: nullish(ChatCompletion.ServiceTier),
  system_fingerprint: nullish(Schema.String),
  usage: nullish(CompletionUsage.CompletionUsage),
  provider: nullish(Schema.String),
  error: nullish(ErrorBody.OpenRouterError)
}).annotations({ identifier: "ChatCompletionChunk", ...preserveUnknownKeys })
/**
 * @since 0.1.0
 * @category models
 */
export interface ChatCompletionChunk extends Schema.Schema.Type<typeof ChatCompletionChunk> {}
/**
 * @since 0.1.0
 * @category models
 */
export interface ChatCompletionChunkEncoded extends Schema.Schema.Encoded<typeof ChatCompletionChunk> {}

/**
 * A chunk from the JSON text of one SSE `data:` field, read losslessly.
 *
 * @since 0.1.0
 * @category schemas
 */
export const ChatCompletionChunkFromJson = Json.parseJson(ChatCompletionChunk)

/**
 * Builds a completion from chunks one at a time, for consumers of a live stream that need the partial completion
 * at any point (after an error, say). Each `add` costs time proportional to the chunk, not to what came before.
 *
 * @example
 * ```ts
 * import { ChatCompletionChunk } from "@objectiveai-effect/domain"
 *
 * // Option<ChatCompletion>: None before the first chunk.
 * const mergeAll = (chunks: Iterable<ChatCompletionChunk.ChatCompletionChunk>) => {
 *   const accumulator = ChatCompletionChunk.accumulator()
 *   for (const chunk of chunks) accumulator.add(chunk)
 *   return accumulator.completion()
 * }
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface Accumulator {
  /** Folds one more chunk in. */
  readonly add: (chunk: ChatCompletionChunk) => void
  /** The completion merged so far; `None` before the first chunk. */
  readonly completion: () => Option.Option<ChatCompletion.ChatCompletion>
  /** How many chunks were added. */
  readonly chunks: () => number
}

/**
 * A new, empty {@link Accumulator}.
 *
 * @since 0.1.0
 * @category folding
 */
export const accumulator = (): Accumulator => new ChunkAccumulator()

/**
 * Merges chunks into the completion they stream: `content`, `refusal`, `reasoning` and tool-call `arguments`
 * concatenate; choices merge by `index` and tool calls by their `index`; logprob arrays append; `usage` is the last
 * one sent; a chunk's own `error` (OpenRouter's mid-stream failure) becomes the `error` of the choices it ends with
 * `finish_reason: "error"`. The completion has the unary answer's shape, so a merged stream equals that answer:
 * `content`, `refusal` and `logprobs` are `null` where no chunk carried them, `reasoning` is left out, and once any
 * chunk carried logprobs both `logprobs.content` and `logprobs.refusal` are arrays (`[]` for no tokens). `None` for no
 * chunks.
 *
 * @since 0.1.0
 * @category folding
 */
export const merge = (chunks: Iterable<ChatCompletionChunk>): Option.Option<ChatCompletion.ChatCompletion> => {
  const merged = new ChunkAccumulator()
  for (const chunk of chunks) merged.add(chunk)
  return merged.completion()
}
