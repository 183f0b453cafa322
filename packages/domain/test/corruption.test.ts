import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import * as Arbitrary from "effect/Arbitrary"
import * as Arr from "effect/Array"
import * as Either from "effect/Either"
import * as fc from "effect/FastCheck"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import { Json } from "../src/index.js"
import { at, corrupt, type Corruption, corruptions, extraValue } from "./support/corrupt.js"
import { topLevel, withSize } from "./support/schemas.js"

// An issue points at the break, or inside it: given an array where a discriminated union wants an object, Effect
// reports the discriminating key as missing.
const within = (issue: ReadonlyArray<PropertyKey>, broken: ReadonlyArray<PropertyKey>) =>
  issue.length >= broken.length && broken.every((key, i) => key === issue[i])

describe.each(topLevel)("$name", ({ schema, size }) => {
  withSize(size, { beforeAll, afterAll })
  const encode = Schema.encodeSync(schema)
  const decode = Schema.decodeUnknownEither(schema, { errors: "all" })

  // A valid payload and one of the certain ways to break it: first the kind of break, so that the rarer ones (a
  // deleted key, an extra key) come up as often as the many type swaps, then the place.
  const broken = Arbitrary.make(schema).chain((value) => {
    const payload = encode(value)
    const byKind = Object.values(Arr.groupBy(corruptions(schema.ast, payload), (corruption) => corruption._tag))
    return fc.constantFrom(...byKind).chain((group) =>
      fc.constantFrom(...group).map((corruption: Corruption) => ({ payload, corruption }))
    )
  })

  it.prop("a broken payload fails with a ParseError pointing at the break, never a throw", [broken], ([{
    corruption,
    payload
  }]) => {
    const input = corrupt(payload, corruption)
    const result = decode(input)
    if (corruption._tag === "Extra") {
      // Every body keeps a key it does not know (a request sends it through, a response keeps it), and writes it back.
      expect(corruption.excess).toBe("preserve")
      expect(Either.isRight(result)).toBe(true)
      if (Either.isRight(result)) {
        expect(at(encode(result.right), [...corruption.path, corruption.key])).toStrictEqual(extraValue)
      }
      return
    }
    expect(Either.isLeft(result)).toBe(true)
    if (Either.isLeft(result)) {
      expect(ParseResult.isParseError(result.left)).toBe(true)
      const issues = ParseResult.ArrayFormatter.formatErrorSync(result.left)
      const path = corruption.path
      if (!issues.some((issue) => within(issue.path, path))) {
        expect.fail(`no issue at ${Json.stringify(path)}: ${Json.stringify(issues.map((issue) => issue.path))}`)
      }
      expect(ParseResult.TreeFormatter.formatErrorSync(result.left)).not.toBe("")
    }
  }, { fastCheck: { numRuns: 1000 } })
})
