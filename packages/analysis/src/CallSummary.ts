/**
 * Calls and their outcomes, by model and by provider: how many were made, how many failed and with which errors, and
 * how many their caller interrupted. Completions say what succeeded; captured calls also say what failed, which is
 * what an error rate needs. A monoid ({@link merge}, {@link empty}) like the package's other summaries.
 *
 * @since 0.2.0
 */
import { dual } from "effect/Function"
import * as Schema from "effect/Schema"

/**
 * One call as the summary counts it: the model and provider it went to (`null` for none known) and its outcome,
 * `Success`, `Interrupted` or the tag of the error that failed it.
 *
 * @since 0.2.0
 * @category models
 */
export interface Call {
  readonly model: string
  readonly provider: string | null
  readonly outcome: string
}

/**
 * The outcome of a call that succeeded.
 *
 * @since 0.2.0
 * @category constants
 */
export const success = "Success"

/**
 * The outcome of a call its caller stopped: neither a success nor a failure.
 *
 * @since 0.2.0
 * @category constants
 */
export const interrupted = "Interrupted"

/**
 * The calls of one model or provider: `failed` of them failed, with how many of each error; `interrupted` were
 * stopped by their caller.
 *
 * @since 0.2.0
 * @category schemas
 */
export const Group = Schema.Struct({
  key: Schema.NullOr(Schema.String),
  calls: Schema.NonNegativeInt,
  failed: Schema.NonNegativeInt,
  interrupted: Schema.NonNegativeInt,
  errors: Schema.Record({ key: Schema.String, value: Schema.NonNegativeInt })
}).annotations({ identifier: "CallGroup" })
/**
 * @since 0.2.0
 * @category models
 */
export interface Group extends Schema.Schema.Type<typeof Group> {}

/**
 * The summary: every call counted once in `total`, and once under its model and once under its provider, groups in
 * key order (`null` last).
 *
 * @since 0.2.0
 * @category schemas
 */
export const CallSummary = Schema.Struct({
  total: Group,
  byModel: Schema.Array(Group),
  byProvider: Schema.Array(Group)
}).annotations({ identifier: "CallSummary" })
/**
 * @since 0.2.0
 * @category models
 */
export interface CallSummary extends Schema.Schema.Type<typeof CallSummary> {}

const emptyGroup = (key: string | null): Group => ({ key, calls: 0, failed: 0, interrupted: 0, errors: {} })

/**
 * The summary of no call: the identity of {@link merge}.
 *
 * @since 0.2.0
 * @category constructors
 */
export const empty: CallSummary = { total: emptyGroup(null), byModel: [], byProvider: [] }

/**
 * The share of calls that failed, from 0 to 1; 0 for no call.
 *
 * @since 0.2.0
 * @category getters
 */
export const errorRate = (group: Group): number => group.calls === 0 ? 0 : group.failed / group.calls

/**
 * A group of `calls` calls, `failed` of them failed with each error as counted in `errors`, and `interrupted`.
 *
 * @since 0.2.0
 * @category constructors
 */
export const group = (
  key: string | null,
  counts: { readonly calls: number; readonly interrupted: number; readonly errors: Readonly<Record<string, number>> }
): Group => ({
  key,
  calls: counts.calls,
  failed: Object.values(counts.errors).reduce((sum, count) => sum + count, 0),
  interrupted: counts.interrupted,
  errors: counts.errors
})

const mergeGroups = (self: Group, that: Group): Group => {
  const errors: Record<string, number> = { ...self.errors }
  for (const [error, count] of Object.entries(that.errors)) errors[error] = (errors[error] ?? 0) + count
  return {
    key: self.key,
    calls: self.calls + that.calls,
    failed: self.failed + that.failed,
    interrupted: self.interrupted + that.interrupted,
    errors: sortedKeys(errors)
  }
}

const sortedKeys = (record: Record<string, number>): Record<string, number> =>
  Object.fromEntries(Object.entries(record).sort(([a], [b]) => a < b ? -1 : a > b ? 1 : 0))

const byKey = (self: Group, that: Group): number =>
  self.key === that.key ? 0 : self.key === null ? 1 : that.key === null ? -1 : self.key < that.key ? -1 : 1

const mergeAll = (self: ReadonlyArray<Group>, that: ReadonlyArray<Group>): ReadonlyArray<Group> => {
  const groups = new Map<string | null, Group>()
  for (const item of [...self, ...that]) {
    const known = groups.get(item.key)
    groups.set(item.key, known === undefined ? { ...item, errors: sortedKeys(item.errors) } : mergeGroups(known, item))
  }
  return Array.from(groups.values()).sort(byKey)
}

/**
 * The summary of groups counted elsewhere (by a database, say), by model and by provider; the total is theirs.
 *
 * @since 0.2.0
 * @category constructors
 */
export const fromGroups = (groups: {
  readonly byModel: ReadonlyArray<Group>
  readonly byProvider: ReadonlyArray<Group>
}): CallSummary => {
  const byModel = mergeAll([], groups.byModel)
  return {
    total: byModel.reduce((total, item) => mergeGroups(total, { ...item, key: null }), emptyGroup(null)),
    byModel,
    byProvider: mergeAll([], groups.byProvider)
  }
}

/**
 * Combines two summaries into the summary of both. Associative, with {@link empty} as identity.
 *
 * @since 0.2.0
 * @category combinators
 */
export const merge: {
  (that: CallSummary): (self: CallSummary) => CallSummary
  (self: CallSummary, that: CallSummary): CallSummary
} = dual(2, (self: CallSummary, that: CallSummary): CallSummary => ({
  total: mergeGroups(self.total, that.total),
  byModel: mergeAll(self.byModel, that.byModel),
  byProvider: mergeAll(self.byProvider, that.byProvider)
}))

/**
 * The summary of calls, counted one by one.
 *
 * @example
 * ```ts
 * import { CallSummary } from "@objectiveai-effect/analysis"
 *
 * const summary = CallSummary.summarize([
 *   { model: "openai/gpt-4o-mini", provider: "OpenAI", outcome: "Success" },
 *   { model: "openai/gpt-4o-mini", provider: null, outcome: "RateLimitedError" }
 * ])
 * console.log(CallSummary.errorRate(summary.total)) // 0.5
 * ```
 *
 * @since 0.2.0
 * @category folding
 */
export const summarize = (calls: Iterable<Call>): CallSummary => {
  const one = (key: string | null, call: Call): Group =>
    group(key, {
      calls: 1,
      interrupted: call.outcome === interrupted ? 1 : 0,
      errors: call.outcome === success || call.outcome === interrupted ? {} : { [call.outcome]: 1 }
    })
  let summary = empty
  for (const call of calls) {
    summary = merge(summary, {
      total: one(null, call),
      byModel: [one(call.model, call)],
      byProvider: [one(call.provider, call)]
    })
  }
  return summary
}
