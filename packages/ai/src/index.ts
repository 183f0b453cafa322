/**
 * ObjectiveAI in the Effect AI ecosystem: an `@effect/ai` `LanguageModel` provider on the ObjectiveAI client, and the
 * tool loop that runs a toolkit's handlers and sends their results back until the model answers.
 *
 * @since 0.1.0
 */

/** @since 0.1.0 */
export * as ObjectiveAiLanguageModel from "./ObjectiveAiLanguageModel.js"

/** @since 0.1.0 */
export * as ToolLoop from "./ToolLoop.js"
