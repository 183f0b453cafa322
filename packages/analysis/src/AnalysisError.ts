/**
 * The errors of the analysis package, as one family: every one carries {@link TypeId}, so {@link isAnalysisError}
 * tells them from another library's error that happens to share a `_tag` (`UnknownTool`, say).
 *
 * @since 0.1.0
 */
import * as Predicate from "effect/Predicate"
import type * as Cost from "./Cost.js"
import type * as LogprobMetrics from "./LogprobMetrics.js"
import type * as ToolCalls from "./ToolCalls.js"

/**
 * The brand every analysis error carries.
 *
 * @since 0.1.0
 * @category type ids
 */
export const TypeId: unique symbol = Symbol.for("@objectiveai-effect/analysis/AnalysisError")

/**
 * @since 0.1.0
 * @category type ids
 */
export type TypeId = typeof TypeId

/**
 * Any error the analysis package fails with or reports.
 *
 * @since 0.1.0
 * @category models
 */
export type AnalysisError = Cost.UnpricedCompletion | LogprobMetrics.NoContentTokens | ToolCalls.ToolCallError

/**
 * Whether a value is one of the analysis package's errors, by its brand rather than its tag.
 *
 * @since 0.1.0
 * @category guards
 */
export const isAnalysisError = (u: unknown): u is AnalysisError => Predicate.hasProperty(u, TypeId)
