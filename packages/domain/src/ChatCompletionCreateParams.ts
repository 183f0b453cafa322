/**
 * The body of `POST /chat/completions`, checked before anything is sent: the page's types, enums and bounds strictly,
 * with the field path and the rule in every message; `null` in an optional field taken as absent; keys the page does
 * not list sent through unchanged, unless they look like a typo of one it does (`temprature`, `max_token`).
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as JSONSchema from "effect/JSONSchema"
import type * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import { cleanSchema } from "./internal/contract.js"
import { compile, inPlace } from "./internal/inPlace.js"
import type { lenient } from "./internal/request.js"
import { received, strict } from "./internal/request.js"
import * as ParseMessages from "./ParseMessages.js"

/**
 * `response_format` when the output has no particular format.
 *
 * @since 0.1.0
 * @category schemas
 */
export const ResponseFormatText = strict.ResponseFormatText
/**
 * @since 0.1.0
 * @category models
 */
export interface ResponseFormatText extends Schema.Schema.Type<typeof ResponseFormatText> {}

/**
 * `response_format` when the output must be a JSON object.
 *
 * @since 0.1.0
 * @category schemas
 */
export const ResponseFormatJsonObject = strict.ResponseFormatJsonObject
/**
 * @since 0.1.0
 * @category models
 */
export interface ResponseFormatJsonObject extends Schema.Schema.Type<typeof ResponseFormatJsonObject> {}

/**
 * `response_format` when the output must follow a JSON Schema.
 *
 * @since 0.1.0
 * @category schemas
 */
export const ResponseFormatJsonSchema = strict.ResponseFormatJsonSchema
/**
 * @since 0.1.0
 * @category models
 */
export interface ResponseFormatJsonSchema extends Schema.Schema.Type<typeof ResponseFormatJsonSchema> {}

/**
 * The format the model must output, discriminated on `type`.
 *
 * @since 0.1.0
 * @category schemas
 */
export const ResponseFormat = strict.ResponseFormat
/**
 * @since 0.1.0
 * @category models
 */
export type ResponseFormat = Schema.Schema.Type<typeof ResponseFormat>

/**
 * OpenRouter's provider routing preferences.
 *
 * @since 0.1.0
 * @category schemas
 */
export const ProviderPreferences = strict.ProviderPreferences
/**
 * @since 0.1.0
 * @category models
 */
export interface ProviderPreferences extends Schema.Schema.Type<typeof ProviderPreferences> {}

/**
 * OpenRouter's reasoning configuration.
 *
 * @since 0.1.0
 * @category schemas
 */
export const ReasoningConfig = strict.ReasoningConfig
/**
 * @since 0.1.0
 * @category models
 */
export interface ReasoningConfig extends Schema.Schema.Type<typeof ReasoningConfig> {}

/**
 * An OpenRouter plugin: an `id` and whatever settings that plugin takes.
 *
 * @since 0.1.0
 * @category schemas
 */
export const Plugin = strict.Plugin
/**
 * @since 0.1.0
 * @category models
 */
export type Plugin = Schema.Schema.Type<typeof Plugin>

/**
 * Settings of the web search tool.
 *
 * @since 0.1.0
 * @category schemas
 */
export const WebSearchOptions = strict.WebSearchOptions
/**
 * @since 0.1.0
 * @category models
 */
export interface WebSearchOptions extends Schema.Schema.Type<typeof WebSearchOptions> {}

/**
 * The predicted output: a string (as the page says) or `{ type: "content", content }` (as upstream takes it).
 *
 * @since 0.1.0
 * @category schemas
 */
export const Prediction = strict.Prediction
/**
 * @since 0.1.0
 * @category models
 */
export type Prediction = Schema.Schema.Type<typeof Prediction>

/**
 * A sampling seed; integers beyond 2^53 are held exactly as `bigint`.
 *
 * @since 0.1.0
 * @category schemas
 */
export const Seed = strict.Seed
/**
 * @since 0.1.0
 * @category models
 */
export type Seed = Schema.Schema.Type<typeof Seed>

