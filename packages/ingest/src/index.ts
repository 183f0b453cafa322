/**
 * Getting ObjectiveAI chat completions into a completion store: `Sync`, an incremental, resumable sync from the API
 * through the client. It sits above the store and the client, so that the store depends on no HTTP client.
 *
 * @since 0.1.0
 */

/** @since 0.1.0 */
export * as Sync from "./Sync.js"
