/**
 * Exact cost totals of completions: what was charged (`usage.cost`), what the upstream charged, what a
 * bring-your-own-key provider charged the caller's own key, and the token counts behind them, summed exactly and
 * grouped by model, provider, UTC day, any combination of them, or a key of the caller's.
 *
 * A {@link CostSummary} is a Schema (it crosses process boundaries as JSON) and a monoid: {@link merge} is
 * associative with {@link empty} as its identity, so summaries of shards combine into the summary of the whole.
 *
 * @since 0.1.0
 */
import type { ChatCompletion } from "@objectiveai-effect/domain"
import * as BigDecimal from "effect/BigDecimal"
import type * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import { dual } from "effect/Function"
import * as Option from "effect/Option"
import type * as Order from "effect/Order"
import * as Schema from "effect/Schema"
import * as Sink from "effect/Sink"
import * as AnalysisError from "./AnalysisError.js"
import * as Decimal from "./internal/decimal.js"
import { TotalsTable } from "./internal/totals.js"

/**
 * Token counts summed over completions. Counts are summed as numbers, exact for the integer counts the API sends
 * (below 2^53); a count that is not a finite number is skipped.
 *
 * @since 0.1.0
 * @category schemas
 */
export const Tokens = Schema.Struct({
  prompt: Schema.Number.annotations({ description: "`prompt_tokens`." }),
  completion: Schema.Number.annotations({ description: "`completion_tokens`." }),
  cached: Schema.Number.annotations({ description: "`prompt_tokens_details.cached_tokens`." }),
  cacheWrite: Schema.Number.annotations({ description: "`prompt_tokens_details.cache_write_tokens`." }),
  reasoning: Schema.Number.annotations({ description: "`completion_tokens_details.reasoning_tokens`." }),
  promptAudio: Schema.Number.annotations({ description: "`prompt_tokens_details.audio_tokens`." }),
  completionAudio: Schema.Number.annotations({ description: "`completion_tokens_details.audio_tokens`." })
}).annotations({ identifier: "CostTokens" })
/**
 * @since 0.1.0
 * @category models
 */
export interface Tokens extends Schema.Schema.Type<typeof Tokens> {}

/**
 * The totals of a set of completions. Amounts are exact decimals in credits, encoded as strings. `cost` sums only
 * the completions that reported one: the `unpriced` others are counted, never taken as zero. Bring-your-own-key
 * charges (`upstreamUpstreamInferenceCost`) are billed to the caller's own provider key and are not part of `cost`.
 *
 * @since 0.1.0
 * @category schemas
 */
export const Totals = Schema.Struct({
  completions: Schema.NonNegativeInt.annotations({ description: "Completions summed." }),
  unpriced: Schema.NonNegativeInt.annotations({ description: "Completions without a reported `usage.cost`." }),
  byok: Schema.NonNegativeInt.annotations({ description: "Completions with `usage.is_byok: true`." }),
  cost: Decimal.DecimalString.annotations({ description: "Sum of `usage.cost`: what was charged, in credits." }),
  upstreamInferenceCost: Decimal.DecimalString.annotations({
    description: "Sum of `usage.cost_details.upstream_inference_cost`, in credits."
  }),
  upstreamUpstreamInferenceCost: Decimal.DecimalString.annotations({
    description:
      "Sum of `usage.cost_details.upstream_upstream_inference_cost`: the provider's own charge behind the upstream, non-zero for bring-your-own-key, in credits."
  }),
  tokens: Tokens
}).annotations({ identifier: "CostTotals" })
/**
 * @since 0.1.0
 * @category models
 */
export interface Totals extends Schema.Schema.Type<typeof Totals> {}

/**
 * The totals of one group. `key` holds one value per grouping, in the order the groupings were given; `null` where
 * a completion has no value for it (no `provider`, say).
 *
 * @since 0.1.0
 * @category schemas
 */
