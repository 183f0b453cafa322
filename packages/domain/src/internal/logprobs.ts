import type * as Schema from "effect/Schema"
import { inPlace, isPlainRecord } from "./inPlace.js"

const hasOwn = Object.prototype.hasOwnProperty

// Mirrors `nullish(Schema.Array(Schema.Number))` under exact optional semantics: absent, null or an array of numbers;
// a key that is present with the value `undefined` is invalid.
const isBytes = (record: Record<string, unknown>): boolean => {
  const bytes = record.bytes
  if (bytes === undefined) return !hasOwn.call(record, "bytes")
  if (bytes === null) return true
  if (!Array.isArray(bytes)) return false
  for (let i = 0; i < bytes.length; i++) {
    if (typeof bytes[i] !== "number") return false
  }
  return true
}

// The plain schema reads a required key even when it is inherited, and copies it into an own key of its output; the
// fast path hands back the input object itself, so it may only take objects whose keys can all be own: plain ones,
// and only while nobody has added a required key to `Object.prototype`. Checking the prototype once per object costs
// far less than `hasOwnProperty` for each required key.
const requiredKeys = ["token", "logprob", "top_logprobs"]

const requiredKeysInherited = () => requiredKeys.some((key) => key in Object.prototype)

const isTopLogprob = (u: unknown): boolean => {
  if (!isPlainRecord(u) || typeof u.token !== "string" || !isBytes(u)) return false
  const logprob = u.logprob
  return logprob === undefined ? !hasOwn.call(u, "logprob") : logprob === null || typeof logprob === "number"
}

const isTokenLogprob = (u: unknown): boolean => {
  if (!isPlainRecord(u) || typeof u.token !== "string" || !isBytes(u)) return false
  const logprob = u.logprob
  if (logprob !== null && typeof logprob !== "number") return false
  const top = u.top_logprobs
  if (!Array.isArray(top)) return false
  for (let i = 0; i < top.length; i++) {
    if (!isTopLogprob(top[i])) return false
  }
  return true
}

const isTokenLogprobArray = (u: unknown): boolean => {
  if (!Array.isArray(u) || requiredKeysInherited()) return false
  for (let i = 0; i < u.length; i++) {
    if (!isTokenLogprob(u[i])) return false
  }
  return true
}

/**
 * `Schema.Array(TokenLogprob)` through the fast path: a valid array is the decoded value as it is (the objects are
 * already exactly what the full schema would build, unknown keys included); anything else goes to the full schema, so
 * the error is the one it reports.
 */
export const tokenLogprobArray = <A>(full: Schema.Schema<ReadonlyArray<A>>): Schema.Schema<ReadonlyArray<A>> =>
  inPlace(full, { decode: isTokenLogprobArray, encode: isTokenLogprobArray }, {
    identifier: "TokenLogprobs",
    description: "Token log probabilities."
  })
