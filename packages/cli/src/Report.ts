/**
 * The report over many stored completions: cost totals by model, by provider and by UTC day, the token-weighted
 * logprob summary, the tool calls found, and the ids that failed. A {@link Report} is a Schema and a monoid
 * ({@link merge}, {@link empty}), built from the analysis package's summaries, so {@link collect} folds each
 * retrieved completion into it chunk by chunk and drops it: memory stays flat however many completions there are.
 *
 * @since 0.1.0
 */
import { Cost, LogprobMetrics, LogprobSummary, ToolCallSummary } from "@objectiveai-effect/analysis"
import { ObjectiveAiClient } from "@objectiveai-effect/client"
import type { StoredChatCompletion } from "@objectiveai-effect/domain"
import { CompletionStore, type StoreError } from "@objectiveai-effect/store"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import { dual, identity } from "effect/Function"
import * as Schema from "effect/Schema"
import * as Sink from "effect/Sink"
import * as Stream from "effect/Stream"
import * as CliError from "./CliError.js"

/**
 * An id that could not be retrieved: the client error's tag and a one-line reason.
 *
 * @since 0.1.0
 * @category schemas
 */
export const Failure = Schema.Struct({
  id: Schema.String,
  error: Schema.String,
  reason: Schema.String
}).annotations({ identifier: "ReportFailure" })
/**
 * @since 0.1.0
 * @category models
 */
export interface Failure extends Schema.Schema.Type<typeof Failure> {}

/**
 * Cost summaries of the same completions grouped three ways; each has the same `total`.
 *
 * @since 0.1.0
 * @category schemas
 */
export const CostByDimension = Schema.Struct({
  byModel: Cost.CostSummary,
  byProvider: Cost.CostSummary,
  byDay: Cost.CostSummary
}).annotations({ identifier: "CostByDimension" })
/**
 * @since 0.1.0
 * @category models
 */
export interface CostByDimension extends Schema.Schema.Type<typeof CostByDimension> {}

/**
 * The report: how many ids were retrieved and failed, the analysis summaries of the retrieved completions, and every
 * failed id in the order the ids came.
 *
 * @since 0.1.0
 * @category schemas
 */
export const Report = Schema.Struct({
  completions: Schema.Struct({ retrieved: Schema.NonNegativeInt, failed: Schema.NonNegativeInt }),
  cost: CostByDimension,
  logprobs: LogprobSummary.LogprobSummary,
  toolCalls: ToolCallSummary.ToolCallSummary,
  failures: Schema.Array(Failure)
}).annotations({ identifier: "Report" })
/**
 * @since 0.1.0
 * @category models
 */
export interface Report extends Schema.Schema.Type<typeof Report> {}

/**
 * The report of nothing: the identity of {@link merge}.
 *
 * @since 0.1.0
 * @category constructors
 */
export const empty: Report = {
  completions: { retrieved: 0, failed: 0 },
  cost: { byModel: Cost.empty, byProvider: Cost.empty, byDay: Cost.empty },
  logprobs: LogprobSummary.empty,
  toolCalls: ToolCallSummary.empty,
  failures: []
}

/**
 * Combines the reports of two runs of ids into the report of both, `self`'s ids first. Associative, with
 * {@link empty} as identity.
 *
 * @since 0.1.0
 * @category utils
 */
export const merge: {
  (that: Report): (self: Report) => Report
  (self: Report, that: Report): Report
} = dual(2, (self: Report, that: Report): Report => ({
  completions: {
    retrieved: self.completions.retrieved + that.completions.retrieved,
    failed: self.completions.failed + that.completions.failed
  },
  cost: {
    byModel: Cost.merge(self.cost.byModel, that.cost.byModel),
    byProvider: Cost.merge(self.cost.byProvider, that.cost.byProvider),
    byDay: Cost.merge(self.cost.byDay, that.cost.byDay)
  },
  logprobs: LogprobSummary.merge(self.logprobs, that.logprobs),
  toolCalls: ToolCallSummary.merge(self.toolCalls, that.toolCalls),
  failures: that.failures.length === 0 ? self.failures : [...self.failures, ...that.failures]
}))

