import { describe, expect, it } from "@effect/vitest"
import { ToolCallSummary } from "@objectiveai-effect/analysis"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import { completion, stored } from "./fixtures.js"

describe("ToolCallSummary", () => {
  const weather = {
    type: "function" as const,
    function: {
      name: "get_weather",
      parameters: {
        type: "object",
        properties: { city: { type: "string" }, days: { type: "integer", minimum: 1, maximum: 7 } },
        required: ["city"],
        additionalProperties: false
      }
    }
  }
  const base = stored(completion(), undefined)
  const withCalls = (args: ReadonlyArray<readonly [string, string]>, finish = "tool_calls") => ({
    request: { ...base.request, tools: [weather] },
    response: {
      ...base.response,
      choices: [{
        index: 0,
        finish_reason: finish,
        message: {
          role: "assistant",
          content: null,
          tool_calls: args.map(([name, text], index) => ({
            id: `call_${index}`,
            type: "function" as const,
            function: { name, arguments: text }
          }))
        }
      }]
    }
  })

  it("gives each call one outcome, checking arguments against the declared JSON Schema", () => {
    const summary = ToolCallSummary.summarize([withCalls([
      ["get_weather", "{\"city\":\"Lisbon\",\"days\":3}"],
      ["get_weather", ""],
      ["get_weather", "{\"city\":\"Oslo\",\"days\":9,\"unit\":\"c\"}"],
      ["get_weather", "{\"city\":\"Rome\"}{\"city\":\"Paris\"}"],
      ["get_weather", "city: Lisbon"],
      ["send_email", "{}"],
      ["get_weather", "{\"city\":\"Li"]
    ], "length")])
    expect(summary.calls).toBe(7)
    expect(summary.outcomes).toEqual({
      Decoded: 1,
      UnknownTool: 1,
      InvalidJson: 1,
      ConcatenatedJson: 1,
      SchemaMismatch: 2,
      Truncated: 1
    })
    expect(summary.tools.map((tool) => [tool.tool, tool.calls])).toEqual([["get_weather", 6], ["send_email", 1]])
    expect(summary.problems.map((problem) => [problem.callIndex, problem.outcome, problem.reason])).toEqual([
      [1, "SchemaMismatch", "city: is missing"],
      [2, "SchemaMismatch", "days: expected at most 7, got 9; unit: is not a declared property"],
      [3, "ConcatenatedJson", "2 JSON values run together"],
      [4, "InvalidJson", expect.stringMatching(/^invalid JSON: /)],
      [5, "UnknownTool", "the request declared no tool of this name"],
      [6, "Truncated", "cut off by the token limit"]
    ])
  })

  it("keeps the first problems across merges, and merges associatively", () => {
    const many = Array.from({ length: 8 }, () => withCalls([["nope", "{}"], ["get_weather", "{}"]]))
    const [a, b, c] = [many.slice(0, 3), many.slice(3, 5), many.slice(5)].map(ToolCallSummary.summarize)
    const whole = ToolCallSummary.summarize(many)
    expect(whole.problems).toHaveLength(ToolCallSummary.problemsKept)
    expect(ToolCallSummary.merge(ToolCallSummary.merge(a, b), c)).toEqual(whole)
    expect(ToolCallSummary.merge(a, ToolCallSummary.merge(b, c))).toEqual(whole)
    expect(ToolCallSummary.merge(ToolCallSummary.empty, whole)).toEqual(whole)
    expect(ToolCallSummary.merge(whole, ToolCallSummary.empty)).toEqual(whole)
  })

  it("a tool named __proto__ is an ordinary tool", () => {
    const proto = { type: "function" as const, function: { name: "__proto__", parameters: { type: "object" } } }
    const stored = withCalls([["__proto__", "{}"], ["constructor", "{}"]])
    const summary = ToolCallSummary.summarize([{ ...stored, request: { ...stored.request, tools: [proto] } }])
    expect(summary.outcomes.Decoded).toBe(1)
    expect(summary.outcomes.UnknownTool).toBe(1)
  })

  it.effect("the sink over a stream in small chunks gives the summary of the whole", () =>
    Effect.gen(function*() {
      const many = Array.from({ length: 7 }, (_, index) =>
        withCalls([["get_weather", index % 2 === 0 ? "{\"city\":\"Oslo\"}" : "{}"], ["nope", "{}"]]))
      const streamed = yield* Stream.fromIterable(many).pipe(Stream.rechunk(3), Stream.run(ToolCallSummary.sink()))
      expect(streamed).toEqual(ToolCallSummary.summarize(many))
      expect(streamed.outcomes).toEqual({
        ...ToolCallSummary.empty.outcomes,
        Decoded: 4,
        SchemaMismatch: 3,
        UnknownTool: 7
      })
    }))

  it("round-trips through its Schema as JSON", () => {
    const summary = ToolCallSummary.summarize([
      withCalls([["get_weather", "{}"], ["get_weather", "{\"city\":\"Oslo\"}"]])
    ])
    const codec = Schema.parseJson(ToolCallSummary.ToolCallSummary)
    expect(Schema.decodeUnknownSync(codec)(Schema.encodeSync(codec)(summary))).toEqual(summary)
  })
})
