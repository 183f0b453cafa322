import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import type { ChatCompletion } from "@objectiveai-effect/domain"
import { ChatCompletionChunk, ErrorBody, Json } from "@objectiveai-effect/domain"
import * as Schema from "effect/Schema"

const encodeError = Schema.encodeSync(ErrorBody.ObjectiveAiErrorBody)
const encodeOpenRouterError = Schema.encodeSync(ErrorBody.OpenRouterError)

/** ObjectiveAI's error body `{ code, message }` as JSON text. */
const errorJson = (status: number, message: Json.JsonValue): string =>
  Json.stringify(encodeError({ code: status, message }))

/** A response with ObjectiveAI's error body, its `code` equal to the status. */
export const error = (
  status: number,
  message: Json.JsonValue,
  headers: Record<string, string> = {}
): HttpServerResponse.HttpServerResponse =>
  HttpServerResponse.text(errorJson(status, message), { status, contentType: "application/json", headers })

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
export const upstreamError = (status: number, error: ErrorBody.OpenRouterError): Json.JsonValue =>
  status === 500 ? { kind: "internal", error: "internal server error" } : upstream(error)

const encodeChunk = Schema.encodeSync(ChatCompletionChunk.ChatCompletionChunkFromJson)

/** One SSE event carrying a chunk. */
export const chunkEvent = (chunk: ChatCompletionChunk.ChatCompletionChunk): string => `data: ${encodeChunk(chunk)}\n\n`

/** The SSE comment OpenRouter sends while it waits on the provider; clients must skip it. */
export const keepAlive = ": OPENROUTER PROCESSING\n\n"

/** The event that ends a successful stream. */
export const done = "data: [DONE]\n\n"

/** An ObjectiveAI `{ code, message }` error event, the first shape of a mid-stream failure. */
export const objectiveAiErrorEvent = (status: number, error: ErrorBody.OpenRouterError): string =>
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
