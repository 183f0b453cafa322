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
})
