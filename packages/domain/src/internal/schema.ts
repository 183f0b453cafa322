import * as Schema from "effect/Schema"

/**
 * How a schema family treats what the page does not list: `strict` rejects unknown keys and enum values (requests
 * built by a caller), `lenient` keeps them (bodies read back from the wire).
 */
export type Mode = "strict" | "lenient"

/**
 * Parse options under which response objects keep the keys they do not declare, so encoding restores them. A key
 * named `"__proto__"` is the one they cannot keep: Effect assigns each kept key to the object it builds, and that
 * assignment sets the object's prototype. `Json.parseJson` checks parsed values in place instead, and keeps it.
 */
export const preserveUnknownKeys = { parseOptions: { onExcessProperty: "preserve" } } as const

/** Parse options under which request objects reject keys they do not declare. */
export const rejectUnknownKeys = { parseOptions: { onExcessProperty: "error" } } as const

/** The object annotation matching a mode. */
export const unknownKeys = (mode: Mode) => mode === "strict" ? rejectUnknownKeys : preserveUnknownKeys

/**
 * A string enum that keeps values it does not know: typed as the known literals or any other string, so editors
 * still complete the known ones.
 */
export const openLiteral = <const Literals extends ReadonlyArray<string>>(
  ...literals: Literals
): Schema.Schema<Literals[number] | (string & {})> =>
  Schema.Union(Schema.Literal(...literals), Schema.String as Schema.Schema<string & {}>)

/** A literal enum, closed in strict mode and open in lenient mode. */
export const enumOf = <M extends Mode, const Literals extends ReadonlyArray<string>>(
  mode: M,
  ...literals: Literals
): Schema.Schema<M extends "strict" ? Literals[number] : Literals[number] | (string & {})> =>
  (mode === "strict" ? Schema.Literal(...literals) : openLiteral(...literals)) as Schema.Schema<
    M extends "strict" ? Literals[number] : Literals[number] | (string & {})
  >

/**
 * An optional response field where the wire sends the value, `null`, or nothing at all; each form is kept as it
 * came, so encoding gives back the original JSON. The description sits on the property, where JSON Schema reads it,
 * so that error messages keep stating the rule ("Expected a number, actual …").
 */
export const nullish = <S extends Schema.Schema.All>(schema: S, description?: string) => {
  const property = Schema.optionalWith(Schema.NullOr(schema), { exact: true })
  return description === undefined ? property : property.annotations({ description })
}

/** An optional request field: absent or a value, never `undefined` or `null`. */
export const optional = <S extends Schema.Schema.All>(schema: S, description?: string) => {
  const property = Schema.optionalWith(schema, { exact: true })
  return description === undefined ? property : property.annotations({ description })
}

/** A required field with the page's description on the property. */
export const required = <S extends Schema.Schema.All>(schema: S, description: string) =>
  Schema.propertySignature(schema).annotations({ description })
