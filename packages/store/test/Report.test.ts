/**
 * The report computed in the engine from the figures stored with each completion equals the in-memory folds over the
 * same completions exactly, field for field, on every engine; a store written before the figures existed is migrated
 * and backfilled, and a backfill cut short is finished by the next open.
 */
import * as Migrator from "@effect/sql/Migrator"
import * as SqlClient from "@effect/sql/SqlClient"
import { describe, expect, it } from "@effect/vitest"
import { Cost, Report, ToolCallSummary } from "@objectiveai-effect/analysis"
import { CompletionId, type StoredChatCompletion } from "@objectiveai-effect/domain"
import { encodeStored, engines, freshStore, openStore, sample } from "@objectiveai-effect/testing/StoreEngines"
import * as Effect from "effect/Effect"
import * as FastCheck from "effect/FastCheck"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import { CompletionStore, Database } from "../src/index.js"
import { migrations } from "../src/internal/migrations.js"

const encodeReport = Schema.encodeSync(Report.Report)

/** The report as JSON text: equal reports print the same bytes. */
const printed = (report: Report.Report) => JSON.stringify(encodeReport(report))

/** Newest first, as the store reports: `created`, then id by code unit, both descending. */
const newestFirst = (completions: ReadonlyArray<StoredChatCompletion.StoredChatCompletion>) =>
  [...completions].sort((a, b) =>
    b.response.created - a.response.created ||
    (a.response.id < b.response.id ? 1 : a.response.id > b.response.id ? -1 : 0)
  )

const models = ["openai/gpt-4o-mini", "anthropic/claude-3.5-sonnet", "meta/llama-3.1-70b"] as const

/** Amounts as the wire may carry them: ordinary prices, float noise, extremes that do not fit the limbs, or none. */
const amount = FastCheck.oneof(
  FastCheck.constant(null),
  FastCheck.integer({ min: 0, max: 10_000_000 }).map((n) => n / 1e8),
  FastCheck.double({ noNaN: true, noDefaultInfinity: true }),
  FastCheck.constantFrom(0.1, 0.2, 0.3, 1e-300, 5e-324, 1.7976931348623157e308, 0.000018449999999999998)
)

/** A logprob as upstreams send them: ordinary values, placeholders, noise above 0, extremes. */
const logprob = FastCheck.oneof(
  { weight: 6, arbitrary: FastCheck.double({ min: -30, max: 0, noNaN: true }) },
  FastCheck.constantFrom(-9999, null, 1e-9, -1e-300, -5e-324, -1e300, -Infinity, -0.1, -0.000018449999999999998),
  FastCheck.double({ noNaN: true })
)

const generated = FastCheck.array(
  FastCheck.record({
    base: FastCheck.integer({ min: 0, max: sample.length - 1 }),
    model: FastCheck.constantFrom(...models),
    provider: FastCheck.constantFrom("OpenAI", "Anthropic", null),
    // To 2030, and in 1970 and 1971, when Monrovia was 44 minutes 30 seconds behind UTC.
    created: FastCheck.oneof(
      FastCheck.integer({ min: 1_577_836_800, max: 1_893_456_000 }),
      FastCheck.integer({ min: 0, max: 63_000_000 }),
      // Around Monrovia's midnight then, 00:44:30 UTC, inside the quarter hour it cuts.
      FastCheck.tuple(FastCheck.integer({ min: 0, max: 700 }), FastCheck.integer({ min: -30, max: 60 }))
        .map(([day, seconds]) => day * 86_400 + 2670 + seconds)
    ),
    cost: amount,
    logprobs: FastCheck.array(logprob, { maxLength: 8 })
  }),
  { maxLength: 30 }
)

/**
 * A range of `created` to report on: each end open, or within a quarter hour of a generated completion's time, so
 * that the ends cut the quarter hours the completions are in.
 */
