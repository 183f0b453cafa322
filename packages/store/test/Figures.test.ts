/**
 * The queries the dashboard reads, on every engine: the figures of each group in one scan, the tool calls from their
 * rollup, the most expensive completions and one stored body; each equal to the in-memory folds of the same
 * completions, for ranges that cut the rollups' buckets; a store made before the tool-call rollup is migrated and
 * filled from the rows it holds.
 */
import * as SqlClient from "@effect/sql/SqlClient"
import { describe, expect, it } from "@effect/vitest"
import { CallSummary, Cost, LogprobSummary, ToolCallSummary } from "@objectiveai-effect/analysis"
import type { StoredChatCompletion } from "@objectiveai-effect/domain"
import { capturedCall } from "@objectiveai-effect/testing/CapturedCalls"
import {
  beforeTagIndexByTime,
  encodeStored,
  engines,
  freshStore,
  openStore,
  sample
} from "@objectiveai-effect/testing/StoreEngines"
import * as BigDecimal from "effect/BigDecimal"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import type { CompletionStore } from "../src/index.js"
import { Database } from "../src/index.js"
import { tables as tagRollupTables } from "../src/internal/capturedRollup.js"

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

// The tags of the sample's captured calls: every other completion is only synced, and so has none.
const featureOf = (i: number) => ["search", "chat", "summary"][i % 3]
const userOf = (i: number) => i % 4 < 2 ? "ada" : "bob"
const captured = (i: number) => i % 2 === 1

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

    it.scoped("a tag filter: every query reads only what calls captured with those tags, as the folds of them give", () =>
      Effect.gen(function*() {
        const store = yield* freshStore(engine)
        yield* store.put(sample.filter((_, i) => !captured(i)))
        yield* store.putCalls([
          ...sample.flatMap((stored, i) =>
            captured(i)
              ? [capturedCall(`call-${i}`, {
                request: stored.request,
                completion: stored.response,
                outcome: "Success",
                startedAt: stored.response.created * 1000,
                tags: { feature: featureOf(i), user: userOf(i) }
              })]
              : []
          ),
          capturedCall("failed-0", {
            request: sample[0].request,
            completion: undefined,
            outcome: "ServerError",
            startedAt: sample[0].response.created * 1000,
            tags: { feature: "search", user: "ada" }
          })
        ])
        expect(yield* store.tagValues).toEqual({ feature: ["chat", "search", "summary"], user: ["ada", "bob"] })
        const cases: ReadonlyArray<
          readonly [CompletionStore.Filter, (stored: StoredChatCompletion.StoredChatCompletion, i: number) => boolean]
        > = [
          [{ tags: { feature: ["search"] } }, (_, i) => captured(i) && featureOf(i) === "search"],
          [{ tags: { feature: ["search", "chat"] } }, (_, i) => captured(i) && featureOf(i) !== "summary"],
          [
            { since, until, tags: { feature: ["chat"], user: ["bob"] } },
            (stored, i) => inRange(stored) && captured(i) && featureOf(i) === "chat" && userOf(i) === "bob"
          ],
          [{ tags: { feature: [] } }, () => false]
        ]
        for (const [filter, keep] of cases) {
          const matching = sample.filter(keep)
          const groups = yield* store.figures({ ...filter, by: ["model", "provider"] })
          expect(groups.map((group) => ({
            key: group.key,
            totals: encodeTotals(group.totals),
            logprobs: encodeSummary(group.logprobs)
          }))).toEqual(foldByModelAndProvider(matching))
          expect(encodeToolCalls(yield* store.toolCalls(filter))).toEqual(
            encodeToolCalls(ToolCallSummary.summarize(newestFirst(matching)))
          )
          const ids = new Set(matching.map((stored) => stored.response.id))
          const expensive = yield* store.mostExpensive({ ...filter, limit: 100 })
          expect(expensive.map((row) => row.id).sort()).toEqual([...ids].sort())
          expect(yield* store.count(filter)).toBe(matching.length)
        }
        // The failed call counts under its own tags, not under others.
        const search = yield* store.calls({ tags: { feature: ["search"] } })
        expect(search.total).toMatchObject({
          calls: sample.filter((_, i) => captured(i) && featureOf(i) === "search").length + 1,
          failed: 1
        })
        expect(search.byModel.find((group) => group.key === sample[0].request.model)).toMatchObject({ failed: 1 })
        expect((yield* store.calls({ tags: { feature: ["chat"] } })).total.failed).toBe(0)
        expect((yield* store.calls()).total).toEqual(
          CallSummary.summarize([
            ...sample.flatMap((stored, i) =>
              captured(i)
                ? [{ model: stored.response.model, provider: stored.response.provider ?? null, outcome: "Success" }]
                : []
            ),
            { model: sample[0].request.model, provider: null, outcome: "ServerError" }
          ]).total
        )
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
          yield* beforeTagIndexByTime(sql)
          yield* sql`DROP TABLE objectiveai_tool_call_rollup`
          yield* sql`DROP INDEX objectiveai_figures_cost`
          yield* Effect.forEach(tagRollupTables, (table) => sql`DROP TABLE ${sql(table)}`)
          yield* sql`DROP INDEX objectiveai_call_tags_value`
          yield* sql`DELETE FROM objectiveai_migrations WHERE migration_id >= 4`
        }).pipe(Effect.provide(Layer.orDie(Database.layer(location))), Effect.scoped, Effect.orDie)
        const reopened = yield* openStore(location, { readOnly: true })
        expect(encodeToolCalls(yield* reopened.toolCalls())).toEqual(expected)
      }))
  })
}