export const Group = Schema.Struct({
  key: Schema.Array(Schema.NullOr(Schema.String)),
  totals: Totals
}).annotations({ identifier: "CostGroup" })
/**
 * @since 0.1.0
 * @category models
 */
export interface Group extends Schema.Schema.Type<typeof Group> {}

/**
 * Totals over all completions and per group, groups sorted by key. Summaries grouped differently should not be
 * merged: their groups would sit side by side.
 *
 * @example
 * ```ts
 * import { Schema } from "effect"
 * import { Cost } from "@objectiveai-effect/analysis"
 *
 * const toJson = Schema.encodeSync(Schema.parseJson(Cost.CostSummary))
 * const fromJson = Schema.decodeUnknownSync(Schema.parseJson(Cost.CostSummary))
 *
 * const json = toJson(Cost.empty)
 * const back = fromJson(json)
 * ```
 *
 * @since 0.1.0
 * @category schemas
 */
export const CostSummary = Schema.Struct({
  total: Totals,
  groups: Schema.Array(Group)
}).annotations({ identifier: "CostSummary" })
/**
 * @since 0.1.0
 * @category models
 */
export interface CostSummary extends Schema.Schema.Type<typeof CostSummary> {}
/**
 * @since 0.1.0
 * @category models
 */
export interface CostSummaryEncoded extends Schema.Schema.Encoded<typeof CostSummary> {}

/**
 * A built-in grouping: the completion's `model`, its `provider`, or the UTC day (`YYYY-MM-DD`) of its `created`.
 *
 * @since 0.1.0
 * @category models
 */
export type Dimension = "model" | "provider" | "day"

/**
 * One grouping: a built-in {@link Dimension}, or a function giving a completion's key (`null` for none).
 *
 * @since 0.1.0
 * @category models
 */
export type GroupBy = Dimension | ((completion: ChatCompletion.ChatCompletion) => string | null)

/**
 * How to group a summary: one grouping, or several combined (one group per distinct combination of values).
 * Without `by`, a summary has only its total.
 *
 * @example
 * ```ts
 * import type { ChatCompletion } from "@objectiveai-effect/domain"
 * import { Cost } from "@objectiveai-effect/analysis"
 *
 * const byModelProviderDay = (completions: ReadonlyArray<ChatCompletion.ChatCompletion>) =>
 *   Cost.summarize(completions, { by: ["model", "provider", "day"] })
 * const byFingerprint = (completions: ReadonlyArray<ChatCompletion.ChatCompletion>) =>
 *   Cost.summarize(completions, { by: (completion) => completion.system_fingerprint ?? null })
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  readonly by?: GroupBy | ReadonlyArray<GroupBy> | undefined
}

const emptyTokens: Tokens = {
  prompt: 0,
  completion: 0,
  cached: 0,
  cacheWrite: 0,
  reasoning: 0,
  promptAudio: 0,
  completionAudio: 0
}

/**
 * The totals of no completions: the identity of {@link mergeTotals}.
 *
 * @since 0.2.0
 * @category constructors
 */
export const emptyTotals: Totals = {
  completions: 0,
  unpriced: 0,
  byok: 0,
  cost: Decimal.zero,
  upstreamInferenceCost: Decimal.zero,
  upstreamUpstreamInferenceCost: Decimal.zero,
  tokens: emptyTokens
}

/**
 * The summary of no completions: the identity of {@link merge}.
 *
 * @since 0.1.0
 * @category constructors
 */
export const empty: CostSummary = { total: emptyTotals, groups: [] }

/**
 * Adds the totals of two sets of completions, amounts exactly. Associative, with {@link emptyTotals} as identity.
 *
 * @since 0.2.0
 * @category combinators
 */
