/**
 * The engines every store test runs on: SQLite in a temporary file, always, and PostgreSQL in a fresh database per
 * test when `OBJECTIVEAI_TEST_DATABASE_URL` names a server (in CI it must: `.ci/postgres.sh` starts one). Shared by the
 * store's tests and those of the packages above it (ingest, cli).
 */
import type * as SqlClient from "@effect/sql/SqlClient"
import { StoredChatCompletion } from "@objectiveai-effect/domain"
import { SampleData } from "@objectiveai-effect/server"
import { CompletionStore, Database } from "@objectiveai-effect/store"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { throwawayDatabase } from "./ThrowawayPostgres.js"

/** The PostgreSQL server the tests may use: a URL whose database the tests may create databases beside. */
export const postgresUrl = process.env.OBJECTIVEAI_TEST_DATABASE_URL

if (postgresUrl === undefined && process.env.CI === "true") {
  throw new Error(
    "OBJECTIVEAI_TEST_DATABASE_URL is not set: CI must run the store tests on PostgreSQL (.ci/postgres.sh)"
  )
}

/** An engine the suite runs on, and how to make a fresh, empty database on it for one test. */
export interface Engine {
  readonly name: "sqlite" | "postgres"
  /** A new empty database, removed when the scope closes. */
  readonly fresh: Effect.Effect<Database.Location, never, Scope.Scope>
}

let counter = 0

/** A temporary directory, removed when the scope closes. */
export const tempDir = Effect.acquireRelease(
  Effect.sync(() => fs.mkdtempSync(path.join(os.tmpdir(), "objectiveai-store-"))),
  (dir) => Effect.sync(() => fs.rmSync(dir, { recursive: true, force: true }))
)

const sqlite: Engine = {
  name: "sqlite",
  fresh: Effect.map(tempDir, (dir) => Database.Location.Sqlite({ filename: path.join(dir, "completions.sqlite") }))
}

/** A fresh database's URL on the test server, dropped when the scope closes. */
const freshPostgres = (url: string): Engine["fresh"] =>
  Effect.map(
    Effect.suspend(() => throwawayDatabase(url, `objectiveai_test_${process.pid}_${Date.now()}_${counter++}`)),
    (fresh) => Database.Location.Postgres({ url: fresh })
  )

/** SQLite, and PostgreSQL when a test server is configured. */
export const engines: ReadonlyArray<Engine> = postgresUrl === undefined
  ? [sqlite]
  : [sqlite, { name: "postgres", fresh: freshPostgres(postgresUrl) }]

/** The store on a fresh database of an engine, for one test. */
export const freshStore = (engine: Engine) => Effect.flatMap(engine.fresh, openStore)

/** The store at a location, open until the scope closes. */
export const openStore = (location: Database.Location, options?: Database.OpenOptions) =>
  Effect.map(Layer.build(CompletionStore.layer(location, options)), Context.get(CompletionStore.CompletionStore))

/** The completions the tests store: the sample generator's, with logprobs, tool calls and their problems. */
export const sample: ReadonlyArray<StoredChatCompletion.StoredChatCompletion> = Array.from(
  SampleData.generate({ count: 300, seed: "store-tests" })
)

/** A stored completion's body as the server serves it. */
export const encodeStored = Schema.encodeSync(StoredChatCompletion.StoredChatCompletionFromJson)

/**
 * The tag rows of a store put back as the versions before the store's migration 9 left them: indexed by completion id
 * alone, without the completion's `created`. A test that takes a store back to an earlier version runs it first, so
 * that the migrations it runs again find the schema they were written for.
 */
export const beforeTagIndexByTime = (sql: SqlClient.SqlClient) =>
  Effect.gen(function*() {
    yield* sql`DROP INDEX objectiveai_call_tags_completion`
    yield* sql`ALTER TABLE objectiveai_call_tags DROP COLUMN completion_created`
    yield* sql`CREATE UNIQUE INDEX objectiveai_call_tags_completion ON objectiveai_call_tags (completion_id, tag_key)
    WHERE completion_id IS NOT NULL`
    yield* sql`DELETE FROM objectiveai_migrations WHERE migration_id >= 9`
  })

/**
 * The completions table of a store put back as the versions before the store's migration 10 left it: keyed by id,
 * with its index by time.
 */
export const beforeCompletionsByTime = (sql: SqlClient.SqlClient) =>
  Effect.gen(function*() {
    yield* sql`CREATE TABLE objectiveai_completions_v9 (
      id TEXT PRIMARY KEY NOT NULL,
      created BIGINT NOT NULL,
      model TEXT NOT NULL,
      provider TEXT,
      body TEXT NOT NULL
    )`
    yield* sql`INSERT INTO objectiveai_completions_v9 (id, created, model, provider, body)
      SELECT id, created, model, provider, body FROM objectiveai_completions`
    yield* sql`DROP TABLE objectiveai_completions`
    yield* sql`ALTER TABLE objectiveai_completions_v9 RENAME TO objectiveai_completions`
    yield* sql`CREATE INDEX objectiveai_completions_created ON objectiveai_completions (created, id)`
    yield* sql`CREATE INDEX objectiveai_completions_model ON objectiveai_completions (model, created)`
    yield* sql`CREATE INDEX objectiveai_completions_provider ON objectiveai_completions (provider, created)`
    yield* sql`DELETE FROM objectiveai_migrations WHERE migration_id >= 10`
  })
