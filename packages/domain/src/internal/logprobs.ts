import type * as Schema from "effect/Schema"
import { compile, inPlace } from "./inPlace.js"

/**
 * `Schema.Array(TokenLogprob)` through the fast path, for every decode of it and not only those of `Json.parseJson`
 * (the token arrays are the bulk of a large response): a valid array is the decoded value as it is (the objects are
 * already exactly what the full schema would build, unknown keys included); anything else goes to the full schema, so
 * the error is the one it reports, and a logprob that `Json.parse` kept as a bigint becomes the number it is.
 */
export const tokenLogprobArray = <A>(full: Schema.Schema<ReadonlyArray<A>>): Schema.Schema<ReadonlyArray<A>> =>
  inPlace(full, compile(full.ast) ?? (() => false), {
    identifier: "TokenLogprobs",
    description: "Token log probabilities."
  })
