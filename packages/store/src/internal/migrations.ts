import * as SqlClient from "@effect/sql/SqlClient"
import * as Effect from "effect/Effect"
import { completionsTable, failuresTable, stateTable } from "./row.js"

const amount = (prefix: string) => `${prefix}_scale INTEGER, ${prefix}_high BIGINT, ${prefix}_low BIGINT`

/**
 * The store's schema, by version. Types every engine reads the same way: integers as `BIGINT`, flags as `SMALLINT`
 * 0/1, exact amounts as integer units (see `amount.ts`), the body as the exact JSON text.
 */
export const migrations: Record<string, Effect.Effect<void, unknown, SqlClient.SqlClient>> = {
  "1_create_completions": Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    yield* sql.unsafe(`CREATE TABLE ${completionsTable} (
  id TEXT PRIMARY KEY NOT NULL,
  created BIGINT NOT NULL,
  day TEXT,
  model TEXT NOT NULL,
  provider TEXT,
  finish_reasons TEXT NOT NULL,
  prompt_tokens BIGINT,
  completion_tokens BIGINT,
  cached_tokens BIGINT,
  cache_write_tokens BIGINT,
  reasoning_tokens BIGINT,
  prompt_audio_tokens BIGINT,
  completion_audio_tokens BIGINT,
  ${amount("cost")},
  ${amount("upstream_cost")},
  ${amount("byok_upstream_cost")},
  is_byok SMALLINT NOT NULL,
  has_logprobs SMALLINT NOT NULL,
  has_tool_calls SMALLINT NOT NULL,
  body TEXT NOT NULL
)`)
    yield* sql.unsafe(`CREATE INDEX ${completionsTable}_created ON ${completionsTable} (created, id)`)
    yield* sql.unsafe(`CREATE INDEX ${completionsTable}_model ON ${completionsTable} (model, created)`)
    yield* sql.unsafe(`CREATE INDEX ${completionsTable}_provider ON ${completionsTable} (provider, created)`)
    yield* sql.unsafe(`CREATE TABLE ${failuresTable} (
  id TEXT PRIMARY KEY NOT NULL,
  error TEXT NOT NULL,
  reason TEXT NOT NULL,
  attempts INTEGER NOT NULL,
  last_attempt BIGINT NOT NULL
)`)
    yield* sql.unsafe(`CREATE TABLE ${stateTable} (name TEXT PRIMARY KEY NOT NULL, value BIGINT NOT NULL)`)
  })
}
