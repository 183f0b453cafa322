/**
 * The two error bodies the API sends: ObjectiveAI's `{ code, message }` and OpenRouter's `{ error: … }`, the latter in
 * either of its envelopes (`error.code` with `metadata.availability`, or the newer `error.http_status` with
 * `error_type` and `availability` beside it). Either may arrive with any HTTP status, including inside a 200 body or
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
 * @category schemas
 */
export const ObjectiveAiErrorBody = Schema.Struct({
  code: required(Json.JsonWholeNumber, "The HTTP status of the error."),
  message: Json.JsonValue.annotations({ description: "What went wrong; any JSON." })
}).annotations({ identifier: "ObjectiveAiErrorBody", ...preserveUnknownKeys })
/**
 * @since 0.1.0
 * @category models
 */
export interface ObjectiveAiErrorBody extends Schema.Schema.Type<typeof ObjectiveAiErrorBody> {}

/**
 * When a provider expects to be able to serve again.
 *
 * @since 0.1.0
 * @category schemas
 */
export const Availability = Schema.Struct({
  code: nullish(Schema.Union(Json.JsonWholeNumber, Schema.String), "Why the provider is unavailable."),
  retryable: nullish(Schema.Boolean),
  retry_after: nullish(Json.JsonNumber, "Seconds to wait before retrying.")
}).annotations({ identifier: "Availability", ...preserveUnknownKeys })
/**
 * @since 0.1.0
 * @category models
 */
export interface Availability extends Schema.Schema.Type<typeof Availability> {}

/**
 * The `metadata` of an OpenRouter error: the provider's raw body, its name, the error type and availability (where
 * the older envelope puts them), and the earlier attempts' errors (`previous_errors`, in the newer one).
 *
 * @since 0.1.0
 * @category schemas
 */
export const OpenRouterErrorMetadata = Schema.Struct({
  raw: nullish(Json.JsonValue),
  provider_name: nullish(Schema.String),
  error_type: nullish(Schema.String),
  availability: nullish(Availability),
  previous_errors: nullish(
    Schema.Array(Json.JsonValue),
    "The errors of the attempts made before this one, as the gateway reported them."
  )
}).annotations({ identifier: "OpenRouterErrorMetadata", ...preserveUnknownKeys })
/**
 * @since 0.1.0
 * @category models
 */
export interface OpenRouterErrorMetadata extends Schema.Schema.Type<typeof OpenRouterErrorMetadata> {}

/**
 * The inner `error` object of an OpenRouter error; also found on a choice or a streamed chunk. The older envelope
 * names the status in `code`; the newer has no `code` and carries `http_status`, with `error_type` and `availability`
 * here rather than in `metadata`.
 *
 * @since 0.1.0
 * @category schemas
 */
export const OpenRouterError = Schema.Struct({
  code: nullish(Schema.Union(Json.JsonWholeNumber, Schema.String)),
  message: Schema.String,
  http_status: nullish(
    Schema.Union(Json.JsonWholeNumber, Schema.String),
    "The HTTP status of the error (newer envelope)."
  ),
  error_type: nullish(Schema.String),
  availability: nullish(Availability),
  metadata: nullish(OpenRouterErrorMetadata)
}).annotations({ identifier: "OpenRouterError", ...preserveUnknownKeys })
/**
 * @since 0.1.0
 * @category models
 */
export interface OpenRouterError extends Schema.Schema.Type<typeof OpenRouterError> {}

/**
 * OpenRouter's error body.
 *
 * @since 0.1.0
 * @category schemas
 */
export const OpenRouterErrorBody = Schema.Struct({ error: OpenRouterError }).annotations({
  identifier: "OpenRouterErrorBody",
  ...preserveUnknownKeys
})
/**
 * @since 0.1.0
 * @category models
 */
export interface OpenRouterErrorBody extends Schema.Schema.Type<typeof OpenRouterErrorBody> {}

/**
 * Either error body.
 *
 * @since 0.1.0
 * @category schemas
 */
export const ErrorBody = Schema.Union(ObjectiveAiErrorBody, OpenRouterErrorBody).annotations({
  identifier: "ErrorBody"
})
/**
 * @since 0.1.0
 * @category models
 */
export type ErrorBody = Schema.Schema.Type<typeof ErrorBody>

const httpStatus = (value: number | string | null | undefined): number | undefined =>
  typeof value === "number"
    ? Number.isInteger(value) ? value : undefined
    : typeof value === "string" && /^\d{3}$/.test(value)
    ? Number(value)
    : undefined

/**
 * The HTTP status an error body names, if any: ObjectiveAI's `code`, or OpenRouter's `error.http_status` (newer
 * envelope) or numeric `error.code` (older), either as a number or as three digits.
 *
 * @since 0.1.0
 * @category getters
 */
export const status = (body: ErrorBody): number | undefined =>
  "error" in body ? httpStatus(body.error.http_status) ?? httpStatus(body.error.code) : body.code

/**
 * A human-readable line for an error body, whatever shape its message has.
 *
 * @since 0.1.0
 * @category getters
 */
export const message = (body: ErrorBody): string =>
  "error" in body ? body.error.message : typeof body.message === "string" ? body.message : Json.stringify(body.message)

const usableSeconds = (availability: Availability | null | undefined): number | undefined => {
  const after = availability?.retry_after
  return typeof after === "number" && Number.isFinite(after) && after >= 0 ? after : undefined
}

/**
 * The retry hint inside an error body, in seconds, if any: `error.availability.retry_after` (newer envelope) or
 * `error.metadata.availability.retry_after` (older); the longer when both are there.
 *
 * @since 0.1.0
 * @category getters
 */
export const retryAfterSeconds = (body: ErrorBody): number | undefined => {
  if (!("error" in body)) return undefined
  const direct = usableSeconds(body.error.availability)
  const inMetadata = usableSeconds(body.error.metadata?.availability)
  return direct === undefined ? inMetadata : inMetadata === undefined ? direct : Math.max(direct, inMetadata)
}
