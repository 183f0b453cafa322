import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import * as AST from "effect/SchemaAST"
import { InPlaceAnnotationId } from "../../src/internal/inPlace.js"
import { isJsonNumber } from "../../src/internal/jsonNumber.js"

/** Where a value sits in a payload. */
export type Path = ReadonlyArray<string | number>

/** How a struct treats keys it does not declare, as the schema's annotations (or its parent's) say. */
export type ExcessProperties = "ignore" | "error" | "preserve"

/**
 * One way to break a valid encoded payload, chosen from its schema so that the outcome is certain:
 * - `Delete`: remove a key the struct requires;
 * - `Swap`: put a JSON value of a type the schema accepts nowhere at that place (a number where only strings go);
 * - `Garbage`: put something that is not JSON at all (a symbol, a function, `undefined`);
 * - `Extra`: add a key the struct does not declare, which must fail a strict struct and survive a lenient one.
 */
export type Corruption =
  | { readonly _tag: "Delete"; readonly path: Path }
  | { readonly _tag: "Swap"; readonly path: Path; readonly value: unknown }
  | { readonly _tag: "Garbage"; readonly path: Path; readonly value: unknown }
  | { readonly _tag: "Extra"; readonly path: Path; readonly key: string; readonly excess: ExcessProperties }

type Kind = "string" | "number" | "boolean" | "null" | "bigint" | "array" | "object"

const everyKind: ReadonlyArray<Kind> = ["string", "number", "boolean", "null", "bigint", "array", "object"]

const sample: Record<Kind, unknown> = {
  string: "garbage",
  number: 4.5,
  boolean: true,
  null: null,
  bigint: 12345678901234567890n,
  array: [],
  object: {}
}

const garbage: ReadonlyArray<unknown> = [Symbol("garbage"), () => "garbage", undefined]

const kindOf = (literal: AST.LiteralValue): Kind =>
  literal === null ? "null" : (typeof literal as "string" | "number" | "boolean" | "bigint")

const kindsMemo = new WeakMap<AST.AST, ReadonlySet<Kind>>()

/** The JSON types a schema's encoded side accepts somewhere. */
const kinds = (ast: AST.AST): ReadonlySet<Kind> => {
  let known = kindsMemo.get(ast)
  if (known === undefined) {
    known = kindsOf(ast, new Set())
    kindsMemo.set(ast, known)
  }
  return known
}

const kindsOf = (ast: AST.AST, seen: Set<AST.AST>): ReadonlySet<Kind> => {
  switch (ast._tag) {
    case "Literal":
      return new Set([kindOf(ast.literal)])
    case "StringKeyword":
    case "TemplateLiteral":
      return new Set(["string"])
    case "NumberKeyword":
      return new Set(["number"])
    case "BooleanKeyword":
      return new Set(["boolean"])
    case "BigIntKeyword":
      return new Set(["bigint"])
    case "TupleType":
      return new Set(["array"])
    case "TypeLiteral":
      return new Set(["object"])
    case "Union":
      return new Set(ast.types.flatMap((member) => [...kindsOf(member, seen)]))
    case "Refinement":
      return kindsOf(ast.from, seen)
    case "Transformation":
      return kindsOf(ast.from, seen)
    case "Suspend": {
      if (seen.has(ast)) return new Set()
      seen.add(ast)
      return kindsOf(ast.f(), seen)
    }
    case "Declaration":
      // A response's number also takes the bigint `Json.parse` makes of an integer literal beyond 2^53.
      if (ast.annotations[InPlaceAnnotationId] === isJsonNumber) return new Set(["number", "bigint"])
      return Option.match(AST.getSurrogateAnnotation(ast), {
        onNone: () => new Set(everyKind),
        onSome: (surrogate) => kindsOf(surrogate, seen)
      })
    default:
      return new Set(everyKind)
  }
}

const isRecord = (u: unknown): u is Record<string, unknown> => typeof u === "object" && u !== null && !Array.isArray(u)

const kindOfValue = (value: unknown): Kind | undefined =>
  value === null
    ? "null"
    : Array.isArray(value)
    ? "array"
    : ["string", "number", "boolean", "bigint", "object"].includes(typeof value)
    ? (typeof value as Kind)
    : undefined

/**
 * The member of a union that accepts `value`. Most unions here tell their members apart by JSON type (a value or
 * `null`, a string or an array), which costs nothing to check; only members of the same type are decoded.
 */
