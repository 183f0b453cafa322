/**
 * Every request and response of the ObjectiveAI chat-completions API as an Effect Schema.
 *
 * @since 0.1.0
 */

/** @since 0.1.0 */
export * as ChatCompletion from "./ChatCompletion.js"

/** @since 0.1.0 */
export * as ChatCompletionChunk from "./ChatCompletionChunk.js"

/** @since 0.1.0 */
export * as ChatCompletionCreateParams from "./ChatCompletionCreateParams.js"

/** @since 0.1.0 */
export * as ChatCompletionList from "./ChatCompletionList.js"

/** @since 0.1.0 */
export * as ChatCompletionMessage from "./ChatCompletionMessage.js"

/** @since 0.1.0 */
export * as ChatCompletionTool from "./ChatCompletionTool.js"

/** @since 0.1.0 */
export * as CompletionId from "./CompletionId.js"

/** @since 0.1.0 */
export * as CompletionUsage from "./CompletionUsage.js"

/** @since 0.1.0 */
export * as ErrorBody from "./ErrorBody.js"

/** @since 0.1.0 */
export * as Json from "./Json.js"

/** @since 0.1.0 */
export * as Logprobs from "./Logprobs.js"

/** @since 0.1.0 */
export * as ParseMessages from "./ParseMessages.js"

/** @since 0.1.0 */
export * as ObjectiveAiApi from "./ObjectiveAiApi.js"

/** @since 0.1.0 */
export * as StoredChatCompletion from "./StoredChatCompletion.js"

/** @since 0.1.0 */
export * as UrlRedaction from "./UrlRedaction.js"