const range = FastCheck.tuple(
  FastCheck.option(FastCheck.tuple(FastCheck.nat(), FastCheck.integer({ min: -900, max: 900 })), { nil: undefined }),
  FastCheck.option(FastCheck.tuple(FastCheck.nat(), FastCheck.integer({ min: -900, max: 900 })), { nil: undefined })
)

const rangeOf = (
  completions: ReadonlyArray<StoredChatCompletion.StoredChatCompletion>,
  [since, until]: typeof range extends FastCheck.Arbitrary<infer A> ? A : never
): readonly [number | undefined, number | undefined] => {
  const at = (end: readonly [number, number] | undefined) =>
    end === undefined || completions.length === 0
      ? undefined
      : completions[end[0] % completions.length].response.created + end[1]
  const [a, b] = [at(since), at(until)]
  return a !== undefined && b !== undefined && b < a ? [b, a] : [a, b]
}

/** UTC, zones with quarter-hour offsets, and one whose 1970 offset was not a whole quarter hour. */
const zone = FastCheck.constantFrom(undefined, "Asia/Kathmandu", "America/New_York", "Africa/Monrovia")

/** The local date of a Unix time in a zone, `YYYY-MM-DD`. */
const localDay = (timeZone: string) => {
  const format = new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" })
  return (completion: { readonly created: number }) => format.format(new Date(completion.created * 1000))
}

let run = 0

/** Sample completions (with their logprobs, tool calls and problems) under this run's models, prices and times. */
const completionsOf = (rows: typeof generated extends FastCheck.Arbitrary<infer A> ? A : never) => {
  const prefix = `report${run++}`
  return rows.map((row, i): StoredChatCompletion.StoredChatCompletion => {
    const base = sample[row.base]
    let next = 0
    const noisy = (value: unknown) => row.logprobs.length === 0 ? value : row.logprobs[next++ % row.logprobs.length]
    return {
      ...base,
      response: {
        ...base.response,
        id: CompletionId.make(`${prefix}-${String(i).padStart(3, "0")}`),
        model: `${prefix}/${row.model}`,
        provider: row.provider,
        created: row.created,
        ...(base.response.usage == null ? {} : { usage: { ...base.response.usage, cost: row.cost } }),
        choices: base.response.choices.map((choice) =>
          choice.logprobs?.content == null ? choice : {
            ...choice,
            logprobs: {
              ...choice.logprobs,
              content: choice.logprobs.content.map((token) => ({
                ...token,
                logprob: noisy(token.logprob),
                top_logprobs: token.top_logprobs.map((top) => ({ ...top, logprob: noisy(top.logprob) }))
              }))
            }
          }
        )
      }
    } as StoredChatCompletion.StoredChatCompletion
  })
}

