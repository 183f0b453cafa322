/**
 * The rollups by tag, on every engine: the answers by tag read them for whole days; a completion counts once under
 * each of its tags whichever of sync and capture stored it first, and a second call of the same completion adds
 * nothing; a store written before them is migrated and filled from the calls it holds, and answers as before, and a
 * migration cut short runs again whole on the next open.
 */
import * as SqlClient from "@effect/sql/SqlClient"
import { describe, expect, it } from "@effect/vitest"
import { Cost, Report } from "@objectiveai-effect/analysis"
import type { StoredChatCompletion } from "@objectiveai-effect/domain"
import { capturedCall } from "@objectiveai-effect/testing/CapturedCalls"
import { engines, freshStore, openStore, sample } from "@objectiveai-effect/testing/StoreEngines"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import type { CompletionStore } from "../src/index.js"
import { Database } from "../src/index.js"
import { tables as tagRollupTables } from "../src/internal/capturedRollup.js"
import { tagRollupTable } from "../src/internal/row.js"

const encodeReport = Schema.encodeSync(Report.Report)
const printed = (report: Report.Report) => JSON.stringify(encodeReport(report))
// The completions' report, without the captured calls' section that `Report.summarize` has no part in.
const completionsOf = ({ calls: _, ...report }: Report.Report) => printed(report)
const encodeCost = Schema.encodeSync(Cost.CostSummary)

const newestFirst = (completions: ReadonlyArray<StoredChatCompletion.StoredChatCompletion>) =>
  [...completions].sort((a, b) =>
    b.response.created - a.response.created ||
    (a.response.id < b.response.id ? 1 : a.response.id > b.response.id ? -1 : 0)
  )

const features = ["chat", "search", "summary"]
const tagsOf = (i: number): Record<string, string> => ({ feature: features[Math.floor(i / 2) % 3], user: `u-${i % 7}` })

// Two completions in three are captured, tagged; the rest only synced. A failed call beside every tenth.
const calls: ReadonlyArray<CompletionStore.CapturedCall> = sample.flatMap((stored, i) => [
  ...(i % 3 === 0 ? [] : [
    capturedCall(`call-${i}`, {
      request: stored.request,
      completion: stored.response,
      startedAt: stored.response.created * 1000,
      tags: tagsOf(i)
    })
  ]),
  ...(i % 10 === 0 ?
    [capturedCall(`failed-${i}`, {
      request: stored.request,
      outcome: "ServerError",
      status: 503,
      startedAt: stored.response.created * 1000,
      tags: tagsOf(i)
    })] :
    [])
])

/** What the tests compare: a report by tag, reports filtered by one key and by two, the tag values. */
const answers = (store: CompletionStore.Service) =>
  Effect.all({
    byFeature: Effect.map(store.report({ tag: "feature" }), printed),
    chatByUser: Effect.map(store.report({ filter: { tags: { feature: ["chat", "summary"] } }, tag: "user" }), printed),
    chatOfOneUser: Effect.map(store.report({ filter: { tags: { feature: ["chat"], user: ["u-1"] } } }), printed),
    tagValues: store.tagValues
  })

const exec = <A>(location: Database.Location, statements: (sql: SqlClient.SqlClient) => Effect.Effect<A, unknown>) =>
  Effect.flatMap(SqlClient.SqlClient, statements).pipe(
    Effect.provide(Layer.orDie(Database.layer(location))),
    Effect.scoped,
    Effect.orDie
  )

