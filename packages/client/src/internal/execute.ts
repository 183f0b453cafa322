/**
 * The request pipeline every operation goes through: one attempt (send, map a failed status or connection to the
 * typed error family, read the answer), the per-attempt and total timeouts, the retry loop with its hints, the span
 * and the retry logs. An operation only says how to build its request and how to read a 2xx answer; opening a
 * stream is the same pipeline with a reader that hands the response on unread.
 *
 * The retry loop steps the policy's `Schedule` itself rather than handing it to `Effect.retry`, because a retry here
 * decides on more than the schedule sees, and may end with another error than the last one: the wait is the
 * schedule's delay raised to the server's hint, and a hint over `maxRetryAfter`, or a wait that would pass the call's
 * total deadline, ends the call at once with a `RateLimitedError` carrying the hint (the tests "a hint beyond the cap
 * fails at once with RateLimitedError carrying it" and "a hint within the cap that would overrun the total timeout
 * fails at once" in `test/hints.test.ts`). `Effect.retry` ends with the last error as it was; the same decisions on
 * it take the schedule intersected with `Schedule.identity` (to see the failure), `Schedule.delays` with a
 * `checkEffect` reading the clock (to see the wait), and a flag outside the schedule to learn afterwards why it
 * stopped: more code than the loop, around every call, successful ones included.
 */
import type * as Headers from "@effect/platform/Headers"
import type * as HttpClient from "@effect/platform/HttpClient"
import type * as HttpClientError from "@effect/platform/HttpClientError"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import type * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import { ErrorBody, Json, UrlRedaction } from "@objectiveai-effect/domain"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import type * as ParseResult from "effect/ParseResult"
import * as Schedule from "effect/Schedule"
import * as ScheduleDecision from "effect/ScheduleDecision"
import * as ScheduleIntervals from "effect/ScheduleIntervals"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import type { RequestOptions, WithResponse } from "../ObjectiveAiClient.js"
import * as ObjectiveAiError from "../ObjectiveAiError.js"
import * as RetryPolicy from "../RetryPolicy.js"
import * as CallSpan from "./callSpan.js"
import * as Deadline from "./deadline.js"
import { retryAfter as retryAfterOf } from "./hints.js"
import type { Probe } from "./observe.js"
import * as Transport from "./transport.js"

/**
 * The client-wide part of the pipeline: the configured transport (made {@link Deadline.abortable} under the caller's
 * middleware) and the retry policy.
 */
export interface Settings {
  readonly client: HttpClient.HttpClient
  /** The client's retry policy as configured, for a call's own policy to override field by field. */
  readonly policy: Partial<RetryPolicy.RetryPolicy> | undefined
  /** The client's retry policy, read once per client. */
  readonly retries: Retries
  /** The most bytes the client reads of an answer's body, a unary answer or an error body. */
  readonly maxBodySize: number
  /** Why no request may be sent at all (a base URL that is not http or https, an API key no header can carry). */
  readonly refusal: string | undefined
}

// Visible ASCII: what a bearer token is made of, and nothing a header could be split or ended with.
const headerSafeKey = /^[\x21-\x7e]*$/

/** Why an API key cannot be sent, without showing any of it; `undefined` when it can. */
export const keyProblem = (key: string): string | undefined =>
  headerSafeKey.test(key)
    ? undefined
    : "the API key holds a space, a line break or another character an HTTP header cannot carry: check how it was set"

/** A retry policy, read: its defaults filled in, its durations parsed and its backoff made a schedule. */
export interface Retries {
  /** Stepped with each retryable error: the delay before the next attempt, or done. */
  readonly schedule: Schedule.Schedule<unknown, ObjectiveAiError.ObjectiveAiError>
  readonly maxRetryAfter: Duration.Duration
  readonly retryCreate: boolean
}

/**
 * Reads a policy over {@link RetryPolicy.defaults}. A `schedule` takes the place of the default backoff; a
 * `maxAttempts` given beside it still bounds it, while the default one does not.
 */
