/**
 * Writers at once. On PostgreSQL, eight stores writing the same completions in different orders at the same time:
 * none fails (no deadlock), each completion is stored once, and the report is exact. On SQLite, two writers wait for
 * each other; one that waits past the bound fails with one line, and the store stays whole.
 */
import * as SqlClient from "@effect/sql/SqlClient"
import { describe, expect, it } from "@effect/vitest"
import { Report } from "@objectiveai-effect/analysis"
import type { StoredChatCompletion } from "@objectiveai-effect/domain"
import { engines, openStore, sample, tempDir } from "@objectiveai-effect/testing/StoreEngines"
import * as Context from "effect/Context"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import * as path from "node:path"
import { Database, StoreError } from "../src/index.js"

const encodeReport = Schema.encodeSync(Report.Report)

const newestFirst = (completions: ReadonlyArray<StoredChatCompletion.StoredChatCompletion>) =>
  [...completions].sort((a, b) =>
    b.response.created - a.response.created ||
    (a.response.id < b.response.id ? 1 : a.response.id > b.response.id ? -1 : 0)
  )

/** The sample in an order of its own per writer, in batches as a sync stores them. */
const batchesOf = (writer: number, size: number) => {
  // Fisher-Yates with a small seeded generator, so that a failure replays.
  const shuffled = [...sample]
  let state = writer + 1
  for (let i = shuffled.length - 1; i > 0; i--) {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31
    const j = state % (i + 1)
    ;[shuffled[i], shuffled[j]] = [shuffled[j], shuffled[i]]
  }
  const batches: Array<ReadonlyArray<StoredChatCompletion.StoredChatCompletion>> = []
  for (let at = 0; at < shuffled.length; at += size) batches.push(shuffled.slice(at, at + size))
  return batches
}

for (const engine of engines.filter((engine) => engine.name === "postgres")) {
  describe(`writers at once on ${engine.name}`, () => {
    it.scoped(
      "eight writers of the same completions: no error, each stored once, the report exact",
      () =>
        Effect.gen(function*() {
          const location = yield* engine.fresh
          // Every store is open before any writes, so that the writes overlap.
          const stores = yield* Effect.all(Array.from({ length: 8 }, () => openStore(location)), {
            concurrency: "unbounded"
          })
          const stored = yield* Effect.all(
            stores.map((store, writer) =>
              Effect.forEach(batchesOf(writer, 64), (batch) => store.put(batch)).pipe(
                Effect.map((batches) => batches.flat())
              )
            ),
            { concurrency: "unbounded" }
          )
          const ids = stored.flat()
          expect(ids.length).toBe(sample.length)
          expect(new Set(ids).size).toBe(sample.length)
          const store = yield* openStore(location)
          expect(yield* store.count()).toBe(sample.length)
          expect(encodeReport(yield* store.report())).toEqual(encodeReport(Report.summarize(newestFirst(sample))))
        }),
      120_000
    )
  })
}

describe("writers at once on sqlite", () => {
  it.scoped("two writers wait for each other and store everything once", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const location = Database.Location.Sqlite({ filename: path.join(dir, "completions.sqlite") })
      const [first, second] = yield* Effect.all([openStore(location), openStore(location)])
      yield* Effect.all([
        Effect.forEach(batchesOf(0, 32), (batch) => first.put(batch)),
        Effect.forEach(batchesOf(1, 32), (batch) => second.put(batch))
      ], { concurrency: 2 })
      expect(yield* first.count()).toBe(sample.length)
      expect(encodeReport(yield* second.report())).toEqual(encodeReport(Report.summarize(newestFirst(sample))))
    }))

  it.scoped(
    "a writer kept waiting past the bound fails with one line, and the store stays whole",
    () =>
      Effect.gen(function*() {
        const dir = yield* tempDir
        const filename = path.join(dir, "completions.sqlite")
        const location = Database.Location.Sqlite({ filename })
        const store = yield* openStore(location)
        yield* store.put(sample.slice(0, 10))
        // Another connection to the file takes the write lock and keeps it until told to let go.
        const other = Context.get(yield* Layer.build(Database.layer(location)), SqlClient.SqlClient)
        const locked = yield* Deferred.make<void>()
        const release = yield* Deferred.make<void>()
        const holder = yield* other.withTransaction(
          other`INSERT INTO objectiveai_sync_state (name, value) VALUES ('held', 1)`.pipe(
            Effect.zipRight(Deferred.succeed(locked, undefined)),
            Effect.zipRight(Deferred.await(release)),
            Effect.zipRight(Effect.fail("rolled back"))
          )
        ).pipe(Effect.flip, Effect.fork)
        yield* Deferred.await(locked)
        const error = yield* Effect.flip(store.put(sample.slice(10, 20)))
        yield* Deferred.succeed(release, undefined)
        expect(yield* holder.await.pipe(Effect.flatten)).toBe("rolled back")
        expect(error).toBeInstanceOf(StoreError.DatabaseBusy)
        expect(StoreError.isStoreError(error)).toBe(true)
        expect(error.message).toBe(
          `${filename}: storing completions failed: another process kept the store busy for more than 5 s; run it again when that one is done`
        )
        expect(yield* other<{ integrity_check: string }>`PRAGMA integrity_check`).toEqual([{ integrity_check: "ok" }])
        expect(yield* store.count()).toBe(10)
        expect(yield* store.put(sample.slice(10, 20))).toHaveLength(10)
      }),
    30_000
  )
})
