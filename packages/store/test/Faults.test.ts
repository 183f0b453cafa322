/**
 * The store under faults: a full disk, a PostgreSQL connection lost mid-write, a body edited by hand, and stores
 * opened only to be read (missing, or on media that cannot be written).
 */
import * as SqlClient from "@effect/sql/SqlClient"
import { describe, expect, it } from "@effect/vitest"
import { Report } from "@objectiveai-effect/analysis"
import { CompletionId } from "@objectiveai-effect/domain"
import { engines, openStore, sample, tempDir } from "@objectiveai-effect/testing/StoreEngines"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import { spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as path from "node:path"
import { CompletionStore, Database, StoreError } from "../src/index.js"
import { migrations } from "../src/internal/migrations.js"

const printed = (report: Report.Report) => JSON.stringify(Schema.encodeSync(Report.Report)(report))

/** Statements run on a location with the store's own driver layer, outside the store. */
const exec = (location: Database.Location, statement: string) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) => sql.unsafe(statement)).pipe(
    Effect.provide(Layer.orDie(Database.layer(location))),
    Effect.orDie
  )

const manyCompletions = Array.from({ length: 6 }, (_, copy) =>
  sample.map((completion) => ({
    ...completion,
    response: { ...completion.response, id: CompletionId.make(`${completion.response.id}-${copy}`) }
  }))).flat()

// A full disk is a tmpfs of 1 MiB mounted for the test, which needs root (CI runs as root).
const canMount = process.getuid?.() === 0 && spawnSync("mount", ["--version"]).status === 0

const tinyDisk = Effect.flatMap(tempDir, (dir) =>
  Effect.acquireRelease(
    Effect.sync(() => {
      const result = spawnSync("mount", ["-t", "tmpfs", "-o", "size=1m", "tmpfs", dir])
      if (result.status !== 0) throw new Error(`mount failed: ${result.stderr}`)
      return dir
    }),
    () => Effect.sync(() => spawnSync("umount", ["-l", dir]))
  ))

