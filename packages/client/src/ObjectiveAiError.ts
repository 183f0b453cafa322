/**
 * Every way an ObjectiveAI call can fail, as one family of `Schema.TaggedError`s to `catchTags` on. Each error
 * names the request (method and path), the HTTP status and request id where there is one, how many attempts were
 * made, and the upstream error body in either of its shapes. None of them holds the API key: errors are built from
 * the response, never from the request's headers. Every one carries {@link TypeId}, so {@link isObjectiveAiError}
 * tells them from another library's error that happens to share a `_tag` (`NotFoundError`, say).
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { ObjectiveAiClient } from "@objectiveai-effect/client"
 *
 * const program = Effect.gen(function*() {
 *   const client = yield* ObjectiveAiClient.ObjectiveAiClient
 *   return yield* client.retrieve("chtcpl-…")
 * }).pipe(
 *   Effect.catchTags({
 *     NotFoundError: () => Effect.succeed(undefined),
 *     RateLimitedError: (error) => Effect.fail(`come back in ${error.retryAfter}`)
 *   })
 * )
 * ```
 *
 * @since 0.1.0
 */
import { ErrorBody } from "@objectiveai-effect/domain"
import * as Duration from "effect/Duration"
import * as Predicate from "effect/Predicate"
import * as Schema from "effect/Schema"

/**
 * The brand every error of the family carries.
 *
 * @since 0.1.0
 * @category type ids
 */
export const TypeId: unique symbol = Symbol.for("@objectiveai-effect/client/ObjectiveAiError")

/**
 * @since 0.1.0
 * @category type ids
 */
export type TypeId = typeof TypeId

/** The fields every error of the family carries. */
const callFields = {
  /** The HTTP method of the call. */
  method: Schema.String,
  /** The path of the call, without the base URL or query. */
  path: Schema.String,
  /** How many attempts were made before giving up; 0 when nothing was sent. */
  attempts: Schema.Number
}

/** The fields of an error the server answered with. */
const responseFields = {
  ...callFields,
  /** The HTTP status, or the status an error body names when it came inside a 200 answer. */
  status: Schema.optional(Schema.Number),
  /** The `x-request-id` (or `request-id`) response header, to quote to support. */
  requestId: Schema.optional(Schema.String),
  /** The upstream error body, in whichever of its two shapes it came. */
  body: Schema.optional(ErrorBody.ErrorBody)
}

interface Described {
  readonly method: string
  readonly path: string
  readonly attempts: number
  readonly status?: number | undefined
  readonly requestId?: string | undefined
  readonly body?: ErrorBody.ErrorBody | undefined
}

// One line that says what failed and where, so that logs of an uncaught error are useful as they are.
const describe = (self: Described, what: string): string => {
  const upstream = self.body === undefined ? "" : `: ${ErrorBody.message(self.body)}`
  const status = self.status === undefined ? "" : ` (HTTP ${self.status})`
  const requestId = self.requestId === undefined ? "" : `, request id ${self.requestId}`
  const attempts = `${self.attempts} attempt${self.attempts === 1 ? "" : "s"}`
  return `${self.method} ${self.path}: ${what}${status}${upstream} [${attempts}${requestId}]`
}

/**
 * The caller's input was refused before anything was sent: create params that break the schema's rules, an empty
 * id, bad paging options or an unusable base URL. Never retried.
 *
 * @since 0.1.0
 * @category errors
 */
export class InvalidRequestError extends Schema.TaggedError<InvalidRequestError>()("InvalidRequestError", {
  ...callFields,
  /** Every rule the input broke, one line each with the field path (`ParseMessages.format`). */
  issue: Schema.String
}) {
  /** @since 0.1.0 */
  readonly [TypeId]: TypeId = TypeId

  override get message(): string {
    return describe(this, `invalid request: ${this.issue}`)
  }
}

/**
 * The server refused the request as malformed (400, 422, or another 4xx the family does not name). Never retried.
 *
 * @since 0.1.0
 * @category errors
 */
export class BadRequestError extends Schema.TaggedError<BadRequestError>()("BadRequestError", responseFields) {
  /** @since 0.1.0 */
  readonly [TypeId]: TypeId = TypeId

  override get message(): string {
    return describe(this, "bad request")
  }
}

/**
 * The API key is missing, wrong or revoked (401). Never retried.
 *
 * @since 0.1.0
 * @category errors
 */
export class UnauthorizedError extends Schema.TaggedError<UnauthorizedError>()("UnauthorizedError", responseFields) {
  /** @since 0.1.0 */
  readonly [TypeId]: TypeId = TypeId

