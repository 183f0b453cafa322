import * as SqlClient from "@effect/sql/SqlClient"
import * as Effect from "effect/Effect"
import * as CapturedRollup from "./capturedRollup.js"
import * as Exact from "./exact.js"
import {
  amounts,
  bucketOf,
  callRollupTable,
  callsTable,
  callTagsTable,
  completionsTable,
  costSums,
  failuresTable,
  figuresTable,
  logprobMinima,
  logprobSums,
  partCounts,
  parts,
  problemsTable,
  rollupTable,
  stateTable,
  tagCallRollupTable,
  tagCostQuarterRollupTable,
  tagCostRollupTable,
  tagQuarterRollupTable,
  tagRollupTable,
  tagToolCallRollupTable,
  tagValuesTable,
  tokens,
  toolCallBucketSeconds,
  toolCallRollupTable,
  toolCallsTable
} from "./row.js"

const amount = (prefix: string) => `${prefix}_scale INTEGER, ${prefix}_high BIGINT, ${prefix}_low BIGINT`

const exactColumns = amounts.flatMap((name) =>
  Array.from({ length: Exact.limbs }, (_, i) => `${name}_${i} BIGINT NOT NULL`)
)

const partColumns = parts.flatMap((part) => [
  ...partCounts.map((count) => `${part}_${count} BIGINT NOT NULL`),
  `${part}_lowest DOUBLE PRECISION`
])

