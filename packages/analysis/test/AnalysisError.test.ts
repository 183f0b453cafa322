import { describe, expect, it } from "@effect/vitest"
import { AnalysisError, ToolCalls } from "@objectiveai-effect/analysis"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { callingChoice, completion, toolCall } from "./fixtures.js"

const call = { tool: "t", arguments: "{}", id: "call_1", completionId: "c", choiceIndex: 0, callIndex: 0 }

describe("AnalysisError", () => {
  it("recognises every analysis error by its brand", () => {
    const errors = [
      new AnalysisError.UnpricedCompletion({ id: "c", model: "m" }),
      new AnalysisError.NoContentTokens({ index: 0, placeholders: { excluded: 0, clamped: 0, kept: 0 } }),
      new AnalysisError.UnknownTool(call),
      new AnalysisError.InvalidJson({ ...call, reason: "r" }),
      new AnalysisError.ConcatenatedJson({ ...call, parts: ["{}", "{}"] }),
      new AnalysisError.SchemaMismatch({ ...call, issues: [] }),
      new AnalysisError.Truncated(call)
    ]
    for (const error of errors) expect(AnalysisError.isAnalysisError(error)).toBe(true)
    expect(errors.map(AnalysisError.isToolCallError)).toEqual([false, false, true, true, true, true, true])
  })

  it("refuses a foreign error that shares a tag, and values that are not errors", () => {
    class UnknownTool extends Data.TaggedError("UnknownTool")<{ readonly tool: string }> {}
    class UnpricedCompletion extends Schema.TaggedError<UnpricedCompletion>()("UnpricedCompletion", {}) {}
    for (const foreign of [new UnknownTool({ tool: "t" }), new UnpricedCompletion(), { _tag: "Truncated" }, null, 1]) {
      expect(AnalysisError.isAnalysisError(foreign)).toBe(false)
      expect(AnalysisError.isToolCallError(foreign)).toBe(false)
    }
  })

  it.effect("the errors extraction reports carry the brand", () =>
    Effect.gen(function*() {
      const kit = ToolCalls.toolkit({ get_weather: Schema.Struct({ city: Schema.String }) })
      const calling = completion({ choices: [callingChoice([toolCall("nope", "{}")])] })
      const error = yield* Effect.flip(ToolCalls.extractOrFail(calling, kit))
      expect(error._tag).toBe("UnknownTool")
      expect(AnalysisError.isAnalysisError(error)).toBe(true)
    }))
})
