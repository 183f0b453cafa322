import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import type { ChatCompletion } from "@objectiveai-effect/domain"
import { ChatCompletionChunk, ErrorBody, Json, ObjectiveAiApi } from "@objectiveai-effect/domain"
import * as Schema from "effect/Schema"
import { randomUUID } from "node:crypto"

/** A status the declaration gives an error body for. */
export type ErrorStatus = ObjectiveAiApi.ApiError["code"]

const encodeError = Schema.encodeSync(ObjectiveAiApi.ApiError)
const encodeOpenRouterError = Schema.encodeSync(ErrorBody.OpenRouterError)

/**
 * The declared error body for `status` as JSON text, for the answers written outside the routes (an unknown route, an
 * unexpected failure, a fault, a request Node refuses, a mid-stream event). The routes fail with the same declared
 * bodies, which `HttpApiBuilder` encodes with these schemas, so both give the same bytes.
 */
export const errorJson = (status: ErrorStatus, message: Json.JsonValue): string =>
  Json.stringify(encodeError({ code: status, message }))

/** A response with the declared error body, its `code` equal to the status. */
export const error = (
  status: ErrorStatus,
  message: Json.JsonValue,
  headers: Record<string, string> = {}
): HttpServerResponse.HttpServerResponse =>
  HttpServerResponse.text(errorJson(status, message), { status, contentType: "application/json", headers })

/** The header every answer carries, each with its own id. */
export const requestIdHeader = "x-request-id"

/** A request id in OpenAI's form, `req_<32 hex>`, unique per request (SDKs show it as `request_id`/`requestID`). */
export const requestId = (): string => `req_${randomUUID().replaceAll("-", "")}`

/** A 200 response whose body is JSON text already written. */
export const json = (body: string): HttpServerResponse.HttpServerResponse =>
  HttpServerResponse.text(body, { contentType: "application/json" })

/** OpenRouter's error object wrapped as the gateway wraps an upstream failure: `{ kind, error: { error } }`. */
const upstream = (error: ErrorBody.OpenRouterError): Json.JsonValue => ({
  kind: "openrouter",
  error: { error: encodeOpenRouterError(error) }
})

/** The upstream error behind a 429. */
export const rateLimited = (retryAfterSeconds: number): ErrorBody.OpenRouterError => ({
  code: 429,
  message: "Rate limit exceeded",
  metadata: { error_type: "rate_limit_exceeded", availability: { retryable: true, retry_after: retryAfterSeconds } }
})

/** The upstream error behind a 5xx, as each status typically reads. */
export const upstreamFailure = (status: number, provider: string | undefined): ErrorBody.OpenRouterError =>
  status === 503
    ? { code: 503, message: "No available providers", metadata: { error_type: "provider_unavailable" } }
    : {
      code: status,
      message: "Provider returned error",
      metadata: {
        error_type: "server",
        ...(provider === undefined ? {} : { provider_name: provider }),
        raw: "upstream connect error or disconnect/reset before headers"
      }
    }

/** ObjectiveAI's error body for an upstream failure. */
export const upstreamError = (status: ErrorStatus, error: ErrorBody.OpenRouterError): Json.JsonValue =>
  status === 500 ? { kind: "internal", error: "internal server error" } : upstream(error)

const encodeChunk = Schema.encodeSync(ChatCompletionChunk.ChatCompletionChunkFromJson)

/** One SSE event carrying a chunk. */
export const chunkEvent = (chunk: ChatCompletionChunk.ChatCompletionChunk): string => `data: ${encodeChunk(chunk)}\n\n`

/** The SSE comment OpenRouter sends while it waits on the provider; clients must skip it. */
export const keepAlive = ": OPENROUTER PROCESSING\n\n"

/** The event that ends a successful stream. */
export const done = "data: [DONE]\n\n"

/** An ObjectiveAI `{ code, message }` error event, the first shape of a mid-stream failure. */
export const objectiveAiErrorEvent = (status: ErrorStatus, error: ErrorBody.OpenRouterError): string =>
  `data: ${errorJson(status, upstream(error))}\n\n`

/**
 * An OpenRouter chunk with a top-level `error` and `finish_reason: "error"` on every choice still open, the second
 * shape of a mid-stream failure.
 */
export const openRouterErrorEvent = (
  completion: ChatCompletion.ChatCompletion,
  error: ErrorBody.OpenRouterError
): string =>
  chunkEvent({
    id: completion.id,
    object: "chat.completion.chunk",
    created: completion.created,
    model: completion.model,
    ...(completion.provider == null ? {} : { provider: completion.provider }),
    error,
    choices: completion.choices.map((choice) => ({
      index: choice.index,
      delta: { content: "" },
      logprobs: null,
      finish_reason: "error",
      native_finish_reason: "error"
    }))
  })