  override get message(): string {
    return describe(this, "unauthorized")
  }
}

/**
 * The account is out of credits (402). Never retried: waiting does not add credits.
 *
 * @since 0.1.0
 * @category errors
 */
export class InsufficientCreditsError
  extends Schema.TaggedError<InsufficientCreditsError>()("InsufficientCreditsError", responseFields)
{
  /** @since 0.1.0 */
  readonly [TypeId]: TypeId = TypeId

  override get message(): string {
    return describe(this, "insufficient credits")
  }
}

/**
 * The request was refused, by moderation or by permission (403). Never retried.
 *
 * @since 0.1.0
 * @category errors
 */
export class ForbiddenError extends Schema.TaggedError<ForbiddenError>()("ForbiddenError", responseFields) {
  /** @since 0.1.0 */
  readonly [TypeId]: TypeId = TypeId

  override get message(): string {
    return describe(this, "forbidden")
  }
}

/**
 * No completion has that id, or the path does not exist (404). Never retried.
 *
 * @since 0.1.0
 * @category errors
 */
export class NotFoundError extends Schema.TaggedError<NotFoundError>()("NotFoundError", responseFields) {
  /** @since 0.1.0 */
  readonly [TypeId]: TypeId = TypeId

  override get message(): string {
    return describe(this, "not found")
  }
}

/**
 * Rate limited (429) after the last allowed attempt, or told to come back later than the retry policy allows (a
 * `Retry-After` hint beyond its cap or beyond the call's total time budget, whatever the status that carried it).
 * `retryAfter` is the server's hint, when it gave one.
 *
 * @since 0.1.0
 * @category errors
 */
export class RateLimitedError extends Schema.TaggedError<RateLimitedError>()("RateLimitedError", {
  ...responseFields,
  /** How long the server asked to wait, from `retry-after-ms`, `Retry-After` or the body's availability. */
  retryAfter: Schema.optional(Schema.DurationFromSelf)
}) {
  /** @since 0.1.0 */
  readonly [TypeId]: TypeId = TypeId

  override get message(): string {
    const hint = this.retryAfter === undefined ? "" : `, retry after ${Duration.format(this.retryAfter)}`
    // The error of any answer asking for a longer wait than the policy makes: a 503 is a server unavailable.
    const what = this.status === undefined || this.status === 429
      ? "rate limited"
      : this.status >= 500
      ? "unavailable"
      : "asked to wait"
    return describe(this, `${what}${hint}`)
  }
}

/**
 * The server or a provider behind it failed (5xx), or answered 200 with nothing but an error body. Retried when the
 * status is 500, 502, 503 or 504 and the call is safe to repeat.
 *
 * @since 0.1.0
 * @category errors
 */
export class ServerError extends Schema.TaggedError<ServerError>()("ServerError", responseFields) {
  /** @since 0.1.0 */
  readonly [TypeId]: TypeId = TypeId

  override get message(): string {
    return describe(this, "server error")
  }
}

/**
 * The call ran out of time: one attempt (`"attempt"`, no response or body within the per-attempt timeout), the
 * whole call (`"total"`, retries and waits included), or the server's own timeout (`"server"`, HTTP 408).
 *
 * @since 0.1.0
 * @category errors
 */
export class TimeoutError extends Schema.TaggedError<TimeoutError>()("TimeoutError", {
  ...responseFields,
  /** Which limit ran out. */
  timeout: Schema.Literal("attempt", "total", "server"),
  /** The limit that ran out, when it was ours. */
  after: Schema.optional(Schema.DurationFromSelf)
}) {
  /** @since 0.1.0 */
  readonly [TypeId]: TypeId = TypeId

  override get message(): string {
    const after = this.after === undefined ? "" : ` after ${Duration.format(this.after)}`
    return describe(this, `${this.timeout} timeout${after}`)
  }
}

/**
 * The connection failed: refused, reset, closed before the headers or in the middle of the body. `neverSent` is
 * true only when the request surely never reached the server (the connection was never made), which is when even a
 * create is retried.
 *
 * @since 0.1.0
 * @category errors
 */
