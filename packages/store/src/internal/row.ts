import { Cost, LogprobSummary, ToolCallSummary } from "@objectiveai-effect/analysis"
import type { StoredChatCompletion } from "@objectiveai-effect/domain"
import * as BigDecimal from "effect/BigDecimal"
import * as Option from "effect/Option"
import * as Body from "./body.js"
import * as Exact from "./exact.js"

const limbNames = new Map<string, ReadonlyArray<string>>()

/** The completions table: each stored body and the columns its filters read. */
export const completionsTable = "objectiveai_completions"
/** One row per completion: every figure the report sums, derived once when the completion is stored. */
export const figuresTable = "objectiveai_figures"
/** One row per completion, tool and outcome: how many of its tool calls came to that outcome. */
export const toolCallsTable = "objectiveai_tool_calls"
/** The figures summed per quarter hour, model and provider, kept up to date as completions are stored. */
export const rollupTable = "objectiveai_rollup"
/** The tool calls summed per UTC day, model, provider, tool and outcome, kept up to date as completions are stored. */
export const toolCallRollupTable = "objectiveai_tool_call_rollup"
/** The figures summed per tag key and value, UTC day, model and provider, as tag rows name their completions. */
export const tagRollupTable = "objectiveai_tag_rollup"
/**
 * The figures summed per tag key and value, quarter hour, model and provider, with the quarter's place in its UTC day
 * (0 to 95), so that the quarters at the edges of a UTC day, where a day of another time zone begins, read apart.
 */
export const tagQuarterRollupTable = "objectiveai_tag_quarter_rollup"
/**
 * The cost sums alone (no logprobs) per tag key and value and UTC day, over every model and provider: what a cost by
 * day and tag with no model or provider filter reads, about a quarter of {@link tagRollupTable}'s rows.
 */
export const tagCostRollupTable = "objectiveai_tag_cost_rollup"
/** The cost sums of {@link tagCostRollupTable} per quarter hour, with the quarter's place in its UTC day. */
export const tagCostQuarterRollupTable = "objectiveai_tag_cost_quarter_rollup"
/** The tool calls summed per tag key and value, UTC day, model, provider, tool and outcome. */
export const tagToolCallRollupTable = "objectiveai_tag_tool_call_rollup"
/** The captured calls counted per quarter hour, model, provider and outcome. */
export const callRollupTable = "objectiveai_call_rollup"
/** The captured calls counted per tag key and value, UTC day, model, provider and outcome. */
export const tagCallRollupTable = "objectiveai_tag_call_rollup"
/** Every tag key with each value it takes, one row per pair. */
export const tagValuesTable = "objectiveai_tag_values"
/** The first tool-call problems of each completion, as `ToolCallSummary` keeps them. */
export const problemsTable = "objectiveai_tool_call_problems"
/** Ids whose retrieve failed, until a later sync stores them. */
export const failuresTable = "objectiveai_sync_failures"
/** Named integers kept between runs: where the last complete listing started, whether figures are backfilled. */
export const stateTable = "objectiveai_sync_state"
/** One row per captured call, the failed ones included: its outcome, attempts, timings, and the bodies a prune drops. */
export const callsTable = "objectiveai_calls"
/** One row per captured call and tag; a succeeded call's rows name its completion, for the report to group by. */
export const callTagsTable = "objectiveai_call_tags"
/** The migrations the store has run. */
export const migrationsTable = "objectiveai_migrations"

/** The exact amounts a figures row holds, each as `Exact.limbs` columns `<name>_0` …, or in the overflow column. */
export const amounts = [
  "cost",
  "upstream_cost",
  "byok_upstream_cost",
  "content_logprob_sum",
  "content_entropy_sum",
  "content_margin_sum",
  "refusal_logprob_sum",
  "refusal_entropy_sum",
  "refusal_margin_sum"
] as const

/** An exact amount's name. */
export type AmountName = typeof amounts[number]

