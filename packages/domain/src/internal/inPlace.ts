import * as Option from "effect/Option"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import * as AST from "effect/SchemaAST"

/**
 * Marks a declaration whose successful decode is its input itself, so that {@link compile} may treat it as a leaf that
 * keeps values in place. Its value is `true`, or better the check that holds for exactly the inputs that decode to
 * themselves, which {@link compile} then calls instead of running the declaration.
 */
export const InPlaceAnnotationId: unique symbol = Symbol.for("@objectiveai-effect/domain/InPlace")

/** Whether a value decodes, in place, to itself. */
export type Check = (input: unknown) => boolean

/**
 * A declaration that stands for `full`: an input the check accepts is the decoded (and, with one check for both, the
 * encoded) value as it is (nothing is copied), anything else goes to `full`, so every failure is the one `full`
 * reports. A schema whose encoded side differs passes `{ decode, encode }`, with `encode: undefined` to always encode
 * through `full`. `full` is also the surrogate for JSON Schema, arbitraries and pretty printing.
 */
export const inPlace = <A, I, R>(
  full: Schema.Schema<A, I, R>,
  checks: Check | { readonly decode: Check; readonly encode: Check | undefined },
  annotations: { readonly identifier?: string; readonly title?: string; readonly description?: string }
): Schema.Schema<A, I, R> => {
  const decodeCheck = typeof checks === "function" ? checks : checks.decode
  const encodeCheck = typeof checks === "function" ? checks : checks.encode
  return Schema.declare([full], {
    decode: (schema) => {
      const decodeFull = ParseResult.decodeUnknown(schema)
      return (input, options) => decodeCheck(input) ? ParseResult.succeed(input as A) : decodeFull(input, options)
    },
    encode: (schema) => {
      const encodeFull = ParseResult.encodeUnknown(schema)
      return encodeCheck === undefined
        ? encodeFull
        : (input, options) => encodeCheck(input) ? ParseResult.succeed(input as I) : encodeFull(input, options)
    }
  }, {
    ...annotations,
    arbitrary: (arbitrary) => arbitrary,
    pretty: (pretty) => pretty,
    equivalence: (equivalence) => equivalence,
    [AST.SurrogateAnnotationId]: full.ast,
    [InPlaceAnnotationId]: decodeCheck
  })
}

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

/**
 * A check that holds only for values (as `Json.parse` makes them: plain objects and arrays of primitives) that the
 * schema decodes successfully to a value equal to the input: same keys, same values. `undefined` when the schema can
 * change a value (a transformation, a declaration not marked in place), so that no value may skip it, and where
 * code cannot be compiled at run time (a Content Security Policy without `unsafe-eval`): the schema then decodes
 * everything itself. A struct that would drop unknown keys passes only values that have none.
 *
 * Unions need no care about which member wins: with no transformation anywhere and no struct dropping keys, every
 * member that succeeds gives back the input, so any member whose check holds proves the union's result.
 *
 * The check is compiled to JavaScript, one function per struct and array with every key written out, because this
 * runs on every response: a generic walk reads each key through a lookup V8 cannot specialise and calls each field's
 * check through a call site shared by all fields, which costs several times what the generated code does.
 */
export const compile = (ast: AST.AST): Check | undefined => {
  const compiler = new CheckCompiler()
  const root = compiler.expression(ast, undefined, false, "u")
  if (root === undefined) return undefined
  try {
    return compiler.link(root)
  } catch {
    return undefined
  }
}

type Dependency = Check | ReadonlySet<string> | AST.LiteralValue

class CheckCompiler {
  private readonly dependencies: Array<Dependency> = []
  private readonly functions: Array<string> = []
  /** The function compiled for each schema node, by the context it was compiled in. */
  private readonly compiled = new Map<AST.AST, Map<string, string>>()
  /** Every key some struct requires: while `Object.prototype` has one, no value is checked in place. */
  private readonly required = new Set<string>()
  private names = 0

