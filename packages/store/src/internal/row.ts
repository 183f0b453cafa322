import type { StoredChatCompletion } from "@objectiveai-effect/domain"
import * as Amount from "./amount.js"
import * as Body from "./body.js"

/** The completions table. */
export const completionsTable = "objectiveai_completions"
/** Ids whose retrieve failed, until a later sync stores them. */
export const failuresTable = "objectiveai_sync_failures"
/** Named integers a sync keeps between runs: where the last complete listing started. */
export const stateTable = "objectiveai_sync_state"
/** The migrations the store has run. */
export const migrationsTable = "objectiveai_migrations"

const secondsPerDay = 86_400

/** The UTC day of a `created`, as the analysis package labels it (`null` where there is no such date). */
export const dayLabel = (day: number): string | null => {
  const date = new Date(day * secondsPerDay * 1000)
  return Number.isNaN(date.getTime()) ? null : date.toISOString().slice(0, 10)
}

// `created` is a number on the wire; a column holds a 64-bit integer, so a fraction is floored (the day it falls in
// is the same) and what is not a safe integer is clamped.
const createdColumn = (created: number): number =>
  Number.isNaN(created)
    ? 0
    : Math.min(Math.max(Math.floor(created), Number.MIN_SAFE_INTEGER), Number.MAX_SAFE_INTEGER)

const tokenCount = (value: unknown): number | null =>
  typeof value === "number" && Number.isSafeInteger(value) ? value : null

const flag = (value: boolean): number => value ? 1 : 0

/** One completion as the columns the store writes. */
export interface CompletionRow {
  readonly id: string
  readonly created: number
  readonly day: string | null
  readonly model: string
  readonly provider: string | null
  readonly finish_reasons: string
  readonly prompt_tokens: number | null
  readonly completion_tokens: number | null
  readonly cached_tokens: number | null
  readonly cache_write_tokens: number | null
  readonly reasoning_tokens: number | null
  readonly prompt_audio_tokens: number | null
  readonly completion_audio_tokens: number | null
  readonly cost_scale: number | null
  readonly cost_high: number | null
  readonly cost_low: number | null
  readonly upstream_cost_scale: number | null
  readonly upstream_cost_high: number | null
  readonly upstream_cost_low: number | null
  readonly byok_upstream_cost_scale: number | null
  readonly byok_upstream_cost_high: number | null
  readonly byok_upstream_cost_low: number | null
  readonly is_byok: number
  readonly has_logprobs: number
  readonly has_tool_calls: number
  readonly body: string
}

const amountColumns = <P extends string>(prefix: P, amount: unknown) => {
  const units = Amount.toUnits(amount)
  return {
    [`${prefix}_scale`]: units?.scale ?? null,
    [`${prefix}_high`]: units?.high ?? null,
    [`${prefix}_low`]: units?.low ?? null
  } as { [K in `${P}_scale` | `${P}_high` | `${P}_low`]: number | null }
}

/** The row of a stored completion: its body as the exact JSON the API sent, and the columns read from it. */
export const toRow = (completion: StoredChatCompletion.StoredChatCompletion): CompletionRow => {
  const response = completion.response
  const usage = response.usage
  const details = usage?.cost_details
  return {
    id: response.id,
    created: createdColumn(response.created),
    day: dayLabel(Math.floor(response.created / secondsPerDay)),
    model: response.model,
    provider: response.provider ?? null,
    finish_reasons: JSON.stringify(response.choices.map((choice) => choice.finish_reason)),
    prompt_tokens: tokenCount(usage?.prompt_tokens),
    completion_tokens: tokenCount(usage?.completion_tokens),
    cached_tokens: tokenCount(usage?.prompt_tokens_details?.cached_tokens),
    cache_write_tokens: tokenCount(usage?.prompt_tokens_details?.cache_write_tokens),
    reasoning_tokens: tokenCount(usage?.completion_tokens_details?.reasoning_tokens),
    prompt_audio_tokens: tokenCount(usage?.prompt_tokens_details?.audio_tokens),
    completion_audio_tokens: tokenCount(usage?.completion_tokens_details?.audio_tokens),
    ...amountColumns("cost", usage?.cost),
    ...amountColumns("upstream_cost", details?.upstream_inference_cost),
    ...amountColumns("byok_upstream_cost", details?.upstream_upstream_inference_cost),
    is_byok: flag(usage?.is_byok === true),
    has_logprobs: flag(response.choices.some((choice) => choice.logprobs != null)),
    has_tool_calls: flag(response.choices.some((choice) => (choice.message.tool_calls?.length ?? 0) > 0)),
    body: Body.encode(completion)
  }
}
