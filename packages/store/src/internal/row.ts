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

/**
 * Seconds per rollup bucket. Every time zone in use today is a whole number of quarter hours from UTC and changes its
 * offset on a quarter hour, so a bucket falls on one local day in any of them.
 */
export const bucketSeconds = 900

// Sums stay numbers while they are safe integers (a batch's always are), bigints past that.
const add = (sum: number | bigint, value: number): number | bigint => {
  if (typeof sum === "number") {
    const total = sum + value
    if (Number.isSafeInteger(total)) return total
  }
  return BigInt(sum) + BigInt(value)
}

/** A row of the rollup table: the key, then each sum (a number, or a bigint past 2^53) and each least value. */
export type RollupRow = Record<string, string | number | bigint | null>

/**
 * The rollup rows of figures rows, one per bucket, model and provider, in key order (so that writers update them in
 * one order). A missing provider is `''` with `has_provider` 0, since keys with `NULL` never conflict.
 */
export const rollupRows = (rows: ReadonlyArray<FiguresRow>): ReadonlyArray<RollupRow> => {
  const sums = [...costSums, ...logprobSums]
  const groups = new Map<string, Record<string, bigint | number | string | null>>()
  for (const row of rows) {
    const bucket = Math.floor((row.created as number) / bucketSeconds)
    const provider = row.provider as string | null
    const key = JSON.stringify([bucket, row.model, provider])
    let group = groups.get(key)
    if (group === undefined) {
      group = {
        bucket,
        model: row.model,
        provider: provider ?? "",
        has_provider: provider === null ? 0 : 1,
        completions: 0
      }
      for (const column of sums) group[column] = 0
      for (const column of logprobMinima) group[column] = null
      groups.set(key, group)
    }
    group.completions = (group.completions as number) + 1
    for (const column of sums) {
      const value = row[column]
      if (typeof value === "number" && value !== 0) group[column] = add(group[column] as number | bigint, value)
    }
    for (const column of logprobMinima) {
      const value = row[column]
      const known = group[column]
      if (typeof value === "number" && (known === null || value < (known as number))) group[column] = value
    }
  }
  return Array.from(groups.entries())
    .sort(([a], [b]) => a < b ? -1 : a > b ? 1 : 0)
    .map(([, group]) => group)
}

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
 * its ten `feature` values); by day, 43,885 and 3,308. A day is whole only in UTC, so an answer by day in another time
 * zone reads the tagged rows themselves (see the store's README).
 */
export const capturedBucketSeconds = 86_400

/** The tool-call rollup rows of tool-call rows, one per bucket, model, provider, tool and outcome, in key order. */
export const toolCallRollupRows = (rows: ReadonlyArray<ToolCallRow>): ReadonlyArray<RollupRow> => {
  const groups = new Map<string, { row: RollupRow; calls: number }>()
  for (const row of rows) {
    const bucket = Math.floor(row.created / toolCallBucketSeconds)
    const key = JSON.stringify([bucket, row.model, row.provider, row.tool, row.outcome])
    const group = groups.get(key)
    if (group === undefined) {
      groups.set(key, {
        row: {
          bucket,
          model: row.model,
          provider: row.provider ?? "",
          has_provider: row.provider === null ? 0 : 1,
          tool: row.tool,
          outcome: row.outcome
        },
        calls: row.calls
      })
    } else group.calls += row.calls
  }
  return Array.from(groups.entries())
    .sort(([a], [b]) => a < b ? -1 : a > b ? 1 : 0)
    .map(([, group]) => ({ ...group.row, calls: group.calls }))
}

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

/** A completion's row in the figures table: column name to value. */
export type FiguresRow = Readonly<Record<string, string | number | null>>

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

/** What storing one completion writes. */
export interface Derived {
  readonly completion: CompletionRow
  readonly figures: FiguresRow
  readonly toolCalls: ReadonlyArray<ToolCallRow>
  readonly problems: ReadonlyArray<ProblemRow>
}

// Column names built once: a completion's figures row is written for every completion stored.
const limbColumnsOf = Object.fromEntries(amounts.map((name) => [name, limbColumns(name)])) as Record<
  AmountName,
  ReadonlyArray<string>
>
const partColumnsOf = <P extends typeof parts[number]>(part: P) => ({
  logprobSum: `${part}_logprob_sum` as const,
  entropySum: `${part}_entropy_sum` as const,
  marginSum: `${part}_margin_sum` as const,
  choices: `${part}_choices`,
  tokens: `${part}_tokens`,
  entropyCount: `${part}_entropy_count`,
  marginCount: `${part}_margin_count`,
  excluded: `${part}_excluded`,
  clamped: `${part}_clamped`,
  kept: `${part}_kept`,
  lowest: `${part}_lowest`
})
const partColumns = { content: partColumnsOf("content"), refusal: partColumnsOf("refusal") }

const partFigures = (
  figures: Record<string, string | number | null>,
  part: typeof parts[number],
  aggregate: LogprobSummary.TokenAggregate
): void => {
  const column = partColumns[part]
  figures[column.choices] = aggregate.choices
  figures[column.tokens] = aggregate.tokens
  figures[column.entropyCount] = aggregate.entropy.count
  figures[column.marginCount] = aggregate.margin.count
  figures[column.excluded] = aggregate.placeholders.excluded
  figures[column.clamped] = aggregate.placeholders.clamped
  figures[column.kept] = aggregate.placeholders.kept
  figures[column.lowest] = Option.getOrNull(aggregate.lowestLogprob)
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

  const figures: Record<string, string | number | null> = {
    id,
    created,
    day: Cost.dayLabel(Math.floor(response.created / secondsPerDay)),
    model,
    provider,
    finish_reasons: JSON.stringify(response.choices.map((choice) => choice.finish_reason)),
    unpriced: cost.unpriced,
    byok: cost.byok
  }
  for (const [field, column] of tokens) figures[column] = tokenCount(cost.tokens[field])
  figures.choices = logprobs.choices
  partFigures(figures, "content", logprobs.content)
  partFigures(figures, "refusal", logprobs.refusal)
  let overflow: Record<string, string> | undefined
  const exact = (name: AmountName, value: BigDecimal.BigDecimal) => {
    const limbs = Exact.toLimbs(value)
    const columns = limbColumnsOf[name]
    for (let i = 0; i < columns.length; i++) figures[columns[i]] = limbs === undefined ? 0 : limbs[i]
    if (limbs === undefined) (overflow ??= {})[name] = BigDecimal.format(value)
  }
  exact("cost", cost.cost)
  exact("upstream_cost", cost.upstreamInferenceCost)
  exact("byok_upstream_cost", cost.upstreamUpstreamInferenceCost)
  for (const part of parts) {
    const aggregate = logprobs[part]
    const column = partColumns[part]
    exact(column.logprobSum, aggregate.logprobSum)
    exact(column.entropySum, aggregate.entropy.sum)
    exact(column.marginSum, aggregate.margin.sum)
  }
  figures.exact_overflow = overflow === undefined ? null : JSON.stringify(overflow)
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
