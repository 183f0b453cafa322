import * as Schema from "effect/Schema"
import * as AST from "effect/SchemaAST"
import { compile } from "./inPlace.js"

/** A key with case, `_`, `-` and spaces taken out, so that `maxTokens`, `Max-Tokens` and `max_tokens` are one. */
const normalize = (key: string): string => key.toLowerCase().replace(/[-_\s]/g, "")

/**
 * How many edits a key may be from a documented one and still count as a typo of it, by the documented key's
 * normalized length: none for 1 to 3 characters (`n`, `id`, `url`: too short for an edit to say anything), one up to
 * 10 (`max_token` → `max_tokens`, while `min_tokens` stays its own key), two beyond (`temprature`, `frequncy_penalty`).
 */
const allowance = (length: number): number => length <= 3 ? 0 : length <= 10 ? 1 : 2

/**
 * The optimal-string-alignment distance (Levenshtein plus swaps of adjacent characters) between `a` and `b`, or
 * `limit + 1` as soon as it must exceed `limit`.
 */
const distance = (a: string, b: string, limit: number): number => {
  if (Math.abs(a.length - b.length) > limit) return limit + 1
  let before: Array<number> = []
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const current = [i]
    let best = i
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      let value = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) value = Math.min(value, before[j - 2] + 1)
      current.push(value)
      if (value < best) best = value
    }
    if (best > limit) return limit + 1
    before = previous
    previous = current
  }
  return previous[b.length]
}

/**
 * The documented key that `key`, which is not one of them, is a likely typo of: the same once case, `_` and `-` are
 * set aside, or within {@link allowance} edits of it. `undefined` when `key` resembles none.
 */
export const resembled = (key: string, documented: ReadonlyArray<string>): string | undefined => {
  const typed = normalize(key)
  let nearest: string | undefined
  let nearestDistance = Infinity
  for (const candidate of documented) {
    const target = normalize(candidate)
    const limit = allowance(target.length)
    const d = typed === target ? 0 : distance(typed, target, limit)
    if (d <= limit && d < nearestDistance) {
      nearest = candidate
      nearestDistance = d
    }
  }
  return nearest
}

/** The message a likely typo fails with; the issue's path already ends with the key. */
export const typoMessage = (key: string, documented: string): string =>
  `${JSON.stringify(key)} is not a documented key and looks like a typo of ${
    JSON.stringify(documented)
  } (other undocumented keys are sent as they are)`

// The path is one array pushed and popped along the walk, copied only into an issue: most bodies have no typo, and
// the walk runs on every check.
type Finder = (value: unknown, path: Array<PropertyKey>, issues: Array<Schema.FilterIssue>) => void

const nothing: Finder = () => {}

const isRecord = (u: unknown): u is Record<string, unknown> => typeof u === "object" && u !== null && !Array.isArray(u)

/** The required properties of a struct (through refinements) typed as literals, which tell a union's members apart. */
const discriminators = (ast: AST.AST): ReadonlyArray<readonly [string, ReadonlySet<AST.LiteralValue>]> => {
  while (AST.isRefinement(ast)) ast = ast.from
  if (!AST.isTypeLiteral(ast)) return []
  return ast.propertySignatures.flatMap((property) => {
    if (typeof property.name !== "string" || property.isOptional) return []
    const members = AST.isUnion(property.type) ? property.type.types : [property.type]
    const literals = members.flatMap((member) => member._tag === "Literal" ? [member.literal] : [])
    if (literals.length !== members.length) return []
    return [[property.name, new Set(literals)] as const]
  })
}

/**
 * Which member of a union a value belongs to, judged shallowly (the walk runs on every check): by its discriminating
 * literals, else by its JSON type for arrays and objects, else by the member's in-place check.
 */
const memberGuard = (ast: AST.AST): (u: unknown) => boolean => {
  const literals = discriminators(ast)
  if (literals.length > 0) return (u) => isRecord(u) && literals.every(([name, values]) => values.has(u[name] as never))
  let base = ast
  while (AST.isRefinement(base)) base = base.from
  if (AST.isTupleType(base)) return Array.isArray
  if (AST.isTypeLiteral(base)) return isRecord
  return compile(ast) ?? (() => false)
}

/**
 * Finds, anywhere in a value of the schema `ast`, keys that a struct does not declare but that look like typos of
 * one it does. It reads the input as it is, valid or not, so that a typo is reported beside every other broken rule.
 */
export const typoFinder = (ast: AST.AST): (value: unknown) => Array<Schema.FilterIssue> => {
  const memo = new Map<AST.AST, { find: Finder; built: boolean }>()
  const go = (ast: AST.AST): Finder => {
    const known = memo.get(ast)
    // A schema met again while it is still being built (a recursive one) is looked up when it runs.
    if (known !== undefined) return known.built ? known.find : (value, path, issues) => known.find(value, path, issues)
    const entry = { find: nothing, built: false }
    memo.set(ast, entry)
    entry.find = build(ast)
    entry.built = true
    return entry.find
  }
  const build = (ast: AST.AST): Finder => {
    switch (ast._tag) {
      case "Refinement":
        return go(ast.from)
      case "Suspend":
        return go(ast.f())
      case "TupleType": {
        const item = ast.rest.length === 1 && ast.elements.length === 0 ? go(ast.rest[0].type) : nothing
        return (value, path, issues) => {
          if (!Array.isArray(value)) return
          for (let i = 0; i < value.length; i++) {
            path.push(i)
            item(value[i], path, issues)
            path.pop()
          }
        }
      }
      case "Union": {
        const members = ast.types.map((member) => ({ guard: memberGuard(member), find: go(member) }))
        return (value, path, issues) => {
          for (const member of members) {
            if (member.guard(value)) return member.find(value, path, issues)
          }
        }
      }
      case "TypeLiteral": {
        const properties = new Map(
          ast.propertySignatures.flatMap((property) =>
            typeof property.name === "string" ? [[property.name, go(property.type)] as const] : []
          )
        )
        const documented = [...properties.keys()]
        // A struct with an index signature (a plugin's settings, `logit_bias`) takes any key: none is a typo.
        const open = ast.indexSignatures.length > 0
        return (value, path, issues) => {
          if (!isRecord(value)) return
          for (const key of Object.keys(value)) {
            const property = properties.get(key)
            if (property !== undefined) {
              if (property === nothing) continue
              path.push(key)
              property(value[key], path, issues)
              path.pop()
            } else if (!open) {
              const near = resembled(key, documented)
              if (near !== undefined) issues.push({ path: [...path, key], message: typoMessage(key, near) })
            }
          }
        }
      }
      default:
        return nothing
    }
  }
  const find = go(ast)
  return (value) => {
    const issues: Array<Schema.FilterIssue> = []
    find(value, [], issues)
    return issues
  }
}

// Effect's mark (used by its own array-length filters) for a filter that may also run on input its schema refused;
// the declarations leave it out of the public types, so it is named by its registered symbol.
const stableFilter = Symbol.for("effect/annotation/StableFilter")

/**
 * `schema`, refusing likely typos of a documented key anywhere inside it (see {@link typoFinder}); every other key it
 * does not declare passes as it is. The filter reads the raw input, so with `errors: "all"` a typo is reported beside
 * the other broken rules.
 */
export const refuseLikelyTypos = <A, I>(schema: Schema.Schema<A, I>): Schema.Schema<A, I> =>
  schema.pipe(Schema.filter(typoFinder(schema.ast), { title: String(schema.ast), [stableFilter]: true }))
