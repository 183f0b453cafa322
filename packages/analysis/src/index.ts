/**
 * Analysis of ObjectiveAI completions: exact cost totals, perplexity and logprob metrics, and tool-call extraction,
 * each as plain functions, Effects and Sinks.
 *
 * @since 0.1.0
 */

/** @since 0.1.0 */
export * as AnalysisError from "./AnalysisError.js"

/** @since 0.2.0 */
export * as CallSummary from "./CallSummary.js"

/** @since 0.1.0 */
export * as Cost from "./Cost.js"

/** @since 0.1.0 */
export * as LogprobMetrics from "./LogprobMetrics.js"

/** @since 0.1.0 */
export * as LogprobSummary from "./LogprobSummary.js"

/** @since 0.2.0 */
export * as Report from "./Report.js"

/** @since 0.1.0 */
export * as ToolCalls from "./ToolCalls.js"

/** @since 0.1.0 */
export * as ToolCallSummary from "./ToolCallSummary.js"
