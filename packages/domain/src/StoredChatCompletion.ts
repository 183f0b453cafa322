/**
 * The body of `GET /chat/completions/{id}`: the request as it was sent and the completion it produced, both decoded
 * leniently so that old stored requests (unlisted roles, enum values added since) still read.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import * as ChatCompletion from "./ChatCompletion.js"
import { lenient } from "./internal/request.js"
import { preserveUnknownKeys } from "./internal/schema.js"
import * as Json from "./Json.js"

/**
 * A create body as the server stored it: the same fields and bounds as `ChatCompletionCreateParams`, but enum values
 * the page does not list and unknown keys anywhere are kept, so that every request the API stored decodes: `null` in
 * any optional field (kept, and written back), `content: null` on assistant and tool messages, the legacy reference
 * roles `chat_completion` and `score_completion`, and both audio part spellings. Whatever it decodes passes
 * `ChatCompletionCreateParams.validate` unless it breaks a documented enum, so a stored request can be replayed.
 *
 * @since 0.1.0
 * @category schemas
 */
export const StoredChatCompletionRequest = lenient.ChatCompletionCreateParams.annotations({
  identifier: "StoredChatCompletionRequest",
  description: "The original request body"
})
/**
 * @since 0.1.0
 * @category models
 */
export interface StoredChatCompletionRequest extends Schema.Schema.Type<typeof StoredChatCompletionRequest> {}

/**
 * A stored completion: `{ request, response }`.
 *
 * @since 0.1.0
 * @category schemas
 */
export const StoredChatCompletion = Schema.Struct({
  request: StoredChatCompletionRequest,
  response: ChatCompletion.ChatCompletion.annotations({ description: "The completion response" })
}).annotations({ identifier: "StoredChatCompletion", ...preserveUnknownKeys })
/**
 * @since 0.1.0
 * @category models
 */
export interface StoredChatCompletion extends Schema.Schema.Type<typeof StoredChatCompletion> {}
/**
 * @since 0.1.0
 * @category models
 */
export interface StoredChatCompletionEncoded extends Schema.Schema.Encoded<typeof StoredChatCompletion> {}

/**
 * A stored completion from JSON text, read losslessly (a `seed` beyond 2^53 stays exact).
 *
 * @since 0.1.0
 * @category schemas
 */
export const StoredChatCompletionFromJson = Json.parseJson(StoredChatCompletion)