export const retries = (policy: Partial<RetryPolicy.RetryPolicy> = {}): Retries => {
  const maxAttempts = Math.max(1, Math.floor(policy.maxAttempts ?? RetryPolicy.defaults.maxAttempts))
  const schedule = policy.schedule === undefined
    ? RetryPolicy.backoffSchedule({ ...RetryPolicy.defaults, ...policy, maxAttempts })
    : policy.maxAttempts === undefined
    ? policy.schedule
    : Schedule.intersect(policy.schedule, Schedule.recurs(maxAttempts - 1))
  return {
    schedule,
    maxRetryAfter: Duration.decode(policy.maxRetryAfter ?? RetryPolicy.defaults.maxRetryAfter),
    retryCreate: policy.retryCreate ?? RetryPolicy.defaults.retryCreate
  }
}

/** An endpoint's {@link RetryPolicy.Timeouts}, read once per client rather than on every call. */
export interface Limits {
  readonly attempt: Duration.Duration
  readonly total: Duration.Duration
}

/** Reads timeouts (a duration given as text is parsed) into {@link Limits}. */
export const limits = (timeouts: RetryPolicy.Timeouts): Limits => ({
  attempt: Duration.decode(timeouts.attempt),
  total: Duration.decode(timeouts.total)
})

/** Which request an error or log line is about, and at which attempt. */
export interface Call {
  readonly method: string
  readonly path: string
  readonly attempts: number
}

/** A failed attempt: the error to report if it is the last, and whether and when another attempt may follow. */
export interface Failure {
  readonly error: ObjectiveAiError.ObjectiveAiError
  /**
   * `transient`: worth another attempt if the call is safe to repeat; `neverSent`: worth another attempt whatever
   * the call, since the server never saw it; `never`: the same request would get the same answer.
   */
  readonly retry: "transient" | "neverSent" | "never"
  /** Why, in a few words, for the retry log. */
  readonly reason: string
  /** The server's answer, when there was one, to carry into a `RateLimitedError`. */
  readonly response?: ResponseInfo
  /** How long the server asked to wait. */
  readonly retryAfter?: Duration.Duration
}

/** What an error keeps of the server's answer. */
export interface ResponseInfo {
  readonly status: number
  readonly requestId: string | undefined
  readonly body: ErrorBody.ErrorBody | undefined
}

/** One operation: its request, whether repeating it is harmless, its time limits and how to read a 2xx answer. */
export interface Endpoint<A> {
  /** The span name, such as `ObjectiveAiClient.retrieve`. */
  readonly span: string
  readonly request: HttpClientRequest.HttpClientRequest
  /** The path for spans, errors and logs: the request's URL without base or query. */
  readonly path: string
  /** Whether the server may see the request twice without harm (a GET); a create is not. */
  readonly idempotent: boolean
  readonly timeouts: Limits
  /**
   * Reads the answer. `release` aborts the request: a reader that hands the body on unread gives it to the consumer,
   * to let go of the connection when done with it.
   */
  readonly read: (
    response: HttpClientResponse.HttpClientResponse,
    call: Call,
    release: Effect.Effect<void>
  ) => Effect.Effect<A, Failure>
  /** What the operation adds to its span beyond what every call's carries (a create's GenAI attributes). */
  readonly annotation?: CallSpan.Annotation<A> | undefined
  /** Told the attempts made and when an answer's headers arrived, for a `CallObserver`. */
  readonly probe?: Probe | undefined
}

const retryableStatuses: ReadonlySet<number> = new Set([408, 429, 500, 502, 503, 504])

const requestIdOf = (headers: Headers.Headers): string | undefined => headers["x-request-id"] ?? headers["request-id"]

const decodeErrorBody = Schema.decodeUnknownEither(ErrorBody.ErrorBody)

const parseErrorBody = (text: string): ErrorBody.ErrorBody | undefined => {
  try {
    return Either.getOrUndefined(decodeErrorBody(Json.parse(text)))
  } catch {
    return undefined
  }
}

