/**
 * Lossless JSON for the ObjectiveAI wire: what {@link parse} reads, {@link stringify} writes back so that it reads the
 * same again. Integers beyond 2^53 (a stored request's `seed`, say) are read as `bigint` and written back digit for
 * digit, where `JSON.parse` would silently round them; every number is written so that it reads back as that number
 * (`1e20` as `1e+20`, not as an integer literal that would read as a bigint; `-0` as `-0`).
 *
 * Non-finite numbers: `JSON.parse` reads a literal beyond the largest double (`1e400`) as `Infinity`, so the
 * infinities are kept, and written as `1e400` and `-1e400`, which read back as them. JSON text cannot hold `NaN`:
 * {@link JsonNumber} and {@link JsonValue} refuse it, so no decoded value holds one, and {@link stringify} writes it
 * as `null`, as `JSON.stringify` does.
 *
 * @since 0.1.0
 */
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import * as AST from "effect/SchemaAST"
import { compile, InPlaceAnnotationId } from "./internal/inPlace.js"
import * as internal from "./internal/json.js"
import * as jsonNumber from "./internal/jsonNumber.js"
import * as jsonValue from "./internal/jsonValue.js"
import { bound } from "./ParseMessages.js"

/**
 * Any JSON value. Integers beyond 2^53 are represented as `bigint` by {@link parse}.
 *
 * @since 0.1.0
 * @category models
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
 * @category schemas
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
  [InPlaceAnnotationId]: jsonValue.isJson(false)
}) as Schema.Schema<JsonValue>

/**
 * A JSON object, as tool parameters and response-format schemas are; checked in place like {@link JsonValue}.
 *
 * @since 0.1.0
 * @category schemas
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
  [InPlaceAnnotationId]: jsonValue.isJson(true)
}) as Schema.Schema<{ readonly [key: string]: JsonValue }>

/**
 * A number of a response, as JSON carries it. An integer literal beyond 2^53, which {@link parse} keeps exact as a
 * `bigint`, reads as the nearest number, as `JSON.parse` would have read it (a logprob placeholder such as
 * `-99999999999999999999`, a 17-digit `created`), rather than failing the whole body; the infinities `JSON.parse`
 * makes of `1e400` are kept. `NaN`, which JSON cannot hold, is refused. Messages read as `Schema.Number`'s.
 *
 * @since 0.1.0
 * @category schemas
 */
export const JsonNumber: Schema.declare<number> = Schema.declare<number, number, readonly []>([], {
  decode: () => jsonNumber.decode,
  encode: () => jsonNumber.encode
}, {
  // Named as `Schema.Number` is in messages ("Expected number, actual …"), without the title JSON Schema would print:
  // Effect's auto-title annotation, which its messages read and JSON Schema does not (its id is not exported).
  [Symbol.for("effect/annotation/AutoTitle")]: "number",
  jsonSchema: { type: "number" },
  arbitrary: jsonNumber.arbitrary,
  pretty: () => (value) => String(value),
  equivalence: jsonNumber.equivalence,
  [InPlaceAnnotationId]: jsonNumber.isJsonNumber
})

/**
 * A whole number of a response (a token count, an index, a time in Unix seconds, an HTTP status): read as leniently as
 * {@link JsonNumber}, so an answer is never refused for a fraction, and described in JSON Schema as what the API sends,
 * an `integer` of at least 0.
 *
 * @since 0.1.0
 * @category schemas
 */
export const JsonWholeNumber: Schema.declare<number> = JsonNumber.annotations({
  jsonSchema: { type: "integer", minimum: 0 }
})

/**
 * Parses JSON text. Integer literals outside the safe range become `bigint`; everything else is exactly
 * `JSON.parse` (`1e400` is `Infinity`, `-0` is `-0`).
 * Throws a `SyntaxError` on invalid text, like `JSON.parse`.
 *
 * @since 0.1.0
 * @category parsing
 */
export const parse: (text: string) => unknown = internal.parse

/**
 * How deeply JSON text nests (`1` is 0, `[1]` is 1, `{"a":[{}]}` is 3), found by one pass over the characters that
 * skips strings, without parsing: a server checks it before the work whose cost or recursion grows with the nesting
 * (parsing, decoding, canonical writing). The scan stops as soon as the depth passes `limit`, returning `limit + 1`.
 * Text that is not JSON gets a depth too; parsing it still fails.
 *
 * @example
 * ```ts
 * import { Json } from "@objectiveai-effect/domain"
 *
 * Json.nestingDepth(`{"tools":[{"parameters":{}}]}`) // 4
 * Json.nestingDepth("[".repeat(100_000), 64) // 65
 * ```
 *
 * @since 0.1.0
 * @category getters
 */
export const nestingDepth = (text: string, limit: number = Infinity): number => {
  let depth = 0
  let deepest = 0
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i)
    if (code === 34) {
      // A string: skip to its closing quote, past escaped characters.
      for (i++; i < text.length; i++) {
        const inner = text.charCodeAt(i)
        if (inner === 92) i++
        else if (inner === 34) break
      }
    } else if (code === 91 || code === 123) {
      if (++depth > deepest) {
        deepest = depth
        if (deepest > limit) return limit + 1
      }
    } else if (code === 93 || code === 125) {
      depth--
    }
  }
  return deepest
}

