import * as Schema from "effect/Schema"

/**
 * How a family of request schemas reads a create body:
 * - `strict`: what a caller sends, checked before sending. Enums are closed; keys the page does not list pass through
 *   unchanged, except likely typos of a listed key, which the top-level schemas refuse.
 * - `received`: what the API itself reads. The same checks, but every key the page does not list is dropped, typos
 *   included, as the API's own deserializer ignores them.
 * - `lenient`: a stored request read back. Enums are open and unknown keys kept, so that every old request decodes.
 *
 * In every mode `null` in an optional field means absent: it is accepted and kept, and encodes back as written.
 */
export type Mode = "strict" | "received" | "lenient"

/**
 * Parse options under which response objects keep the keys they do not declare, so encoding restores them. A key
 * named `"__proto__"` is the one they cannot keep: Effect assigns each kept key to the object it builds, and that
 * assignment sets the object's prototype. `Json.parseJson` checks parsed values in place instead, and keeps it.
 */
export const preserveUnknownKeys = { parseOptions: { onExcessProperty: "preserve" } } as const

/** Parse options under which objects drop the keys they do not declare, as the API's deserializer does. */
export const ignoreUnknownKeys = { parseOptions: { onExcessProperty: "ignore" } } as const

/**
 * Parse options under which an object refuses the keys it does not declare. A record needs them in every mode: a key
 * its key schema refuses (`"__proto__"`) would otherwise count as unknown, and keeping it would set the prototype.
 */
export const rejectUnknownKeys = { parseOptions: { onExcessProperty: "error" } } as const

/** The object annotation matching a mode. */
export const unknownKeys = (mode: Mode) => mode === "received" ? ignoreUnknownKeys : preserveUnknownKeys

/**
 * A string enum that keeps values it does not know: typed as the known literals or any other string, so editors
 * still complete the known ones.
 */
export const openLiteral = <const Literals extends ReadonlyArray<string>>(
  ...literals: Literals
): Schema.Schema<Literals[number] | (string & {})> =>
  Schema.Union(Schema.Literal(...literals), Schema.String as Schema.Schema<string & {}>)

/** A literal enum, open in lenient mode and closed otherwise. */
export const enumOf = <M extends Mode, const Literals extends ReadonlyArray<string>>(
  mode: M,
  ...literals: Literals
): Schema.Schema<M extends "lenient" ? Literals[number] | (string & {}) : Literals[number]> =>
  (mode === "lenient" ? openLiteral(...literals) : Schema.Literal(...literals)) as Schema.Schema<
    M extends "lenient" ? Literals[number] | (string & {}) : Literals[number]
  >

/**
 * An optional field where the wire sends the value, `null`, or nothing at all (a response as it came, a request as
 * the API's SDKs type it: `?: T | null`); each form is kept as it came, so encoding gives back the original JSON. The description sits on the property, where JSON Schema reads it,
 * so that error messages keep stating the rule ("Expected a number, actual …").
 */
export const nullish = <S extends Schema.Schema.All>(schema: S, description?: string) => {
  const property = Schema.optionalWith(Schema.NullOr(schema), { exact: true })
  return description === undefined ? property : property.annotations({ description })
}

/** A required field with the page's description on the property. */
export const required = <S extends Schema.Schema.All>(schema: S, description: string) =>
  Schema.propertySignature(schema).annotations({ description })
