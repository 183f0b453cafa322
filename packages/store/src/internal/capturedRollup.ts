/**
 * The rollups of what capture brings, summed in SQL from the rows a tag or a call names: the figures and the tool
 * calls of each tagged completion by tag key and value, the captured calls by outcome (and by tag), and the list of tag
 * values. Without them a filter by tag read every tagged row: 11 to 13 s per answer over a million captured
 * completions on SQLite, where the untagged answers, read from `rollupTable`, took 14 to 181 ms.
 *
 * Each is filled by one `INSERT … SELECT … GROUP BY` from the rows themselves, for every call (a migration, a rebuild)
 * or for the calls a transaction has just stored, so that a completion's figures are added once per tag row, whichever
 * of sync and capture stored the completion first: a tag row is only written by the call that brings it, and the
 * completion's figures are written before it (`putCalls` stores the completion first, in the same transaction).
 */
import type * as SqlClient from "@effect/sql/SqlClient"
import type { SqlError } from "@effect/sql/SqlError"
import type * as Statement from "@effect/sql/Statement"
import * as Effect from "effect/Effect"
import {
  bucketOf,
  bucketSeconds,
  callRollupTable,
  callsTable,
  callTagsTable,
  capturedBucketSeconds,
  costSums,
  figuresTable,
  logprobMinima,
  logprobSums,
  tagCallRollupTable,
  tagCostQuarterRollupTable,
  tagCostRollupTable,
  tagQuarterRollupTable,
  tagRollupTable,
  tagToolCallRollupTable,
  tagValuesTable,
  toolCallsTable,
  upsert
} from "./row.js"

/** The key of a row of a rollup by tag, before its table's own columns. */
export const tagKey = ["tag_key", "tag_value", "bucket", "model", "provider", "has_provider"] as const

/**
 * The key of a row of the rollup by tag and quarter hour: the quarter's place in its UTC day before the value, so that
 * the quarters at a day's edges of one key read as one range of the index.
 */
export const tagQuarterKey = [
  "tag_key",
  "day_quarter",
  "tag_value",
  "bucket",
  "model",
  "provider",
  "has_provider"
] as const

/** The key of a row of the cost rollup by tag: {@link tagKey} without the model and provider. */
export const tagCostKey = ["tag_key", "tag_value", "bucket"] as const

/** The key of a row of the cost rollup by tag and quarter hour: {@link tagQuarterKey} without the model and provider. */
export const tagCostQuarterKey = ["tag_key", "day_quarter", "tag_value", "bucket"] as const

/** Quarter hours in a day: the places a quarter hour takes in its UTC day. */
export const quartersPerDay = 96

/** The key of a row of the calls' rollup, before the outcome. */
export const callKey = ["bucket", "model", "provider", "has_provider"] as const

const keyOf = (alias: string, bucket = bucketOf(`${alias}.created`, capturedBucketSeconds)) =>
  `${bucket}, ${alias}.model, COALESCE(${alias}.provider, ''), ` +
  `CASE WHEN ${alias}.provider IS NULL THEN 0 ELSE 1 END`

// Grouped by position and inserted in key order, so that writers of the same keys wait for each other.
const groupedBy = (columns: number) => {
  const positions = Array.from({ length: columns }, (_, i) => String(i + 1)).join(", ")
  return `GROUP BY ${positions} ORDER BY ${positions}`
}

const figureSums = [...costSums, ...logprobSums]

// The figures' sums and least values, or (`costOnly`) the cost sums alone, of every tag row's completion by `key`.
const figuresBy = (
  sql: SqlClient.SqlClient,
  calls: (column: string) => Statement.Fragment,
  table: string,
  key: ReadonlyArray<string>,
  keyColumns: string,
  costOnly = false
) => {
  const sums = costOnly ? costSums : figureSums
  const minima = costOnly ? [] : logprobMinima
  return sql`INSERT INTO ${sql(table)} (${sql.literal([...key, "completions", ...sums, ...minima].join(", "))})
    SELECT ${sql.literal(keyColumns)}, COUNT(*), ${
    sql.literal(
      [
        ...sums.map((column) => `COALESCE(SUM(f.${column}), 0)`),
        ...minima.map((column) => `MIN(f.${column})`)
      ].join(", ")
    )
  }
    FROM ${sql(callTagsTable)} t JOIN ${sql(figuresTable)} f ON f.id = t.completion_id WHERE ${calls("t.call_id")}
    ${sql.literal(groupedBy(key.length))}
    ${sql.literal(upsert(table, key, ["completions", ...sums], minima))}`
}