const tagOfStatus: ReadonlyMap<number, keyof typeof ObjectiveAiError.statusOfTag> = new Map(
  Object.entries(ObjectiveAiError.statusOfTag).map((
    [tag, status]
  ) => [status, tag as keyof typeof ObjectiveAiError.statusOfTag])
)

/** The typed error for a status the server answered with (or an error body named), with its retry class. */
const statusFailure = (call: Call, info: ResponseInfo, retryAfter: Duration.Duration | undefined): Failure => {
  const fields = { ...call, status: info.status, requestId: info.requestId, body: info.body }
  const status = info.status
  const tag = tagOfStatus.get(status) ??
    (status >= 500 || (status >= 200 && status < 300) ? "ServerError" : status >= 400 ? "BadRequestError" : undefined)
  let error: ObjectiveAiError.ObjectiveAiError
  switch (tag) {
    case "UnauthorizedError":
      error = new ObjectiveAiError.UnauthorizedError(fields)
      break
    case "InsufficientCreditsError":
      error = new ObjectiveAiError.InsufficientCreditsError(fields)
      break
    case "ForbiddenError":
      error = new ObjectiveAiError.ForbiddenError(fields)
      break
    case "NotFoundError":
      error = new ObjectiveAiError.NotFoundError(fields)
      break
    case "TimeoutError":
      error = new ObjectiveAiError.TimeoutError({ ...fields, timeout: "server" })
      break
    case "RateLimitedError":
      error = new ObjectiveAiError.RateLimitedError({ ...fields, retryAfter })
      break
    case "ServerError":
      error = new ObjectiveAiError.ServerError(fields)
      break
    case "BadRequestError":
      error = new ObjectiveAiError.BadRequestError(fields)
      break
    case undefined:
      error = new ObjectiveAiError.InvalidResponseError({
        ...fields,
        bodyText: "",
        issue: `unexpected HTTP status ${status}`
      })
  }
  return {
    error,
    retry: retryableStatuses.has(status) ? "transient" : "never",
    reason: `HTTP ${status}`,
    response: info,
    ...(retryAfter === undefined ? {} : { retryAfter })
  }
}

/** A failure for an error body: its status (or the status it names, for a 200) and the hints it carries. */
const errorBodyFailure = (
  call: Call,
  response: HttpClientResponse.HttpClientResponse,
  body: ErrorBody.ErrorBody | undefined
): Effect.Effect<Failure> =>
  Effect.map(Clock.currentTimeMillis, (now) => {
    const named = body === undefined || response.status !== 200 ? undefined : ErrorBody.status(body)
    const info = { status: named ?? response.status, requestId: requestIdOf(response.headers), body }
    return statusFailure(call, info, retryAfterOf(response.headers, body, now))
  })

const plainLength = /^\s*\d+\s*$/

const tooLarge = (
  call: Call,
  response: HttpClientResponse.HttpClientResponse,
  maxBodySize: number,
  contentLength: number | undefined
): Failure => ({
  error: new ObjectiveAiError.ResponseTooLargeError({
    ...call,
    status: response.status,
    requestId: requestIdOf(response.headers),
    maxBodySize,
    contentLength
  }),
  retry: "never",
  reason: "response too large"
})

const utf8 = new TextDecoder()

/** Reads the body as it comes, stopping at the first chunk that takes it past `maxBodySize`. */
const readWithin = (
  call: Call,
  response: HttpClientResponse.HttpClientResponse,
  maxBodySize: number
): Effect.Effect<string, Failure> =>
  Effect.suspend(() => {
    const parts: Array<Uint8Array> = []
    let size = 0
    return response.stream.pipe(
      Stream.runForEachWhile((bytes) =>
        Effect.sync(() => {
          size += bytes.length
          if (size > maxBodySize) return false
          parts.push(bytes)
          return true
        })
      ),
      Effect.mapError((error) => transportFailure(call, error.cause, response.status)),
      Effect.flatMap(() => {
        if (size > maxBodySize) return Effect.fail(tooLarge(call, response, maxBodySize, undefined))
        const whole = new Uint8Array(size)
        let offset = 0
        for (const part of parts) {
          whole.set(part, offset)
          offset += part.length
        }
        return Effect.succeed(utf8.decode(whole))
      })
    )
  })