/**
 * The report of retrieve results; `baseUrl` is named in the reasons of ids that failed to connect.
 *
 * @since 0.1.0
 * @category utils
 */
export const summarize = (
  results: Iterable<ObjectiveAiClient.RetrieveResult>,
  context: { readonly baseUrl: string }
): Report => {
  const completions: Array<StoredChatCompletion.StoredChatCompletion> = []
  const failures: Array<Failure> = []
  for (const result of results) {
    if (result._tag === "Retrieved") completions.push(result.completion)
    else {
      failures.push({
        id: result.id,
        error: result.error._tag,
        reason: CliError.describe(result.error, { baseUrl: context.baseUrl, id: result.id })
      })
    }
  }
  const responses = completions.map((completion) => completion.response)
  return {
    completions: { retrieved: completions.length, failed: failures.length },
    cost: {
      byModel: Cost.summarize(responses, { by: "model" }),
      byProvider: Cost.summarize(responses, { by: "provider" }),
      byDay: Cost.summarize(responses, { by: "day" })
    },
    logprobs: LogprobSummary.summarize(responses),
    toolCalls: ToolCallSummary.summarize(completions),
    failures
  }
}

/**
 * A sink folding retrieve results into a report, one chunk at a time.
 *
 * @since 0.1.0
 * @category sinks
 */
export const sink = (context: { readonly baseUrl: string }): Sink.Sink<Report, ObjectiveAiClient.RetrieveResult> =>
  Sink.foldLeftChunks(empty, (report, chunk) => merge(report, summarize(chunk, context)))

/**
 * How {@link collect} retrieves.
 *
 * @since 0.1.0
 * @category models
 */
export interface CollectOptions {
  /** The server's base URL, for the messages of failed ids. */
  readonly baseUrl: string
  /** Retrieves in flight at once. */
  readonly concurrency: number
  /** Watches the results as they come (a progress bar, say) before they are folded. */
  readonly observe?:
    | (<E, R>(results: Stream.Stream<ObjectiveAiClient.RetrieveResult, E, R>) => Stream.Stream<
      ObjectiveAiClient.RetrieveResult,
      E,
      R
    >)
    | undefined
}

/**
 * Completions summarized per chunk: large enough that each summarize and merge is worth its cost, small enough that
 * the completions waiting in a chunk stay a few megabytes.
 *
 * @since 0.1.0
 * @category constants
 */
export const chunkSize = 256

/**
 * Retrieves every id through the client (`retrieveMany`, in input order, with the client's retries) and folds the
 * results into a report, never holding more than a chunk of completions. An id that fails is listed in the report;
 * an error that would fail every id (a bad key, no credits, a server that cannot be reached) stops the run with a
 * {@link CliError.CliError} instead.
 *
 * @example
 * ```ts
 * import { Effect, Stream } from "effect"
 * import { Report } from "@objectiveai-effect/cli"
 *
 * const report = (baseUrl: string) => Report.collect(Stream.make("chtcpl-…", "chtcpl-…"), { baseUrl, concurrency: 16 })
 * ```
 *
 * @since 0.1.0
 * @category utils
 */
export const collect = <E, R>(
  ids: Stream.Stream<string, E, R>,
  options: CollectOptions
): Effect.Effect<Report, E | CliError.CliError, R | ObjectiveAiClient.ObjectiveAiClient> =>
  Effect.flatMap(
    ObjectiveAiClient.ObjectiveAiClient,
    (client) =>
      client.retrieveMany(ids, { concurrency: options.concurrency }).pipe(
        Stream.mapEffect((result) =>
          result._tag === "Failed" && CliError.concernsEveryId(result.error)
            ? Effect.fail(CliError.fromClient(result.error, { baseUrl: options.baseUrl }))
            : Effect.succeed(result)
        ),
        options.observe ?? identity,
        Stream.rechunk(chunkSize),
        Stream.run(sink({ baseUrl: options.baseUrl }))
      )
  ).pipe(Effect.withSpan("Report.collect", { attributes: { concurrency: options.concurrency } }))

