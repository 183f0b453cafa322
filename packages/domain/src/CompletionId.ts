/**
 * The id of a chat completion: an opaque, non-empty string such as `chtcpl-<32 hex>-<unix seconds>`,
 * OpenRouter's `gen-…` or OpenAI's `chatcmpl-…`.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"

/**
 * A branded completion id.
 *
 * @since 0.1.0
 * @category schemas
 */
export const CompletionId = Schema.NonEmptyString.pipe(Schema.brand("CompletionId")).annotations({
  identifier: "CompletionId",
  // A failed refinement states its description as the rule ("Expected a non-empty completion id, actual \"\""), so
  // the description is the rule; the page's wording sits on the `id` fields.
  description: "a non-empty completion id"
})

/**
 * @since 0.1.0
 * @category models
 */
export type CompletionId = typeof CompletionId.Type

/**
 * Brands a string as a completion id, throwing on the empty string.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (id: string): CompletionId => CompletionId.make(id)