/**
 * The create body, as a caller builds it. Every optional field is `?: T | null` as the API's SDKs and openai-node type
 * it: `null` means absent, passes every check, is kept in the decoded value and is sent as written (the API reads it
 * as absent). A key the page does not list, on any object, is kept and sent unchanged (`user`, `metadata`, `store`),
 * unless it is a likely typo of a key listed for that object (same letters up to case, `_` and `-`, or one edit away,
 * two for keys over ten characters): that fails, naming the key it resembles.
 *
 * @example
 * ```ts
 * import { Schema } from "effect"
 * import { ChatCompletionCreateParams } from "@objectiveai-effect/domain"
 *
 * const params = Schema.decodeUnknownSync(ChatCompletionCreateParams.ChatCompletionCreateParams)({
 *   model: "openai/gpt-4o-mini",
 *   messages: [{ role: "user", content: "Hello" }],
 *   temperature: 0.2,
 *   seed: null,
 *   user: "user-1234"
 * })
 * ```
 *
 * @since 0.1.0
 * @category schemas
 */
export const ChatCompletionCreateParams = strict.ChatCompletionCreateParams
/**
 * @since 0.1.0
 * @category models
 */
export interface ChatCompletionCreateParams extends Schema.Schema.Type<typeof ChatCompletionCreateParams> {}
/**
 * @since 0.1.0
 * @category models
 */
export interface ChatCompletionCreateParamsEncoded extends Schema.Schema.Encoded<typeof ChatCompletionCreateParams> {}

/**
 * The create body as the API itself reads it, for a server that stands in for it: the same checks of the page's
 * types, enums and bounds as {@link ChatCompletionCreateParams}, and `null` as absent, but every key the page does not
 * list is dropped, likely typos included, as the API's deserializer ignores them.
 *
 * @since 0.1.0
 * @category schemas
 */
export const ChatCompletionCreateParamsAsReceived: Schema.Schema<
  ChatCompletionCreateParams,
  ChatCompletionCreateParamsEncoded
> = received.ChatCompletionCreateParams

/**
 * What {@link validate} takes at the type level: a body built as the API's SDKs type it, or a stored request read
 * back (`StoredChatCompletion`'s `request`, whose enums are open); the checks happen at run time.
 *
 * @since 0.1.0
 * @category models
 */
export type ChatCompletionCreateParamsInput =
  | ChatCompletionCreateParamsEncoded
  | Schema.Schema.Type<typeof lenient.ChatCompletionCreateParams>

const decodeAll = { errors: "all" } as const

// A body that is already valid as it stands (the usual case) is checked in place and handed back as it is; anything
// else goes through the full decode, which states every broken rule.
const checkInPlace = compile(ChatCompletionCreateParams.ast)
const validated = checkInPlace === undefined
  ? ChatCompletionCreateParams
  : inPlace(ChatCompletionCreateParams, { decode: checkInPlace, encode: undefined }, {
    title: String(ChatCompletionCreateParams.ast)
  })

/**
 * Checks a create body, failing with every violated rule (field path and rule) rather than the first. A valid body
 * comes back as the very value given (so unknown keys and `null`s are sent as written); a stored request
 * (`StoredChatCompletion`'s `request`) may be passed as it is. A value shown in a message is cut to a few hundred
 * characters (`ParseMessages.bound`).
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { ChatCompletionCreateParams, StoredChatCompletion } from "@objectiveai-effect/domain"
 *
 * const replayedModel = (stored: StoredChatCompletion.StoredChatCompletion) =>
 *   ChatCompletionCreateParams.validate(stored.request).pipe(Effect.map((params) => params.model))
 * ```
 *
 * @since 0.1.0
 * @category parsing
 */
export const validate = (input: unknown): Effect.Effect<ChatCompletionCreateParams, ParseResult.ParseError> =>
  Effect.mapError(decodeValidated(input), ParseMessages.boundError)

const decodeValidated = Schema.decodeUnknown(validated, decodeAll)

/**
 * The draft-07 JSON Schema of the create body, with the page's descriptions and bounds, and no refinement names as
 * titles. Every object allows other properties, as the body does; the typo check has no JSON Schema form.
 *
 * @since 0.1.0
 * @category json schema
 */
export const jsonSchema = (): JSONSchema.JsonSchema7Root => {
  const $defs: Record<string, JSONSchema.JsonSchema7> = {}
  const root = JSONSchema.fromAST(ChatCompletionCreateParams.ast, {
    definitions: $defs,
    additionalPropertiesStrategy: "allow"
  })
  const document = { $schema: "http://json-schema.org/draft-07/schema#", $defs, ...root }
  cleanSchema(document)
  return document
}