describe("the store under faults", () => {
  it.scoped.runIf(canMount)(
    "a full disk: a DatabaseError naming the file and the cause, and nothing stored half",
    () =>
      Effect.gen(function*() {
        const filename = path.join(yield* tinyDisk, "store.sqlite")
        const store = yield* openStore(Database.Location.Sqlite({ filename }))
        yield* store.put(sample.slice(0, 10))
        const error = yield* Effect.flip(
          Effect.forEach(Array.from({ length: 20 }), () => store.put(manyCompletions), { discard: true })
        )
        expect(error).toBeInstanceOf(StoreError.DatabaseError)
        expect(error.message).toBe(`${filename}: storing completions failed: the disk is full`)
        const stored = yield* Stream.runCollect(store.stream())
        expect(stored.length).toBe(yield* store.count())
      })
  )

  it.scoped("a tampered body: one line naming the id and the problem", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const location = Database.Location.Sqlite({ filename: path.join(dir, "store.sqlite") })
      yield* Effect.scoped(Effect.flatMap(openStore(location), (store) => store.put(sample.slice(0, 3))))
      const id = sample[1].response.id
      yield* exec(
        location,
        `UPDATE objectiveai_completions SET body = replace(body, '"object":"chat.completion"', '"object":7') WHERE id = '${id}'`
      )
      const store = yield* openStore(location)
      const error = yield* Effect.flip(Stream.runDrain(store.stream()))
      expect(error).toBeInstanceOf(StoreError.InvalidStoredBody)
      expect(error.message).not.toContain("\n")
      expect(error.message).toMatch(
        new RegExp(
          `^the stored body of ${id} is not a stored completion: response\\.object: Expected "chat\\.completion"`
        )
      )
    }))

  it.scoped("opened read-only, a missing SQLite file is a MissingStore and is not created", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const filename = path.join(dir, "typo", "store.sqlite")
      const error = yield* Effect.flip(
        Effect.scoped(openStore(Database.Location.Sqlite({ filename }), { readOnly: true }))
      )
      expect(error).toBeInstanceOf(StoreError.MissingStore)
      expect(error.message).toBe(`no store at ${filename}`)
      expect(fs.readdirSync(dir)).toEqual([])
    }))

  it.scoped("opened read-only, an existing store reads and writes nothing", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const location = Database.Location.Sqlite({ filename: path.join(dir, "store.sqlite") })
      yield* Effect.scoped(Effect.flatMap(openStore(location), (store) => store.put(sample.slice(0, 4))))
      const store = yield* openStore(location, { readOnly: true })
      expect(yield* store.count()).toBe(4)
      const error = yield* Effect.flip(store.put(sample.slice(4, 5)))
      expect(error.message).toBe(`${location.filename}: storing completions failed: the store is read-only`)
    }))

  it.scoped("opened read-only, a store with migrations to run is opened for writing once and migrated", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const location = Database.Location.Sqlite({ filename: path.join(dir, "store.sqlite") })
      // A store as a version before every migration would leave it: the Migrator's table, and no migration run.
      yield* exec(
        location,
        "CREATE TABLE objectiveai_migrations (migration_id integer PRIMARY KEY NOT NULL, created_at datetime NOT NULL DEFAULT current_timestamp, name VARCHAR(255) NOT NULL)"
      )
      const readOnly = yield* Effect.flip(
        Effect.provide(CompletionStore.make, Database.layer(location, { readOnly: true }))
      )
      expect(readOnly).toBeInstanceOf(StoreError.OutdatedStore)
      const store = yield* openStore(location, { readOnly: true })
      expect(yield* store.count()).toBe(0)
      const migrated = yield* exec(location, "SELECT migration_id FROM objectiveai_migrations ORDER BY 1")
      // Every migration there is, whatever later versions add.
      expect(migrated).toEqual(
        Object.keys(migrations).map((name) => ({ migration_id: Number.parseInt(name, 10) })).sort((a, b) =>
          a.migration_id - b.migration_id
        )
      )
    }))

  it.scoped("opened read-only, a store whose figures backfill was cut short is opened for writing once to finish it", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const location = Database.Location.Sqlite({ filename: path.join(dir, "store.sqlite") })
      const whole = yield* Effect.scoped(
        Effect.flatMap(openStore(location), (store) => Effect.zipRight(store.put(sample.slice(0, 6)), store.report()))
      )
      // Migrated, but the backfill stopped before its last batch: figures missing, the state row not written.
      const cut = sample.slice(3, 6).map((stored) => `'${stored.response.id}'`).join(", ")
      for (const table of ["objectiveai_figures", "objectiveai_tool_calls", "objectiveai_tool_call_problems"]) {
        yield* exec(location, `DELETE FROM ${table} WHERE id IN (${cut})`)
      }
      yield* exec(location, `DELETE FROM objectiveai_sync_state WHERE name = '${CompletionStore.figuresBackfilled}'`)
      const readOnly = yield* Effect.flip(
        Effect.provide(CompletionStore.make, Database.layer(location, { readOnly: true }))
      )
      expect(readOnly).toBeInstanceOf(StoreError.OutdatedStore)
      expect(readOnly.message).toBe(
        `${location.filename} needs migrating (${CompletionStore.figuresBackfilled}), which a read-only store cannot do`
      )
      const store = yield* openStore(location, { readOnly: true })
      expect(printed(yield* store.report())).toBe(printed(whole))
      expect(yield* exec(location, "SELECT COUNT(*) AS n FROM objectiveai_figures")).toEqual([{ n: 6 }])
      expect(yield* store.getState(CompletionStore.figuresBackfilled)).toEqual(Option.some(1))
    }))

  const postgres = engines.find((engine) => engine.name === "postgres")

  it.scoped.runIf(postgres !== undefined)(
    "opened read-only, a PostgreSQL database without the store is a MissingStore",
    () =>
      Effect.gen(function*() {
        const location = yield* postgres!.fresh
        const error = yield* Effect.flip(Effect.scoped(openStore(location, { readOnly: true })))
        expect(error).toBeInstanceOf(StoreError.MissingStore)
        const tables = yield* exec(
          location,
          "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"
        )
        expect(tables).toEqual([])
      })
  )

  it.scopedLive.runIf(postgres !== undefined)(
    "a PostgreSQL connection lost mid-write: a DatabaseError naming the URL (password masked) and the cause",
    () =>
      Effect.gen(function*() {
        const location = yield* postgres!.fresh
        const withPassword = new URL(Redacted.value((location as { url: Redacted.Redacted<string> }).url))
        const database = withPassword.pathname.slice(1)
        const store = yield* openStore(location)
        const writing = yield* Effect.fork(
          Effect.forEach(Array.from({ length: 40 }), () => store.put(manyCompletions.slice(0, 600)), { discard: true })
        )
        // Every backend of the store's database but the terminating one is ended until the writes stop.
        const terminate = exec(
          location,
          `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${database}' AND pid <> pg_backend_pid() AND application_name = 'objectiveai-effect'`
        )
        yield* Effect.sleep("30 millis")
        yield* terminate.pipe(
          Effect.zipRight(Effect.sleep("5 millis")),
          Effect.repeat({ until: () => writing.unsafePoll() !== null })
        )
        const error = yield* Effect.flip(Fiber.join(writing))
        expect(error).toBeInstanceOf(StoreError.DatabaseError)
        expect(error.message).toMatch(/: storing completions failed: the connection was lost$/)
        expect(error.message).toContain(Database.describe(location))
        if (withPassword.password !== "") expect(error.message).not.toContain(withPassword.password)
        const reopened = yield* openStore(location)
        const stored = yield* Stream.runCollect(reopened.stream())
        expect(stored.length).toBe(yield* reopened.count())
      })
  )
})