/**
 * Writes a value as JSON text that {@link parse} reads back as the same value: `bigint` as its exact digits, and
 * every number as a literal that reads back as that number (`1e+20`, `-0`, `1e400` for `Infinity`), never as an
 * integer literal that would read as a `bigint`. Otherwise as `JSON.stringify`: `toJSON` is called, `undefined` and
 * functions are skipped in objects and `null` in arrays, `NaN` is `null`, a cycle throws a `TypeError`.
 *
 * @since 0.1.0
 * @category encoding
 */
export const stringify: (value: unknown) => string = internal.stringify

/**
 * A schema from JSON text to `schema`'s encoded form, using the lossless {@link parse} and {@link stringify}. When
 * `schema` never changes a value (no transformations, unknown keys kept or refused), a parsed value that it accepts is
 * checked in place and is the decoded value as it is (and a decoded value is written as it is): several times faster
 * than Effect rebuilding every object, keys keep their order, and a `"__proto__"` key stays data where the rebuild
 * would set the object's prototype. Anything else, and every failure, goes through `schema` itself, and every value a
 * failure shows is cut to a few hundred characters (see `ParseMessages`).
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
 * @category parsing
 */
export const parseJson = <A, I, R>(schema: Schema.Schema<A, I, R>): Schema.Schema<A, string, R> => {
  const lossless = Schema.transformOrFail(Schema.String, Schema.Unknown, {
    strict: true,
    decode: (text, _, ast) => internal.parseResult(text, ast),
    encode: (value, _, ast) => internal.stringifyResult(value, ast)
  }).annotations({ title: "LosslessJson" })
  // What the result stands for: every failure is this schema's, and so is every value the fast path cannot take.
  const full = Schema.compose(lossless, schema)
  const fullAst = full.ast as AST.Transformation
  const check = compile(schema.ast)
  const boundIssue = (issue: ParseResult.ParseIssue) => bound(issue)
  // With no transformation the encoded side is the decoded one, so the same check lets a value be written as it is.
  // A declaration rather than a composition of schemas, so that a valid text costs one parse and one check, without
  // the steps of Effect's composition; the fast path only runs where the schema is `full` itself (not its type or
  // encoded side, which `Schema.typeSchema` and `Schema.encodedSchema` hand the declaration instead).
  return Schema.declare([full], {
    decode: (typeParameter) => {
      const decodeFull = ParseResult.decodeUnknown(typeParameter)
      const fallback = (input: unknown, options: AST.ParseOptions) =>
        ParseResult.mapError(decodeFull(input, options), boundIssue)
      if (check === undefined || typeParameter.ast !== full.ast) return fallback
      const decodeValue = ParseResult.decodeUnknown(Schema.make<A, unknown, never>(fullAst.to))
      return (input, options) => {
        if (typeof input !== "string") return fallback(input, options)
        let value: unknown
        try {
          value = internal.parse(input)
        } catch {
          return fallback(input, options)
        }
        if (check(value)) return ParseResult.succeed(value as A)
        // The schema alone on the parsed value, its failure reported as `full` reports it.
        return ParseResult.mapError(
          decodeValue(value, options),
          (issue) => bound(new ParseResult.Transformation(fullAst, input, "Type", issue))
        )
      }
    },
    encode: (typeParameter) => {
      const encodeFull = ParseResult.encodeUnknown(typeParameter)
      const fallback = (input: unknown, options: AST.ParseOptions) =>
        ParseResult.mapError(encodeFull(input, options), boundIssue)
      if (check === undefined || typeParameter.ast !== full.ast) return fallback
      return (input, options) => {
        if (check(input)) {
          const written = internal.stringifyResult(input, full.ast)
          if (written._tag === "Right") return written
        }
        return fallback(input, options)
      }
    }
  }, {
    title: String(full.ast),
    arbitrary: (arbitrary) => arbitrary,
    pretty: (pretty) => pretty,
    equivalence: (equivalence) => equivalence,
    [AST.SurrogateAnnotationId]: full.ast
  })
}

/**
 * The value a JSON Pointer in URI-fragment form (`#/$defs/Name`, RFC 6901: `~1` is `/`, `~0` is `~`, percent escapes
 * decoded) points to within a document: a JSON Schema's `$ref`, say. `undefined` when it leads nowhere or is not a
 * fragment pointer; only own keys and array indices are followed, so a pointer never reaches an inherited property.
 *
 * @example
 * ```ts
 * import { Json } from "@objectiveai-effect/domain"
 *
 * const schema = { $defs: { City: { type: "string" } }, properties: { city: { $ref: "#/$defs/City" } } }
 * Json.resolvePointer(schema, "#/$defs/City") // { type: "string" }
 * ```
 *
 * @since 0.1.0
 * @category getters
 */
export const resolvePointer = (document: unknown, pointer: string): unknown => {
  if (!pointer.startsWith("#")) return undefined
  const path = pointer.slice(1)
  if (path === "") return document
  if (!path.startsWith("/")) return undefined
  let node = document
  for (const raw of path.slice(1).split("/")) {
    let key: string
    try {
      key = decodeURIComponent(raw).replace(/~1/g, "/").replace(/~0/g, "~")
    } catch {
      return undefined
    }
    if (Array.isArray(node)) {
      if (!/^(?:0|[1-9]\d*)$/.test(key)) return undefined
      node = node[Number(key)]
    } else if (node !== null && typeof node === "object" && Object.hasOwn(node, key)) {
      node = (node as Record<string, unknown>)[key]
    } else return undefined
  }
  return node
}