/**
 * The store's schema, by version. Types every engine reads the same way: integers as `BIGINT`, flags as `SMALLINT`
 * 0/1, exact amounts as integer limbs (see `exact.ts`), the body as the exact JSON text. The figures of a store
 * written before they existed are backfilled from its bodies when it opens (`CompletionStore.make`), a batch per
 * transaction, so that an interrupted backfill goes on where it stopped.
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
  }),
  // The figures move out of the completions table into their own narrow one, so that a report reads no page of a body.
  "2_derived_figures": Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const rebuilt = `${completionsTable}_v2`
    yield* sql.unsafe(`CREATE TABLE ${rebuilt} (
  id TEXT PRIMARY KEY NOT NULL,
  created BIGINT NOT NULL,
  model TEXT NOT NULL,
  provider TEXT,
  body TEXT NOT NULL
)`)
    yield* sql.unsafe(
      `INSERT INTO ${rebuilt} (id, created, model, provider, body) SELECT id, created, model, provider, body FROM ${completionsTable}`
    )
    yield* sql.unsafe(`DROP TABLE ${completionsTable}`)
    yield* sql.unsafe(`ALTER TABLE ${rebuilt} RENAME TO ${completionsTable}`)
    yield* sql.unsafe(`CREATE INDEX ${completionsTable}_created ON ${completionsTable} (created, id)`)
    yield* sql.unsafe(`CREATE INDEX ${completionsTable}_model ON ${completionsTable} (model, created)`)
    yield* sql.unsafe(`CREATE INDEX ${completionsTable}_provider ON ${completionsTable} (provider, created)`)
    yield* sql.unsafe(`CREATE TABLE ${figuresTable} (
  id TEXT PRIMARY KEY NOT NULL,
  created BIGINT NOT NULL,
  day TEXT,
  model TEXT NOT NULL,
  provider TEXT,
  finish_reasons TEXT NOT NULL,
  unpriced SMALLINT NOT NULL,
  byok SMALLINT NOT NULL,
  ${tokens.map(([, column]) => `${column} BIGINT`).join(",\n  ")},
  choices BIGINT NOT NULL,
  ${partColumns.join(",\n  ")},
  ${exactColumns.join(",\n  ")},
  exact_overflow TEXT
)`)
    yield* sql.unsafe(`CREATE INDEX ${figuresTable}_created ON ${figuresTable} (created)`)
    yield* sql.unsafe(
      `CREATE INDEX ${figuresTable}_overflow ON ${figuresTable} (created) WHERE exact_overflow IS NOT NULL`
    )
    yield* sql.unsafe(`CREATE TABLE ${toolCallsTable} (
  id TEXT NOT NULL,
  created BIGINT NOT NULL,
  model TEXT NOT NULL,
  provider TEXT,
  tool TEXT NOT NULL,
  outcome TEXT NOT NULL,
  calls BIGINT NOT NULL,
  PRIMARY KEY (id, tool, outcome)
)`)
    yield* sql.unsafe(`CREATE INDEX ${toolCallsTable}_created ON ${toolCallsTable} (created)`)
    yield* sql.unsafe(`CREATE TABLE ${problemsTable} (
  id TEXT NOT NULL,
  created BIGINT NOT NULL,
  model TEXT NOT NULL,
  provider TEXT,
  position INTEGER NOT NULL,
  choice_index DOUBLE PRECISION NOT NULL,
  call_index INTEGER NOT NULL,
  tool TEXT NOT NULL,
  outcome TEXT NOT NULL,
  reason TEXT NOT NULL,
  PRIMARY KEY (id, position)
)`)
    yield* sql.unsafe(`CREATE INDEX ${problemsTable}_created ON ${problemsTable} (created, id)`)
    yield* sql.unsafe(`CREATE TABLE ${rollupTable} (
  bucket BIGINT NOT NULL,
  model TEXT NOT NULL,
  provider TEXT NOT NULL,
  has_provider SMALLINT NOT NULL,
  completions BIGINT NOT NULL,
  ${[...costSums, ...logprobSums].map((column) => `${column} BIGINT NOT NULL`).join(",\n  ")},
  ${logprobMinima.map((column) => `${column} DOUBLE PRECISION`).join(",\n  ")},
  PRIMARY KEY (bucket, model, provider, has_provider)
)`)
  }),
  // Calls captured as an application makes them, failed ones too, and their tags. A tag row names the completion of
  // its call (one per completion and key, whichever call brought it first), so that the report groups the figures by
  // a tag through an index, with the figures' own exact sums.
  "3_captured_calls": Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    yield* sql.unsafe(`CREATE TABLE ${callsTable} (
  id TEXT PRIMARY KEY NOT NULL,
  created BIGINT NOT NULL,
  started_ms BIGINT NOT NULL,
  operation TEXT NOT NULL,
  model TEXT NOT NULL,
  provider TEXT,
  completion_id TEXT,
  outcome TEXT NOT NULL,
  status INTEGER,
  request_id TEXT,
  message TEXT,
  attempts INTEGER NOT NULL,
  first_byte_ms BIGINT,
  first_chunk_ms BIGINT,
  duration_ms BIGINT NOT NULL,
  request TEXT,
  partial TEXT
)`)
    yield* sql.unsafe(`CREATE INDEX ${callsTable}_created ON ${callsTable} (created)`)
    yield* sql.unsafe(`CREATE TABLE ${callTagsTable} (
  call_id TEXT NOT NULL,
  tag_key TEXT NOT NULL,
  tag_value TEXT NOT NULL,
  completion_id TEXT,
  PRIMARY KEY (call_id, tag_key)
)`)
    yield* sql.unsafe(
      `CREATE UNIQUE INDEX ${callTagsTable}_completion ON ${callTagsTable} (completion_id, tag_key) WHERE completion_id IS NOT NULL`
    )
  }),
  // The dashboard's answers over a million completions in a fraction of a second each: tool calls by tool and outcome
  // summed per day (see `toolCallBucketSeconds`), filled from the rows already stored, and the figures in order of
  // cost, for the most expensive completions.
  "4_dashboard_rollup": Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    yield* sql.unsafe(`CREATE TABLE ${toolCallRollupTable} (
  bucket BIGINT NOT NULL,
  model TEXT NOT NULL,
  provider TEXT NOT NULL,
  has_provider SMALLINT NOT NULL,
  tool TEXT NOT NULL,
  outcome TEXT NOT NULL,
  calls BIGINT NOT NULL,
  PRIMARY KEY (bucket, model, provider, has_provider, tool, outcome)
)`)
    yield* sql.unsafe(`INSERT INTO ${toolCallRollupTable} (bucket, model, provider, has_provider, tool, outcome, calls)
      SELECT ${
      bucketOf("created", toolCallBucketSeconds)
    }, model, COALESCE(provider, ''), CASE WHEN provider IS NULL THEN 0 ELSE 1 END,
        tool, outcome, SUM(calls)
      FROM ${toolCallsTable} GROUP BY 1, 2, 3, 4, 5, 6`)
    yield* sql.unsafe(`CREATE INDEX ${figuresTable}_cost ON ${figuresTable} (cost_3, cost_2, cost_1, cost_0)`)
  }),
  // Answers filtered or grouped by a tag over a million completions in a fraction of a second each: the figures, the
  // tool calls and the captured calls summed per tag value and day (see `capturedRollup.ts`), filled here from the rows
  // already stored, in the migration's own transaction, so that an interrupted one runs again whole on the next open;
  // and the tag rows by value, so that a filter on several keys starts from the rows of its rarest value.
  "5_tag_rollup": Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const key = `tag_key TEXT NOT NULL,
  tag_value TEXT NOT NULL,
  bucket BIGINT NOT NULL,
  model TEXT NOT NULL,
  provider TEXT NOT NULL,
  has_provider SMALLINT NOT NULL`
    yield* sql.unsafe(`CREATE TABLE ${tagRollupTable} (
  ${key},
  completions BIGINT NOT NULL,
  ${[...costSums, ...logprobSums].map((column) => `${column} BIGINT NOT NULL`).join(",\n  ")},
  ${logprobMinima.map((column) => `${column} DOUBLE PRECISION`).join(",\n  ")},
  PRIMARY KEY (${CapturedRollup.tagKey.join(", ")})
)`)
    yield* sql.unsafe(`CREATE TABLE ${tagToolCallRollupTable} (
  ${key},
  tool TEXT NOT NULL,
  outcome TEXT NOT NULL,
  calls BIGINT NOT NULL,
  PRIMARY KEY (${CapturedRollup.tagKey.join(", ")}, tool, outcome)
)`)
    yield* sql.unsafe(`CREATE TABLE ${tagCallRollupTable} (
  ${key},
  outcome TEXT NOT NULL,
  calls BIGINT NOT NULL,
  PRIMARY KEY (${CapturedRollup.tagKey.join(", ")}, outcome)
)`)
    yield* sql.unsafe(`CREATE TABLE ${callRollupTable} (
  bucket BIGINT NOT NULL,
  model TEXT NOT NULL,
  provider TEXT NOT NULL,
  has_provider SMALLINT NOT NULL,
  outcome TEXT NOT NULL,
  calls BIGINT NOT NULL,
  PRIMARY KEY (${CapturedRollup.callKey.join(", ")}, outcome)
)`)
    yield* sql.unsafe(`CREATE TABLE ${tagValuesTable} (
  tag_key TEXT NOT NULL,
  tag_value TEXT NOT NULL,
  PRIMARY KEY (tag_key, tag_value)
)`)
    yield* sql.unsafe(
      `CREATE INDEX ${callTagsTable}_value ON ${callTagsTable} (tag_key, tag_value, completion_id, call_id)`
    )
    yield* CapturedRollup.add(sql, () => sql`1 = 1`, [
      tagValuesTable,
      callRollupTable,
      tagCallRollupTable,
      tagRollupTable,
      tagToolCallRollupTable
    ])
  }),
  // Answers by day in a time zone whose days are not UTC days, filtered or grouped by a tag, in a fraction of a second
  // each: the figures by tag summed per quarter hour too, the quarters at a UTC day's edges read beside the day's sums
  // (see `capturedRollup.ts`); filled here in the migration's own transaction, as migration 5 fills its rollups.
  "6_tag_quarter_rollup": Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    yield* sql.unsafe(`CREATE TABLE ${tagQuarterRollupTable} (
  tag_key TEXT NOT NULL,
  day_quarter SMALLINT NOT NULL,
  tag_value TEXT NOT NULL,
  bucket BIGINT NOT NULL,
  model TEXT NOT NULL,
  provider TEXT NOT NULL,
  has_provider SMALLINT NOT NULL,
  completions BIGINT NOT NULL,
  ${[...costSums, ...logprobSums].map((column) => `${column} BIGINT NOT NULL`).join(",\n  ")},
  ${logprobMinima.map((column) => `${column} DOUBLE PRECISION`).join(",\n  ")},
  PRIMARY KEY (${CapturedRollup.tagQuarterKey.join(", ")})
)`)
    yield* CapturedRollup.add(sql, () => sql`1 = 1`, [tagQuarterRollupTable])
  }),
  // The cost by day and tag with no model or provider filter (the dashboard's chart by tag) under a second in any time
  // zone: the cost sums alone by tag and day, and by tag and quarter hour, without the model and provider (for the
  // benchmark's `user` tag, 10,714 day rows against migration 5's 43,885, 610,032 quarter rows against migration 6's
  // 963,801); filled in the migration's own transaction, as migration 5 fills its rollups.
  "7_tag_cost_rollup": Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const sums = ["completions", ...costSums].map((column) => `${column} BIGINT NOT NULL`).join(",\n  ")
    yield* sql.unsafe(`CREATE TABLE ${tagCostRollupTable} (
  tag_key TEXT NOT NULL,
  tag_value TEXT NOT NULL,
  bucket BIGINT NOT NULL,
  ${sums},
  PRIMARY KEY (${CapturedRollup.tagCostKey.join(", ")})
)`)
    yield* sql.unsafe(`CREATE TABLE ${tagCostQuarterRollupTable} (
  tag_key TEXT NOT NULL,
  day_quarter SMALLINT NOT NULL,
  tag_value TEXT NOT NULL,
  bucket BIGINT NOT NULL,
  ${sums},
  PRIMARY KEY (${CapturedRollup.tagCostQuarterKey.join(", ")})
)`)
    yield* CapturedRollup.add(sql, () => sql`1 = 1`, [tagCostRollupTable, tagCostQuarterRollupTable])
  }),
  // The tag rows by value in the order calls are made: keyed by completion id after the value (migration 5), each
  // call's tag rows went to random places of the index, so that a batch of captured calls rewrote a page of it per
  // row; by call id (which starts with the call's time), they go at the end of their value's range. A captured call
  // wrote 2.99 pages to the WAL and took 186 µs of the writer's CPU, now 1.96 and 141 µs (batches of 250 into a store
  // of 5,000 calls, checkpoints off). The index still holds both ids, for the filters by tag that read it alone.
  "8_tag_value_index_by_call": Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    yield* sql.unsafe(`DROP INDEX IF EXISTS ${callTagsTable}_value`)
    yield* sql.unsafe(
      `CREATE INDEX ${callTagsTable}_value ON ${callTagsTable} (tag_key, tag_value, call_id, completion_id)`
    )
  }),
  // The tag rows by completion in the order completions are made: keyed by completion id alone, each captured call's
  // tag rows went to random places of the index, so that a batch rewrote a page of it per row, more as the store grew.
  // Led by the completion's `created` (which the figures hold beside its id), they go at the end of the index. In a
  // trial with an index led by the call's id (which starts with its time) in its place, captured calls written on the
  // calling thread in batches of 300 into a store growing to 30,000 calls each wrote 2.7 pages to the WAL against 3.8,
  // and took 102 to 131 µs of CPU against 123 to 142 µs (two runs each, from 15,000 calls on).
  "9_tag_completion_index_by_time": Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    yield* sql.unsafe(`ALTER TABLE ${callTagsTable} ADD COLUMN completion_created BIGINT`)
    yield* sql.unsafe(`UPDATE ${callTagsTable} SET completion_created =
  (SELECT f.created FROM ${figuresTable} f WHERE f.id = ${callTagsTable}.completion_id)
  WHERE completion_id IS NOT NULL`)
    yield* sql.unsafe(`DROP INDEX ${callTagsTable}_completion`)
    yield* sql.unsafe(
      `CREATE UNIQUE INDEX ${callTagsTable}_completion ON ${callTagsTable} (completion_created, completion_id, tag_key) WHERE completion_id IS NOT NULL`
    )
  }),
  // The completions keyed by time, then id, for the same reason: keyed by id, each stored completion went to a random
  // place of the key's index. The figures keep the one index by id, through which a completion is found by its id
  // alone (a completion's `created` is the same wherever it comes from, so that the key stores it once as the id did).
  // With migration 9, in the same trial with each completion created as it was written, a call wrote 1.4 to 1.9 pages
  // and took 85 to 106 µs of CPU, against 2.9 to 3.1 pages and 131 to 144 µs before both (from 20,000 calls on, two
  // runs each, one after the other). The bodies are copied into the new table once (55 s for a store of 1,000,000
  // completions, 7.9 GB).
  "10_completions_by_time": Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const rebuilt = `${completionsTable}_v10`
    yield* sql.unsafe(`CREATE TABLE ${rebuilt} (
  id TEXT NOT NULL,
  created BIGINT NOT NULL,
  model TEXT NOT NULL,
  provider TEXT,
  body TEXT NOT NULL,
  PRIMARY KEY (created, id)
)`)
    yield* sql.unsafe(
      `INSERT INTO ${rebuilt} (id, created, model, provider, body) SELECT id, created, model, provider, body FROM ${completionsTable}`
    )
    yield* sql.unsafe(`DROP TABLE ${completionsTable}`)
    yield* sql.unsafe(`ALTER TABLE ${rebuilt} RENAME TO ${completionsTable}`)
    yield* sql.unsafe(`CREATE INDEX ${completionsTable}_model ON ${completionsTable} (model, created)`)
    yield* sql.unsafe(`CREATE INDEX ${completionsTable}_provider ON ${completionsTable} (provider, created)`)
  })
}