/** The token counts of `Cost.Tokens`, by column. */
export const tokens = [
  ["prompt", "prompt_tokens"],
  ["completion", "completion_tokens"],
  ["cached", "cached_tokens"],
  ["cacheWrite", "cache_write_tokens"],
  ["reasoning", "reasoning_tokens"],
  ["promptAudio", "prompt_audio_tokens"],
  ["completionAudio", "completion_audio_tokens"]
] as const satisfies ReadonlyArray<readonly [keyof Cost.Tokens, string]>

/** The counts of a logprob part (`content_…`, `refusal_…`) that sum. */
export const partCounts = ["choices", "tokens", "entropy_count", "margin_count", "excluded", "clamped", "kept"] as const

/** The logprob parts. */
export const parts = ["content", "refusal"] as const

/** The figures columns that sum: the cost figures first, then the logprob figures. */
export const costSums: ReadonlyArray<string> = [
  "unpriced",
  "byok",
  ...tokens.map(([, column]) => column),
  ...(["cost", "upstream_cost", "byok_upstream_cost"] as const).flatMap((name) => limbColumns(name))
]

/** The logprob figures columns that sum. */
export const logprobSums: ReadonlyArray<string> = [
  "choices",
  ...parts.flatMap((part) => partCounts.map((count) => `${part}_${count}`)),
  ...parts.flatMap((part) => [`${part}_logprob_sum`, `${part}_entropy_sum`, `${part}_margin_sum`] as const).flatMap((
    name
  ) => limbColumns(name))
]

/** The figures columns every rollup of figures sums: {@link costSums}, then {@link logprobSums}. */
export const figureSums: ReadonlyArray<string> = [...costSums, ...logprobSums]

/** The figures columns whose least value is kept. */
export const logprobMinima: ReadonlyArray<string> = parts.map((part) => `${part}_lowest`)

/** The columns holding an amount's limbs. */
export function limbColumns(name: AmountName): ReadonlyArray<string> {
  // Asked for once per amount of every group a report sums: made once.
  let columns = limbNames.get(name)
  if (columns === undefined) {
    columns = Array.from({ length: Exact.limbs }, (_, i) => `${name}_${i}`)
    limbNames.set(name, columns)
  }
  return columns
}

/** The columns of the figures table, in the order a {@link FiguresRow} holds their values. */
export const figuresColumns: ReadonlyArray<string> = [
  "id",
  "created",
  "day",
  "model",
  "provider",
  "finish_reasons",
  "unpriced",
  "byok",
  ...tokens.map(([, column]) => column),
  "choices",
  ...parts.flatMap((part) => [...partCounts.map((count) => `${part}_${count}`), `${part}_lowest`]),
  ...amounts.flatMap((name) => limbColumns(name)),
  "exact_overflow"
]

/** A row given as its values in `columns` order, as an object: column name to value. */
export const record = <A>(columns: ReadonlyArray<string>, values: ReadonlyArray<A>): Record<string, A> => {
  const result: Record<string, A> = {}
  for (let i = 0; i < columns.length; i++) result[columns[i]] = values[i]
  return result
}

/**
 * Seconds per rollup bucket. Every time zone in use today is a whole number of quarter hours from UTC and changes its
 * offset on a quarter hour, so a bucket falls on one local day in any of them.
 */
export const bucketSeconds = 900

// Sums stay numbers while they are safe integers (a batch's always are), bigints past that.
const add = (sum: number | bigint, value: number | bigint): number | bigint => {
  if (typeof sum === "number" && typeof value === "number") {
    const total = sum + value
    if (Number.isSafeInteger(total)) return total
  }
  return BigInt(sum) + BigInt(value)
}

/** The columns of the rollup table, in the order a {@link RollupRow} holds their values. */
export const rollupColumns: ReadonlyArray<string> = [
  "bucket",
  "model",
  "provider",
  "has_provider",
  "completions",
  ...costSums,
  ...logprobSums,
  ...logprobMinima
]

/**
 * A row of the rollup table (or of the tool-call rollup): the key, then each sum (a number, or a bigint past 2^53) and
 * each least value, in the table's column order.
 */
export type RollupRow = ReadonlyArray<string | number | bigint | null>

