/**
 * The two error bodies the API sends: ObjectiveAI's `{ code, message }` and OpenRouter's
 * `{ error: { code, message, metadata } }`. Either may arrive with any HTTP status, including inside a 200 body or
 * as a streamed event.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import { nullish, preserveUnknownKeys, required } from "./internal/schema.js"
import * as Json from "./Json.js"

/**
 * ObjectiveAI's error body. `message` is any JSON: often a nested `{ kind, error }` tree wrapping the upstream's
 * error, sometimes a list of attempts.
 *
 * @since 0.1.0
 */
export const ObjectiveAiErrorBody = Schema.Struct({
  code: required(Schema.Number, "The HTTP status of the error."),
  message: Json.JsonValue.annotations({ description: "What went wrong; any JSON." })
}).annotations({ identifier: "ObjectiveAiErrorBody", ...preserveUnknownKeys })
/** @since 0.1.0 */
export interface ObjectiveAiErrorBody extends Schema.Schema.Type<typeof ObjectiveAiErrorBody> {}

/**
 * When a provider expects to be able to serve again.
 *
 * @since 0.1.0
 */
export const Availability = Schema.Struct({
  retryable: nullish(Schema.Boolean),
  retry_after: nullish(Schema.Number, "Seconds to wait before retrying.")
}).annotations({ identifier: "Availability", ...preserveUnknownKeys })
/** @since 0.1.0 */
export interface Availability extends Schema.Schema.Type<typeof Availability> {}

/**
 * The `metadata` of an OpenRouter error: the provider's raw body, its name, the error type and availability.
 *
 * @since 0.1.0
 */
export const OpenRouterErrorMetadata = Schema.Struct({
  raw: nullish(Json.JsonValue),
  provider_name: nullish(Schema.String),
  error_type: nullish(Schema.String),
  availability: nullish(Availability)
}).annotations({ identifier: "OpenRouterErrorMetadata", ...preserveUnknownKeys })
/** @since 0.1.0 */
export interface OpenRouterErrorMetadata extends Schema.Schema.Type<typeof OpenRouterErrorMetadata> {}

/**
 * The inner `error` object of an OpenRouter error; also found on a choice or a streamed chunk.
 *
 * @since 0.1.0
 */
export const OpenRouterError = Schema.Struct({
  code: nullish(Schema.Union(Schema.Number, Schema.String)),
  message: Schema.String,
  metadata: nullish(OpenRouterErrorMetadata)
}).annotations({ identifier: "OpenRouterError", ...preserveUnknownKeys })
/** @since 0.1.0 */
export interface OpenRouterError extends Schema.Schema.Type<typeof OpenRouterError> {}

/**
 * OpenRouter's error body.
 *
 * @since 0.1.0
 */
export const OpenRouterErrorBody = Schema.Struct({ error: OpenRouterError }).annotations({
  identifier: "OpenRouterErrorBody",
  ...preserveUnknownKeys
})
/** @since 0.1.0 */
export interface OpenRouterErrorBody extends Schema.Schema.Type<typeof OpenRouterErrorBody> {}

/**
 * Either error body.
 *
 * @since 0.1.0
 */
export const ErrorBody = Schema.Union(ObjectiveAiErrorBody, OpenRouterErrorBody).annotations({
  identifier: "ErrorBody"
})
/** @since 0.1.0 */
export type ErrorBody = Schema.Schema.Type<typeof ErrorBody>

/**
 * The HTTP status an error body names, if any: ObjectiveAI's `code`, or OpenRouter's numeric `error.code`.
 *
 * @since 0.1.0
 */
export const status = (body: ErrorBody): number | undefined => {
  if ("error" in body) {
    const code = body.error.code
    if (typeof code === "number") return code
    if (typeof code === "string" && /^\d{3}$/.test(code)) return Number(code)
    return undefined
  }
  return body.code
}

/**
 * A human-readable line for an error body, whatever shape its message has.
 *
 * @since 0.1.0
 */
export const message = (body: ErrorBody): string =>
  "error" in body ? body.error.message : typeof body.message === "string" ? body.message : Json.stringify(body.message)

/**
 * The retry hint inside an error body (`metadata.availability.retry_after`, in seconds), if any.
 *
 * @since 0.1.0
 */
export const retryAfterSeconds = (body: ErrorBody): number | undefined => {
  if (!("error" in body)) return undefined
  const after = body.error.metadata?.availability?.retry_after
  return typeof after === "number" && Number.isFinite(after) && after >= 0 ? after : undefined
}
