/**
 * A local ObjectiveAI-compatible chat-completions server on `@effect/platform`'s `HttpServer`, its deterministic
 * built-in generator, the completions it serves, fault injection, and the seeded sample data.
 *
 * @since 0.1.0
 */

/** @since 0.1.0 */
export * as CompletionGenerator from "./CompletionGenerator.js"

/** @since 0.1.0 */
export * as FaultInjection from "./FaultInjection.js"

/** @since 0.1.0 */
export * as LocalServerError from "./LocalServerError.js"

/** @since 0.1.0 */
export * as ObjectiveAiServer from "./ObjectiveAiServer.js"

/** @since 0.1.0 */
export * as SampleData from "./SampleData.js"

/** @since 0.1.0 */
export * as ServedCompletions from "./ServedCompletions.js"