/**
 * Reads a body whole, as text, unless it is larger than `maxBodySize`: a `content-length` over it fails before a byte
 * is read, and a body without one (or encoded, when the transport decodes it and the length is not the text's) is
 * read chunk by chunk up to it. A body past the limit fails with `ResponseTooLargeError`, and the attempt's failure
 * closes the connection; a connection lost mid-body is a transport failure.
 */
const readBody = (
  call: Call,
  response: HttpClientResponse.HttpClientResponse,
  maxBodySize: number
): Effect.Effect<string, Failure> => {
  // Read once: a transport may build its headers anew on every access.
  const headers = response.headers
  const declared = headers["content-length"]
  const contentLength = declared !== undefined && plainLength.test(declared) ? Number(declared) : undefined
  if (contentLength !== undefined && contentLength > maxBodySize) {
    return Effect.fail(tooLarge(call, response, maxBodySize, contentLength))
  }
  const encoding = headers["content-encoding"]
  // The declared length bounds what the transport reads: the plain whole-body read is safe, and the fastest.
  return contentLength !== undefined && (encoding === undefined || encoding === "identity")
    ? Effect.mapError(response.text, (error) => transportFailure(call, error.cause, response.status))
    : readWithin(call, response, maxBodySize)
}

/**
 * Reads a non-2xx answer's body, as far as it comes, for the error body in it; a body over `maxBodySize` is that
 * failure instead.
 */
const errorResponseFailure = (
  call: Call,
  response: HttpClientResponse.HttpClientResponse,
  maxBodySize: number
): Effect.Effect<Failure> =>
  readBody(call, response, maxBodySize).pipe(
    Effect.matchEffect({
      onFailure: (failure) =>
        failure.error._tag === "ResponseTooLargeError"
          ? Effect.succeed(failure)
          : errorBodyFailure(call, response, undefined),
      onSuccess: (text) => errorBodyFailure(call, response, parseErrorBody(text))
    })
  )

const transportFailure = (call: Call, cause: unknown, status?: number): Failure => {
  const transport = Transport.describe(cause)
  return {
    error: new ObjectiveAiError.TransportError({
      ...call,
      status,
      description: transport.description,
      code: transport.code,
      neverSent: transport.neverSent
    }),
    retry: transport.neverSent ? "neverSent" : "transient",
    reason: transport.code ?? transport.description
  }
}

const httpClientFailure = (
  call: Call,
  error: HttpClientError.HttpClientError,
  maxBodySize: number
): Effect.Effect<Failure> => {
  if (error._tag === "ResponseError") {
    // A transport a caller transformed with `filterStatusOk` reports statuses as errors: map them as ours.
    return error.reason === "StatusCode"
      ? errorResponseFailure(call, error.response, maxBodySize)
      : Effect.succeed(transportFailure(call, error.cause, error.response.status))
  }
  if (error.reason === "Transport") return Effect.succeed(transportFailure(call, error.cause))
  return Effect.succeed({
    error: new ObjectiveAiError.InvalidRequestError({
      ...call,
      attempts: 0,
      issue: error.reason === "InvalidUrl"
        ? `invalid URL ${UrlRedaction.redact(error.request.url)}`
        : "the request body could not be encoded"
    }),
    retry: "never",
    reason: error.reason
  })
}

/**
 * How deeply an answer may nest arrays and objects: far beyond anything the API sends, and far below the depth at
 * which writing it back (to a store, to `--json`) runs out of stack.
 */
export const maxAnswerNesting = 1_000

/**
 * A reader for a JSON answer: the body read whole, up to `maxBodySize` bytes (see {@link readBody}; a connection cut
 * mid-body is a transport failure, retried like one) and decoded from its text by `decode`, which should be a
 * `Json.parseJson` schema's decoder: lossless, and checked in place rather than rebuilt. A 200 body that is only an
 * error body is that error, so that `{ "error": { "code": 503 } }` is retried like a 503. An answer nested deeper
 * than {@link maxAnswerNesting} is an `InvalidResponseError` before it is parsed.
 */
