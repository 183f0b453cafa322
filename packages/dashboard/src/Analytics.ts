/**
 * The answers of the analytics endpoints, computed from a completion store: every figure summed by the store's engine
 * (whole quarter hours from its rollup table, the ends of a range from its figures), none by reading bodies, so that
 * each answer over a million completions takes a fraction of a second. `DashboardServer` serves them and `Page`
 * inlines them into a report file.
 *
 * @example
 * ```ts
 * import { Analytics } from "@objectiveai-effect/dashboard"
 * import { CompletionStore, Database } from "@objectiveai-effect/store"
 * import { Console, Effect, Layer } from "effect"
 *
 * const program = Effect.gen(function*() {
 *   const analytics = yield* Analytics.Analytics
 *   const cost = yield* analytics.cost({ by: "model", timeZone: "Europe/Paris" })
 *   yield* Console.log(cost.days, cost.series.map((series) => series.key))
 * }).pipe(
 *   Effect.provide(Analytics.layer.pipe(Layer.provide(CompletionStore.layer(Database.fromString(":memory:")))))
 * )
 *
 * Effect.runPromise(program)
 * ```
 *
 * @since 0.1.0
 */
import { type CallSummary, Cost, LogprobSummary, type ToolCallSummary } from "@objectiveai-effect/analysis"
import { CompletionStore, type StoreError } from "@objectiveai-effect/store"
import * as BigDecimal from "effect/BigDecimal"
import * as Cache from "effect/Cache"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as AnalyticsApi from "./AnalyticsApi.js"
import * as AnalyticsError from "./AnalyticsError.js"

/**
 * The operations, one per endpoint of `AnalyticsApi`.
 *
 * @since 0.1.0
 * @category models
 */
export interface Service {
  readonly overview: Effect.Effect<AnalyticsApi.Overview, AnalyticsError.StoreFailed>
  readonly cost: (
    filter: AnalyticsApi.Filter & { readonly by: AnalyticsApi.GroupBy }
  ) => Effect.Effect<AnalyticsApi.CostOverTime, Failed>
  readonly tokens: (filter: AnalyticsApi.Filter) => Effect.Effect<AnalyticsApi.TokensOverTime, Failed>
  readonly costTable: (filter: AnalyticsApi.Filter) => Effect.Effect<AnalyticsApi.CostTable, Failed>
  readonly logprobs: (filter: AnalyticsApi.Filter) => Effect.Effect<AnalyticsApi.LogprobsOverTime, Failed>
  readonly toolCalls: (filter: AnalyticsApi.Filter) => Effect.Effect<ToolCallSummary.ToolCallSummary, Failed>
  readonly failures: (filter: AnalyticsApi.Filter) => Effect.Effect<AnalyticsApi.Failures, Failed>
  readonly expensive: (
    filter: AnalyticsApi.Filter & { readonly limit?: number | undefined }
  ) => Effect.Effect<ReadonlyArray<AnalyticsApi.Expensive>, Failed>
  /** The stored completion's exact JSON text, `{ request, response }` as the API sent it. */
  readonly completion: (
    id: string
  ) => Effect.Effect<string, AnalyticsError.CompletionNotFound | AnalyticsError.StoreFailed>
}

/**
 * How a filtered answer fails: a filter the store cannot apply, or a store that failed.
 *
 * @since 0.1.0
 * @category errors
 */
export type Failed = AnalyticsError.InvalidFilter | AnalyticsError.StoreFailed

/**
 * The service tag.
 *
 * @since 0.1.0
 * @category tags
 */
export class Analytics extends Context.Tag("@objectiveai-effect/dashboard/Analytics")<Analytics, Service>() {}

/**
 * The store's filter of an analytics filter.
 *
 * @since 0.1.0
 * @category constructors
 */