export const mergeTotals: {
  (that: Totals): (self: Totals) => Totals
  (self: Totals, that: Totals): Totals
} = dual(2, (self: Totals, that: Totals): Totals => ({
  completions: self.completions + that.completions,
  unpriced: self.unpriced + that.unpriced,
  byok: self.byok + that.byok,
  cost: Decimal.add(self.cost, that.cost),
  upstreamInferenceCost: Decimal.add(self.upstreamInferenceCost, that.upstreamInferenceCost),
  upstreamUpstreamInferenceCost: Decimal.add(self.upstreamUpstreamInferenceCost, that.upstreamUpstreamInferenceCost),
  tokens: {
    prompt: self.tokens.prompt + that.tokens.prompt,
    completion: self.tokens.completion + that.tokens.completion,
    cached: self.tokens.cached + that.tokens.cached,
    cacheWrite: self.tokens.cacheWrite + that.tokens.cacheWrite,
    reasoning: self.tokens.reasoning + that.tokens.reasoning,
    promptAudio: self.tokens.promptAudio + that.tokens.promptAudio,
    completionAudio: self.tokens.completionAudio + that.tokens.completionAudio
  }
}))

/**
 * The order of group keys: element by element, `null` first, strings by code unit, so that group order never depends
 * on the order completions came in.
 *
 * @since 0.2.0
 * @category orders
 */
export const keyOrder: Order.Order<ReadonlyArray<string | null>> = (self, that) => {
  const length = Math.min(self.length, that.length)
  for (let i = 0; i < length; i++) {
    const a = self[i]
    const b = that[i]
    if (a === b) continue
    if (a === null) return -1
    if (b === null) return 1
    return a < b ? -1 : 1
  }
  return self.length < that.length ? -1 : self.length > that.length ? 1 : 0
}

const secondsPerDay = 86_400

/**
 * How a grouping reads a completion: `raw` is the cheap value the groups are looked up by (the day number, not its
 * text), `label` the key written into the summary, computed once per group.
 */
interface Keyer {
  readonly raw: (completion: ChatCompletion.ChatCompletion) => unknown
  readonly label: (raw: unknown) => string | null
}

const identityLabel = (raw: unknown): string | null => raw as string | null

/**
 * The label of a day counted from the Unix epoch (`Math.floor(created / 86400)` for a UTC day): `YYYY-MM-DD`, or
 * `null` where no date has that number.
 *
 * @since 0.2.0
 * @category rendering
 */
export const dayLabel = (day: number): string | null => {
  const date = new Date(day * secondsPerDay * 1000)
  return Number.isNaN(date.getTime()) ? null : date.toISOString().slice(0, 10)
}

// A fresh keyer per summarize call, so that the day labels it caches (many groups share a day) live only as long.
const dayKeyer = (): Keyer => {
  const labels = new Map<number, string | null>()
  return {
    raw: (completion) => Math.floor(completion.created / secondsPerDay),
    label: (raw) => {
      const day = raw as number
      let label = labels.get(day)
      if (label === undefined) {
        label = dayLabel(day)
        labels.set(day, label)
      }
      return label
    }
  }
}

const keyerOf = (by: GroupBy): Keyer => {
  switch (by) {
    case "model":
      return { raw: (completion) => completion.model, label: identityLabel }
    case "provider":
      return { raw: (completion) => completion.provider ?? null, label: identityLabel }
    case "day":
      return dayKeyer()
    default:
      return { raw: by, label: identityLabel }
  }
}

const keyersOf = (by: Options["by"]): ReadonlyArray<Keyer> =>
  by === undefined ? [] : typeof by === "string" || typeof by === "function" ? [keyerOf(by)] : by.map(keyerOf)

/**
 * The summary of completions. Sums are exact: ten completions of cost `0.1` total exactly `1`.
 *
 * @example
 * ```ts
 * import { BigDecimal, Console, Effect } from "effect"
 * import type { ChatCompletion } from "@objectiveai-effect/domain"
 * import { Cost } from "@objectiveai-effect/analysis"
 *
 * const printCosts = (completions: ReadonlyArray<ChatCompletion.ChatCompletion>) =>
 *   Effect.forEach(Cost.summarize(completions, { by: ["model", "day"] }).groups, ({ key, totals }) =>
 *     Console.log(key.join(" "), BigDecimal.format(totals.cost), `${totals.unpriced} unpriced`))
 * ```
 *
 * @since 0.1.0
 * @category folding
 */