/** The values of a rollup row's key columns, in order. */
export type RollupKey = ReadonlyArray<string | number>

const createdIndex = figuresColumns.indexOf("created")
const modelIndex = figuresColumns.indexOf("model")
const providerIndex = figuresColumns.indexOf("provider")

/** A row's `created`, `model` and `provider`, from a figures row. */
export const figuresWhere = (row: FiguresRow): { created: number; model: string; provider: string | null } => ({
  created: row[createdIndex] as number,
  model: row[modelIndex] as string,
  provider: row[providerIndex] as string | null
})

/**
 * The key columns of a model and provider: a missing provider is `''` with `has_provider` 0, since keys with `NULL`
 * never conflict.
 */
export const modelKey = (model: string, provider: string | null): RollupKey => [
  model,
  provider ?? "",
  provider === null ? 0 : 1
]

/** The bucket of `size` seconds a `created` falls in: floor division, as `bucketOf` in SQL. */
export const bucket = (created: number, size: number): number => Math.floor(created / size)

// The groups of `entries` by key, in key order (so that writers update the rows of one key in one order): each the
// key and its first value (`start`), into which the others go.
const grouped = <A>(
  entries: Iterable<readonly [RollupKey, A]>,
  start: (key: RollupKey, value: A) => Array<string | number | bigint | null>,
  into: (group: Array<string | number | bigint | null>, value: A) => void
): ReadonlyArray<RollupRow> => {
  const groups = new Map<string, Array<string | number | bigint | null>>()
  for (const [key, value] of entries) {
    const text = JSON.stringify(key)
    const group = groups.get(text)
    if (group === undefined) groups.set(text, start(key, value))
    else into(group, value)
  }
  return inKeyOrder(groups)
}

/** The values of groups kept by their key's JSON text, in the order of those texts. */
export const inKeyOrder = <A>(groups: ReadonlyMap<string, A>): Array<A> =>
  Array.from(groups.entries())
    .sort(([a], [b]) => a < b ? -1 : a > b ? 1 : 0)
    .map(([, group]) => group)

/**
 * What a rollup row sums of some figures rows: their count, the sum of each summed column, then the least value of
 * each column whose least value is kept (what `COUNT(*)`, `COALESCE(SUM(…), 0)` and `MIN(…)` give in SQL).
 */
export type Totals = ReadonlyArray<number | bigint | null>

/** A figures row's {@link Totals}: a count of 1, its values of `sums` (0 for none), then its values of `minima`. */
export const totalsOf = (
  row: FiguresRow,
  sums: ReadonlyArray<string>,
  minima: ReadonlyArray<string>
): Totals => {
  const totals: Array<number | null> = [1]
  for (const index of indexesOf(sums)) {
    const value = row[index]
    totals.push(typeof value === "number" ? value : 0)
  }
  for (const index of indexesOf(minima)) {
    const value = row[index]
    totals.push(typeof value === "number" ? value : null)
  }
  return totals
}

// Where a list of columns is in a figures row, worked out once per list.
const indexes = new WeakMap<ReadonlyArray<string>, ReadonlyArray<number>>()
const indexesOf = (columns: ReadonlyArray<string>): ReadonlyArray<number> => {
  let known = indexes.get(columns)
  if (known === undefined) {
    known = columns.map((column) => figuresColumns.indexOf(column))
    indexes.set(columns, known)
  }
  return known
}

/** Adds `from` to the totals that begin at `at` in `into`, whose first `sums` values (the count first) add up. */
export const addTotals = (
  into: Array<string | number | bigint | null>,
  at: number,
  from: Totals,
  sums: number
): void => {
  for (let i = 0; i < sums; i++) {
    const value = from[i] as number | bigint
    if (value !== 0) into[at + i] = add(into[at + i] as number | bigint, value)
  }
  for (let i = sums; i < from.length; i++) {
    const value = from[i]
    const known = into[at + i]
    if (value !== null && (known === null || value < (known as number | bigint))) into[at + i] = value
  }
}