const quarter = bucketOf("f.created", bucketSeconds)
const dayQuarter = `((${quarter} % ${quartersPerDay}) + ${quartersPerDay}) % ${quartersPerDay}`

const fills: Record<
  string,
  (sql: SqlClient.SqlClient, calls: (column: string) => Statement.Fragment) => Effect.Effect<unknown, SqlError>
> = {
  [tagValuesTable]: (sql, calls) =>
    sql`INSERT INTO ${sql(tagValuesTable)} (tag_key, tag_value)
      SELECT DISTINCT t.tag_key, t.tag_value FROM ${sql(callTagsTable)} t WHERE ${calls("t.call_id")}
      ON CONFLICT DO NOTHING`,
  [callRollupTable]: (sql, calls) =>
    sql`INSERT INTO ${sql(callRollupTable)} (${sql.literal([...callKey, "outcome", "calls"].join(", "))})
      SELECT ${sql.literal(keyOf("c"))}, c.outcome, COUNT(*) FROM ${sql(callsTable)} c WHERE ${calls("c.id")}
      ${sql.literal(groupedBy(callKey.length + 1))}
      ${sql.literal(upsert(callRollupTable, [...callKey, "outcome"], ["calls"]))}`,
  [tagCallRollupTable]: (sql, calls) =>
    sql`INSERT INTO ${sql(tagCallRollupTable)} (${sql.literal([...tagKey, "outcome", "calls"].join(", "))})
      SELECT t.tag_key, t.tag_value, ${sql.literal(keyOf("c"))}, c.outcome, COUNT(*)
      FROM ${sql(callTagsTable)} t JOIN ${sql(callsTable)} c ON c.id = t.call_id WHERE ${calls("t.call_id")}
      ${sql.literal(groupedBy(tagKey.length + 1))}
      ${sql.literal(upsert(tagCallRollupTable, [...tagKey, "outcome"], ["calls"]))}`,
  [tagRollupTable]: (sql, calls) =>
    figuresBy(sql, calls, tagRollupTable, tagKey, `t.tag_key, t.tag_value, ${keyOf("f")}`),
  [tagToolCallRollupTable]: (sql, calls) =>
    sql`INSERT INTO ${sql(tagToolCallRollupTable)} (${sql.literal([...tagKey, "tool", "outcome", "calls"].join(", "))})
      SELECT t.tag_key, t.tag_value, ${sql.literal(keyOf("x"))}, x.tool, x.outcome, SUM(x.calls)
      FROM ${sql(callTagsTable)} t JOIN ${sql(toolCallsTable)} x ON x.id = t.completion_id WHERE ${calls("t.call_id")}
      ${sql.literal(groupedBy(tagKey.length + 2))}
      ${sql.literal(upsert(tagToolCallRollupTable, [...tagKey, "tool", "outcome"], ["calls"]))}`,
  [tagQuarterRollupTable]: (sql, calls) =>
    figuresBy(
      sql,
      calls,
      tagQuarterRollupTable,
      tagQuarterKey,
      `t.tag_key, ${dayQuarter}, t.tag_value, ${keyOf("f", quarter)}`
    ),
  [tagCostRollupTable]: (sql, calls) =>
    figuresBy(
      sql,
      calls,
      tagCostRollupTable,
      tagCostKey,
      `t.tag_key, t.tag_value, ${bucketOf("f.created", capturedBucketSeconds)}`,
      true
    ),
  [tagCostQuarterRollupTable]: (sql, calls) =>
    figuresBy(
      sql,
      calls,
      tagCostQuarterRollupTable,
      tagCostQuarterKey,
      `t.tag_key, ${dayQuarter}, t.tag_value, ${quarter}`,
      true
    )
}

/** The tables {@link add} writes. */
export const tables: ReadonlyArray<string> = Object.keys(fills)

/**
 * Adds to the rollups in `into` (every one by default) what the calls matching `calls` (a condition on the calls
 * table as `c`, and on the tag table as `t`, both by call id) brought: their tag values, their outcomes, and the
 * figures and tool calls of their tagged completions.
 */
export const add = (
  sql: SqlClient.SqlClient,
  calls: (column: string) => Statement.Fragment,
  into: ReadonlyArray<string> = tables
): Effect.Effect<void, SqlError> => Effect.forEach(into, (table) => fills[table](sql, calls), { discard: true })
