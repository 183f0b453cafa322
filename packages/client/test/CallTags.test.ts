import { describe, expect, it } from "@effect/vitest"
import { CallTags } from "@objectiveai-effect/client"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"

describe("CallTags", () => {
  it.effect("none unless a caller sets some", () =>
    Effect.gen(function*() {
      expect(yield* CallTags.get).toStrictEqual({})
    }))

  it.effect("inner tags add to the outer ones, and an inner key replaces the outer one for the inner effect only", () =>
    Effect.gen(function*() {
      const inner = yield* CallTags.get.pipe(CallTags.tagged({ feature: "summary", user: "u-2" }))
      const outer = yield* CallTags.get
      return { inner, outer }
    }).pipe(
      CallTags.tagged({ user: "u-1", session: "s-1" }),
      Effect.map(({ inner, outer }) => {
        expect(inner).toStrictEqual({ user: "u-2", session: "s-1", feature: "summary" })
        expect(outer).toStrictEqual({ user: "u-1", session: "s-1" })
      })
    ))

  it.effect("both forms of the dual, and a forked fiber carries its parent's tags", () =>
    Effect.gen(function*() {
      const fiber = yield* Effect.fork(CallTags.get)
      return yield* Fiber.join(fiber)
    }).pipe(
      (self) => CallTags.tagged(self, { feature: "batch" }),
      Effect.map((tags) => expect(tags).toStrictEqual({ feature: "batch" }))
    ))

  it.effect("tags at their bounds are set; past a bound, the effect fails with a typed one-line error and never runs", () =>
    Effect.gen(function*() {
      const atBounds = {
        ["k".repeat(CallTags.maxKeyLength)]: "v".repeat(CallTags.maxValueLength),
        ...Object.fromEntries(Array.from({ length: CallTags.maxTags - 2 }, (_, i) => [`key-${i}`, "é ✓"]))
      }
      const set = yield* CallTags.get.pipe(CallTags.tagged(atBounds), CallTags.tagged({ user: "u-1" }))
      expect(Object.keys(set)).toHaveLength(CallTags.maxTags)

      const cases: ReadonlyArray<readonly [CallTags.CallTags, string]> = [
        [{ "": "x" }, `an empty key (value "x")`],
        [
          { ["k".repeat(65)]: "x" },
          `the key "${"k".repeat(40)}…" is 65 characters, more than ${CallTags.maxKeyLength}`
        ],
        [
          { user: "v".repeat(257) },
          `the value of "user" is 257 characters, more than ${CallTags.maxValueLength}`
        ],
        [{ user: "line\nbreak" }, `the value of "user" holds a control character`],
        [{ "a\tb": "x" }, `the key "a\\tb" holds a control character`],
        [{ user: 42 } as unknown as CallTags.CallTags, `the value of "user" is a number, not a string`],
        [
          Object.fromEntries(Array.from({ length: CallTags.maxTags }, (_, i) => [`key-${i}`, "x"])),
          `${CallTags.maxTags + 1} tags, more than ${CallTags.maxTags}`
        ]
      ]
      for (const [tags, reason] of cases) {
        let ran = false
        const error = yield* Effect.flip(
          Effect.sync(() => (ran = true)).pipe(CallTags.tagged(tags), CallTags.tagged({ session: "s-1" }))
        )
        expect(CallTags.isInvalidCallTags(error)).toBe(true)
        expect(error.message).toBe(`invalid call tags: ${reason}`)
        expect(error.message).not.toContain("\n")
        expect(ran).toBe(false)
      }
    }))
})