/** Rollup rows of totals by key: each key, then its totals added up, the first `sums` of them (the count first). */
export const totalRollupRows = (
  entries: Iterable<readonly [RollupKey, Totals]>,
  sums: number
): ReadonlyArray<RollupRow> =>
  grouped(
    entries,
    (key, totals) => [...key, ...totals],
    (group, totals) => addTotals(group, group.length - totals.length, totals, sums)
  )

/** Rollup rows of counts by key: each key, then the sum of its counts. */
export const countRollupRows = (entries: Iterable<readonly [RollupKey, number]>): ReadonlyArray<RollupRow> =>
  grouped(entries, (key, count) => [...key, count], (group, count) => {
    const at = group.length - 1
    group[at] = add(group[at] as number | bigint, count)
  })

/** The rollup rows of figures rows, one per bucket, model and provider, in key order. */
export const rollupRows = (rows: ReadonlyArray<FiguresRow>): ReadonlyArray<RollupRow> =>
  totalRollupRows(
    rows.map((row) => {
      const where = figuresWhere(row)
      return [
        [bucket(where.created, bucketSeconds), ...modelKey(where.model, where.provider)],
        totalsOf(row, figureSums, logprobMinima)
      ] as const
    }),
    figureSums.length + 1
  )

/**
 * Seconds per tool-call rollup bucket: a day. Tool calls are counted by tool and outcome over a range, never by day,
 * so no time zone needs their buckets to fall on its days; a quarter hour would keep nearly a row per tool call
 * (119,228 rows for the 208,100 of a million completions), a day a few thousand.
 */
export const toolCallBucketSeconds = 86_400

/**
 * Seconds per bucket of the rollups of what capture brings: the captured calls, and the figures and tool calls by tag.
 * A day: a tag such as `user` takes a thousand values, and by quarter hour, value, model and provider nearly every
 * completion keeps a row of its own (963,801 rows for the million completions of the benchmark's store, 213,213 for
 * its ten `feature` values); by day, 43,885 and 3,308. A day is whole only in UTC: a day of another time zone is read
 * from these and the quarter hours of {@link tagQuarterRollupTable} at its edges (see the store's README).
 */
export const capturedBucketSeconds = 86_400

/** The columns of the tool-call rollup table, in the order a {@link RollupRow} of it holds their values. */
export const toolCallRollupColumns: ReadonlyArray<string> = [
  "bucket",
  "model",
  "provider",
  "has_provider",
  "tool",
  "outcome",
  "calls"
]

/** The tool-call rollup rows of tool-call rows, one per bucket, model, provider, tool and outcome, in key order. */
export const toolCallRollupRows = (rows: ReadonlyArray<ToolCallRow>): ReadonlyArray<RollupRow> =>
  countRollupRows(
    rows.map((row) =>
      [
        [bucket(row.created, toolCallBucketSeconds), ...modelKey(row.model, row.provider), row.tool, row.outcome],
        row.calls
      ] as const
    )
  )

/** The SQL of the bucket of `size` seconds a `created` column falls in: floor division, whatever the sign. */
export const bucketOf = (created: string, size: number): string =>
  `(${created} - (((${created} % ${size}) + ${size}) % ${size})) / ${size}`

const secondsPerDay = 86_400

// `created` is a number on the wire; a column holds a 64-bit integer, so a fraction is floored (the day it falls in
// is the same) and what is not a safe integer is clamped.
const createdColumn = (created: number): number =>
  Number.isNaN(created)
    ? 0
    : Math.min(Math.max(Math.floor(created), Number.MIN_SAFE_INTEGER), Number.MAX_SAFE_INTEGER)

// Token counts are integers below 2^53 on the wire; anything else is not summed.
const tokenCount = (value: number): number | null => Number.isSafeInteger(value) ? value : null

/** A completion's row in the completions table. */
export interface CompletionRow {
  readonly id: string
  readonly created: number
  readonly model: string
  readonly provider: string | null
  readonly body: string
}

