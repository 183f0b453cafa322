/**
 * The rollups by tag, on every engine: the answers by tag read them for whole days; a completion counts once under
 * each of its tags whichever of sync and capture stored it first, and a second call of the same completion adds
 * nothing; a store written before them is migrated and filled from the calls it holds, and answers as before, and a
 * migration cut short runs again whole on the next open.
 */
import * as SqlClient from "@effect/sql/SqlClient"
import { describe, expect, it } from "@effect/vitest"
import { Cost, Report } from "@objectiveai-effect/analysis"
import { CompletionId, type StoredChatCompletion } from "@objectiveai-effect/domain"
import { capturedCall } from "@objectiveai-effect/testing/CapturedCalls"
import {
  beforeCompletionsByTime,
  beforeTagIndexByTime,
  engines,
  freshStore,
  openStore,
  sample
} from "@objectiveai-effect/testing/StoreEngines"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import { CompletionStore, Database } from "../src/index.js"
import { tables as tagRollupTables } from "../src/internal/capturedRollup.js"
import {
  figuresTable,
  stateTable,
  tagCostQuarterRollupTable,
  tagCostRollupTable,
  tagQuarterRollupTable,
  tagRollupTable
} from "../src/internal/row.js"

const encodeReport = Schema.encodeSync(Report.Report)
const printed = (report: Report.Report) => JSON.stringify(encodeReport(report))
// The completions' report, without the captured calls' section that `Report.summarize` has no part in.
const completionsOf = ({ calls: _, ...report }: Report.Report) => printed(report)
const encodeCost = Schema.encodeSync(Cost.CostSummary)
// A summary as text, or why it is no summary (a group of negative counts, say).
const costText = (summary: Cost.CostSummary) =>
  Either.match(Schema.encodeEither(Cost.CostSummary)(summary), {
    onLeft: (error) => `invalid: ${error.message}`,
    onRight: (encoded) => JSON.stringify(encoded)
  })

const newestFirst = (completions: ReadonlyArray<StoredChatCompletion.StoredChatCompletion>) =>
  [...completions].sort((a, b) =>
    b.response.created - a.response.created ||
    (a.response.id < b.response.id ? 1 : a.response.id > b.response.id ? -1 : 0)
  )

const features = ["chat", "search", "summary"]
const tagsOf = (i: number): Record<string, string> => ({ feature: features[Math.floor(i / 2) % 3], user: `u-${i % 7}` })

// A successful call of a stored completion, started as it was created.
const call = (id: string, stored: StoredChatCompletion.StoredChatCompletion, tags: Record<string, string>) =>
  capturedCall(id, {
    request: stored.request,
    completion: stored.response,
    startedAt: stored.response.created * 1000,
    tags
  })