export class TransportError extends Schema.TaggedError<TransportError>()("TransportError", {
  ...callFields,
  /** The HTTP status, when the failure came after the response headers (a body cut short). */
  status: Schema.optional(Schema.Number),
  /** What the network layer said, its causes joined. */
  description: Schema.String,
  /** The system error code, such as `ECONNREFUSED` or `ECONNRESET`, where the network layer gave one. */
  code: Schema.optional(Schema.String),
  /** True when the request surely never reached the server. */
  neverSent: Schema.Boolean
}) {
  /** @since 0.1.0 */
  readonly [TypeId]: TypeId = TypeId

  override get message(): string {
    return describe(this, `transport failure: ${this.description}`)
  }
}

/**
 * A response that is not what the API promises: invalid JSON, a body that fails its schema, or an unexpected
 * status. Carries the raw body text and the parse issue. Never retried: the same request gets the same answer.
 *
 * @since 0.1.0
 * @category errors
 */
export class InvalidResponseError extends Schema.TaggedError<InvalidResponseError>()("InvalidResponseError", {
  ...responseFields,
  /** The body as received. */
  bodyText: Schema.String,
  /** Why it was refused: the JSON syntax error or every schema rule it broke. */
  issue: Schema.String
}) {
  /** @since 0.1.0 */
  readonly [TypeId]: TypeId = TypeId

  override get message(): string {
    return describe(this, `invalid response: ${this.issue}`)
  }
}

/**
 * The answer's body (a unary answer or an error body) is larger than the client's `maxBodySize`: declared so by its
 * `content-length`, or found so while reading. The client stops reading and closes the connection rather than hold
 * it in memory. Never retried: the same request would get the same answer.
 *
 * @since 0.1.0
 * @category errors
 */
export class ResponseTooLargeError extends Schema.TaggedError<ResponseTooLargeError>()("ResponseTooLargeError", {
  ...callFields,
  /** The HTTP status of the answer whose body was too large. */
  status: Schema.Number,
  /** The `x-request-id` (or `request-id`) response header, to quote to support. */
  requestId: Schema.optional(Schema.String),
  /** The limit the body passed, in bytes. */
  maxBodySize: Schema.Number,
  /** The size the answer declared in its `content-length`, when it declared one. */
  contentLength: Schema.optional(Schema.Number)
}) {
  /** @since 0.1.0 */
  readonly [TypeId]: TypeId = TypeId

  override get message(): string {
    const declared = this.contentLength === undefined ? "" : ` (content-length ${this.contentLength})`
    return describe(this, `response body larger than ${this.maxBodySize} bytes${declared}`)
  }
}

/**
 * Any error of the family, as a schema (for sending errors over the wire) and as the union type.
 *
 * @since 0.1.0
 * @category schemas
 */
export const ObjectiveAiError = Schema.Union(
  InvalidRequestError,
  BadRequestError,
  UnauthorizedError,
  InsufficientCreditsError,
  ForbiddenError,
  NotFoundError,
  RateLimitedError,
  ServerError,
  TimeoutError,
  TransportError,
  InvalidResponseError,
  ResponseTooLargeError
)

/**
 * @since 0.1.0
 * @category models
 */
export type ObjectiveAiError = Schema.Schema.Type<typeof ObjectiveAiError>

/**
 * Whether a value is an error of the family, by its brand rather than its tag: another library's error named
 * `NotFoundError` is not one.
 *
 * @since 0.1.0
 * @category guards
 */
export const isObjectiveAiError = (u: unknown): u is ObjectiveAiError => Predicate.hasProperty(u, TypeId)

/**
 * Whether an error would be the error of every request made with the same client: a bad key, no credits, a server
 * that cannot be reached. A run over many ids (a sync, a report) stops at the first such error rather than recording
 * it once per id.
 *
 * @since 0.2.0
 * @category guards
 */
export const concernsEveryRequest = (error: ObjectiveAiError): boolean =>
  error._tag === "UnauthorizedError" || error._tag === "InsufficientCreditsError" ||
  (error._tag === "TransportError" && error.neverSent)

/**
 * The HTTP status each error the server answers with stands for, the one table of them: the client reads an answer's
 * status into the error of its tag (any other 4xx is a `BadRequestError`, any other 5xx a `ServerError`), and an
 * error that carries no status of its own is reported with this one (by `@objectiveai-effect/ai`, say).
 *
 * @since 0.1.0
 * @category constants
 */
export const statusOfTag = {
  BadRequestError: 400,
  UnauthorizedError: 401,
  InsufficientCreditsError: 402,
  ForbiddenError: 403,
  NotFoundError: 404,
  TimeoutError: 408,
  RateLimitedError: 429,
  ServerError: 500
} as const satisfies { readonly [Tag in ObjectiveAiError["_tag"]]?: number }
