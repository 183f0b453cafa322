/**
 * Token usage and cost of a completion, with OpenRouter's and ObjectiveAI's additions. Every detail may be absent or
 * `null` on the wire.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import { nullish, preserveUnknownKeys, required } from "./internal/schema.js"
import * as Json from "./Json.js"

const count = (description: string) => nullish(Json.JsonWholeNumber, description)

const credits = (description: string) => nullish(Json.JsonNumber, description)

/**
 * Breakdown of completion tokens.
 *
 * @since 0.1.0
 * @category schemas
 */
export const CompletionTokensDetails = Schema.Struct({
  accepted_prediction_tokens: count("Tokens of the prediction that appeared in the completion."),
  rejected_prediction_tokens: count("Tokens of the prediction that did not appear in the completion."),
  audio_tokens: count("The number of audio tokens generated."),
  reasoning_tokens: count("The number of reasoning tokens generated."),
  image_tokens: count("The number of image tokens generated (OpenRouter).")
}).annotations({ identifier: "CompletionTokensDetails", ...preserveUnknownKeys })
/**
 * @since 0.1.0
 * @category models
 */
export interface CompletionTokensDetails extends Schema.Schema.Type<typeof CompletionTokensDetails> {}

/**
 * Breakdown of prompt tokens.
 *
 * @since 0.1.0
 * @category schemas
 */
export const PromptTokensDetails = Schema.Struct({
  audio_tokens: count("The number of audio tokens in the input prompt."),
  cached_tokens: count("The number of cached tokens in the input prompt."),
  cache_write_tokens: count("The number of prompt tokens written to the cache (OpenRouter)."),
  video_tokens: count("The number of video tokens in the input prompt (OpenRouter)."),
  image_tokens: count("The number of image tokens in the input prompt (OpenRouter).")
}).annotations({ identifier: "PromptTokensDetails", ...preserveUnknownKeys })
/**
 * @since 0.1.0
 * @category models
 */
export interface PromptTokensDetails extends Schema.Schema.Type<typeof PromptTokensDetails> {}

/**
 * Breakdown of the cost by who charged it, in credits (USD).
 *
 * @since 0.1.0
 * @category schemas
 */
export const CostDetails = Schema.Struct({
  upstream_inference_cost: credits("The cost charged by the upstream LLM provider, in Credits."),
  upstream_upstream_inference_cost: credits(
    "The cost charged by the upstream LLM provider's own upstream LLM provider, in Credits (non-zero for bring-your-own-key)."
  ),
  upstream_inference_prompt_cost: credits("The upstream cost of the prompt, in Credits (OpenRouter)."),
  upstream_inference_completions_cost: credits("The upstream cost of the completion, in Credits (OpenRouter).")
}).annotations({ identifier: "CostDetails", ...preserveUnknownKeys })
/**
 * @since 0.1.0
 * @category models
 */
export interface CostDetails extends Schema.Schema.Type<typeof CostDetails> {}

/**
 * Usage statistics of a completion.
 *
 * @since 0.1.0
 * @category schemas
 */
export const CompletionUsage = Schema.Struct({
  completion_tokens: required(Json.JsonWholeNumber, "The number of tokens generated in the completion."),
  prompt_tokens: required(Json.JsonWholeNumber, "The number of tokens in the input prompt."),
  total_tokens: required(Json.JsonWholeNumber, "The total number of tokens used (prompt + completion)."),
  completion_tokens_details: nullish(CompletionTokensDetails),
  prompt_tokens_details: nullish(PromptTokensDetails),
  cost: credits("The cost incurred for this chat completion, in Credits."),
  cost_details: nullish(CostDetails),
  is_byok: nullish(Schema.Boolean, "Whether the request used the caller's own provider key (OpenRouter).")
}).annotations({
  identifier: "CompletionUsage",
  description: "An object containing token usage statistics for the chat completion.",
  ...preserveUnknownKeys
})
/**
 * @since 0.1.0
 * @category models
 */
export interface CompletionUsage extends Schema.Schema.Type<typeof CompletionUsage> {}