export const storeOptions = (filter: AnalyticsApi.Filter): CompletionStore.Filter => ({
  since: filter.since,
  until: filter.until,
  models: filter.model,
  providers: filter.provider,
  tags: filter.tag === undefined ? undefined : AnalyticsApi.tagsByKey(filter.tag)
})

const fromStore = (error: StoreError.StoreError): Failed =>
  error._tag === "UnknownTimeZone"
    ? new AnalyticsError.InvalidFilter({ message: error.message })
    : new AnalyticsError.StoreFailed({ message: error.message })

const millisPerDay = 86_400_000

/** Every day from the first to the last label, so that a chart's gaps are days with nothing. */
const daysBetween = (labels: Iterable<string | null>): ReadonlyArray<string> => {
  const numbers = Array.from(labels, (label) => label === null ? Number.NaN : Date.parse(label) / millisPerDay)
    .filter((day) => !Number.isNaN(day))
  if (numbers.length === 0) return []
  const first = Math.min(...numbers)
  const last = Math.max(...numbers)
  return Array.from({ length: last - first + 1 }, (_, i) => Cost.dayLabel(first + i)!)
}

/** The values of a day-keyed map on each day, `empty` on a day without one. */
const onDays = <A>(days: ReadonlyArray<string>, values: ReadonlyMap<string, A>, empty: A): Array<A> =>
  days.map((day) => values.get(day) ?? empty)

const orNull = <A>(option: Option.Option<A>): A | null => Option.getOrNull(option)

const measuresOf = (summary: LogprobSummary.LogprobSummary): AnalyticsApi.Measures => {
  const metrics = LogprobSummary.toTokenMetrics(summary.content)
  return {
    tokens: metrics.tokens,
    perplexity: orNull(metrics.perplexity),
    meanEntropy: orNull(metrics.meanEntropy),
    meanMargin: orNull(metrics.meanMargin),
    lowestProbability: orNull(metrics.lowestProbability)
  }
}

const rateOf = (completions: number, failed: number): number =>
  completions + failed === 0 ? 0 : failed / (completions + failed)

// One scan serves every chart of a filter: the figures by day, model and provider.
const dimensions: ReadonlyArray<Cost.Dimension> = ["day", "model", "provider"]

/**
 * How long the figures of one filter are kept for the requests that follow: a page asks for every chart of a filter
 * at once, and the eight answers share one scan of the store.
 *
 * @since 0.1.0
 * @category constants
 */
export const figuresTimeToLive: Duration.Duration = Duration.seconds(2)

// The cache key of a filter and the dimensions scanned: its fields as JSON, read back by `optionsOfKey`.
const keyOf = (filter: AnalyticsApi.Filter, by: ReadonlyArray<CompletionStore.Dimension>): string =>
  JSON.stringify([
    filter.since?.getTime() ?? null,
    filter.until?.getTime() ?? null,
    filter.model ?? null,
    filter.provider ?? null,
    filter.timeZone ?? null,
    filter.tag === undefined ? null : AnalyticsApi.tagsByKey([...filter.tag].sort()),
    by
  ])

const optionsOfKey = (key: string): CompletionStore.RollupOptions => {
  const [since, until, models, providers, timeZone, tags, by] = JSON.parse(key) as [
    number | null,
    number | null,
    Array<string> | null,
    Array<string> | null,
    string | null,
    Record<string, Array<string>> | null,
    Array<CompletionStore.Dimension>
  ]
  return {
    since: since === null ? undefined : new Date(since),
    until: until === null ? undefined : new Date(until),
    models: models ?? undefined,
    providers: providers ?? undefined,
    tags: tags ?? undefined,
    timeZone: timeZone ?? undefined,
    by
  }
}

/** The cost totals of the groups, keyed by the dimensions at `at` (positions in `dimensions`). */
const costBy = (groups: ReadonlyArray<Cost.Group>, at: ReadonlyArray<number>): Cost.CostSummary =>
  once(
    groups,
    `cost:${at.join()}`,
    () => Cost.fromGroups(groups.map((group) => ({ key: at.map((i) => group.key[i]), totals: group.totals })))
  )