  /** A JavaScript expression over the variable `value`, true when the value decodes to itself; or `undefined`. */
  expression(ast: AST.AST, inherited: ExcessProperties, inUnion: boolean, value: string): string | undefined {
    const excess = excessOf(ast, inherited)
    switch (ast._tag) {
      case "Literal": {
        const literal = ast.literal
        return typeof literal === "string" || typeof literal === "boolean" || literal === null
          ? `${value} === ${JSON.stringify(literal)}`
          : `${value} === ${this.dependency(literal)}`
      }
      case "StringKeyword":
        return `typeof ${value} === "string"`
      case "NumberKeyword":
        return `typeof ${value} === "number"`
      case "BooleanKeyword":
        return `typeof ${value} === "boolean"`
      case "BigIntKeyword":
        return `typeof ${value} === "bigint"`
      case "UnknownKeyword":
      case "AnyKeyword":
        return "true"
      case "NeverKeyword":
        return "false"
      case "Refinement": {
        const from = this.expression(ast.from, excess, inUnion, value)
        if (from === undefined) return undefined
        const filter: Check = (u) => Option.isNone(ast.filter(u, AST.defaultParseOption, ast))
        return `(${from}) && ${this.dependency(filter)}(${value})`
      }
      case "Declaration": {
        const annotation = ast.annotations[InPlaceAnnotationId]
        if (typeof annotation === "function") return `${this.dependency(annotation as Check)}(${value})`
        if (annotation !== true) return undefined
        const decode = ParseResult.decodeUnknownEither(Schema.make(ast))
        const check: Check = (u) => {
          const result = decode(u)
          return result._tag === "Right" && result.right === u
        }
        return `${this.dependency(check)}(${value})`
      }
      case "Union": {
        const members: Array<string> = []
        for (const member of ast.types) {
          const check = this.expression(member, excess, true, value)
          if (check === undefined) return undefined
          members.push(`(${check})`)
        }
        return members.length === 0 ? "false" : members.join(" || ")
      }
      case "Suspend":
        // A recursive schema meets itself again: its function is named before its body is compiled.
        return this.call(ast, excess, inUnion, value, () => {
          const body = this.expression(ast.f(), excess, inUnion, "u")
          return body === undefined ? undefined : `return ${body}`
        })
      case "TupleType": {
        if (ast.rest.length !== 1 || ast.elements.length !== 0) return undefined
        const item = ast.rest[0].type
        return this.call(ast, excess, inUnion, value, () => {
          const check = this.expression(item, excess, inUnion, "v")
          if (check === undefined) return undefined
          return `if (!Array.isArray(u)) return false
  for (let i = 0; i < u.length; i++) {
    const v = u[i]
    if (!(${check})) return false
  }
  return true`
        })
      }
      case "TypeLiteral":
        // A union's member that drops unknown keys may win over a later member that keeps them, and its result is
        // not the input: in a union, only structs that keep or refuse unknown keys can be checked.
        if (inUnion && excess !== "preserve" && excess !== "error") return undefined
        return this.call(ast, excess, inUnion, value, () => this.typeLiteral(ast, excess, inUnion))
      default:
        return undefined
    }
  }

  private typeLiteral(ast: AST.TypeLiteral, excess: ExcessProperties, inUnion: boolean): string | undefined {
    const lines = ["if (!isPlainRecord(u)) return false", "let v"]
    const declared = new Set<string>()
    for (const property of ast.propertySignatures) {
      const name = property.name
      if (typeof name !== "string") return undefined
      const check = this.expression(property.type, excess, inUnion, "v")
      if (check === undefined) return undefined
      declared.add(name)
      if (!property.isOptional) this.required.add(name)
      const key = JSON.stringify(name)
      // An absent optional key passes; a present one, even `undefined`, must pass its check. The schema reads an
      // absent required key as `undefined` and writes that into its output, which is then not the input.
      lines.push(
        `v = u[${key}]`,
        `if (v === undefined ? (hasOwn(u, ${key}) ? !(${check}) : ${!property.isOptional}) : !(${check})) return false`
      )
    }
    if (ast.indexSignatures.length > 1) return undefined
    const index = ast.indexSignatures[0]
    if (index !== undefined || excess !== "preserve") {
      // An unknown key fails a strict struct, and a struct that drops it changes the value: only a struct that
      // preserves unknown keys may have them.
      const loop = [`for (const k of Object.keys(u)) {`, `  if (${this.dependency(declared)}.has(k)) continue`]
      if (index !== undefined) {
        const key = this.expression(index.parameter, excess, inUnion, "k")
        const value = this.expression(index.type, excess, inUnion, "w")
        if (key === undefined || value === undefined) return undefined
        loop.push(`  if (${key}) {`, `    const w = u[k]`, `    if (!(${value})) return false`, `    continue`, `  }`)
      }
      if (excess !== "preserve") loop.push("  return false")
      loop.push("}")
      lines.push(...loop)
    }
    lines.push("return true")
    return lines.join("\n  ")
  }

  /** A call of the function compiled for `ast` in this context, compiling it (with `body`) the first time. */
  private call(
    ast: AST.AST,
    excess: ExcessProperties,
    inUnion: boolean,
    value: string,
    body: () => string | undefined
  ): string | undefined {
    const context = `${excess}/${inUnion}`
    const byContext = this.compiled.get(ast) ?? new Map<string, string>()
    this.compiled.set(ast, byContext)
    let name = byContext.get(context)
    if (name === undefined) {
      name = `check${this.names++}`
      byContext.set(context, name)
      const compiled = body()
      if (compiled === undefined) return undefined
      this.functions.push(`function ${name}(u) {\n  ${compiled}\n}`)
    }
    return `${name}(${value})`
  }

  private dependency(dependency: Dependency): string {
    this.dependencies.push(dependency)
    return `d${this.dependencies.length - 1}`
  }

  /** The compiled check; throws where code cannot be compiled at run time. */
  link(root: string): Check {
    const names = this.dependencies.map((_, i) => `d${i}`)
    const inherited = [...this.required].map((name) => `${JSON.stringify(name)} in prototype`)
    const guard = inherited.length === 0 ? "" : `if (${inherited.join(" || ")}) return false\n  `
    const source = `"use strict"
${names.length === 0 ? "" : `const [${names.join(", ")}] = dependencies`}
${this.functions.join("\n")}
return function check(u) {
  ${guard}return ${root}
}`
    const make = new Function("dependencies", "isPlainRecord", "hasOwn", "prototype", source)
    return make(this.dependencies, isPlainRecord, Object.hasOwn, Object.prototype) as Check
  }
}
