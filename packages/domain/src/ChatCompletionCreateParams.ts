/**
 * The body of `POST /chat/completions`, checked strictly: unknown keys, unknown enum values and values outside the
 * page's bounds fail with a message naming the field path and the rule, before anything is sent.
 *
 * @since 0.1.0
 */
import type * as Effect from "effect/Effect"
import * as JSONSchema from "effect/JSONSchema"
import type * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import { strict } from "./internal/request.js"

/**
 * `response_format` when the output has no particular format.
 *
 * @since 0.1.0
 */
export const ResponseFormatText = strict.ResponseFormatText
/** @since 0.1.0 */
export interface ResponseFormatText extends Schema.Schema.Type<typeof ResponseFormatText> {}

/**
 * `response_format` when the output must be a JSON object.
 *
 * @since 0.1.0
 */
export const ResponseFormatJsonObject = strict.ResponseFormatJsonObject
/** @since 0.1.0 */
export interface ResponseFormatJsonObject extends Schema.Schema.Type<typeof ResponseFormatJsonObject> {}

/**
 * `response_format` when the output must follow a JSON Schema.
 *
 * @since 0.1.0
 */
export const ResponseFormatJsonSchema = strict.ResponseFormatJsonSchema
/** @since 0.1.0 */
export interface ResponseFormatJsonSchema extends Schema.Schema.Type<typeof ResponseFormatJsonSchema> {}

/**
 * The format the model must output, discriminated on `type`.
 *
 * @since 0.1.0
 */
export const ResponseFormat = strict.ResponseFormat
/** @since 0.1.0 */
export type ResponseFormat = Schema.Schema.Type<typeof ResponseFormat>

/**
 * OpenRouter's provider routing preferences.
 *
 * @since 0.1.0
 */
export const ProviderPreferences = strict.ProviderPreferences
/** @since 0.1.0 */
export interface ProviderPreferences extends Schema.Schema.Type<typeof ProviderPreferences> {}

/**
 * OpenRouter's reasoning configuration.
 *
 * @since 0.1.0
 */
export const ReasoningConfig = strict.ReasoningConfig
/** @since 0.1.0 */
export interface ReasoningConfig extends Schema.Schema.Type<typeof ReasoningConfig> {}

/**
 * An OpenRouter plugin: an `id` and whatever settings that plugin takes.
 *
 * @since 0.1.0
 */
export const Plugin = strict.Plugin
/** @since 0.1.0 */
export type Plugin = Schema.Schema.Type<typeof Plugin>

/**
 * Settings of the web search tool.
 *
 * @since 0.1.0
 */
export const WebSearchOptions = strict.WebSearchOptions
/** @since 0.1.0 */
export interface WebSearchOptions extends Schema.Schema.Type<typeof WebSearchOptions> {}

/**
 * The predicted output: a string (as the page says) or `{ type: "content", content }` (as upstream takes it).
 *
 * @since 0.1.0
 */
export const Prediction = strict.Prediction
/** @since 0.1.0 */
export type Prediction = Schema.Schema.Type<typeof Prediction>

/**
 * A sampling seed; integers beyond 2^53 are held exactly as `bigint`.
 *
 * @since 0.1.0
 */
export const Seed = strict.Seed
/** @since 0.1.0 */
export type Seed = Schema.Schema.Type<typeof Seed>

/**
 * The create body, as a caller builds it.
 *
 * @example
 * ```ts
 * import { Schema } from "effect"
 * import { ChatCompletionCreateParams } from "@objectiveai-effect/domain"
 *
 * const params = Schema.decodeUnknownSync(ChatCompletionCreateParams.ChatCompletionCreateParams)({
 *   model: "openai/gpt-4o-mini",
 *   messages: [{ role: "user", content: "Hello" }],
 *   temperature: 0.2
 * })
 * ```
 *
 * @since 0.1.0
 */
export const ChatCompletionCreateParams = strict.ChatCompletionCreateParams
/** @since 0.1.0 */
export interface ChatCompletionCreateParams extends Schema.Schema.Type<typeof ChatCompletionCreateParams> {}
/** @since 0.1.0 */
export interface ChatCompletionCreateParamsEncoded extends Schema.Schema.Encoded<typeof ChatCompletionCreateParams> {}

/**
 * Checks a create body, failing with every violated rule (field path and rule) rather than the first.
 *
 * @since 0.1.0
 */
export const validate: (
  input: unknown
) => Effect.Effect<ChatCompletionCreateParams, ParseResult.ParseError> = Schema.decodeUnknown(
  ChatCompletionCreateParams,
  { errors: "all", onExcessProperty: "error" }
)

/**
 * The draft-07 JSON Schema of the create body, with the page's descriptions and bounds.
 *
 * @since 0.1.0
 */
export const jsonSchema = (): JSONSchema.JsonSchema7Root => JSONSchema.make(ChatCompletionCreateParams)
