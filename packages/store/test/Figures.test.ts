/**
 * The queries the dashboard reads, on every engine: the figures of each group in one scan, the tool calls from their
 * rollup, the most expensive completions and one stored body; each equal to the in-memory folds of the same
 * completions, for ranges that cut the rollups' buckets; a store made before the tool-call rollup is migrated and
 * filled from the rows it holds.
 */
import * as SqlClient from "@effect/sql/SqlClient"
import { describe, expect, it } from "@effect/vitest"
import { Cost, LogprobSummary, ToolCallSummary } from "@objectiveai-effect/analysis"
import type { StoredChatCompletion } from "@objectiveai-effect/domain"
import { encodeStored, engines, freshStore, openStore, sample } from "@objectiveai-effect/testing/StoreEngines"
import * as BigDecimal from "effect/BigDecimal"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import { Database } from "../src/index.js"

const encodeSummary = Schema.encodeSync(LogprobSummary.LogprobSummary)
const encodeTotals = Schema.encodeSync(Cost.Totals)
const encodeToolCalls = Schema.encodeSync(ToolCallSummary.ToolCallSummary)

const seconds = (date: Date) => date.getTime() / 1000

// Ends inside a quarter hour and inside a day, so that both rollups are read with the rows at their ends.
const since = new Date("2025-06-03T07:20:13Z")
const until = new Date("2025-06-07T16:41:07Z")

const inRange = (stored: StoredChatCompletion.StoredChatCompletion) =>
  stored.response.created >= seconds(since) && stored.response.created < seconds(until)

/** Newest first, as the API lists completions. */
const newestFirst = (completions: ReadonlyArray<StoredChatCompletion.StoredChatCompletion>) =>
  [...completions].sort((a, b) =>
    b.response.created - a.response.created ||
    (a.response.id < b.response.id ? 1 : a.response.id > b.response.id ? -1 : 0)
  )

/** Cost totals and logprob summary per model and provider, folded in memory. */
const foldByModelAndProvider = (completions: ReadonlyArray<StoredChatCompletion.StoredChatCompletion>) => {
  const groups = new Map<string, Array<StoredChatCompletion.StoredChatCompletion>>()
  for (const stored of completions) {
    const id = JSON.stringify([stored.response.model, stored.response.provider ?? null])
    groups.set(id, [...(groups.get(id) ?? []), stored])
  }
  return Array.from(groups, ([id, members]) => ({
    key: JSON.parse(id) as Array<string | null>,
    totals: encodeTotals(Cost.summarize(members.map((stored) => stored.response)).total),
    logprobs: encodeSummary(LogprobSummary.summarize(members.map((stored) => stored.response)))
  })).sort((a, b) => Cost.keyOrder(a.key, b.key))
}

