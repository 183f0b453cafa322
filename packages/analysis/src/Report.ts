/**
 * The report over many stored completions: cost totals by model, by provider and by day, the token-weighted logprob
 * summary, the tool calls found, and the ids that could not be read. A {@link Report} is a Schema and a monoid
 * ({@link merge}, {@link empty}) built from the other summaries of this package, so a stream of completions folds into
 * it a chunk at a time ({@link sink}), and a store that keeps the same figures per completion builds the same report
 * from its database.
 *
 * @since 0.2.0
 */
import type { StoredChatCompletion } from "@objectiveai-effect/domain"
import type * as Chunk from "effect/Chunk"
import { dual } from "effect/Function"
import * as Schema from "effect/Schema"
import * as Sink from "effect/Sink"
import * as CallSummary from "./CallSummary.js"
import * as Cost from "./Cost.js"
import * as LogprobSummary from "./LogprobSummary.js"
import * as ToolCallSummary from "./ToolCallSummary.js"

/**
 * An id that could not be read: the error's tag and a one-line reason.
 *
 * @since 0.2.0
 * @category schemas
 */
export const Failure = Schema.Struct({
  id: Schema.String,
  error: Schema.String,
  reason: Schema.String
}).annotations({ identifier: "ReportFailure" })
/**
 * @since 0.2.0
 * @category models
 */
export interface Failure extends Schema.Schema.Type<typeof Failure> {}

/**
 * The cost summary of completions grouped by the value of one of their calls' tags (`feature`, `user`, …): `null`
 * for the completions whose call had no such tag, or that were not captured.
 *
 * @since 0.2.0
 * @category schemas
 */
export const CostByTag = Schema.Struct({
  key: Schema.String,
  summary: Cost.CostSummary
}).annotations({ identifier: "CostByTag" })
/**
 * @since 0.2.0
 * @category models
 */
export interface CostByTag extends Schema.Schema.Type<typeof CostByTag> {}

/**
 * Cost summaries of the same completions grouped three ways, and by a tag when one was asked for; each has the same
 * `total`.
 *
 * @since 0.2.0
 * @category schemas
 */
export const CostByDimension = Schema.Struct({
  byModel: Cost.CostSummary,
  byProvider: Cost.CostSummary,
  byDay: Cost.CostSummary,
  byTag: Schema.optional(CostByTag)
}).annotations({ identifier: "CostByDimension" })
/**
 * @since 0.2.0
 * @category models
 */
export interface CostByDimension extends Schema.Schema.Type<typeof CostByDimension> {}

/**
 * The report: how many completions were read and how many ids failed, the analysis summaries of the completions,
 * every failed id in the order the ids came, and, for a store that captured calls, the calls and their outcomes.
 *
 * @since 0.2.0
 * @category schemas
 */
export const Report = Schema.Struct({
  completions: Schema.Struct({ retrieved: Schema.NonNegativeInt, failed: Schema.NonNegativeInt }),
  cost: CostByDimension,
  logprobs: LogprobSummary.LogprobSummary,
  toolCalls: ToolCallSummary.ToolCallSummary,
  failures: Schema.Array(Failure),
  calls: Schema.optional(CallSummary.CallSummary)
}).annotations({ identifier: "Report" })
/**
 * @since 0.2.0
 * @category models
 */
export interface Report extends Schema.Schema.Type<typeof Report> {}

/**
 * The report of nothing: the identity of {@link merge}.
 *
 * @since 0.2.0
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
 * Combines the reports of two runs into the report of both, `self`'s completions and ids first. Associative, with
 * {@link empty} as identity.
 *
 * @since 0.2.0
 * @category combinators
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
    byDay: Cost.merge(self.cost.byDay, that.cost.byDay),
    ...optionalMerge("byTag", self.cost.byTag, that.cost.byTag, (a, b) => ({
      key: a.key,
      summary: Cost.merge(a.summary, b.summary)
    }))
  },
  logprobs: LogprobSummary.merge(self.logprobs, that.logprobs),
  toolCalls: ToolCallSummary.merge(self.toolCalls, that.toolCalls),
  failures: that.failures.length === 0 ? self.failures : [...self.failures, ...that.failures],
  ...optionalMerge("calls", self.calls, that.calls, CallSummary.merge)
}))

// A section only some reports have: the merge of both, or the one there is.
const optionalMerge = <K extends string, A>(
  key: K,
  self: A | undefined,
  that: A | undefined,
  f: (self: A, that: A) => A
): { readonly [k in K]?: A } => {
  const merged = self === undefined ? that : that === undefined ? self : f(self, that)
  return (merged === undefined ? {} : { [key]: merged }) as { readonly [k in K]?: A }
}

/**
 * The report of stored completions, in the order given (the tool-call problems kept are the first ones in that
 * order), and of the ids that failed. Days are UTC days.
 *
 * @example
 * ```ts
 * import type { StoredChatCompletion } from "@objectiveai-effect/domain"
 * import { Report } from "@objectiveai-effect/analysis"
 *
 * const costByModel = (stored: ReadonlyArray<StoredChatCompletion.StoredChatCompletion>) =>
 *   Report.summarize(stored).cost.byModel
 * ```
 *
 * @since 0.2.0
 * @category folding
 */
export const summarize = (
  completions: Iterable<StoredChatCompletion.StoredChatCompletion>,
  failures: Iterable<Failure> = []
): Report => {
  const stored = Array.from(completions)
  const failed = Array.from(failures)
  const responses = stored.map((completion) => completion.response)
  return {
    completions: { retrieved: stored.length, failed: failed.length },
    cost: {
      byModel: Cost.summarize(responses, { by: "model" }),
      byProvider: Cost.summarize(responses, { by: "provider" }),
      byDay: Cost.summarize(responses, { by: "day" })
    },
    logprobs: LogprobSummary.summarize(responses),
    toolCalls: ToolCallSummary.summarize(stored),
    failures: failed
  }
}

/**
 * A sink folding stored completions into a report, one chunk at a time, so that memory stays flat however many there
 * are.
 *
 * @example
 * ```ts
 * import { Stream } from "effect"
 * import type { StoredChatCompletion } from "@objectiveai-effect/domain"
 * import { Report } from "@objectiveai-effect/analysis"
 *
 * const reportOf = <E, R>(stored: Stream.Stream<StoredChatCompletion.StoredChatCompletion, E, R>) =>
 *   Stream.run(stored, Report.sink())
 * ```
 *
 * @since 0.2.0
 * @category sinks
 */
export const sink = (): Sink.Sink<Report, StoredChatCompletion.StoredChatCompletion> =>
  Sink.foldLeftChunks(
    empty,
    (report, chunk: Chunk.Chunk<StoredChatCompletion.StoredChatCompletion>) => merge(report, summarize(chunk))
  )