export const readJson =
  <A>(decode: (text: string) => Either.Either<A, ParseResult.ParseError>, maxBodySize: number) =>
  (response: HttpClientResponse.HttpClientResponse, call: Call): Effect.Effect<A, Failure> =>
    Effect.flatMap(
      readBody(call, response, maxBodySize),
      (text) => {
        if (Json.nestingDepth(text, maxAnswerNesting) > maxAnswerNesting) {
          return Effect.fail(
            invalidResponse(call, response, text, `the answer nests deeper than ${maxAnswerNesting} levels`)
          )
        }
        const decoded = decode(text)
        if (Either.isRight(decoded)) return Effect.succeed(decoded.right)
        // Only a failed body is parsed a second time, to see whether it is an error body.
        const body = parseErrorBody(text)
        return body === undefined
          ? Effect.fail(invalidResponse(call, response, text, decoded.left.message))
          : Effect.flip(errorBodyFailure(call, response, body))
      }
    )

const invalidResponse = (
  call: Call,
  response: HttpClientResponse.HttpClientResponse,
  bodyText: string,
  issue: string
): Failure => ({
  error: new ObjectiveAiError.InvalidResponseError({
    ...call,
    status: response.status,
    requestId: requestIdOf(response.headers),
    bodyText,
    issue
  }),
  retry: "never",
  reason: "invalid response"
})

// `status` is this attempt's, when its headers came before the deadline and its body did not.
const timeoutFailure = (
  call: Call,
  status: number | undefined,
  timeout: "attempt" | "total",
  after: Duration.Duration
): Failure => ({
  error: new ObjectiveAiError.TimeoutError({ ...call, status, timeout, after }),
  retry: timeout === "attempt" ? "transient" : "never",
  reason: timeout === "attempt" ? `no answer within ${Duration.format(after)}` : "total timeout"
})

/**
 * Runs an endpoint under the retry policy and its timeouts, in a span named after the operation with its method,
 * path, last status and number of attempts; the value read comes with the status, request id and headers of the
 * answer it was read from. A call's own `options` override the client's policy, the endpoint's timeouts and add
 * headers, for this call only.
 */
