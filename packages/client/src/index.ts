/**
 * A retrying, typed ObjectiveAI HTTP client service on `@effect/platform`'s `HttpClient`.
 *
 * @since 0.1.0
 */

/** @since 0.1.0 */
export * as CallObserver from "./CallObserver.js"

/** @since 0.1.0 */
export * as CallTags from "./CallTags.js"

/** @since 0.1.0 */
export * as ClientConfig from "./ClientConfig.js"

/** @since 0.1.0 */
export * as ObjectiveAiClient from "./ObjectiveAiClient.js"

/** @since 0.1.0 */
export * as ObjectiveAiError from "./ObjectiveAiError.js"

/** @since 0.1.0 */
export * as RetryPolicy from "./RetryPolicy.js"

/** @since 0.1.0 */
export * as StreamError from "./StreamError.js"

/** @since 0.1.0 */
export * as StructuredOutput from "./StructuredOutput.js"

/** @since 0.1.0 */
export * as Telemetry from "./Telemetry.js"
