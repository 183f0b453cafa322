import * as NodeContext from "@effect/platform-node/NodeContext"
import { describe, expect, it } from "@effect/vitest"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { CompletionGenerator, FaultInjection, LocalServerError, ServedCompletions } from "../src/index.js"

describe("LocalServerError", () => {
  it("recognises every error of the local server by its brand", () => {
    const errors: ReadonlyArray<LocalServerError.LocalServerError> = [
      new CompletionGenerator.InvalidRequest({ message: "too many choices" }),
      new ServedCompletions.DataFileError({ path: "completions.jsonl", line: 2, reason: "not JSON" }),
      new ServedCompletions.DuplicateCompletion({ id: "gen-1" }),
      new ServedCompletions.CompletionNotFound({ id: "gen-2" }),
      new FaultInjection.InvalidFaultOptions({ message: "rate" })
    ]
    for (const error of errors) expect(LocalServerError.isLocalServerError(error)).toBe(true)
  })

  it("refuses a foreign error that shares a tag, and values that are not errors", () => {
    class InvalidRequest extends Data.TaggedError("InvalidRequest")<{ readonly message: string }> {}
    class CompletionNotFound extends Schema.TaggedError<CompletionNotFound>()("CompletionNotFound", {}) {}
    for (const foreign of [new InvalidRequest({ message: "m" }), new CompletionNotFound(), { _tag: "DataFileError" }]) {
      expect(LocalServerError.isLocalServerError(foreign)).toBe(false)
    }
    for (const value of [null, undefined, 1, "InvalidFaultOptions"]) {
      expect(LocalServerError.isLocalServerError(value)).toBe(false)
    }
  })

  it.effect("the errors the services fail with carry the brand", () =>
    Effect.gen(function*() {
      const store = yield* ServedCompletions.make({}).pipe(Effect.provide(NodeContext.layer))
      expect(LocalServerError.isLocalServerError(yield* Effect.flip(store.get("missing")))).toBe(true)
      const invalid = yield* Effect.flip(FaultInjection.make({ rate: 2 }))
      expect(LocalServerError.isLocalServerError(invalid)).toBe(true)
    }))
})