export const execute = <A>(
  settings: Settings,
  endpoint: Endpoint<A>,
  options?: RequestOptions
): Effect.Effect<WithResponse<A>, ObjectiveAiError.ObjectiveAiError> =>
  Effect.suspend(() => {
    if (settings.refusal !== undefined) {
      return Effect.fail(
        new ObjectiveAiError.InvalidRequestError({
          method: endpoint.request.method,
          path: endpoint.path,
          attempts: 0,
          issue: settings.refusal
        })
      )
    }
    const policy = options?.retryPolicy === undefined
      ? settings.retries
      : retries({ ...settings.policy, ...options.retryPolicy })
    const timeouts = options?.timeouts === undefined
      ? endpoint.timeouts
      : limits({ ...endpoint.timeouts, ...options.timeouts })
    const request = options?.headers === undefined
      ? endpoint.request
      : HttpClientRequest.setHeaders(endpoint.request, options.headers)
    const method = request.method
    const path = endpoint.path
    const attemptLimit = timeouts.attempt
    const attemptLimitMillis = Duration.toMillis(attemptLimit)
    const totalLimit = timeouts.total
    const retryable = endpoint.idempotent || policy.retryCreate
    let attempts = 0
    let lastStatus: number | undefined
    const probe = endpoint.probe

    // One deadline per attempt, at the attempt's limit or the call's deadline, whichever comes first: the waits
    // between attempts never pass the call's deadline (a retry that would is not made), so this is the whole of the
    // total timeout.
    const attempt = (call: Call, remaining: number): Effect.Effect<WithResponse<A>, Failure> => {
      const total = remaining <= attemptLimitMillis
      let status: number | undefined
      return Deadline.withDeadline(
        (release) =>
          settings.client.execute(request).pipe(
            Effect.catchAll((error) => Effect.flip(httpClientFailure(call, error, settings.maxBodySize))),
            Effect.flatMap((response) => {
              if (probe !== undefined) probe.firstByteAt = probe.clock.unsafeCurrentTimeMillis()
              status = lastStatus = response.status
              return status >= 200 && status < 300
                ? Effect.map(endpoint.read(response, call, release), (value) => {
                  const headers = response.headers
                  return { value, status: response.status, requestId: requestIdOf(headers), headers }
                })
                : Effect.flip(errorResponseFailure(call, response, settings.maxBodySize))
            })
          ),
        total ? remaining : attemptLimitMillis,
        () =>
          total
            ? timeoutFailure(call, status, "total", totalLimit)
            : timeoutFailure(call, status, "attempt", attemptLimit)
      )
    }

    // Fails with the failure's error, or with `RateLimitedError` when the server asked for a wait we will not make.
    const giveUp = (failure: Failure, call: Call, retryAfter: Duration.Duration | undefined) =>
      retryAfter === undefined || failure.response === undefined
        ? Effect.fail(failure.error)
        : Effect.fail(new ObjectiveAiError.RateLimitedError({ ...call, ...failure.response, retryAfter }))

    const loop = (
      deadline: number,
      now: number,
      state: unknown
    ): Effect.Effect<WithResponse<A>, ObjectiveAiError.ObjectiveAiError> => {
      const call: Call = { method, path, attempts: ++attempts }
      if (probe !== undefined) probe.attempts = attempts
      return Effect.catchAll(attempt(call, deadline - now), (failure) => {
        if (!(failure.retry === "neverSent" || (failure.retry === "transient" && retryable))) {
          return Effect.fail(failure.error)
        }
        return Effect.flatMap(Clock.currentTimeMillis, (now) =>
          Effect.flatMap(policy.schedule.step(now, failure.error, state), ([state, _, decision]) => {
            if (ScheduleDecision.isDone(decision)) {
              return Effect.fail(failure.error)
            }
            const retryAfter = failure.retryAfter
            if (retryAfter !== undefined && Duration.greaterThan(retryAfter, policy.maxRetryAfter)) {
              return giveUp(failure, call, retryAfter)
            }
            const planned = Duration.millis(Math.max(0, ScheduleIntervals.start(decision.intervals) - now))
            const delay = retryAfter === undefined ? planned : Duration.max(planned, retryAfter)
            const next = now + Duration.toMillis(delay)
            if (next >= deadline) {
              return giveUp(failure, call, retryAfter)
            }
            return Effect.logDebug(`retrying ${method} ${path} in ${Duration.format(delay)}: ${failure.reason}`).pipe(
              Effect.annotateLogs({
                attempt: call.attempts,
                reason: failure.reason,
                delayMillis: Duration.toMillis(delay)
              }),
              Effect.zipRight(Effect.sleep(delay)),
              Effect.zipRight(loop(deadline, next, state))
            )
          }))
      })
    }

    const spanOptions = {
      kind: "client",
      // The call site would be this module, for every call: not worth a stack trace per request.
      captureStackTrace: false,
      attributes: { "http.request.method": method, "url.path": path }
    } as const
    return Effect.useSpan(endpoint.span, spanOptions, (span) =>
      CallSpan.start(span, endpoint.annotation).pipe(
        Effect.zipRight(Clock.currentTimeMillis),
        Effect.flatMap((start) =>
          loop(start + Duration.toMillis(totalLimit), start, policy.schedule.initial)
        ),
        Effect.withParentSpan(span),
        Effect.onExit((exit) =>
          Effect.zipRight(
            Effect.sync(() => {
              span.attribute("objectiveai.attempts", attempts)
              if (lastStatus !== undefined) span.attribute("http.response.status_code", lastStatus)
              CallSpan.end(span, exit, endpoint.annotation)
            }),
            CallSpan.streamAttempts(attempts)
          )
        )
      ))
  })
