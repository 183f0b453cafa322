/**
 * Lossless JSON for the ObjectiveAI wire: integers beyond 2^53 (a stored request's `seed`, say) are read as
 * `bigint` and written back digit for digit, where `JSON.parse` would silently round them.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import { compile, inPlace, InPlaceAnnotationId } from "./internal/inPlace.js"
import * as internal from "./internal/json.js"
import * as jsonValue from "./internal/jsonValue.js"

/**
 * Any JSON value. Integers beyond 2^53 are represented as `bigint` by {@link parse}.
 *
 * @since 0.1.0
 */
export type JsonValue =
  | string
  | number
  | bigint
  | boolean
  | null
  | ReadonlyArray<JsonValue>
  | { readonly [key: string]: JsonValue }

const jsonSchemaOfAnyValue = {
  anyOf: [
    { type: "string" },
    { type: "number" },
    { type: "boolean" },
    { type: "null" },
    { type: "array" },
    { type: "object" }
  ]
}

/**
 * Schema of any JSON value: strings, numbers, big integers, booleans, null, and arrays and plain objects of them. The
 * value is checked in place and decodes to itself, so a `"__proto__"` key stays an ordinary key.
 *
 * @since 0.1.0
 */
export const JsonValue: Schema.Schema<JsonValue> = Schema.declare([], {
  decode: () => jsonValue.check(false),
  encode: () => jsonValue.check(false)
}, {
  identifier: "JsonValue",
  description: "Any JSON value.",
  jsonSchema: jsonSchemaOfAnyValue,
  arbitrary: () => jsonValue.arbitrary(false),
  pretty: () => (value) => internal.stringify(value),
  equivalence: () => jsonValue.equals,
  [InPlaceAnnotationId]: true
}) as Schema.Schema<JsonValue>

/**
 * A JSON object, as tool parameters and response-format schemas are; checked in place like {@link JsonValue}.
 *
 * @since 0.1.0
 */
export const JsonObject: Schema.Schema<{ readonly [key: string]: JsonValue }> = Schema.declare([], {
  decode: () => jsonValue.check(true),
  encode: () => jsonValue.check(true)
}, {
  identifier: "JsonObject",
  description: "A JSON object.",
  jsonSchema: { type: "object" },
  arbitrary: () => jsonValue.arbitrary(true),
  pretty: () => (value) => internal.stringify(value),
  equivalence: () => jsonValue.equals,
  [InPlaceAnnotationId]: true
}) as Schema.Schema<{ readonly [key: string]: JsonValue }>

/**
 * Parses JSON text. Integers outside the safe range become `bigint`; everything else is exactly `JSON.parse`.
 * Throws a `SyntaxError` on invalid text, like `JSON.parse`.
 *
 * @since 0.1.0
 */
export const parse: (text: string) => unknown = internal.parse

/**
 * Writes a value as JSON text, `bigint` as its exact digits.
 *
 * @since 0.1.0
 */
export const stringify: (value: unknown) => string = internal.stringify

/**
 * A schema from JSON text to `schema`'s encoded form, using the lossless {@link parse} and {@link stringify}. When
 * `schema` never changes a value (no transformations, unknown keys kept or refused), a parsed value that it accepts is
 * checked in place and is the decoded value as it is (and a decoded value is written as it is): several times faster
 * than Effect rebuilding every object, keys keep their order, and a `"__proto__"` key stays data where the rebuild
 * would set the object's prototype. Anything else, and every failure, goes through `schema` itself.
 *
 * @example
 * ```ts
 * import { Schema } from "effect"
 * import { ChatCompletion, Json } from "@objectiveai-effect/domain"
 *
 * const decode = Schema.decodeUnknownEither(Json.parseJson(ChatCompletion.ChatCompletion))
 * ```
 *
 * @since 0.1.0
 */
export const parseJson = <A, I, R>(schema: Schema.Schema<A, I, R>): Schema.Schema<A, string, R> => {
  const lossless = Schema.transformOrFail(Schema.String, Schema.Unknown, {
    strict: true,
    decode: (text, _, ast) => internal.parseResult(text, ast),
    encode: (value, _, ast) => internal.stringifyResult(value, ast)
  }).annotations({ title: "LosslessJson" })
  const check = compile(schema.ast)
  // With no transformation the encoded side is the decoded one, so the same check lets a value be written as it is.
  // Titled as `schema` prints, so that messages read exactly as they would without the check.
  return Schema.compose(
    lossless,
    check === undefined ? schema : inPlace(schema, { decode: check, encode: check }, { title: String(schema.ast) })
  )
}