for (const engine of engines) {
  describe(`the rollups by tag on ${engine.name}`, () => {
    it.scoped("answers by tag read the rollup for whole days, the rows for the rest", () =>
      Effect.gen(function*() {
        const location = yield* engine.fresh
        const chat = newestFirst(
          sample.filter((_, i) => i % 3 !== 0 && tagsOf(i).feature === "chat")
        )
        yield* Effect.scoped(Effect.gen(function*() {
          const store = yield* openStore(location)
          yield* store.putCalls(calls)
          const report = yield* store.report({ filter: { tags: { feature: ["chat"] } } })
          expect(completionsOf(report)).toBe(printed(Report.summarize(chat)))
        }))
        // Emptied, the rollup by tag no longer holds the whole days: what is left is the rows of the two keys' filter.
        yield* exec(location, (sql) => sql`DELETE FROM ${sql(tagRollupTable)}`)
        const store = yield* openStore(location)
        expect((yield* store.report({ filter: { tags: { feature: ["chat"] } } })).completions.retrieved).toBe(0)
        const ofOneUser = chat.filter((stored) => sample.indexOf(stored) % 7 === 1)
        expect(ofOneUser.length).toBeGreaterThan(0)
        expect(completionsOf(yield* store.report({ filter: { tags: { feature: ["chat"], user: ["u-1"] } } }))).toBe(
          printed(Report.summarize(ofOneUser))
        )
      }))

    it.scoped("a completion counts once under each tag, synced before its capture or after, or captured twice", () =>
      Effect.gen(function*() {
        const store = yield* freshStore(engine)
        const [a, b, c] = sample
        const call = (id: string, stored: StoredChatCompletion.StoredChatCompletion, tags: Record<string, string>) =>
          capturedCall(id, {
            request: stored.request,
            completion: stored.response,
            startedAt: stored.response.created * 1000,
            tags
          })
        yield* store.put([a])
        yield* store.putCalls([call("a-1", a, { feature: "one" }), call("b-1", b, { feature: "two" })])
        yield* store.put([b])
        // The second call of c brings a user, and no second feature: c keeps the feature its first call gave it.
        yield* store.putCalls([call("c-1", c, { feature: "one" })])
        yield* store.putCalls([call("c-2", c, { feature: "two", user: "ada" })])
        const tags = new Map<StoredChatCompletion.StoredChatCompletion, Record<string, string>>([
          [a, { feature: "one" }],
          [b, { feature: "two" }],
          [c, { feature: "one", user: "ada" }]
        ])
        const completions = newestFirst([a, b, c])
        for (const key of ["feature", "user"]) {
          expect(encodeCost(yield* store.rollup({ by: `tag:${key}` }))).toStrictEqual(encodeCost(Cost.summarize(
            completions.map((stored) => stored.response),
            { by: (completion) => tags.get(completions.find((s) => s.response.id === completion.id)!)?.[key] ?? null }
          )))
        }
        expect(encodeCost(yield* store.rollup({ tags: { feature: ["one"] } }))).toStrictEqual(
          encodeCost(Cost.summarize(newestFirst([a, c]).map((stored) => stored.response)))
        )
        expect((yield* store.calls({ tags: { feature: ["two"] } })).total.calls).toBe(1)
        expect((yield* store.calls({ tags: { user: ["ada"] } })).total.calls).toBe(1)
      }))

    it.scoped("a store written before the rollups by tag gets them filled from its calls; cut short, it migrates again", () =>
      Effect.gen(function*() {
        const location = yield* engine.fresh
        const expected = yield* Effect.scoped(Effect.gen(function*() {
          const store = yield* openStore(location)
          yield* store.put(sample.filter((_, i) => i % 2 === 0))
          yield* store.putCalls(calls)
          return yield* answers(store)
        }))
        // The store as the version before the migration left it, and a table in the way of one of the migration's
        // steps, so that it fails after the first ones.
        yield* exec(location, (sql) =>
          Effect.gen(function*() {
            yield* Effect.forEach(tagRollupTables, (table) => sql`DROP TABLE ${sql(table)}`)
            yield* sql`DROP INDEX objectiveai_call_tags_value`
            yield* sql`DELETE FROM objectiveai_migrations WHERE migration_id >= 5`
            yield* sql`CREATE TABLE objectiveai_tag_values (blocking INTEGER)`
          }))
        const cut = yield* Effect.exit(Effect.scoped(openStore(location)))
        expect(Exit.isFailure(cut)).toBe(true)
        // Nothing of the failed migration stays: the rollups were rolled back with it.
        const left = yield* exec(
          location,
          (sql) => Effect.exit(sql`SELECT COUNT(*) AS n FROM ${sql(tagRollupTable)}`)
        )
        expect(Exit.isFailure(left)).toBe(true)
        yield* exec(location, (sql) => sql`DROP TABLE objectiveai_tag_values`)
        const reopened = yield* openStore(location, { readOnly: true })
        expect(yield* answers(reopened)).toStrictEqual(expected)
      }))
  })
}