for (const engine of engines) {
  describe(`the dashboard's queries on ${engine.name}`, () => {
    it.scoped("figures: the cost totals and logprob summary of each group, as the in-memory folds give them", () =>
      Effect.gen(function*() {
        const store = yield* freshStore(engine)
        yield* store.put(sample)
        for (const [filter, matching] of [[{}, sample], [{ since, until }, sample.filter(inRange)]] as const) {
          const groups = yield* store.figures({ ...filter, by: ["model", "provider"] })
          expect(groups.map((group) => ({
            key: group.key,
            totals: encodeTotals(group.totals),
            logprobs: encodeSummary(group.logprobs)
          }))).toEqual(foldByModelAndProvider(matching))
        }
        // By day in a zone: one group per local day, the same completions in all.
        const byDay = yield* store.figures({ by: "day", timeZone: "Asia/Kathmandu" })
        expect(byDay.reduce((sum, group) => sum + group.totals.completions, 0)).toBe(sample.length)
        expect(byDay.map((group) => group.key[0])).toEqual([...byDay.map((group) => group.key[0])].sort())
      }))

    it.scoped("tool calls: by tool and outcome with the first problems, as ToolCallSummary gives them", () =>
      Effect.gen(function*() {
        const store = yield* freshStore(engine)
        yield* store.put(sample)
        expect(encodeToolCalls(yield* store.toolCalls())).toEqual(
          encodeToolCalls(ToolCallSummary.summarize(newestFirst(sample)))
        )
        const ranged = yield* store.toolCalls({ since, until, providers: ["OpenAI", "Azure"] })
        const matching = sample.filter((stored) =>
          inRange(stored) && ["OpenAI", "Azure"].includes(stored.response.provider ?? "")
        )
        expect(ranged.calls).toBeGreaterThan(0)
        expect(encodeToolCalls(ranged)).toEqual(encodeToolCalls(ToolCallSummary.summarize(newestFirst(matching))))
      }))

    it.scoped("the most expensive completions: highest cost first, whichever way the engine ranks them", () =>
      Effect.gen(function*() {
        const store = yield* freshStore(engine)
        yield* store.put(sample)
        const ranked = (completions: ReadonlyArray<StoredChatCompletion.StoredChatCompletion>, limit: number) =>
          completions
            .map((stored) => ({ id: stored.response.id, cost: Cost.fromCompletion(stored.response).total.cost }))
            .sort((a, b) =>
              BigDecimal.Order(b.cost, a.cost) ||
              newestFirst(sample).findIndex((s) => s.response.id === a.id) -
                newestFirst(sample).findIndex((s) => s.response.id === b.id)
            )
            .slice(0, limit)
            .map(({ cost, id }) => ({ id, cost: BigDecimal.format(cost) }))
        const of = (rows: ReadonlyArray<{ readonly id: string; readonly cost: BigDecimal.BigDecimal }>) =>
          rows.map(({ cost, id }) => ({ id, cost: BigDecimal.format(cost) }))
        // Every completion matches: the cost index is walked.
        expect(of(yield* store.mostExpensive())).toEqual(ranked(sample, 10))
        // A few in an hour (under 1 in 100 of the store): read by time and sorted.
        const hour = { since: new Date("2025-06-05T10:00:00Z"), until: new Date("2025-06-05T11:00:00Z") }
        const inHour = sample.filter((stored) =>
          stored.response.created >= seconds(hour.since) && stored.response.created < seconds(hour.until)
        )
        expect(inHour.length).toBeGreaterThan(0)
        expect(of(yield* store.mostExpensive({ ...hour, limit: 3 }))).toEqual(ranked(inHour, 3))
        const model = sample[0].response.model
        expect(of(yield* store.mostExpensive({ since, until, models: [model], limit: 25 }))).toEqual(
          ranked(sample.filter((stored) => inRange(stored) && stored.response.model === model), 25)
        )
        const first = (yield* store.mostExpensive({ limit: 1 }))[0]
        const stored = sample.find((stored) => stored.response.id === first.id)!
        expect(first).toMatchObject({
          model: stored.response.model,
          provider: stored.response.provider ?? null,
          created: stored.response.created,
          promptTokens: stored.response.usage?.prompt_tokens ?? null
        })
      }))

    it.scoped("body: a stored completion's exact JSON, none for an id not stored", () =>
      Effect.gen(function*() {
        const store = yield* freshStore(engine)
        yield* store.put(sample.slice(0, 5))
        const stored = sample[3]
        expect(yield* store.body(stored.response.id)).toEqual(
          Option.some({ id: stored.response.id, body: encodeStored(stored) })
        )
        expect(yield* store.body("chtcpl-not-stored")).toEqual(Option.none())
      }))

    it.scoped("a store made before the tool-call rollup gets it, filled from the tool calls it holds", () =>
      Effect.gen(function*() {
        const location = yield* engine.fresh
        const expected = encodeToolCalls(ToolCallSummary.summarize(newestFirst(sample)))
        yield* Effect.scoped(Effect.flatMap(openStore(location), (store) => store.put(sample)))
        // The store as the version before this migration left it.
        yield* Effect.gen(function*() {
          const sql = yield* SqlClient.SqlClient
          yield* sql`DROP TABLE objectiveai_tool_call_rollup`
          yield* sql`DROP INDEX objectiveai_figures_cost`
          yield* sql`DELETE FROM objectiveai_migrations WHERE migration_id = 4`
        }).pipe(Effect.provide(Layer.orDie(Database.layer(location))), Effect.scoped, Effect.orDie)
        const reopened = yield* openStore(location, { readOnly: true })
        expect(encodeToolCalls(yield* reopened.toolCalls())).toEqual(expected)
      }))
  })
}