// What is worked out of one scan's groups, kept with them: the endpoints of a filter share a scan, and several of them
// need the same totals (by model: the cost chart, the cost table, the failures and the overview).
const worked = new WeakMap<ReadonlyArray<Cost.Group>, Map<string, unknown>>()

const once = <A>(groups: ReadonlyArray<Cost.Group>, name: string, work: () => A): A => {
  let known = worked.get(groups)
  if (known === undefined) {
    known = new Map()
    worked.set(groups, known)
  }
  if (!known.has(name)) known.set(name, work())
  return known.get(name) as A
}

/** The logprob summaries of the groups, merged by the dimensions at `at`, in key order. */
const logprobsBy = (
  groups: ReadonlyArray<CompletionStore.FigureGroup>,
  at: ReadonlyArray<number>
): ReadonlyArray<{ readonly key: ReadonlyArray<string | null>; readonly summary: LogprobSummary.LogprobSummary }> =>
  once(groups, `logprobs:${at.join()}`, () => mergeLogprobs(groups, at))

const mergeLogprobs = (groups: ReadonlyArray<CompletionStore.FigureGroup>, at: ReadonlyArray<number>) => {
  const merged = new Map<string, { key: ReadonlyArray<string | null>; summary: LogprobSummary.LogprobSummary }>()
  for (const group of groups) {
    const key = at.map((i) => group.key[i])
    const id = JSON.stringify(key)
    const known = merged.get(id)
    merged.set(id, {
      key,
      summary: known === undefined ? group.logprobs : LogprobSummary.merge(known.summary, group.logprobs)
    })
  }
  return Array.from(merged.values()).sort((self, that) => Cost.keyOrder(self.key, that.key))
}

const keysAt = (summary: Cost.CostSummary): ReadonlyArray<string> =>
  summary.groups.flatMap((group) => group.key[0] === null ? [] : [group.key[0]])