const memberFor = (union: AST.Union, value: unknown, excess: ExcessProperties): AST.AST | undefined => {
  const kind = kindOfValue(value)
  const candidates = union.types.filter((member) => kind !== undefined && kinds(member).has(kind))
  return candidates.length === 1 ?
    candidates[0] :
    candidates.find((member) => Either.isRight(decoder(member)(value, { onExcessProperty: excess })))
}

const decoders = new WeakMap<AST.AST, ReturnType<typeof ParseResult.decodeUnknownEither>>()

const decoder = (ast: AST.AST) => {
  let decode = decoders.get(ast)
  if (decode === undefined) {
    decode = ParseResult.decodeUnknownEither(Schema.make(ast))
    decoders.set(ast, decode)
  }
  return decode
}

/**
 * Every certain corruption of `value`, a valid encoded value of `ast`. Unions recurse into the member that accepts the
 * value; the unions of this domain are discriminated (by a literal or by JSON type), so breaking that member breaks
 * them all.
 */
export const corruptions = (ast: AST.AST, value: unknown): Array<Corruption> => {
  const out: Array<Corruption> = []
  const visit = (ast: AST.AST, value: unknown, path: Path, excess: ExcessProperties, outermost: boolean): void => {
    const own = AST.getParseOptionsAnnotation(ast).pipe(Option.flatMapNullable((options) => options.onExcessProperty))
    excess = Option.getOrElse(own, () => excess)
    if (outermost) {
      for (const kind of everyKind) {
        if (!kinds(ast).has(kind)) out.push({ _tag: "Swap", path, value: sample[kind] })
      }
      for (const value of garbage) out.push({ _tag: "Garbage", path, value })
    }
    switch (ast._tag) {
      case "Refinement":
        return visit(ast.from, value, path, excess, false)
      case "Transformation":
        return visit(ast.from, value, path, excess, false)
      case "Suspend":
        return visit(ast.f(), value, path, excess, false)
      case "Declaration": {
        const surrogate = AST.getSurrogateAnnotation(ast)
        if (Option.isSome(surrogate)) visit(surrogate.value, value, path, excess, false)
        return
      }
      case "Union": {
        const member = memberFor(ast, value, excess)
        if (member !== undefined) visit(member, value, path, excess, false)
        return
      }
      case "TupleType": {
        if (!Array.isArray(value)) return
        value.forEach((item, i) => {
          const element = i < ast.elements.length ? ast.elements[i].type : ast.rest[0]?.type
          if (element !== undefined) visit(element, item, [...path, i], excess, true)
        })
        return
      }
      case "TypeLiteral": {
        if (!isRecord(value)) return
        const declared = new Set<PropertyKey>()
        for (const property of ast.propertySignatures) {
          declared.add(property.name)
          if (typeof property.name !== "string" || !Object.hasOwn(value, property.name)) continue
          if (!property.isOptional) out.push({ _tag: "Delete", path: [...path, property.name] })
          visit(property.type, value[property.name], [...path, property.name], excess, true)
        }
        for (const key of Object.keys(value)) {
          const index = ast.indexSignatures[0]
          if (!declared.has(key) && index !== undefined) visit(index.type, value[key], [...path, key], excess, true)
        }
        if (ast.indexSignatures.length === 0) out.push({ _tag: "Extra", path, key: "x_unknown_key", excess })
        return
      }
    }
  }
  visit(ast, value, [], "ignore", true)
  return out
}

/** The value an `Extra` corruption inserts. */
export const extraValue = { nested: [1, "two", null] }

const setOwn = (target: object, key: string | number, value: unknown) =>
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true })

/** A corrupted copy of `value`; `value` itself is left as it was. */
export const corrupt = (value: unknown, corruption: Corruption): unknown => {
  if (corruption.path.length === 0 && (corruption._tag === "Swap" || corruption._tag === "Garbage")) {
    return corruption.value
  }
  const copy = structuredClone(value)
  const parentPath = corruption._tag === "Extra" ? corruption.path : corruption.path.slice(0, -1)
  const parent = parentPath.reduce((node: unknown, key) => (node as Record<string | number, unknown>)[key], copy) as
    | Record<string, unknown>
    | Array<unknown>
  const key = corruption.path[corruption.path.length - 1]
  switch (corruption._tag) {
    case "Delete":
      delete (parent as Record<string, unknown>)[key]
      break
    case "Swap":
    case "Garbage":
      setOwn(parent, key, corruption.value)
      break
    case "Extra":
      setOwn(parent, corruption.key, extraValue)
  }
  return copy
}

/** The value at `path`. */
export const at = (value: unknown, path: Path): unknown =>
  path.reduce((node: unknown, key) => (node as Record<string | number, unknown>)?.[key], value)
