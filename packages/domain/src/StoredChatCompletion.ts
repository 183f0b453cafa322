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
 * A create body as the server stored it: the same fields and bounds as `ChatCompletionCreateParams`, but unknown
 * keys and enum values are kept rather than rejected.
 *
 * @since 0.1.0
 */
export const StoredChatCompletionRequest = lenient.ChatCompletionCreateParams.annotations({
  description: "The original request body"
})
/** @since 0.1.0 */
export interface StoredChatCompletionRequest extends Schema.Schema.Type<typeof StoredChatCompletionRequest> {}

/**
 * A stored completion: `{ request, response }`.
 *
 * @since 0.1.0
 */
export const StoredChatCompletion = Schema.Struct({
  request: StoredChatCompletionRequest,
  response: ChatCompletion.ChatCompletion.annotations({ description: "The completion response" })
}).annotations({ identifier: "StoredChatCompletion", ...preserveUnknownKeys })
/** @since 0.1.0 */
export interface StoredChatCompletion extends Schema.Schema.Type<typeof StoredChatCompletion> {}
/** @since 0.1.0 */
export interface StoredChatCompletionEncoded extends Schema.Schema.Encoded<typeof StoredChatCompletion> {}

/**
 * A stored completion from JSON text, read losslessly (a `seed` beyond 2^53 stays exact).
 *
 * @since 0.1.0
 */
export const StoredChatCompletionFromJson = Json.parseJson(StoredChatCompletion)
