/**
 * Getting ObjectiveAI chat completions into a completion store: `Capture`, every call an application makes recorded
 * as it happens, and `Sync`, an incremental, resumable sync from the API through the client. It sits above the store
 * and the client, so that the store depends on no HTTP client.
 *
 * @since 0.1.0
 */

/** @since 0.2.0 */
export * as Capture from "./Capture.js"

/** @since 0.1.0 */
export * as Sync from "./Sync.js"