/**
 * A completion's row in the figures table: each column's value in {@link figuresColumns} order. An array rather than
 * an object of 96 keys, since the import's worker threads send a row per completion to the writing thread: the
 * structured clone writes and reads no key, and the writer binds the values as they are.
 */
export type FiguresRow = ReadonlyArray<string | number | null>

/** A completion's tool calls of one tool that came to one outcome. */
export interface ToolCallRow {
  readonly id: string
  readonly created: number
  readonly model: string
  readonly provider: string | null
  readonly tool: string
  readonly outcome: ToolCallSummary.Outcome
  readonly calls: number
}

/** A tool-call problem, at its position among the completion's problems. */
export interface ProblemRow {
  readonly id: string
  readonly created: number
  readonly model: string
  readonly provider: string | null
  readonly position: number
  readonly choice_index: number
  readonly call_index: number
  readonly tool: string
  readonly outcome: string
  readonly reason: string
}

/** The columns of the completions table a {@link CompletionRow} fills, in order. */
export const completionColumns: ReadonlyArray<string> = ["id", "created", "model", "provider", "body"]

/** The columns of the tool calls table, in the order of {@link toolCallValues}. */
export const toolCallColumns: ReadonlyArray<string> = ["id", "created", "model", "provider", "tool", "outcome", "calls"]

/** A tool-call row's values, in {@link toolCallColumns} order. */
export const toolCallValues = (row: ToolCallRow): ReadonlyArray<string | number | null> => [
  row.id,
  row.created,
  row.model,
  row.provider,
  row.tool,
  row.outcome,
  row.calls
]

/** The columns of the problems table, in the order of {@link problemValues}. */
export const problemColumns: ReadonlyArray<string> = [
  "id",
  "created",
  "model",
  "provider",
  "position",
  "choice_index",
  "call_index",
  "tool",
  "outcome",
  "reason"
]

/** A problem row's values, in {@link problemColumns} order. */
export const problemValues = (row: ProblemRow): ReadonlyArray<string | number | null> => [
  row.id,
  row.created,
  row.model,
  row.provider,
  row.position,
  row.choice_index,
  row.call_index,
  row.tool,
  row.outcome,
  row.reason
]

/** What storing one completion writes. */
export interface Derived {
  readonly completion: CompletionRow
  readonly figures: FiguresRow
  readonly toolCalls: ReadonlyArray<ToolCallRow>
  readonly problems: ReadonlyArray<ProblemRow>
}

// Where each figure goes in a figures row, worked out once: a figures row is written for every completion stored.
const columnIndex = (column: string): number => figuresColumns.indexOf(column)
const limbIndexesOf: Record<string, ReadonlyArray<number>> = Object.fromEntries(
  amounts.map((name) => [name, limbColumns(name).map(columnIndex)])
)
const partIndexesOf = <P extends typeof parts[number]>(part: P) => ({
  logprobSum: `${part}_logprob_sum` as const,
  entropySum: `${part}_entropy_sum` as const,
  marginSum: `${part}_margin_sum` as const,
  choices: columnIndex(`${part}_choices`),
  tokens: columnIndex(`${part}_tokens`),
  entropyCount: columnIndex(`${part}_entropy_count`),
  marginCount: columnIndex(`${part}_margin_count`),
  excluded: columnIndex(`${part}_excluded`),
  clamped: columnIndex(`${part}_clamped`),
  kept: columnIndex(`${part}_kept`),
  lowest: columnIndex(`${part}_lowest`)
})
const partIndexes = { content: partIndexesOf("content"), refusal: partIndexesOf("refusal") }
const tokenIndexes = tokens.map(([field, column]) => [field, columnIndex(column)] as const)
const choicesIndex = columnIndex("choices")
const overflowIndex = columnIndex("exact_overflow")

const partFigures = (
  figures: Array<string | number | null>,
  part: typeof parts[number],
  aggregate: LogprobSummary.TokenAggregate
): void => {
  const index = partIndexes[part]
  figures[index.choices] = aggregate.choices
  figures[index.tokens] = aggregate.tokens
  figures[index.entropyCount] = aggregate.entropy.count
  figures[index.marginCount] = aggregate.margin.count
  figures[index.excluded] = aggregate.placeholders.excluded
  figures[index.clamped] = aggregate.placeholders.clamped
  figures[index.kept] = aggregate.placeholders.kept
  figures[index.lowest] = Option.getOrNull(aggregate.lowestLogprob)
}