for (const engine of engines) {
  describe(`CompletionStore.report on ${engine.name}`, () => {
    it.scoped("the sample's report equals the in-memory folds byte for byte", () =>
      Effect.gen(function*() {
        const store = yield* freshStore(engine)
        yield* store.put(sample)
        const report = yield* store.report()
        expect(report.completions.retrieved).toBe(sample.length)
        expect(report.toolCalls.problems.length).toBe(ToolCallSummary.problemsKept)
        expect(report.logprobs.content.tokens).toBeGreaterThan(0)
        expect(printed(report)).toBe(printed(Report.summarize(newestFirst(sample))))
      }))

    it.scopedLive(
      "equals Cost.summarize, LogprobSummary and ToolCallSummary exactly over generated completions",
      () =>
        Effect.gen(function*() {
          const store = yield* freshStore(engine)
          yield* Effect.promise(() =>
            FastCheck.assert(
              FastCheck.asyncProperty(generated, range, zone, (rows, ends, timeZone) =>
                Effect.runPromise(Effect.gen(function*() {
                  const completions = completionsOf(rows)
                  const [since, until] = rangeOf(completions, ends)
                  yield* store.put(completions)
                  const filter = {
                    models: models.map((model) => `report${run - 1}/${model}`),
                    since: since === undefined ? undefined : new Date(since * 1000),
                    until: until === undefined ? undefined : new Date(until * 1000)
                  }
                  const fromStore = yield* store.report({ filter, timeZone })
                  const matching = newestFirst(completions.filter(({ response }) =>
                    (since === undefined || response.created >= since) &&
                    (until === undefined || response.created < until)
                  ))
                  const whole = Report.summarize(matching)
                  const expected = timeZone === undefined ? whole : {
                    ...whole,
                    cost: {
                      ...whole.cost,
                      byDay: Cost.summarize(
                        matching.map((stored) =>
                          stored.response
                        ),
                        { by: localDay(timeZone) }
                      )
                    }
                  }
                  expect(encodeReport(fromStore)).toEqual(encodeReport(expected))
                  expect(printed(fromStore)).toBe(printed(expected))
                }))),
              { numRuns: 40 }
            )
          )
        }),
      180_000
    )

    it.scoped("days in the zone named, the range filtered", () =>
      Effect.gen(function*() {
        const store = yield* freshStore(engine)
        yield* store.put(sample)
        const since = new Date("2025-06-03T00:00:00Z")
        const until = new Date("2025-06-07T12:00:00Z")
        const inRange = newestFirst(sample.filter(({ response }) =>
          response.created >= since.getTime() / 1000 && response.created < until.getTime() / 1000
        ))
        expect(inRange.length).toBeGreaterThan(0)
        expect(inRange.length).toBeLessThan(sample.length)
        const timeZone = "Asia/Kathmandu"
        const report = yield* store.report({ filter: { since, until }, timeZone })
        const expected = Report.summarize(inRange)
        const byDay = Cost.summarize(
          inRange.map((stored) =>
            stored.response
          ),
          { by: localDay(timeZone) }
        )
        expect(printed(report)).toBe(printed({ ...expected, cost: { ...expected.cost, byDay } }))
        expect(printed(report)).not.toBe(printed(expected))
      }))

    it.scoped("a store written before the figures existed is migrated, backfilled and reports as before", () =>
      Effect.gen(function*() {
        const location = yield* engine.fresh
        // The store as the first version wrote it: its one migration, and rows in its wide table.
        yield* Effect.gen(function*() {
          const sql = yield* SqlClient.SqlClient
          yield* Migrator.make({})({
            loader: Migrator.fromRecord({ "1_create_completions": migrations["1_create_completions"] }),
            table: "objectiveai_migrations"
          })
          for (const stored of sample) {
            yield* sql`INSERT INTO objectiveai_completions ${
              sql.insert({
                id: stored.response.id,
                created: stored.response.created,
                day: null,
                model: stored.response.model,
                provider: stored.response.provider ?? null,
                finish_reasons: "[]",
                is_byok: 0,
                has_logprobs: 0,
                has_tool_calls: 0,
                body: encodeStored(stored)
              })
            }`
          }
        }).pipe(Effect.provide(Layer.orDie(Database.layer(location))), Effect.scoped, Effect.orDie)

        const expected = printed(Report.summarize(newestFirst(sample)))
        const reportOnce = Effect.scoped(Effect.flatMap(openStore(location), (store) => store.report()))
        expect(printed(yield* reportOnce)).toBe(expected)

        // A backfill cut short: some completions without figures, the state row not yet written.
        yield* Effect.gen(function*() {
          const sql = yield* SqlClient.SqlClient
          const cut = sample[Math.floor(sample.length / 3)].response.id
          yield* sql`DELETE FROM objectiveai_tool_calls WHERE id > ${cut}`
          yield* sql`DELETE FROM objectiveai_tool_call_problems WHERE id > ${cut}`
          yield* sql`DELETE FROM objectiveai_figures WHERE id > ${cut}`
          yield* sql`DELETE FROM objectiveai_sync_state WHERE name = ${CompletionStore.figuresBackfilled}`
        }).pipe(Effect.provide(Layer.orDie(Database.layer(location))), Effect.scoped, Effect.orDie)
        expect(printed(yield* reportOnce)).toBe(expected)
      }))
  })
}
