import type * as Arbitrary from "effect/Arbitrary"
import * as Arr from "effect/Array"
import type * as Either from "effect/Either"
import type * as FastCheck from "effect/FastCheck"
import * as ParseResult from "effect/ParseResult"
import type * as AST from "effect/SchemaAST"
import { preview } from "../ParseMessages.js"
import { isPlainRecord } from "./inPlace.js"
import { boundaries } from "./jsonNumber.js"

interface Place {
  readonly value: unknown
  readonly key: string | number | undefined
  readonly parent: Place | undefined
}

/**
 * The first place in `input` that is not JSON (strings, numbers but `NaN`, bigints, booleans, null, arrays and plain
 * objects of them, without cycles), or `undefined`. The infinities are JSON: `JSON.parse` makes them of `1e400`, and
 * `Json.stringify` writes them so. It walks with its own stack, so nesting as deep as `Json.parse` reads cannot
 * overflow the call stack.
 */
const findNonJson = (input: unknown): Place | undefined => {
  const pending: Array<Place | { readonly close: object }> = [{ value: input, key: undefined, parent: undefined }]
  // The containers between the root and the current place: meeting one again is a cycle.
  const open = new Set<object>()
  for (let step = pending.pop(); step !== undefined; step = pending.pop()) {
    if ("close" in step) {
      open.delete(step.close)
      continue
    }
    const value = step.value
    const type = typeof value
    if (value === null || type === "string" || type === "bigint" || type === "boolean") continue
    if (type === "number") {
      if (value === value) continue
      return step
    }
    if (type !== "object" || open.has(value as object)) return step
    if (Array.isArray(value)) {
      open.add(value)
      pending.push({ close: value })
      for (let i = value.length - 1; i >= 0; i--) pending.push({ value: value[i], key: i, parent: step })
    } else {
      if (!isPlainRecord(value)) return step
      open.add(value as object)
      pending.push({ close: value as object })
      for (const [key, item] of Object.entries(value as object)) pending.push({ value: item, key, parent: step })
    }
  }
  return undefined
}

const pathTo = (place: Place): Array<string | number> => {
  const path: Array<string | number> = []
  for (let at: Place | undefined = place; at?.key !== undefined; at = at.parent) path.unshift(at.key)
  return path
}

/** Whether `input` is a JSON value (a JSON object only, if `objectOnly`), which then decodes to itself. */
export const isJson = (objectOnly: boolean) => (input: unknown): boolean =>
  (!objectOnly || (typeof input === "object" && input !== null && !Array.isArray(input))) &&
  findNonJson(input) === undefined

/**
 * Checks a JSON value in place and hands it back as it is. Rebuilding it, as a schema of records and arrays would,
 * assigns each key to a fresh object, and assigning `"__proto__"` sets that object's prototype instead of a key: the
 * key would be lost and its value would leak into what the object inherits.
 */
export const check =
  (objectOnly: boolean) =>
  (input: unknown, _: unknown, ast: AST.Declaration): Either.Either<unknown, ParseResult.ParseIssue> => {
    if (objectOnly && (typeof input !== "object" || input === null || Array.isArray(input))) {
      return ParseResult.fail(new ParseResult.Type(ast, input))
    }
    const bad = findNonJson(input)
    if (bad === undefined) return ParseResult.succeed(input)
    const issue = new ParseResult.Type(ast, bad.value, `Expected a JSON value, actual ${describe(bad)}`)
    const path = pathTo(bad)
    return ParseResult.fail(Arr.isNonEmptyArray(path) ? new ParseResult.Pointer(path, input, issue) : issue)
  }

// Only what `findNonJson` stops at reaches here.
const describe = (place: Place): string => {
  const value = place.value
  if (typeof value === "function") return "a function"
  if (typeof value !== "object" || value === null) return preview(value) ?? String(value)
  return isPlainRecord(value) || Array.isArray(value)
    ? "a reference to a value that contains it"
    : `an instance of ${value.constructor?.name ?? "a class"}`
}

/** Deep equality of two JSON values. */
export const equals = (a: unknown, b: unknown): boolean => {
  if (Object.is(a, b)) return true
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((item, i) => equals(item, b[i]))
  if (Array.isArray(b)) return false
  const keys = Object.keys(a)
  return keys.length === Object.keys(b).length &&
    keys.every((key) =>
      Object.hasOwn(b, key) && equals((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key])
    )
}

/** JSON values as `Json.parse` reads them (integers beyond 2^53 as bigints), a few levels deep; `"__proto__"` keys included. */
export const arbitrary = (objectOnly: boolean): Arbitrary.LazyArbitrary<unknown> => (fc: typeof FastCheck) => {
  const { value } = fc.letrec((tie) => ({
    value: fc.oneof(
      { depthSize: "small", withCrossShrink: true },
      fc.constant(null),
      fc.boolean(),
      fc.string(),
      fc.double({ noNaN: true }),
      fc.constantFrom(...boundaries),
      // Only integers beyond 2^53 read as bigints; a smaller one is a number once written and read back.
      fc.bigInt({ min: 2n ** 53n }),
      fc.bigInt({ max: -(2n ** 53n) }),
      fc.array(tie("value"), { maxLength: 3 }),
      tie("object")
    ),
    object: fc.dictionary(fc.string(), tie("value"), { maxKeys: 3 })
  }))
  return objectOnly ? fc.dictionary(fc.string(), value, { maxKeys: 3 }) : value
}
