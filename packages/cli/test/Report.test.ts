/**
 * The report's fold and its parts, in process: merging shards equals summarizing the whole, the tool-call summary,
 * the JSON Schema checker behind it, the progress line and the text helpers.
 */
import { describe, expect, it } from "@effect/vitest"
import { ObjectiveAiClient, ObjectiveAiError } from "@objectiveai-effect/client"
import { SampleData } from "@objectiveai-effect/server"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as FastCheck from "effect/FastCheck"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import { Progress, Render, Report, ReportFormat, ToolCallSummary } from "../src/index.js"
import { checker } from "../src/internal/jsonSchema.js"

const completions = Array.from(SampleData.generate({ count: 120, seed: "report-unit" }))
const context = { baseUrl: "http://127.0.0.1:9" }

const results: ReadonlyArray<ObjectiveAiClient.RetrieveResult> = completions.map((completion, index) =>
  index % 17 === 5
    ? ObjectiveAiClient.RetrieveResult.Failed({
      id: `missing-${index}`,
      error: new ObjectiveAiError.NotFoundError({
        method: "GET",
        path: `/chat/completions/missing-${index}`,
        attempts: 1,
        status: 404
      })
    })
    : ObjectiveAiClient.RetrieveResult.Retrieved({ id: completion.response.id, completion })
)

const encodeReport = Schema.encodeSync(Report.Report)