export const summarize = (
  completions: Iterable<ChatCompletion.ChatCompletion>,
  options?: Options
): CostSummary => new Summarizer(options).addAll(completions).summary()

/**
 * The state of one summary being built: mutable, so that adding a completion allocates nothing but its group's first
 * appearance. A summarize call or a sink run owns one; only the summary it ends with is shared.
 */
class Summarizer {
  private readonly table = new TotalsTable()
  private readonly groupings: ReadonlyArray<Keyer>
  // Groups are found through one map per grouping, nested, so that a lookup never builds a compound string key.
  private readonly root = new Map<unknown, unknown>()
  private readonly leaves: Array<{ readonly key: ReadonlyArray<string | null>; readonly row: number }> = []
  private readonly raws: Array<unknown>

  constructor(options: Options | undefined) {
    this.groupings = keyersOf(options?.by)
    this.raws = new Array(this.groupings.length)
    if (this.groupings.length === 0) this.table.addRow()
  }

  addAll(completions: Iterable<ChatCompletion.ChatCompletion>): this {
    const table = this.table
    if (this.groupings.length === 0) {
      for (const completion of completions) table.add(0, completion)
      return this
    }
    const { groupings, raws } = this
    const last = groupings.length - 1
    for (const completion of completions) {
      let node = this.root
      for (let level = 0; level < last; level++) {
        const raw = groupings[level].raw(completion)
        raws[level] = raw
        let next = node.get(raw) as Map<unknown, unknown> | undefined
        if (next === undefined) {
          next = new Map()
          node.set(raw, next)
        }
        node = next
      }
      const raw = groupings[last].raw(completion)
      let row = node.get(raw) as number | undefined
      if (row === undefined) {
        raws[last] = raw
        row = table.addRow()
        node.set(raw, row)
        this.leaves.push({ key: groupings.map((grouping, level) => grouping.label(raws[level])), row })
      }
      table.add(row, completion)
    }
    return this
  }

  summary(): CostSummary {
    if (this.groupings.length === 0) return { total: this.table.totals(0), groups: [] }
    const groups = this.leaves
      .map(({ key, row }): Group => ({ key, totals: this.table.totals(row) }))
      .sort((a, b) => keyOrder(a.key, b.key))
    return { total: this.table.total(), groups }
  }
}

/**
 * The summary of one completion.
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromCompletion = (completion: ChatCompletion.ChatCompletion, options?: Options): CostSummary =>
  summarize([completion], options)

/**
 * Combines two summaries into the summary of both sets of completions: totals add, groups with the same key merge.
 * Associative, with {@link empty} as identity.
 *
 * @example
 * ```ts
 * import type { ChatCompletion } from "@objectiveai-effect/domain"
 * import { Cost } from "@objectiveai-effect/analysis"
 *
 * const options: Cost.Options = { by: "model" }
 * const summarizeShards = (shards: ReadonlyArray<ReadonlyArray<ChatCompletion.ChatCompletion>>) =>
 *   shards.map((shard) => Cost.summarize(shard, options)).reduce(Cost.merge, Cost.empty)
 * ```
 *
 * @since 0.1.0
 * @category combinators
 */
export const merge: {
  (that: CostSummary): (self: CostSummary) => CostSummary
  (self: CostSummary, that: CostSummary): CostSummary
} = dual(2, (self: CostSummary, that: CostSummary): CostSummary => {
  // Both group lists are sorted, so one pass merges them and keeps the result sorted.
  const groups: Array<Group> = []
  let i = 0
  let j = 0
  while (i < self.groups.length && j < that.groups.length) {
    const order = keyOrder(self.groups[i].key, that.groups[j].key)
    if (order < 0) groups.push(self.groups[i++])
    else if (order > 0) groups.push(that.groups[j++])
    else {
      groups.push({ key: self.groups[i].key, totals: mergeTotals(self.groups[i++].totals, that.groups[j++].totals) })
    }
  }
  while (i < self.groups.length) groups.push(self.groups[i++])
  while (j < that.groups.length) groups.push(that.groups[j++])
  return { total: mergeTotals(self.total, that.total), groups }
})

