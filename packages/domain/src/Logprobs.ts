/**
 * Token log probabilities of a choice. The token arrays are the bulk of a large response, so they decode through a
 * fast path that checks every value in place and, only when something is wrong, re-runs the full schema to report
 * exactly the error it would have.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import { tokenLogprobArray } from "./internal/logprobs.js"
import { nullish, preserveUnknownKeys, required } from "./internal/schema.js"
import * as Json from "./Json.js"

const bytes = nullish(
  Schema.Array(Json.JsonWholeNumber),
  "The byte representation of the token."
)

/**
 * One of the most likely tokens at a position. `logprob` may be absent or `null`; `bytes` may be `null`.
 *
 * @since 0.1.0
 * @category schemas
 */
export const TopLogprob = Schema.Struct({
  token: required(Schema.String, "The token text."),
  bytes,
  logprob: nullish(Json.JsonNumber, "The log probability of the token.")
}).annotations({ identifier: "TopLogprob", ...preserveUnknownKeys })
/**
 * @since 0.1.0
 * @category models
 */
export interface TopLogprob extends Schema.Schema.Type<typeof TopLogprob> {}

/**
 * The log probability of one generated token, with the top alternatives. `-9999` is the upstream placeholder for
 * "not in the top 20"; self-hosted upstreams may send very large negative numbers or `null`.
 *
 * @since 0.1.0
 * @category schemas
 */
export const TokenLogprob = Schema.Struct({
  token: required(Schema.String, "The token text."),
  bytes,
  logprob: required(Schema.NullOr(Json.JsonNumber), "The log probability of the token."),
  top_logprobs: Schema.Array(TopLogprob).annotations({
    description: "The most likely tokens at this position, with their log probabilities."
  })
}).annotations({ identifier: "TokenLogprob", ...preserveUnknownKeys })
/**
 * @since 0.1.0
 * @category models
 */
export interface TokenLogprob extends Schema.Schema.Type<typeof TokenLogprob> {}

/**
 * An array of token logprobs, decoded by the fast path; same type, JSON Schema, arbitrary and error messages as
 * `Schema.Array(TokenLogprob)`.
 *
 * @since 0.1.0
 * @category schemas
 */
export const TokenLogprobs: Schema.Schema<ReadonlyArray<TokenLogprob>> = tokenLogprobArray(Schema.Array(TokenLogprob))

/**
 * The log probabilities of a choice's content and refusal tokens.
 *
 * @since 0.1.0
 * @category schemas
 */
export const ChoiceLogprobs = Schema.Struct({
  content: nullish(TokenLogprobs, "An array of log probabilities for each token in the content."),
  refusal: nullish(TokenLogprobs, "An array of log probabilities for each token in the refusal.")
}).annotations({ identifier: "ChoiceLogprobs", ...preserveUnknownKeys })
/**
 * @since 0.1.0
 * @category models
 */
export interface ChoiceLogprobs extends Schema.Schema.Type<typeof ChoiceLogprobs> {}
