import { describe, expect, it } from "@effect/vitest"
import * as Arbitrary from "effect/Arbitrary"
import * as Either from "effect/Either"
import * as fc from "effect/FastCheck"
import * as JSONSchema from "effect/JSONSchema"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import { isDeepStrictEqual } from "node:util"
import { Logprobs } from "../src/index.js"
import { corrupt, type Corruption, corruptions } from "./support/corrupt.js"

/** What the fast path stands in for. */
const Plain = Schema.Array(Logprobs.TokenLogprob)
const Fast = Logprobs.TokenLogprobs

type Outcome = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly message: string }

const outcome = (
  schema: Schema.Schema<ReadonlyArray<Logprobs.TokenLogprob>>,
  direction: "decode" | "encode",
  input: unknown,
  errors: "first" | "all"
): Outcome => {
  const result = direction === "decode"
    ? Schema.decodeUnknownEither(schema, { errors })(input)
    : Schema.encodeUnknownEither(schema, { errors })(input)
  return Either.isRight(result)
    ? { ok: true, value: result.right }
    : { ok: false, message: ParseResult.TreeFormatter.formatErrorSync(result.left) }
}

const expectSame = (input: unknown) => {
  for (const direction of ["decode", "encode"] as const) {
    for (const errors of ["first", "all"] as const) {
      const fast = outcome(Fast, direction, input, errors)
      const plain = outcome(Plain, direction, input, errors)
      if (!isDeepStrictEqual(fast, plain)) expect(fast).toStrictEqual(plain)
    }
  }
}

const token = { token: "Hi", logprob: -0.5, bytes: [72, 105], top_logprobs: [{ token: "Hi", logprob: -0.5 }] }

// Valid token arrays, and each broken in one of the certain ways (see support/corrupt.ts). A few tokens are enough to
// break one after a good one; more only cost time.
const tokenArrays = fc.array(Arbitrary.make(Logprobs.TokenLogprob), { maxLength: 4 }).map((value) =>
  Schema.encodeSync(Plain)(value)
)
const brokenTokenArrays = tokenArrays.chain((payload) => {
  const options = corruptions(Plain.ast, payload)
  return fc.constantFrom(...options).map((corruption: Corruption) => corrupt(payload, corruption))
})

describe("Logprobs.TokenLogprobs (the fast path)", () => {
  it.prop("decodes and encodes valid arrays to exactly what Schema.Array(TokenLogprob) gives", [tokenArrays], ([
    input
  ]) => expectSame(input), { fastCheck: { numRuns: 1000 } })

  it.prop("fails on broken arrays with exactly the error Schema.Array(TokenLogprob) reports", [brokenTokenArrays], ([
    input
  ]) => expectSame(input), { fastCheck: { numRuns: 1000 } })

  it("agrees on the edge cases of optional and nullable fields", () => {
    const cases: ReadonlyArray<unknown> = [
      [],
      [token],
      [{ ...token, bytes: null }],
      [{ ...token, logprob: null }],
      [{ ...token, logprob: -9999, top_logprobs: [{ token: "x", bytes: null }, { token: "y", logprob: null }] }],
      [{ ...token, extra: { kept: true }, top_logprobs: [{ token: "x", logprob: -1, extra: 1 }] }],
      [{ ...token, bytes: undefined }],
      [{ ...token, logprob: undefined }],
      [{ ...token, top_logprobs: [{ token: "x", logprob: undefined }] }],
      [{ ...token, bytes: [72, "i"] }],
      [{ token: "Hi", logprob: -1 }],
      [{ ...token, token: 1 }],
      [token, null],
      // A hole is not a token.
      [token, , token],
      // A key inherited rather than owned is missing, as the plain schema sees it.
      [Object.assign(Object.create({ token: "inherited" }), { logprob: -1, top_logprobs: [] })],
      [{ ...token, top_logprobs: [Object.assign(Object.create({ token: "inherited" }), { logprob: -1 })] }],
      "not an array",
      { 0: token, length: 1 }
    ]
    for (const input of cases) expectSame(input)
  })

  it("agrees while Object.prototype has a required key", () => {
    Object.defineProperty(Object.prototype, "token", { value: "polluted", configurable: true, writable: true })
    try {
      expectSame([{ logprob: -1, top_logprobs: [{ logprob: -1 }] }])
      expectSame([token])
    } finally {
      delete (Object.prototype as { token?: unknown }).token
    }
  })

  it("hands back the very objects it was given, unknown keys included", () => {
    const input = [{ ...token, provider_extra: 1 }]
    const decoded = Schema.decodeUnknownSync(Fast)(input)
    expect(decoded).toBe(input)
    expect((decoded[0] as unknown as Record<string, unknown>).provider_extra).toBe(1)
  })

  it("has the JSON Schema and the arbitrary of Schema.Array(TokenLogprob)", () => {
    const fast = JSONSchema.make(Fast) as unknown as { $defs: Record<string, unknown> }
    const plain = JSONSchema.make(Plain) as unknown as { $defs: Record<string, unknown>; items: unknown }
    expect(fast.$defs.TokenLogprob).toStrictEqual(plain.$defs.TokenLogprob)
    expect(fast.$defs.TokenLogprobs).toMatchObject({ type: "array", items: plain.items })
    fc.assert(fc.property(Arbitrary.make(Fast), (value) => Schema.is(Plain)(value)), { numRuns: 100 })
  })
})