/**
 * Merges any number of summaries.
 *
 * @since 0.1.0
 * @category folding
 */
export const mergeAll = (summaries: Iterable<CostSummary>): CostSummary => {
  let result = empty
  for (const summary of summaries) result = merge(result, summary)
  return result
}

/**
 * The summary of groups totalled elsewhere (by a database, say): groups with the same key merge, the groups are
 * sorted by {@link keyOrder} and the total is their sum, as {@link summarize} would give over the same completions.
 * With `grouped: false` the summary keeps only its total.
 *
 * @example
 * ```ts
 * import { Cost } from "@objectiveai-effect/analysis"
 *
 * const summary = Cost.fromGroups([
 *   { key: ["openai/gpt-4o-mini"], totals: Cost.emptyTotals },
 *   { key: ["anthropic/claude-3.5-sonnet"], totals: Cost.emptyTotals }
 * ])
 * ```
 *
 * @since 0.2.0
 * @category constructors
 */
export const fromGroups = (
  groups: Iterable<Group>,
  options?: { readonly grouped?: boolean | undefined }
): CostSummary => {
  const byKey = new Map<string, Group>()
  let total = emptyTotals
  for (const group of groups) {
    total = mergeTotals(total, group.totals)
    const id = JSON.stringify(group.key)
    const known = byKey.get(id)
    byKey.set(id, known === undefined ? group : { key: known.key, totals: mergeTotals(known.totals, group.totals) })
  }
  return {
    total,
    groups: options?.grouped === false ? [] : Array.from(byKey.values()).sort((a, b) => keyOrder(a.key, b.key))
  }
}

/**
 * A sink that summarizes a stream of completions, however they are chunked, as {@link summarize} would all of them.
 *
 * @example
 * ```ts
 * import { Stream } from "effect"
 * import type { ChatCompletion } from "@objectiveai-effect/domain"
 * import { Cost } from "@objectiveai-effect/analysis"
 *
 * const costByModel = <E, R>(completions: Stream.Stream<ChatCompletion.ChatCompletion, E, R>) =>
 *   Stream.run(completions, Cost.sink({ by: "model" }))
 * ```
 *
 * @since 0.1.0
 * @category sinks
 */
export const sink = (options?: Options): Sink.Sink<CostSummary, ChatCompletion.ChatCompletion> =>
  Sink.suspend(() =>
    Sink.foldLeftChunks(
      new Summarizer(options),
      (summarizer, chunk: Chunk.Chunk<ChatCompletion.ChatCompletion>) => summarizer.addAll(chunk)
    ).pipe(
      Sink.map((summarizer) => summarizer.summary())
    )
  )

/**
 * The exact cost charged for a completion (`usage.cost`), or `None` if it reported none.
 *
 * @since 0.1.0
 * @category getters
 */
export const charged = (completion: ChatCompletion.ChatCompletion): Option.Option<BigDecimal.BigDecimal> => {
  const cost = completion.usage?.cost
  return typeof cost === "number" && Number.isFinite(cost)
    ? Option.some(BigDecimal.normalize(Decimal.fromNumber(cost)))
    : Option.none()
}

/**
 * The exact cost charged for a completion, failing with {@link AnalysisError.UnpricedCompletion} if it reported none.
 *
 * @since 0.1.0
 * @category getters
 */
export const chargedOrFail = (
  completion: ChatCompletion.ChatCompletion
): Effect.Effect<BigDecimal.BigDecimal, AnalysisError.UnpricedCompletion> =>
  Option.match(charged(completion), {
    onNone: () => Effect.fail(new AnalysisError.UnpricedCompletion({ id: completion.id, model: completion.model })),
    onSome: Effect.succeed
  })
