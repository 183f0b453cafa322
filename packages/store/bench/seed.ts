/**
 * A store of many completions for the benchmarks (the store's and the dashboard's), seeded through the store's write
 * path and then copied in SQL.
 */
import * as SqlClient from "@effect/sql/SqlClient"
import { Cost } from "@objectiveai-effect/analysis"
import { SampleData } from "@objectiveai-effect/server"
import { CompletionStore, Database } from "@objectiveai-effect/store"
import { capturedCall } from "@objectiveai-effect/testing/CapturedCalls"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { timed } from "./support.js"

// Completions derived through `put` (the path every writer takes), then captured with tags through `putCalls`, with
// a failed call beside every 50th; the rest of the store is copies of their rows, made in SQL under new ids and
// shifted by whole hours, since generating and deriving a million completions on this machine would take most of an
// hour. The copies' bodies still name the originals' ids: only the report's figures and the row scan read them; the
// copies' calls keep no request, as after a prune.
export const distinctOf = (count: number): number => Math.min(count, 10_000)

/** The `feature` tag's values: every completion is captured with one of them, and a `user` among {@link users}. */
export const features = [
  "chat",
  "search",
  "summary",
  "translate",
  "extract",
  "classify",
  "code",
  "support",
  "email",
  "agent"
] as const

/** How many `user` values the captured calls take. */
export const users = 1000

/** The tags of the `i`th generated completion's call: its user and feature vary apart. */
export const tagsOf = (i: number): Record<string, string> => ({
  feature: features[Math.floor(i / 7) % features.length],
  user: `user-${i % users}`
})

// The times of a seeded call: those of a real one to the API, not the test builder's.
const seededTimes = (startedAt: number) => ({ startedAt, timeToFirstByte: 180, duration: 900 })

/** The seed of the generated completions: the same ones in every benchmark that seeds a store. */
export const sampleSeed = "store-report-bench"

/**
 * Fills a new store at `location` with `count` completions: {@link distinctOf} generated ones through `put`, the rest
 * copies of their rows. Gives the seconds `put` took and the seconds the whole seeding took.
 */
export const seed = (location: Database.Location, count: number) =>
  Effect.scoped(Effect.gen(function*() {
    const distinct = distinctOf(count)
    const context = yield* Layer.build(
      CompletionStore.layerSqlClient.pipe(Layer.provideMerge(Database.layer(location)))
    )
    const store = Context.get(context, CompletionStore.CompletionStore)
    const sql = Context.get(context, SqlClient.SqlClient)
    const completions = Array.from(SampleData.generate({ count: distinct, seed: sampleSeed }))
    const [, putSeconds] = yield* timed(
      Effect.forEach(chunksOf(completions, 1000), (chunk) => store.put(chunk), { discard: true })
    )
    const [, seconds] = yield* timed(Effect.gen(function*() {
      const calls = completions.flatMap(({ request, response }, i) => [
        capturedCall(`call-${i}`, {
          ...seededTimes(response.created * 1000),
          request,
          completion: response,
          outcome: "Success",
          status: undefined,
          tags: tagsOf(i)
        }),
        ...(i % 50 === 0
          ? [capturedCall(`failed-${i}`, {
            ...seededTimes(response.created * 1000 - 5000),
            request,
            completion: undefined,
            outcome: i % 100 === 0 ? "RateLimitedError" : "ServerError",
            status: i % 100 === 0 ? 429 : 503,
            tags: tagsOf(i)
          })]
          : [])
      ])
      yield* Effect.forEach(chunksOf(calls, 1000), (chunk) => store.putCalls(chunk), { discard: true })
      // The tables holding a row per completion, call or tag, copied column for column as the store made them.
      const tables = yield* Effect.forEach([
        "objectiveai_completions",
        "objectiveai_calls",
        "objectiveai_call_tags",
        "objectiveai_figures",
        "objectiveai_tool_calls",
        "objectiveai_tool_call_problems"
      ], (table) =>
        Effect.map(
          sql.unsafe<Record<string, unknown>>(`SELECT * FROM ${table} LIMIT 1`),
          (rows) => [table, Object.keys(rows[0] ?? {})] as const
        ))
      // Each copy reads the originals from a temporary table of their own (one connection: one transaction), so that
      // a copy costs the same however many came before it.
      yield* sql.withTransaction(Effect.gen(function*() {
        for (const [table] of tables) {
          yield* sql.unsafe(`CREATE TEMPORARY TABLE base_${table} AS SELECT * FROM ${table}`)
        }
        for (let copy = 1; copy * distinct < count; copy++) {
          const shift = copy * 3600
          yield* Effect.forEach(tables.filter(([, columns]) => columns.length > 0), ([table, columns]) => {
            const values = columns.map((column) =>
              column === "id" || column === "call_id" || column === "completion_id"
                ? `${column} || '~${copy}'`
                : column === "created"
                ? `created + ${shift}`
                : column === "started_ms"
                ? `started_ms + ${shift * 1000}`
                : column === "request" || column === "partial" || (column === "day" && table === "objectiveai_figures")
                ? "NULL"
                : column
            )
            return sql.unsafe(
              `INSERT INTO ${table} (${columns.join(", ")}) SELECT ${values.join(", ")} FROM base_${table}`
            )
          }, { discard: true })
        }
        for (const [table] of tables) yield* sql.unsafe(`DROP TABLE base_${table}`)
      }))
      // The copies' UTC days, from their shifted times, as the store writes them.
      const days = yield* sql<{ day: unknown }>`SELECT DISTINCT created / 86400 AS day FROM objectiveai_figures`
      yield* Effect.forEach(days, ({ day }) =>
        sql`UPDATE objectiveai_figures SET day = ${Cost.dayLabel(Number(day))}
          WHERE day IS NULL AND created >= ${Number(day) * 86400} AND created < ${(Number(day) + 1) * 86400}`, {
        discard: true
      })
      // The rollups summed again from every figures, call and tag row, as the store does after a backfill: reopened
      // without its state row, it finds every completion with its figures and rebuilds the rollups.
      yield* sql`DELETE FROM objectiveai_sync_state WHERE name = ${CompletionStore.figuresBackfilled}`
    }))
    const [, rebuilt] = yield* timed(
      Effect.scoped(Layer.build(CompletionStore.layer(location)))
    )
    return { put: putSeconds, seeded: putSeconds + seconds + rebuilt }
  }))

export const chunksOf = <A>(items: ReadonlyArray<A>, size: number): Array<ReadonlyArray<A>> =>
  Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, (i + 1) * size))
