/**
 * The report's fold and its parts, in process: merging shards equals summarizing the whole, the progress line and the
 * text helpers.
 */
import { describe, expect, it } from "@effect/vitest"
import { Report } from "@objectiveai-effect/analysis"
import { ObjectiveAiClient, ObjectiveAiError } from "@objectiveai-effect/client"
import { StoredChatCompletion } from "@objectiveai-effect/domain"
import { SampleData } from "@objectiveai-effect/server"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as FastCheck from "effect/FastCheck"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import { CliError, Progress, Render, ReportCommand, ReportFormat } from "../src/index.js"

const encodeStored = Schema.encodeSync(StoredChatCompletion.StoredChatCompletionFromJson)
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
    : ObjectiveAiClient.RetrieveResult.Retrieved({
      id: completion.response.id,
      completion,
      json: encodeStored(completion)
    })
)

const encodeReport = Schema.encodeSync(Report.Report)

describe("Report", () => {
  const whole = ReportCommand.summarize(results, context)

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
    const shards = bounds.slice(1).map((end, index) =>
      ReportCommand.summarize(results.slice(bounds[index], end), context)
    )
    const leftFold = shards.reduce((self, that) => Report.merge(self, that), Report.empty)
    const rightFold = shards.reduceRight((that, self) => Report.merge(self, that), Report.empty)
    expect(encodeReport(leftFold)).toEqual(encodeReport(whole))
    expect(encodeReport(rightFold)).toEqual(encodeReport(whole))
  }, { fastCheck: { numRuns: 25 } })

  it.effect("the sink over a stream in small chunks gives the same report", () =>
    Effect.gen(function*() {
      const report = yield* Stream.fromIterable(results).pipe(
        Stream.rechunk(7),
        Stream.run(ReportCommand.sink(context))
      )
      expect(encodeReport(report)).toEqual(encodeReport(whole))
    }))

  it("an empty run reports zeros and no measures", () => {
    const document = Schema.encodeSync(ReportFormat.Document)(
      ReportFormat.document(ReportCommand.summarize(Chunk.empty(), context))
    )
    expect(document.completions).toEqual({ retrieved: 0, failed: 0 })
    expect(document.logprobMetrics.content.perplexity).toBeNull()
    expect(document.cost.byModel.total.cost).toBe("0")
    expect(ReportFormat.table(Report.empty)).toContain("Tool calls: 0 (0 not decoded)")
  })
})

describe("ReportFormat.table", () => {
  // The demo's data set: what `pnpm start` prints.
  const demo = Report.summarize(Array.from(SampleData.generate()))
  const lines = ReportFormat.table(demo).split("\n")
  const wide = ReportFormat.table(demo, { wide: true }).split("\n")

  it("fits 120 columns by default; wide adds the upstream costs and the whole reasons", () => {
    const widest = Math.max(...lines.map((line) => [...line].length))
    expect(widest, lines.find((line) => [...line].length === widest)).toBeLessThanOrEqual(ReportFormat.tableWidth)
    expect(lines.join("\n")).not.toContain("upstream cost")
    expect(wide.find((line) => line.startsWith("model "))).toMatch(/ cost +upstream cost +BYOK upstream cost /)
    expect(Math.max(...wide.map((line) => [...line].length))).toBeGreaterThan(ReportFormat.tableWidth)
    expect(wide.filter((line) => line.endsWith("…"))).toEqual([])
  })

  it("the logprob header counts the choices its rows count", () => {
    const header = lines.find((line) => line.startsWith("Logprobs"))
    const row = (name: string) => lines.find((line) => line.startsWith(`${name} `))?.trim().split(/\s+/)[1]
    expect(header).toBe(
      `Logprobs: ${row("content")} choices with content tokens, ${row("refusal")} with refusal tokens ` +
        "(placeholders and non-finite logprobs excluded)"
    )
    expect(row("content")).toBe(String(demo.logprobs.content.choices))
  })

  it("a problem row names its choice and its call apart, as whole numbers, its problem under it", () => {
    const start = lines.findIndex((line) => line.startsWith("First "))
    expect(lines[start + 1]).toMatch(/^completion +choice +call +tool$/)
    const rows = lines.slice(start + 2, start + 2 + 2 * demo.toolCalls.problems.length)
    expect(rows.filter((_, index) => index % 2 === 1).every((line) => /^  \S/.test(line))).toBe(true)
    expect(rows.filter((_, index) => index % 2 === 0).map((line) => line.split(/\s+/))).toEqual(
      demo.toolCalls.problems.map((problem) => [
        problem.completionId,
        String(problem.choiceIndex),
        String(problem.callIndex),
        problem.tool
      ])
    )
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

describe("CliError.describe", () => {
  it("says an answer was over the client's body bound, with its status", () => {
    const error = new ObjectiveAiError.ResponseTooLargeError({
      method: "GET",
      path: "/chat/completions/x",
      attempts: 1,
      status: 200,
      maxBodySize: 4096
    })
    expect(CliError.describe(error, context)).toBe(
      "the answer from http://127.0.0.1:9 is larger than 4096 bytes (HTTP 200)"
    )
  })
})
