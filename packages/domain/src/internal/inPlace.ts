import * as Option from "effect/Option"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import * as AST from "effect/SchemaAST"

/**
 * Marks a declaration whose successful decode is its input itself, so that {@link compile} may treat it as a leaf that
 * keeps values in place.
 */
export const InPlaceAnnotationId: unique symbol = Symbol.for("@objectiveai-effect/domain/InPlace")

/** Whether a value decodes, in place, to itself. */
export type Check = (input: unknown) => boolean

/**
 * A declaration that stands for `full`: an input `check` accepts is the decoded value as it is (nothing is copied),
 * anything else goes to `full`, so every failure is the one `full` reports. `full` is also the surrogate for JSON
 * Schema, arbitraries and pretty printing.
 */
export const inPlace = <A, I, R>(
  full: Schema.Schema<A, I, R>,
  checks: { readonly decode: Check; readonly encode: Check | undefined },
  annotations: { readonly identifier?: string; readonly title?: string; readonly description?: string }
): Schema.Schema<A, I, R> =>
  Schema.declare([full], {
    decode: (schema) => {
      const decodeFull = ParseResult.decodeUnknown(schema)
      return (input, options) => checks.decode(input) ? ParseResult.succeed(input as A) : decodeFull(input, options)
    },
    encode: (schema) => {
      const encodeFull = ParseResult.encodeUnknown(schema)
      const check = checks.encode
      return check === undefined
        ? encodeFull
        : (input, options) => check(input) ? ParseResult.succeed(input as I) : encodeFull(input, options)
    }
  }, {
    ...annotations,
    arbitrary: (arbitrary) => arbitrary,
    pretty: (pretty) => pretty,
    equivalence: (equivalence) => equivalence,
    [AST.SurrogateAnnotationId]: full.ast,
    [InPlaceAnnotationId]: true
  })

/**
 * An object as JSON makes it: its prototype is `Object.prototype` (or none), so every key it has is its own, unlike a
 * class instance's; a value handed back in place must have no key that a rebuild would have copied from elsewhere.
 */
export const isPlainRecord = (u: unknown): u is Record<string, unknown> => {
  if (typeof u !== "object" || u === null) return false
  const prototype = Object.getPrototypeOf(u)
  return prototype === Object.prototype || prototype === null
}

type ExcessProperties = "ignore" | "error" | "preserve" | undefined

const excessOf = (ast: AST.AST, inherited: ExcessProperties): ExcessProperties =>
  Option.getOrElse(
    Option.flatMapNullable(AST.getParseOptionsAnnotation(ast), (options) => options.onExcessProperty),
    () => inherited
  )

const always = (value: boolean): Check => () => value

/**
 * A check that holds only for values (as `Json.parse` makes them: plain objects and arrays of primitives) that the
 * schema decodes successfully to a value equal to the input: same keys, same values. `undefined` when the schema can
 * change a value (a transformation, a declaration not marked in place), so that no value may skip it. A struct that
 * would drop unknown keys passes only values that have none.
 *
 * Unions need no care about which member wins: with no transformation anywhere and no struct dropping keys, every
 * member that succeeds gives back the input, so any member whose check holds proves the union's result.
 */