describe("Report", () => {
  const whole = Report.summarize(results, context)

  it("counts retrieved and failed ids, and lists the failures in order", () => {
    const failed = results.filter((result) => result._tag === "Failed")
    expect(whole.completions).toEqual({ retrieved: results.length - failed.length, failed: failed.length })
    expect(whole.failures.map((failure) => failure.id)).toEqual(failed.map((result) => result.id))
    expect(whole.failures[0]).toEqual({
      id: failed[0].id,
      error: "NotFoundError",
      reason: `not found: no completion with id "${failed[0].id}" (HTTP 404)`
    })
  })

  it.prop("merging the reports of any split equals the report of the whole", [
    FastCheck.array(FastCheck.integer({ min: 0, max: results.length }), { maxLength: 6 })
  ], ([cuts]) => {
    const bounds = [0, ...[...cuts].sort((a, b) => a - b), results.length]
    const shards = bounds.slice(1).map((end, index) => Report.summarize(results.slice(bounds[index], end), context))
    const leftFold = shards.reduce((self, that) => Report.merge(self, that), Report.empty)
    const rightFold = shards.reduceRight((that, self) => Report.merge(self, that), Report.empty)
    expect(encodeReport(leftFold)).toEqual(encodeReport(whole))
    expect(encodeReport(rightFold)).toEqual(encodeReport(whole))
  }, { fastCheck: { numRuns: 25 } })

  it.effect("the sink over a stream in small chunks gives the same report", () =>
    Effect.gen(function*() {
      const report = yield* Stream.fromIterable(results).pipe(Stream.rechunk(7), Stream.run(Report.sink(context)))
      expect(encodeReport(report)).toEqual(encodeReport(whole))
    }))

  it("an empty run reports zeros and no measures", () => {
    const document = Schema.encodeSync(Report.Document)(Report.document(Report.summarize(Chunk.empty(), context)))
    expect(document.completions).toEqual({ retrieved: 0, failed: 0 })
    expect(document.logprobMetrics.content.perplexity).toBeNull()
    expect(document.cost.byModel.total.cost).toBe("0")
    expect(ReportFormat.table(Report.empty)).toContain("Tool calls: 0 (0 not decoded)")
  })
})

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
  const completion = SampleData.make(0, { seed: "tool-calls" })
  const withCalls = (args: ReadonlyArray<readonly [string, string]>, finish = "tool_calls") => ({
    request: { ...completion.request, tools: [weather] },
    response: {
      ...completion.response,
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
})

describe("the JSON Schema checker", () => {
  const messages = (schema: unknown, value: unknown) =>
    checker(schema)(value).map((issue) => `${issue.path.join(".")}: ${issue.message}`)

  it("accepts what the schema allows", () => {
    const schema = {
      type: "object",
      properties: {
        at: { type: "string", format: "date-time" },
        tags: { type: "array", items: { type: "string", minLength: 1 }, uniqueItems: true, maxItems: 3 },
        step: { type: "number", multipleOf: 0.01, exclusiveMinimum: 0 },
        kind: { enum: ["a", "b"] },
        nested: { $ref: "#/$defs/Nested" }
      },
      $defs: { Nested: { type: ["object", "null"], properties: { n: { const: 1 } } } }
    }
    expect(messages(schema, { at: "anything", tags: ["x", "y"], step: 0.07, kind: "a", nested: null })).toEqual([])
    expect(messages(schema, { nested: { n: 1 } })).toEqual([])
    expect(messages(true, 42)).toEqual([])
    expect(messages(undefined, "anything")).toEqual([])
  })

  it("names each rule broken, with its path", () => {
    const schema = {
      type: "object",
      properties: {
        tags: { type: "array", items: { type: "string", minLength: 2 }, uniqueItems: true, maxItems: 2 },
        step: { type: "number", multipleOf: 15, minimum: 15 },
        code: { type: "string", pattern: "^[A-Z]{3}$" },
        choice: { oneOf: [{ type: "integer" }, { type: "number" }] },
        never: false
      },
      patternProperties: { "^x-": { type: "boolean" } },
      additionalProperties: { type: "string" }
    }
    expect(messages(schema, {
      tags: ["a", "a", "bb"],
      step: 20,
      code: "abc",
      choice: 3,
      never: 1,
      "x-flag": "yes",
      extra: 5
    })).toEqual([
      "tags: expected at most 2 items, got 3",
      "tags: expected unique items",
      "tags.0: expected at least 2 characters, got 1",
      "tags.1: expected at least 2 characters, got 1",
      "step: expected a multiple of 15, got 20",
      "code: expected to match /^[A-Z]{3}$/",
      "choice: expected to match exactly one of the 2 oneOf schemas, matched 2",
      "never: is not allowed",
      "x-flag: expected boolean, got string \"yes\"",
      "extra: expected string, got number 5"
    ])
  })

  it("ends on a schema that refers to itself without consuming the value", () => {
    expect(messages({ allOf: [{ $ref: "#" }] }, 1)).toEqual([
      ": cannot be checked: the schema refers to itself without end"
    ])
  })
})

describe("Progress.line", () => {
  it("draws a bar and the time left when the total is known, counts and rate always", () => {
    expect(Progress.line({ done: 50, failed: 1, total: 200, elapsedMillis: 2000 }, 80)).toBe(
      "retrieving [######------------------]  50/200  1 failed  25/s  6s left"
    )
    expect(Progress.line({ done: 10, failed: 0, total: 10_000, elapsedMillis: 4000 }, 80)).toBe(
      "retrieving [------------------------]    10/10000  3/s  1h06m left"
    )
    expect(Progress.line({ done: 1, failed: 0, total: 100_000, elapsedMillis: 1000 }, 90)).toMatch(/1\/s  27h46m left$/)
    // Nothing retrieved yet: no rate to tell the time left from.
    expect(Progress.line({ done: 0, failed: 0, total: 5, elapsedMillis: 300 }, 80)).toBe(
      "retrieving [------------------------] 0/5  0/s"
    )
    expect(Progress.line({ done: 7, failed: 0, total: undefined, elapsedMillis: 1000 }, 80)).toBe("retrieving 7  7/s")
    expect(Progress.line({ done: 200, failed: 0, total: 200, elapsedMillis: 0 }, 20)).toHaveLength(19)
  })
})

describe("Render", () => {
  it("aligns tables, quotes CSV, cuts excerpts and formats measures", () => {
    expect(Render.table([Render.left("model"), Render.right("cost")], [["openai/gpt-4o", "0.25"], ["x", "12.5"]]))
      .toEqual(["model          cost", "openai/gpt-4o  0.25", "x              12.5"])
    expect(Render.csvLine(["a", "b,c", "say \"hi\"", "two\nlines"])).toBe("a,\"b,c\",\"say \"\"hi\"\"\",\"two\nlines\"")
    expect(Render.oneLine("  one\n  two   three ", 9)).toBe("one two …")
    expect(Render.oneLine("short", 9)).toBe("short")
    expect([1.23456, 0.000123456, 12345.6, -600.71].map(Render.measure)).toEqual([
      "1.235",
      "0.0001235",
      "12346",
      "-600.7"
    ])
  })
})
