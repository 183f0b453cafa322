import * as AiError from "@effect/ai/AiError"
import { ObjectiveAiError, type StreamError } from "@objectiveai-effect/client"
import { Json, ObjectiveAiApi } from "@objectiveai-effect/domain"
import * as Cause from "effect/Cause"
import * as Duration from "effect/Duration"
import * as Option from "effect/Option"

/** What the client can fail with, before or during a stream. */
export type ClientError = ObjectiveAiError.ObjectiveAiError | StreamError.StreamError

const originals = new WeakMap<AiError.AiError, ClientError>()

/** The client error an `AiError` was made from, if it was. */
export const original = (error: AiError.AiError): Option.Option<ClientError> =>
  // An error failed inside a span reaches the caller wrapped in a proxy that carries the span.
  Option.fromNullable(originals.get(Cause.originalError(error)))

const moduleName = "ObjectiveAiLanguageModel"

// What @effect/ai calls the request: the client never shows its base URL or headers (the key is among them), so the
// path stands for the URL and no header is given.
const requestDetails = (method: string, path: string): typeof AiError.HttpRequestDetails.Type => ({
  method: method === "GET" ? "GET" : "POST",
  url: path,
  urlParams: [],
  hash: Option.none(),
  headers: {}
})

const responseHeaders = (error: { readonly requestId?: string | undefined }, retryAfter?: Duration.Duration) => {
  const headers: Record<string, string> = {}
  if (error.requestId !== undefined) headers["x-request-id"] = error.requestId
  if (retryAfter !== undefined) headers["retry-after"] = String(Math.ceil(Duration.toSeconds(retryAfter)))
  return headers
}

// A call that got no answer in time or no answer at all: nothing the server said, a failure of the transport.
const transportFailure = (
  method: string,
  error: ObjectiveAiError.TimeoutError | ObjectiveAiError.TransportError
): AiError.AiError =>
  new AiError.HttpRequestError({
    module: moduleName,
    method,
    reason: "Transport",
    request: requestDetails(error.method, error.path),
    description: error.message,
    cause: error
  })

const make = (method: string, error: ClientError): AiError.AiError => {
  switch (error._tag) {
    case "InvalidRequestError":
      return new AiError.MalformedInput({ module: moduleName, method, description: error.message, cause: error })
    case "BadRequestError":
    case "UnauthorizedError":
    case "InsufficientCreditsError":
    case "ForbiddenError":
    case "NotFoundError":
    case "RateLimitedError":
    case "ServerError":
      return new AiError.HttpResponseError({
        module: moduleName,
        method,
        reason: "StatusCode",
        request: requestDetails(error.method, error.path),
        response: {
          status: error.status ?? ObjectiveAiError.statusOfTag[error._tag],
          headers: responseHeaders(error, error._tag === "RateLimitedError" ? error.retryAfter : undefined)
        },
        ...(error.body === undefined ? {} : { body: Json.stringify(error.body) }),
        description: error.message
      })
    case "TimeoutError":
      return error.timeout === "server"
        ? new AiError.HttpResponseError({
          module: moduleName,
          method,
          reason: "StatusCode",
          request: requestDetails(error.method, error.path),
          response: {
            status: error.status ?? ObjectiveAiError.statusOfTag.TimeoutError,
            headers: responseHeaders(error)
          },
          ...(error.body === undefined ? {} : { body: Json.stringify(error.body) }),
          description: error.message
        })
        : transportFailure(method, error)
    case "TransportError":
      return transportFailure(method, error)
    case "InvalidResponseError":
      return new AiError.HttpResponseError({
        module: moduleName,
        method,
        reason: "Decode",
        request: requestDetails(error.method, error.path),
        response: { status: error.status ?? 200, headers: responseHeaders(error) },
        body: error.bodyText,
        description: error.message
      })
    case "ResponseTooLargeError":
      // The body was abandoned unread past the bound, so there is none to pass on.
      return new AiError.HttpResponseError({
        module: moduleName,
        method,
        reason: "Decode",
        request: requestDetails(error.method, error.path),
        response: { status: error.status, headers: responseHeaders(error) },
        description: error.message
      })
    case "StreamMidstreamError":
      // The response itself was a 200; the status is the one the error event names, when it names one.
      return new AiError.HttpResponseError({
        module: moduleName,
        method,
        reason: "StatusCode",
        request: requestDetails(ObjectiveAiApi.create.method, ObjectiveAiApi.create.path),
        response: { status: error.status ?? 200, headers: {} },
        body: Json.stringify(error.body),
        description: error.message
      })
    case "StreamIdleTimeoutError":
    case "StreamDeadlineError":
    case "StreamTruncatedError":
      return new AiError.HttpRequestError({
        module: moduleName,
        method,
        reason: "Transport",
        request: requestDetails(ObjectiveAiApi.create.method, ObjectiveAiApi.create.path),
        description: error.message,
        cause: error
      })
    case "StreamInvalidChunkError":
    case "StreamEventTooLargeError":
      return new AiError.MalformedOutput({ module: moduleName, method, description: error.message, cause: error })
  }
}

/**
 * The `AiError` for a client error: status, request id (`x-request-id`), retry hint (`retry-after`) and upstream body
 * where the error has them, and the original kept for {@link original}.
 */
export const fromClientError = (method: string) => (error: ClientError): AiError.AiError => {
  const mapped = make(method, error)
  originals.set(mapped, error)
  return mapped
}