export const compile = (ast: AST.AST): Check | undefined => {
  const suspended = new Map<AST.AST, Map<ExcessProperties, { check: Check | undefined }>>()
  const go = (ast: AST.AST, excess: ExcessProperties, inUnion: boolean): Check | undefined => {
    excess = excessOf(ast, excess)
    switch (ast._tag) {
      case "Literal": {
        const literal = ast.literal
        return (u) => u === literal
      }
      case "StringKeyword":
        return (u) => typeof u === "string"
      case "NumberKeyword":
        return (u) => typeof u === "number"
      case "BooleanKeyword":
        return (u) => typeof u === "boolean"
      case "BigIntKeyword":
        return (u) => typeof u === "bigint"
      case "UnknownKeyword":
      case "AnyKeyword":
        return always(true)
      case "NeverKeyword":
        return always(false)
      case "Refinement": {
        const from = go(ast.from, excess, inUnion)
        if (from === undefined) return undefined
        return (u) => from(u) && Option.isNone(ast.filter(u, AST.defaultParseOption, ast))
      }
      case "Declaration": {
        if (ast.annotations[InPlaceAnnotationId] !== true) return undefined
        const decode = ParseResult.decodeUnknownEither(Schema.make(ast))
        return (u) => {
          const result = decode(u)
          return result._tag === "Right" && result.right === u
        }
      }
      case "Suspend": {
        // A recursive schema meets itself again: compile each suspension once, and look its check up when it runs.
        const byExcess = suspended.get(ast) ?? new Map<ExcessProperties, { check: Check | undefined }>()
        suspended.set(ast, byExcess)
        const known = byExcess.get(excess)
        if (known !== undefined) return (u) => known.check !== undefined && known.check(u)
        const entry: { check: Check | undefined } = { check: undefined }
        byExcess.set(excess, entry)
        entry.check = go(ast.f(), excess, inUnion)
        return entry.check
      }
      case "Union": {
        const members: Array<Check> = []
        for (const member of ast.types) {
          const check = go(member, excess, true)
          if (check === undefined) return undefined
          members.push(check)
        }
        return (u) => {
          for (let i = 0; i < members.length; i++) if (members[i](u)) return true
          return false
        }
      }
      case "TupleType": {
        if (ast.rest.length !== 1 || ast.elements.length !== 0) return undefined
        const item = go(ast.rest[0].type, excess, inUnion)
        if (item === undefined) return undefined
        return (u) => {
          if (!Array.isArray(u)) return false
          for (let i = 0; i < u.length; i++) if (!item(u[i])) return false
          return true
        }
      }
      case "TypeLiteral":
        // A union's member that drops unknown keys may win over a later member that keeps them, and its result is
        // not the input: in a union, only structs that keep or refuse unknown keys can be checked.
        if (inUnion && excess !== "preserve" && excess !== "error") return undefined
        return typeLiteral(ast, excess, (ast, excess) => go(ast, excess, inUnion))
      default:
        return undefined
    }
  }
  return go(ast, undefined, false)
}

const typeLiteral = (
  ast: AST.TypeLiteral,
  excess: ExcessProperties,
  go: (ast: AST.AST, excess: ExcessProperties) => Check | undefined
): Check | undefined => {
  const properties: Array<{ readonly name: string; readonly optional: boolean; readonly check: Check }> = []
  for (const property of ast.propertySignatures) {
    const check = go(property.type, excess)
    if (check === undefined || typeof property.name !== "string") return undefined
    properties.push({ name: property.name, optional: property.isOptional, check })
  }
  const declared = new Set(properties.map((property) => property.name))
  if (ast.indexSignatures.length > 1) return undefined
  const index = ast.indexSignatures[0]
  const entry = index === undefined ? undefined : { key: go(index.parameter, excess), value: go(index.type, excess) }
  if (entry !== undefined && (entry.key === undefined || entry.value === undefined)) return undefined
  const key = entry?.key
  const value = entry?.value
  const checkKeys = index !== undefined || excess !== "preserve"
  return (u) => {
    if (!isPlainRecord(u)) return false
    for (let i = 0; i < properties.length; i++) {
      const property = properties[i]
      if (!Object.hasOwn(u, property.name)) {
        if (property.optional) continue
        return false
      }
      if (!property.check(u[property.name])) return false
    }
    if (!checkKeys) return true
    // An unknown key fails a strict struct, and a struct that drops it changes the value: only a struct that
    // preserves unknown keys may have them.
    for (const name of Object.keys(u)) {
      if (declared.has(name)) continue
      if (key !== undefined && value !== undefined && key(name)) {
        if (!value(u[name])) return false
      } else if (excess !== "preserve") {
        return false
      }
    }
    return true
  }
}