/**
 * What {@link fromStore} reports on: the store's completions matching `filter`, days in `timeZone` (UTC by default).
 *
 * @since 0.1.0
 * @category models
 */
export interface StoreOptions {
  readonly filter?: CompletionStore.Filter | undefined
  readonly timeZone?: string | undefined
}

/**
 * The report of the completions in a store, without a call to the API: the cost summaries rolled up in SQL (equal
 * to `Cost.summarize` over the same completions), the logprob and tool-call summaries folded from the stored bodies a
 * chunk at a time, and as failures the ids the store's syncs could not retrieve.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Report } from "@objectiveai-effect/cli"
 *
 * const lastWeek = Report.fromStore({ filter: { since: new Date("2025-06-01") }, timeZone: "Europe/Paris" })
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromStore = (
  options: StoreOptions = {}
): Effect.Effect<Report, StoreError.StoreError, CompletionStore.CompletionStore> =>
  Effect.gen(function*() {
    const store = yield* CompletionStore.CompletionStore
    const filter = options.filter ?? {}
    const rollup = (by: "model" | "provider" | "day") => store.rollup({ ...filter, by, timeZone: options.timeZone })
    const [byModel, byProvider, byDay] = yield* Effect.all([rollup("model"), rollup("provider"), rollup("day")])
    // Newest first, as the API lists them: the tool-call problems kept are the first ones in that order.
    const folded = yield* store.stream({ ...filter, order: "newest" }).pipe(
      Stream.rechunk(chunkSize),
      Stream.run(Sink.foldLeftChunks(
        { retrieved: 0, logprobs: LogprobSummary.empty, toolCalls: ToolCallSummary.empty },
        (state, chunk: Chunk.Chunk<StoredChatCompletion.StoredChatCompletion>) => {
          const completions = Chunk.toReadonlyArray(chunk)
          return {
            retrieved: state.retrieved + completions.length,
            logprobs: LogprobSummary.merge(
              state.logprobs,
              LogprobSummary.summarize(completions.map((completion) => completion.response))
            ),
            toolCalls: ToolCallSummary.merge(state.toolCalls, ToolCallSummary.summarize(completions))
          }
        }
      ))
    )
    const failures = (yield* store.failures).map(({ error, id, reason }): Failure => ({ id, error, reason }))
    return {
      completions: { retrieved: folded.retrieved, failed: failures.length },
      cost: { byModel, byProvider, byDay },
      logprobs: folded.logprobs,
      toolCalls: folded.toolCalls,
      failures
    }
  }).pipe(Effect.withSpan("Report.fromStore"))

/**
 * The measures of a logprob section, as the JSON document writes them (`null` where there is no value).
 *
 * @since 0.1.0
 * @category schemas
 */
export const Metrics = Schema.Struct({
  tokens: Schema.NonNegativeInt,
  perplexity: Schema.OptionFromNullOr(Schema.Number),
  jointLogprob: Schema.Number,
  lowestProbability: Schema.OptionFromNullOr(Schema.Number),
  meanEntropy: Schema.OptionFromNullOr(Schema.Number),
  meanMargin: Schema.OptionFromNullOr(Schema.Number),
  placeholders: LogprobMetrics.Placeholders
}).annotations({ identifier: "ReportMetrics" })

/**
 * The JSON document `report --format json` prints: the {@link Report}, with the measures of its content and refusal
 * logprobs (perplexity and the rest) worked out.
 *
 * @since 0.1.0
 * @category schemas
 */
export const Document = Schema.Struct({
  ...Report.fields,
  logprobMetrics: Schema.Struct({ content: Metrics, refusal: Metrics })
}).annotations({ identifier: "ReportDocument" })
/**
 * @since 0.1.0
 * @category models
 */
export interface Document extends Schema.Schema.Type<typeof Document> {}

/**
 * The document of a report.
 *
 * @since 0.1.0
 * @category utils
 */
export const document = (report: Report): Document => ({
  ...report,
  logprobMetrics: {
    content: LogprobSummary.toTokenMetrics(report.logprobs.content),
    refusal: LogprobSummary.toTokenMetrics(report.logprobs.refusal)
  }
})