/**
 * Everything storing a completion writes: its body as the exact JSON the API sent, and the figures every section of
 * the report sums, taken from the analysis package's own summaries of this one completion (under the default
 * placeholder policy), so that the store's sums are those summaries' sums.
 */
export const derive = (stored: StoredChatCompletion.StoredChatCompletion): Derived => {
  const response = stored.response
  const id = response.id
  const created = createdColumn(response.created)
  const model = response.model
  const provider = response.provider ?? null
  const cost = Cost.fromCompletion(response).total
  const logprobs = LogprobSummary.fromCompletion(response)
  const toolCalls = ToolCallSummary.summarize([stored])

  // In `figuresColumns` order: the leading columns, then each figure at its index.
  const figures: Array<string | number | null> = [
    id,
    created,
    Cost.dayLabel(Math.floor(response.created / secondsPerDay)),
    model,
    provider,
    JSON.stringify(response.choices.map((choice) => choice.finish_reason)),
    cost.unpriced,
    cost.byok
  ]
  for (const [field, index] of tokenIndexes) figures[index] = tokenCount(cost.tokens[field])
  figures[choicesIndex] = logprobs.choices
  partFigures(figures, "content", logprobs.content)
  partFigures(figures, "refusal", logprobs.refusal)
  let overflow: Record<string, string> | undefined
  const exact = (name: AmountName, value: BigDecimal.BigDecimal) => {
    const limbs = Exact.toLimbs(value)
    const indexes = limbIndexesOf[name]
    for (let i = 0; i < indexes.length; i++) figures[indexes[i]] = limbs === undefined ? 0 : limbs[i]
    if (limbs === undefined) (overflow ??= {})[name] = BigDecimal.format(value)
  }
  exact("cost", cost.cost)
  exact("upstream_cost", cost.upstreamInferenceCost)
  exact("byok_upstream_cost", cost.upstreamUpstreamInferenceCost)
  for (const part of parts) {
    const aggregate = logprobs[part]
    const index = partIndexes[part]
    exact(index.logprobSum, aggregate.logprobSum)
    exact(index.entropySum, aggregate.entropy.sum)
    exact(index.marginSum, aggregate.margin.sum)
  }
  figures[overflowIndex] = overflow === undefined ? null : JSON.stringify(overflow)
  const where = { id, created, model, provider }
  return {
    completion: { id, created, model, provider, body: Body.encode(stored) },
    figures,
    toolCalls: toolCalls.tools.flatMap((tool) =>
      ToolCallSummary.outcomes.filter((outcome) => tool.outcomes[outcome] > 0).map((outcome): ToolCallRow => ({
        ...where,
        tool: tool.tool,
        outcome,
        calls: tool.outcomes[outcome]
      }))
    ),
    problems: toolCalls.problems.map((problem, position): ProblemRow => ({
      ...where,
      position,
      choice_index: problem.choiceIndex,
      call_index: problem.callIndex,
      tool: problem.tool,
      outcome: problem.outcome,
      reason: problem.reason
    }))
  }
}

/**
 * The `ON CONFLICT` clause that adds a row to the one of the same key: sums add up, least values keep the lesser.
 */
export const upsert = (
  table: string,
  key: ReadonlyArray<string>,
  sums: ReadonlyArray<string>,
  minima: ReadonlyArray<string> = []
): string =>
  `ON CONFLICT (${key.join(", ")}) DO UPDATE SET ${
    [
      ...sums.map((column) => `${column} = ${table}.${column} + excluded.${column}`),
      ...minima.map((column) =>
        `${column} = CASE WHEN ${table}.${column} IS NULL OR excluded.${column} < ${table}.${column} ` +
        `THEN excluded.${column} ELSE ${table}.${column} END`
      )
    ].join(", ")
  }`
