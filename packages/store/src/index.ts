/**
 * A local or shared store of ObjectiveAI chat completions on `@effect/sql`: every figure the report sums derived
 * once when a completion is stored, streamed back by time range, model and provider, and reported exactly in the
 * database engine, on SQLite or PostgreSQL.
 *
 * @since 0.1.0
 */

/** @since 0.2.0 */
export * as CallWriter from "./CallWriter.js"

/** @since 0.1.0 */
export * as CompletionStore from "./CompletionStore.js"

/** @since 0.1.0 */
export * as Database from "./Database.js"

/** @since 0.1.0 */
export * as Import from "./Import.js"

/** @since 0.1.0 */
export * as StoreError from "./StoreError.js"
