/**
 * A dashboard of a completion store: analytics endpoints declared with `HttpApi` and answered from the store's
 * engine, and a page of charts served live or written as one self-contained file.
 *
 * @since 0.1.0
 */

/** @since 0.1.0 */
export * as Analytics from "./Analytics.js"

/** @since 0.1.0 */
export * as AnalyticsApi from "./AnalyticsApi.js"

/** @since 0.1.0 */
export * as AnalyticsError from "./AnalyticsError.js"

/** @since 0.1.0 */
export * as DashboardServer from "./DashboardServer.js"

/** @since 0.1.0 */
export * as Page from "./Page.js"