/**
 * Builds the service on a store.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make: Effect.Effect<Service, never, CompletionStore.CompletionStore> = Effect.gen(function*() {
  const store = yield* CompletionStore.CompletionStore
  const scans = yield* Cache.make({
    capacity: 64,
    timeToLive: figuresTimeToLive,
    lookup: (key: string) => store.figures(optionsOfKey(key))
  })
  const figuresOf = (filter: AnalyticsApi.Filter) => Effect.mapError(scans.get(keyOf(filter, dimensions)), fromStore)
  // By day and a tag, the cost totals only: the store sums them from its rollup by tag, where the logprobs of the
  // completions without the tag would need their rows.
  const costScans = yield* Cache.make({
    capacity: 64,
    timeToLive: figuresTimeToLive,
    lookup: (key: string) => Effect.map(store.rollup(optionsOfKey(key)), (summary) => summary.groups)
  })
  const costsByTag = (filter: AnalyticsApi.Filter, by: CompletionStore.TagDimension) =>
    Effect.mapError(costScans.get(keyOf(filter, ["day", by])), fromStore)

  const overview: Service["overview"] = Effect.all({
    groups: figuresOf({}),
    tags: store.tagValues
  }).pipe(
    Effect.map(({ groups, tags }): AnalyticsApi.Overview => {
      const days = daysBetween(groups.map((group) => group.key[0]))
      return {
        completions: costBy(groups, []).total.completions,
        first: days.length === 0 ? null : Date.parse(days[0]) / 1000,
        last: days.length === 0 ? null : Date.parse(days[days.length - 1]) / 1000 + 86_399,
        models: keysAt(costBy(groups, [1])),
        providers: keysAt(costBy(groups, [2])),
        tags
      }
    }),
    Effect.mapError((error) => new AnalyticsError.StoreFailed({ message: error.message })),
    Effect.withSpan("Analytics.overview")
  )

  // By a tag, a scan of its own, by day and that tag; by model or provider, the scan every chart shares.
  const cost: Service["cost"] = (filter) =>
    (CompletionStore.isTagDimension(filter.by) ? costsByTag(filter, filter.by) : figuresOf(filter)).pipe(
      Effect.map((groups: ReadonlyArray<Cost.Group>): AnalyticsApi.CostOverTime => {
        const days = daysBetween(groups.map((group) => group.key[0]))
        const at = filter.by === "provider" ? 2 : 1
        // Each series' days and total cost in one pass over the groups (by a tag, 10,714 groups of a day and a user to
        // 1,000 series in the benchmark's store), rather than two summaries of them, by key and by key and day, each
        // sorted.
        const byKey = new Map<string | null, { total: BigDecimal.BigDecimal; byDay: Map<string, Cost.Totals> }>()
        for (const group of groups) {
          const key = group.key[at]
          let series = byKey.get(key)
          if (series === undefined) {
            series = { total: BigDecimal.fromBigInt(0n), byDay: new Map() }
            byKey.set(key, series)
          }
          series.total = BigDecimal.sum(series.total, group.totals.cost)
          const day = group.key[0] ?? ""
          const known = series.byDay.get(day)
          series.byDay.set(day, known === undefined ? group.totals : Cost.mergeTotals(known, group.totals))
        }
        const series = Array.from(byKey, ([key, { byDay, total }]) => ({ key, total, byDay }))
          .sort((self, that) => BigDecimal.Order(that.total, self.total) || Cost.keyOrder([self.key], [that.key]))
        return {
          by: filter.by,
          days,
          series: series.map(({ byDay, key }) => {
            const values = onDays(days, byDay, Cost.emptyTotals)
            return {
              key,
              cost: values.map((total) => BigDecimal.format(total.cost)),
              completions: values.map((total) => total.completions)
            }
          })
        }
      }),
      Effect.withSpan("Analytics.cost")
    )

  const tokens: Service["tokens"] = (filter) =>
    figuresOf(filter).pipe(
      Effect.map((groups): AnalyticsApi.TokensOverTime => {
        const days = daysBetween(groups.map((group) => group.key[0]))
        const byDay = new Map(costBy(groups, [0]).groups.map((group) => [group.key[0] ?? "", group.totals.tokens]))
        const totals = onDays(days, byDay, Cost.emptyTotals.tokens)
        return {
          days,
          prompt: totals.map((total) => total.prompt),
          completion: totals.map((total) => total.completion),
          reasoning: totals.map((total) => total.reasoning),
          cached: totals.map((total) => total.cached)
        }
      }),
      Effect.withSpan("Analytics.tokens")
    )

  const costTable: Service["costTable"] = (filter) =>
    figuresOf(filter).pipe(
      Effect.map((groups): AnalyticsApi.CostTable => ({
        byModel: costBy(groups, [1]),
        byProvider: costBy(groups, [2])
      })),
      Effect.withSpan("Analytics.costTable")
    )

  const logprobs: Service["logprobs"] = (filter) =>
    figuresOf(filter).pipe(
      Effect.map((groups): AnalyticsApi.LogprobsOverTime => {
        const days = daysBetween(groups.map((group) => group.key[0]))
        const perModel = new Map<string | null, Map<string, AnalyticsApi.Measures>>()
        for (const { key: [model, day], summary } of logprobsBy(groups, [1, 0])) {
          if (day === null) continue
          let values = perModel.get(model)
          if (values === undefined) {
            values = new Map()
            perModel.set(model, values)
          }
          values.set(day, measuresOf(summary))
        }
        const none = measuresOf(LogprobSummary.empty)
        return {
          days,
          total: measuresOf(logprobsBy(groups, [])[0]?.summary ?? LogprobSummary.empty),
          models: logprobsBy(groups, [1]).flatMap(({ key: [model], summary }) => {
            if (model === null) return []
            const values = onDays(days, perModel.get(model) ?? new Map(), none)
            return [{
              model,
              total: measuresOf(summary),
              perplexity: values.map((measures) => measures.perplexity),
              meanEntropy: values.map((measures) => measures.meanEntropy),
              meanMargin: values.map((measures) => measures.meanMargin),
              lowestProbability: values.map((measures) => measures.lowestProbability)
            }]
          })
        }
      }),
      Effect.withSpan("Analytics.logprobs")
    )

  const toolCalls: Service["toolCalls"] = (filter) =>
    store.toolCalls(storeOptions(filter)).pipe(Effect.mapError(fromStore), Effect.withSpan("Analytics.toolCalls"))

  // Two kinds of failure: the ids the store's syncs could not retrieve, which carry no model, provider or tag (so they
  // count only in the totals of a filter without tags), and the captured calls that failed, by model and provider.
  const failures: Service["failures"] = (filter) =>
    Effect.all({
      groups: figuresOf(filter),
      synced: Effect.mapError(store.failures, fromStore),
      calls: Effect.mapError(store.calls(storeOptions(filter)), fromStore)
    }).pipe(
      Effect.map(({ calls, groups, synced }): AnalyticsApi.Failures => {
        const failed = filter.tag === undefined || filter.tag.length === 0 ? synced : []
        const byError = new Map<string, number>()
        for (const failure of failed) byError.set(failure.error, (byError.get(failure.error) ?? 0) + 1)
        for (const [error, count] of Object.entries(calls.total.errors)) {
          byError.set(error, (byError.get(error) ?? 0) + count)
        }
        const rates = (summary: Cost.CostSummary, captured: ReadonlyArray<CallSummary.Group>) => {
          const failedOf = new Map(captured.map((group) => [group.key, group.failed]))
          const completionsOf = new Map(summary.groups.map((group) => [group.key[0], group.totals.completions]))
          // The summary's order, then the keys of calls that only failed.
          const keys = new Set([...completionsOf.keys(), ...failedOf.keys()])
          return Array.from(keys, (key) => {
            const completions = completionsOf.get(key) ?? 0
            const failed = failedOf.get(key) ?? 0
            return { key, completions, failed, rate: rateOf(completions, failed) }
          })
        }
        const completions = costBy(groups, []).total.completions
        const total = failed.length + calls.total.failed
        return {
          completions,
          failed: total,
          rate: rateOf(completions, total),
          byError: Array.from(byError, ([error, count]) => ({ error, failed: count }))
            .sort((self, that) => that.failed - self.failed || (self.error < that.error ? -1 : 1)),
          byModel: rates(costBy(groups, [1]), calls.byModel),
          byProvider: rates(costBy(groups, [2]), calls.byProvider),
          failures: failed.slice(0, AnalyticsApi.failuresListed)
        }
      }),
      Effect.withSpan("Analytics.failures")
    )

  const expensive: Service["expensive"] = (filter) =>
    store.mostExpensive({ ...storeOptions(filter), limit: filter.limit }).pipe(
      Effect.map((rows) => rows.map((row) => ({ ...row, cost: BigDecimal.format(row.cost) }))),
      Effect.mapError(fromStore),
      Effect.withSpan("Analytics.expensive")
    )

  const completion: Service["completion"] = (id) =>
    store.body(id).pipe(
      Effect.mapError((error) => new AnalyticsError.StoreFailed({ message: error.message })),
      Effect.flatMap(Option.match({
        onNone: () => Effect.fail(new AnalyticsError.CompletionNotFound({ id })),
        onSome: (stored) => Effect.succeed(stored.body)
      })),
      Effect.withSpan("Analytics.completion")
    )

  return Analytics.of({ overview, cost, tokens, costTable, logprobs, toolCalls, failures, expensive, completion })
})

/**
 * The service on the store in context.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<Analytics, never, CompletionStore.CompletionStore> = Layer.effect(Analytics, make)
