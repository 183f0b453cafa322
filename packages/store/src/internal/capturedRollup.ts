/**
 * The rollups of what capture brings, summed in SQL from the rows a tag or a call names: the figures and the tool
 * calls of each tagged completion by tag key and value, the captured calls by outcome (and by tag), and the list of tag
 * values. Without them a filter by tag read every tagged row: 11 to 13 s per answer over a million captured
 * completions on SQLite, where the untagged answers, read from `rollupTable`, took 14 to 181 ms.
 *
 * For every call (a migration, a rebuild), each is filled by one `INSERT … SELECT … GROUP BY` from the rows themselves
 * ({@link add}); for the calls a batch has just stored, from what the batch holds ({@link rowsOf}), summed here as that
 * SQL sums them: the eight `INSERT … SELECT`s, each reading the batch's rows back, took about 30 µs of the 200 µs a
 * captured call costs capture's writer thread. Either way a completion's figures are added once per tag row, whichever
 * of sync and capture stored the completion first: a tag row is only written by the call that brings it, and the
 * completion's figures are written before it (`putCalls` stores the completion first, in the same transaction).
 */
import type * as SqlClient from "@effect/sql/SqlClient"
import type { SqlError } from "@effect/sql/SqlError"
import type * as Statement from "@effect/sql/Statement"
import * as Effect from "effect/Effect"
import {
  addTotals,
  bucket,
  bucketOf,
  bucketSeconds,
  callRollupTable,
  callsTable,
  callTagsTable,
  capturedBucketSeconds,
  costSums,
  countRollupRows,
  type FiguresRow,
  figuresTable,
  figureSums,
  figuresWhere,
  inKeyOrder,
  logprobMinima,
  modelKey,
  type RollupKey,
  type RollupRow,
  tagCallRollupTable,
  tagCostQuarterRollupTable,
  tagCostRollupTable,
  tagQuarterRollupTable,
  tagRollupTable,
  tagToolCallRollupTable,
  tagValuesTable,
  type ToolCallRow,
  toolCallsTable,
  totalRollupRows,
  type Totals,
  totalsOf,
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

// Each rollup's key, the columns a row adds to the row of its key, and those that keep the least value.
interface Spec {
  readonly key: ReadonlyArray<string>
  readonly sums: ReadonlyArray<string>
  readonly minima: ReadonlyArray<string>
}

const specs: Record<string, Spec> = {
  [tagValuesTable]: { key: ["tag_key", "tag_value"], sums: [], minima: [] },
  [callRollupTable]: { key: [...callKey, "outcome"], sums: ["calls"], minima: [] },
  [tagCallRollupTable]: { key: [...tagKey, "outcome"], sums: ["calls"], minima: [] },
  [tagRollupTable]: { key: tagKey, sums: ["completions", ...figureSums], minima: logprobMinima },
  [tagToolCallRollupTable]: { key: [...tagKey, "tool", "outcome"], sums: ["calls"], minima: [] },
  [tagQuarterRollupTable]: { key: tagQuarterKey, sums: ["completions", ...figureSums], minima: logprobMinima },
  [tagCostRollupTable]: { key: tagCostKey, sums: ["completions", ...costSums], minima: [] },
  [tagCostQuarterRollupTable]: { key: tagCostQuarterKey, sums: ["completions", ...costSums], minima: [] }
}

const columnsOf = (table: string): ReadonlyArray<string> => {
  const spec = specs[table]
  return [...spec.key, ...spec.sums, ...spec.minima]
}

// How a row is added: sums add up and least values keep the lesser; the tag values' rows are only kept.
const conflictOf = (table: string): string => {
  const spec = specs[table]
  return spec.sums.length === 0 ? "ON CONFLICT DO NOTHING" : upsert(table, spec.key, spec.sums, spec.minima)
}

const keyOf = (alias: string, bucket = bucketOf(`${alias}.created`, capturedBucketSeconds)) =>
  `${bucket}, ${alias}.model, COALESCE(${alias}.provider, ''), ` +
  `CASE WHEN ${alias}.provider IS NULL THEN 0 ELSE 1 END`

// Grouped by position and inserted in key order, so that writers of the same keys wait for each other.
const groupedBy = (columns: number) => {
  const positions = Array.from({ length: columns }, (_, i) => String(i + 1)).join(", ")
  return `GROUP BY ${positions} ORDER BY ${positions}`
}

// The figures' sums and least values (or the cost sums alone) of every tag row's completion into `table`, by its key.
const figuresBy = (
  sql: SqlClient.SqlClient,
  calls: (column: string) => Statement.Fragment,
  table: string,
  keyColumns: string
) => {
  const spec = specs[table]
  return sql`INSERT INTO ${sql(table)} (${sql.literal(columnsOf(table).join(", "))})
    SELECT ${sql.literal(keyColumns)}, ${
    sql.literal(
      [
        "COUNT(*)",
        ...spec.sums.slice(1).map((column) => `COALESCE(SUM(f.${column}), 0)`),
        ...spec.minima.map((column) => `MIN(f.${column})`)
      ].join(", ")
    )
  }
    FROM ${sql(callTagsTable)} t JOIN ${sql(figuresTable)} f ON f.id = t.completion_id WHERE ${calls("t.call_id")}
    ${sql.literal(groupedBy(spec.key.length))}
    ${sql.literal(conflictOf(table))}`
}

const quarter = bucketOf("f.created", bucketSeconds)
const dayQuarter = `((${quarter} % ${quartersPerDay}) + ${quartersPerDay}) % ${quartersPerDay}`

// Counts into `table`: `select` (its key's columns, then the count) from the rows of `from` whose `owner` column
// names one of the calls.
const countsBy = (
  sql: SqlClient.SqlClient,
  calls: (column: string) => Statement.Fragment,
  table: string,
  select: string,
  from: string,
  owner: string
) =>
  sql`INSERT INTO ${sql(table)} (${sql.literal(columnsOf(table).join(", "))})
    SELECT ${sql.literal(select)} FROM ${sql.literal(from)} WHERE ${calls(owner)}
    ${sql.literal(groupedBy(specs[table].key.length))}
    ${sql.literal(conflictOf(table))}`

const fills: Record<
  string,
  (sql: SqlClient.SqlClient, calls: (column: string) => Statement.Fragment) => Effect.Effect<unknown, SqlError>
> = {
  [tagValuesTable]: (sql, calls) =>
    sql`INSERT INTO ${sql(tagValuesTable)} (tag_key, tag_value)
      SELECT DISTINCT t.tag_key, t.tag_value FROM ${sql(callTagsTable)} t WHERE ${calls("t.call_id")}
      ${sql.literal(conflictOf(tagValuesTable))}`,
  [callRollupTable]: (sql, calls) =>
    countsBy(sql, calls, callRollupTable, `${keyOf("c")}, c.outcome, COUNT(*)`, `${callsTable} c`, "c.id"),
  [tagCallRollupTable]: (sql, calls) =>
    countsBy(
      sql,
      calls,
      tagCallRollupTable,
      `t.tag_key, t.tag_value, ${keyOf("c")}, c.outcome, COUNT(*)`,
      `${callTagsTable} t JOIN ${callsTable} c ON c.id = t.call_id`,
      "t.call_id"
    ),
  [tagRollupTable]: (sql, calls) => figuresBy(sql, calls, tagRollupTable, `t.tag_key, t.tag_value, ${keyOf("f")}`),
  [tagToolCallRollupTable]: (sql, calls) =>
    countsBy(
      sql,
      calls,
      tagToolCallRollupTable,
      `t.tag_key, t.tag_value, ${keyOf("x")}, x.tool, x.outcome, SUM(x.calls)`,
      `${callTagsTable} t JOIN ${toolCallsTable} x ON x.id = t.completion_id`,
      "t.call_id"
    ),
  [tagQuarterRollupTable]: (sql, calls) =>
    figuresBy(sql, calls, tagQuarterRollupTable, `t.tag_key, ${dayQuarter}, t.tag_value, ${keyOf("f", quarter)}`),
  [tagCostRollupTable]: (sql, calls) =>
    figuresBy(
      sql,
      calls,
      tagCostRollupTable,
      `t.tag_key, t.tag_value, ${bucketOf("f.created", capturedBucketSeconds)}`
    ),
  [tagCostQuarterRollupTable]: (sql, calls) =>
    figuresBy(sql, calls, tagCostQuarterRollupTable, `t.tag_key, ${dayQuarter}, t.tag_value, ${quarter}`)
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

/** What a batch adds to one rollup: its rows, in key order, with their columns and the clause that adds them. */
export interface Addition {
  readonly table: string
  readonly columns: ReadonlyArray<string>
  readonly rows: ReadonlyArray<RollupRow>
  readonly conflict: string
}

/** A call a batch stored, as the rollups read it. */
export interface StoredCall {
  /** The call's `created`, `model`, `provider` and `outcome`, as its row holds them. */
  readonly created: number
  readonly model: string
  readonly provider: string | null
  readonly outcome: string
  /** The key and value of each tag row the batch wrote for it. */
  readonly tags: ReadonlyArray<readonly [string, string]>
  /**
   * The figures row of the completion its tag rows name, which the batch wrote (with `toolCalls`, its tool-call rows),
   * or `undefined` when they name none.
   */
  readonly figures: FiguresRow | undefined
  readonly toolCalls: ReadonlyArray<ToolCallRow>
}

/**
 * What calls a batch stored add to every rollup: the sums {@link add} makes in SQL for the same calls, made from what
 * the batch holds. The calls are first summed by what their rows' keys read (their tags, times, models and outcome),
 * few groups for many calls, and each group is then added to every row its tags name.
 */
export const rowsOf = (calls: ReadonlyArray<StoredCall>): ReadonlyArray<Addition> => {
  const day = (created: number) => bucket(created, capturedBucketSeconds)
  const byCall = new Map<string, { readonly call: StoredCall; calls: number }>()
  const byFigures = new Map<
    string,
    { readonly call: StoredCall; readonly figures: FiguresRow; totals: Array<number | bigint | null> }
  >()
  const toolCalls: Array<readonly [RollupKey, number]> = []
  for (const call of calls) {
    const tags = JSON.stringify(call.tags)
    const callKey = JSON.stringify([day(call.created), call.model, call.provider, call.outcome, tags])
    const known = byCall.get(callKey)
    if (known === undefined) byCall.set(callKey, { call, calls: 1 })
    else known.calls++
    for (const [key, value] of call.tags) {
      for (const row of call.toolCalls) {
        toolCalls.push([
          [key, value, day(row.created), ...modelKey(row.model, row.provider), row.tool, row.outcome],
          row.calls
        ])
      }
    }
    if (call.figures === undefined || call.tags.length === 0) continue
    const where = figuresWhere(call.figures)
    const totals = totalsOf(call.figures, figureSums, logprobMinima)
    const figuresKey = JSON.stringify([bucket(where.created, bucketSeconds), where.model, where.provider, tags])
    const summed = byFigures.get(figuresKey)
    if (summed === undefined) byFigures.set(figuresKey, { call, figures: call.figures, totals: [...totals] })
    else addTotals(summed.totals, 0, totals, figureSums.length + 1)
  }

  const values = new Map<string, readonly [string, string]>()
  const counts: Record<string, Array<readonly [RollupKey, number]>> = {
    [callRollupTable]: [],
    [tagCallRollupTable]: [],
    [tagToolCallRollupTable]: toolCalls
  }
  for (const { call, calls } of byCall.values()) {
    const where = [day(call.created), ...modelKey(call.model, call.provider)]
    counts[callRollupTable].push([[...where, call.outcome], calls])
    for (const [key, value] of call.tags) {
      values.set(JSON.stringify([key, value]), [key, value])
      counts[tagCallRollupTable].push([[key, value, ...where, call.outcome], calls])
    }
  }
  const figures: Record<string, Array<readonly [RollupKey, Totals]>> = {
    [tagRollupTable]: [],
    [tagQuarterRollupTable]: [],
    [tagCostRollupTable]: [],
    [tagCostQuarterRollupTable]: []
  }
  const costTotals = costSums.length + 1
  for (const { call, figures: row, totals } of byFigures.values()) {
    const where = figuresWhere(row)
    const model = modelKey(where.model, where.provider)
    const inQuarter = bucket(where.created, bucketSeconds)
    const placeInDay = ((inQuarter % quartersPerDay) + quartersPerDay) % quartersPerDay
    const cost = totals.slice(0, costTotals)
    for (const [key, value] of call.tags) {
      figures[tagRollupTable].push([[key, value, day(where.created), ...model], totals])
      figures[tagQuarterRollupTable].push([[key, placeInDay, value, inQuarter, ...model], totals])
      figures[tagCostRollupTable].push([[key, value, day(where.created)], cost])
      figures[tagCostQuarterRollupTable].push([[key, placeInDay, value, inQuarter], cost])
    }
  }

  const addition = (table: string, rows: ReadonlyArray<RollupRow>): Addition => ({
    table,
    columns: columnsOf(table),
    rows,
    conflict: conflictOf(table)
  })
  return [
    addition(tagValuesTable, inKeyOrder(values)),
    ...Object.entries(counts).map(([table, entries]) => addition(table, countRollupRows(entries))),
    ...Object.entries(figures).map(([table, entries]) =>
      addition(table, totalRollupRows(entries, specs[table].sums.length))
    )
  ].filter((added) => added.rows.length > 0)
}