// Two completions in three are captured, tagged; the rest only synced. A failed call beside every tenth.
const calls: ReadonlyArray<CompletionStore.CapturedCall> = sample.flatMap((stored, i) => [
  ...(i % 3 === 0 ? [] : [call(`call-${i}`, stored, tagsOf(i))]),
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

/** Zones whose days are not UTC days: summer time starting and ending, and offsets of a half and three quarters hour. */
const zones = ["Europe/Paris", "America/New_York", "Asia/Kolkata", "Asia/Kathmandu"] as const

/** The local date of a Unix time in a zone, as the store labels days. */
const localDay = (timeZone: string) => {
  const format = new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" })
  return (completion: { readonly created: number }) => format.format(new Date(completion.created * 1000))
}

// The sample every 37 minutes or so over the three days around each of 2024's changes of summer time in Europe (they
// fall within America's weeks of difference, so New York's days around them are cut at a different hour too).
const aroundChanges = [1_711_846_800, 1_729_990_800].flatMap((change, at) =>
  sample.map((stored, i): StoredChatCompletion.StoredChatCompletion => ({
    ...stored,
    response: {
      ...stored.response,
      id: CompletionId.make(`zoned-${at}-${i}`),
      created: change - 86_400 - 1_800 + ((i * 2_221) % (3 * 86_400))
    }
  } as StoredChatCompletion.StoredChatCompletion))
)
const zonedCalls = aroundChanges.map((stored, i) =>
  call(`zoned-call-${i}`, stored, i % 4 === 0 ? { feature: features[i % 3] } : tagsOf(i))
)
const zonedTags = new Map(zonedCalls.map((call) => [call.completion!.id, call.tags]))
// A range that cuts a day at each end, in every zone.
const zonedRange = {
  since: new Date((1_711_846_800 - 80_000) * 1000),
  until: new Date((1_729_990_800 + 90_000) * 1000)
}
const inZonedRange = newestFirst(
  aroundChanges.filter(({ response }) =>
    response.created >= zonedRange.since.getTime() / 1000 && response.created < zonedRange.until.getTime() / 1000
  )
)

// The completions around the summer-time changes (a third of them) and their tagged calls.
const putZoned = (store: CompletionStore.Service) =>
  Effect.zipRight(store.put(aroundChanges.filter((_, i) => i % 3 === 0)), store.putCalls(zonedCalls))

/**
 * What the tests of zones compare, each as the store gives it and as the in-memory folds do: the cost by local day and
 * user (the completions without one as a group), the cost by local day and model of a feature, and the report of a
 * feature (its days' least logprobs too).
 */
const zonedAnswers = (store: CompletionStore.Service, timeZone: string) =>
  Effect.gen(function*() {
    const dayOf = localDay(timeZone)
    const chat = inZonedRange.filter((stored) => zonedTags.get(stored.response.id)?.feature === "chat")
    const report = Report.summarize(chat)
    return {
      byUser: [
        costText(yield* store.rollup({ ...zonedRange, by: ["day", "tag:user"], timeZone })),
        costText(Cost.summarize(inZonedRange.map((stored) => stored.response), {
          by: [dayOf, (completion) => zonedTags.get(completion.id)?.user ?? null]
        }))
      ],
      chatByModel: [
        costText(yield* store.rollup({ ...zonedRange, tags: { feature: ["chat"] }, by: ["day", "model"], timeZone })),
        costText(Cost.summarize(chat.map((stored) => stored.response), { by: [dayOf, "model"] }))
      ],
      chatReport: [
        completionsOf(yield* store.report({ filter: { ...zonedRange, tags: { feature: ["chat"] } }, timeZone })),
        printed({
          ...report,
          cost: { ...report.cost, byDay: Cost.summarize(chat.map((stored) => stored.response), { by: dayOf }) }
        })
      ]
    }
  })

// Each of the zones' answers from the store equals its fold.
const expectAnswersRight = (store: CompletionStore.Service, timeZones: ReadonlyArray<string>) =>
  Effect.forEach(
    timeZones,
    (timeZone) =>
      Effect.map(zonedAnswers(store, timeZone), ({ byUser, chatByModel, chatReport }) => {
        expect(byUser[0]).toBe(byUser[1])
        expect(chatByModel[0]).toBe(chatByModel[1])
        expect(chatReport[0]).toBe(chatReport[1])
      }),
    { discard: true }
  )

// A store of half the sample and the captured calls, and its answers.
const storedWithCalls = (location: Database.Location) =>
  Effect.scoped(Effect.gen(function*() {
    const store = yield* openStore(location)
    yield* store.put(sample.filter((_, i) => i % 2 === 0))
    yield* store.putCalls(calls)
    return yield* answers(store)
  }))

const exec = <A>(location: Database.Location, statements: (sql: SqlClient.SqlClient) => Effect.Effect<A, unknown>) =>
  Effect.flatMap(SqlClient.SqlClient, statements).pipe(
    Effect.provide(Layer.orDie(Database.layer(location))),
    Effect.scoped,
    Effect.orDie
  )

// An index's columns, in order, as "a, b, c".
const indexColumns = (location: Database.Location, index: string) =>
  exec(location, (sql) =>
    sql.onDialectOrElse({
      pg: () =>
        Effect.map(
          sql<{ indexdef: string }>`SELECT indexdef FROM pg_indexes WHERE indexname = ${index}`,
          (rows) => rows.map(({ indexdef }) => indexdef.slice(indexdef.indexOf("(") + 1, indexdef.indexOf(")"))).join()
        ),
      orElse: () =>
        Effect.map(
          sql<{ name: string }>`SELECT name FROM pragma_index_info(${index}) ORDER BY seqno`,
          (rows) => rows.map((row) => row.name).join(", ")
        )
    }))

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

    it.scoped("what each batch of calls adds to the rollups is what summing the stored rows in SQL gives, whatever it finds stored", () =>
      Effect.gen(function*() {
        const location = yield* engine.fresh
        const first = sample.slice(0, 100)
        const second = sample.slice(100, 200)
        const third = sample.slice(200)
        const cutoff = [...second].sort((a, b) => a.response.created - b.response.created)[50].response.created
        yield* Effect.scoped(Effect.gen(function*() {
          const store = yield* openStore(location)
          // A quarter synced before their capture; calls without tags, failed calls, streams cut short with their
          // partial completion, and a second call of a completion with tags of its own, in one batch.
          yield* store.put(first.filter((_, i) => i % 4 === 0))
          yield* store.putCalls(first.flatMap((stored, i) => [
            call(`first-${i}`, stored, i % 5 === 0 ? {} : tagsOf(i)),
            ...(i % 11 === 0 ? [call(`again-${i}`, stored, { feature: "again", team: "core" })] : []),
            ...(i % 9 === 0 ?
              [capturedCall(`failed-${i}`, {
                request: stored.request,
                outcome: "ServerError",
                status: 503,
                startedAt: stored.response.created * 1000 + 5,
                tags: tagsOf(i + 1)
              })] :
              []),
            ...(i % 13 === 0 ?
              [capturedCall(`cut-${i}`, {
                operation: "stream",
                request: stored.request,
                partial: stored.response,
                outcome: "StreamError",
                startedAt: stored.response.created * 1000 + 7,
                tags: tagsOf(i + 2)
              })] :
              [])
          ]))
          // Synced, then half of them pruned before their capture: their figures are kept, their bodies stored again.
          yield* store.put(second)
          const pruned = yield* store.prune(new Date(cutoff * 1000))
          expect(pruned.completions).toBeGreaterThan(0)
          yield* store.putCalls(second.map((stored, i) => call(`second-${i}`, stored, tagsOf(i))))
          // Around the changes of summer time, and the rest in batches of a few calls.
          yield* putZoned(store)
          for (let start = 0; start < third.length; start += 7) {
            yield* store.putCalls(
              third.slice(start, start + 7).map((stored, i) => call(`third-${start + i}`, stored, tagsOf(start + i)))
            )
          }
        }))
        const rollups = exec(location, (sql) =>
          Effect.forEach(tagRollupTables, (table) =>
            Effect.map(
              sql<Record<string, unknown>>`SELECT * FROM ${sql(table)}`,
              (rows) => [table, rows.map((row) => JSON.stringify(row)).sort()] as const
            )))
        const added = yield* rollups
        for (const [table, rows] of added) expect(rows.length, table).toBeGreaterThan(0)
        // Every rollup summed again from the stored rows, in SQL: a backfill rebuilds them.
        yield* exec(
          location,
          (sql) => sql`DELETE FROM ${sql(stateTable)} WHERE name = ${CompletionStore.figuresBackfilled}`
        )
        yield* Effect.scoped(openStore(location))
        expect(yield* rollups).toStrictEqual(added)
      }))

    it.scoped("a store written before the rollups by tag gets them filled from its calls; cut short, it migrates again", () =>
      Effect.gen(function*() {
        const location = yield* engine.fresh
        const expected = yield* storedWithCalls(location)
        // The store as the version before the migration left it, and a table in the way of one of the migration's
        // steps, so that it fails after the first ones.
        yield* exec(location, (sql) =>
          Effect.gen(function*() {
            yield* beforeTagIndexByTime(sql)
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

    it.scoped("a store whose tag rows are indexed by completion after the value gets them indexed by call, and answers as before", () =>
      Effect.gen(function*() {
        const location = yield* engine.fresh
        const expected = yield* storedWithCalls(location)
        const valueIndex = indexColumns(location, "objectiveai_call_tags_value")
        expect(yield* valueIndex).toBe("tag_key, tag_value, call_id, completion_id")
        // The store as the version before the migration left it.
        yield* exec(location, (sql) =>
          Effect.gen(function*() {
            yield* beforeTagIndexByTime(sql)
            yield* sql`DROP INDEX objectiveai_call_tags_value`
            yield* sql`CREATE INDEX objectiveai_call_tags_value ON objectiveai_call_tags (tag_key, tag_value, completion_id, call_id)`
            yield* sql`DELETE FROM objectiveai_migrations WHERE migration_id >= 8`
          }))
        expect(yield* valueIndex).toBe("tag_key, tag_value, completion_id, call_id")
        const reopened = yield* openStore(location, { readOnly: true })
        expect(yield* valueIndex).toBe("tag_key, tag_value, call_id, completion_id")
        expect(yield* answers(reopened)).toStrictEqual(expected)
      }))

    it.scoped("a store whose tag rows are indexed by completion id alone gets them indexed by the completion's time, and answers as before", () =>
      Effect.gen(function*() {
        const location = yield* engine.fresh
        const expected = yield* storedWithCalls(location)
        const completionIndex = indexColumns(location, "objectiveai_call_tags_completion")
        // Each tag row naming a completion holds that completion's time, as its figures do.
        const mismatched = exec(
          location,
          (sql) =>
            sql<{ n: number | string }>`SELECT COUNT(*) AS n FROM objectiveai_call_tags t
            LEFT JOIN ${sql(figuresTable)} f ON f.id = t.completion_id
            WHERE t.completion_id IS NOT NULL AND (t.completion_created IS NULL OR t.completion_created <> f.created)`
        )
        const named = exec(
          location,
          (sql) =>
            sql<{ n: number | string }>`SELECT COUNT(*) AS n FROM objectiveai_call_tags WHERE completion_id IS NOT NULL`
        )
        expect(yield* completionIndex).toBe("completion_created, completion_id, tag_key")
        expect(Number((yield* named)[0].n)).toBeGreaterThan(0)
        expect(Number((yield* mismatched)[0].n)).toBe(0)
        yield* exec(location, beforeTagIndexByTime)
        expect(yield* completionIndex).toBe("completion_id, tag_key")
        const reopened = yield* openStore(location, { readOnly: true })
        expect(yield* completionIndex).toBe("completion_created, completion_id, tag_key")
        expect(Number((yield* mismatched)[0].n)).toBe(0)
        expect(yield* answers(reopened)).toStrictEqual(expected)
        // The index still keeps one row per completion and key: a second call of a stored completion adds none.
        const writable = yield* openStore(location)
        const before = Number((yield* named)[0].n)
        yield* writable.putCalls(
          calls.filter((call) => call.completion !== undefined).slice(0, 5).map((call, i) => ({
            ...call,
            id: `again-${i}`
          }))
        )
        expect(Number((yield* named)[0].n)).toBe(before)
        // Their calls are counted; their completions' figures, under each tag, are not counted again.
        const costOf = (printed: string) => JSON.stringify(JSON.parse(printed).cost)
        const again = yield* answers(writable)
        expect(costOf(again.byFeature)).toBe(costOf(expected.byFeature))
        expect(costOf(again.chatByUser)).toBe(costOf(expected.chatByUser))
        expect(again.byFeature).not.toBe(expected.byFeature)
      }))

    it.scoped("a store whose completions are keyed by id gets them keyed by time, and reads and stores them as before", () =>
      Effect.gen(function*() {
        const location = yield* engine.fresh
        yield* storedWithCalls(location)
        const chat = { tags: { feature: ["chat"] } }
        const reads = (store: CompletionStore.Service) =>
          Effect.all({
            count: store.count(),
            chatCount: store.count(chat),
            chatIds: Effect.map(Stream.runCollect(store.bodies(chat)), (bodies) =>
              Chunk.toReadonlyArray(bodies).map((body) => body.id)),
            newestIds: Effect.map(
              Stream.runCollect(store.bodies({ order: "newest", pageSize: 7 })),
              (bodies) =>
                Chunk.toReadonlyArray(bodies).map((body) => body.id)
            ),
            bodies: Effect.forEach(sample.slice(0, 6), (stored) => store.body(stored.response.id)),
            failures: store.failures,
            answers: answers(store)
          })
        const expected = yield* Effect.scoped(Effect.gen(function*() {
          const store = yield* openStore(location)
          yield* store.recordFailures([
            { id: sample[0].response.id, error: "NotFound", reason: "gone" },
            { id: "chtcpl-never-stored", error: "NotFound", reason: "gone" }
          ])
          return yield* reads(store)
        }))
        expect(expected.failures.map((failure) => failure.id)).toStrictEqual(["chtcpl-never-stored"])
        expect(expected.chatIds.length).toBeGreaterThan(0)
        expect(expected.newestIds.length).toBe(expected.count)
        expect(expected.bodies.some(Option.isSome) && expected.bodies.some(Option.isNone)).toBe(true)
        const completionKey = exec(location, (sql) =>
          sql.onDialectOrElse({
            pg: () =>
              Effect.map(
                sql<{ column: string }>`SELECT a.attname AS column FROM pg_index i
                  JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
                  WHERE i.indrelid = 'objectiveai_completions'::regclass AND i.indisprimary
                  ORDER BY array_position(i.indkey, a.attnum)`,
                (rows) => rows.map((row) => row.column).join(", ")
              ),
            orElse: () =>
              Effect.map(
                sql<{ name: string; pk: number }>`SELECT name, pk FROM pragma_table_info('objectiveai_completions')
                  WHERE pk > 0 ORDER BY pk`,
                (rows) => rows.map((row) => row.name).join(", ")
              )
          }))
        expect(yield* completionKey).toBe("created, id")
        yield* exec(location, beforeCompletionsByTime)
        expect(yield* completionKey).toBe("id")
        const store = yield* openStore(location)
        expect(yield* completionKey).toBe("created, id")
        expect(yield* reads(store)).toStrictEqual(expected)
        // Stored once still: a completion put again, by sync or by another call, adds no row.
        expect(yield* store.put(sample.filter((_, i) => i % 2 === 0).slice(0, 20))).toStrictEqual([])
        expect(yield* store.count()).toBe(expected.count)
      }))

    it.scoped("an id brought again under another time keeps its first body; one stored again after a prune gets it back", () =>
      Effect.gen(function*() {
        const store = yield* freshStore(engine)
        const [first, second] = sample
        expect(yield* store.put([first, second])).toStrictEqual([first.response.id, second.response.id].sort())
        const moved = { ...first, response: { ...first.response, created: first.response.created + 1 } }
        const firstBody = yield* store.body(first.response.id)
        expect(yield* store.put([moved])).toStrictEqual([])
        expect(yield* store.count()).toBe(2)
        expect(yield* store.body(first.response.id)).toStrictEqual(firstBody)
        const ids = Chunk.toReadonlyArray(yield* Stream.runCollect(store.bodies())).map((body) => body.id)
        expect(ids.filter((id) => id === first.response.id)).toHaveLength(1)
        // Pruned, its figures stay; put again, with the same time, its body is back.
        yield* store.prune(new Date((Math.max(first.response.created, second.response.created) + 1) * 1000))
        expect(yield* store.count()).toBe(0)
        expect(yield* store.put([first])).toStrictEqual([first.response.id])
        expect(yield* store.body(first.response.id)).toStrictEqual(firstBody)
        expect(yield* store.put([moved])).toStrictEqual([])
        expect(yield* store.count()).toBe(1)
      }))

    it.scoped("answers by day in a zone whose days are not UTC days read the quarter hours at the days' edges; a rebuild fills them", () =>
      Effect.gen(function*() {
        const location = yield* engine.fresh
        yield* Effect.scoped(Effect.gen(function*() {
          const store = yield* openStore(location)
          yield* putZoned(store)
          yield* expectAnswersRight(store, zones)
        }))
        // Emptied, the rollup by quarter hour no longer moves the edges' figures to their local days; the cost by day
        // and user, read from the cost rollups by tag, is still right.
        yield* exec(location, (sql) => sql`DELETE FROM ${sql(tagQuarterRollupTable)}`)
        const store = yield* openStore(location)
        for (const timeZone of zones) {
          const { byUser, chatByModel, chatReport } = yield* zonedAnswers(store, timeZone)
          expect(byUser[0]).toBe(byUser[1])
          expect(chatByModel[0]).not.toBe(chatByModel[1])
          expect(chatReport[0]).not.toBe(chatReport[1])
        }
        // Emptied, the cost rollup by quarter hour no longer moves the cost by day and user's edges.
        yield* exec(location, (sql) => sql`DELETE FROM ${sql(tagCostQuarterRollupTable)}`)
        for (const timeZone of zones) {
          const { byUser } = yield* zonedAnswers(store, timeZone)
          expect(byUser[0]).not.toBe(byUser[1])
        }
        // In UTC no quarter moves: it reads the cost rollup by day alone, and emptied, that has no user's cost left.
        const utc = yield* zonedAnswers(store, "UTC")
        expect(utc.byUser[0]).toBe(utc.byUser[1])
        yield* exec(location, (sql) => sql`DELETE FROM ${sql(tagCostRollupTable)}`)
        const emptied = yield* zonedAnswers(store, "UTC")
        expect(emptied.byUser[0]).not.toBe(emptied.byUser[1])
        // A backfill's rebuild of the rollups fills it again.
        yield* exec(
          location,
          (sql) => sql`DELETE FROM ${sql(stateTable)} WHERE name = ${CompletionStore.figuresBackfilled}`
        )
        const rebuilt = yield* openStore(location)
        yield* expectAnswersRight(rebuilt, ["UTC", ...zones])
      }))

    for (
      const { migration, name, tables } of [
        {
          migration: 6,
          name: "the rollup by quarter hour",
          tables: [tagQuarterRollupTable, tagCostRollupTable, tagCostQuarterRollupTable]
        },
        { migration: 7, name: "the cost rollups by tag", tables: [tagCostRollupTable, tagCostQuarterRollupTable] }
      ]
    ) {
      it.scoped(`a store written before ${name} gets it filled; cut short, it migrates again`, () =>
        Effect.gen(function*() {
          const location = yield* engine.fresh
          yield* Effect.scoped(Effect.gen(function*() {
            const store = yield* openStore(location)
            yield* putZoned(store)
          }))
          // The store as the version before the migration left it (without the tables of this migration and those
          // after it), and its figures out of the way of the migration's fill, so that it fails after creating them.
          yield* exec(location, (sql) =>
            Effect.gen(function*() {
              yield* beforeTagIndexByTime(sql)
              yield* Effect.forEach(tables, (table) => sql`DROP TABLE ${sql(table)}`)
              yield* sql`DELETE FROM objectiveai_migrations WHERE migration_id >= ${migration}`
              yield* sql`ALTER TABLE ${sql(figuresTable)} RENAME TO figures_away`
            }))
          const cut = yield* Effect.exit(Effect.scoped(openStore(location)))
          expect(Exit.isFailure(cut)).toBe(true)
          for (const table of tables) {
            const left = yield* exec(location, (sql) => Effect.exit(sql`SELECT COUNT(*) AS n FROM ${sql(table)}`))
            expect(Exit.isFailure(left)).toBe(true)
          }
          yield* exec(location, (sql) => sql`ALTER TABLE figures_away RENAME TO ${sql(figuresTable)}`)
          const reopened = yield* openStore(location, { readOnly: true })
          yield* expectAnswersRight(reopened, ["UTC", ...zones])
        }))
    }
  })
}
