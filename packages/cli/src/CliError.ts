/**
 * How a command fails: one {@link CliError} carrying the line printed on stderr (`objectiveai: <message>`) and the
 * process's exit code, and the translation of the client's typed errors into such lines. The lines are built from
 * what the server answered and the base URL, never from the request's headers, so the API key cannot appear in them.
 *
 * Exit codes: 0 success, 1 a failure (the server refused or could not be reached, every id of a report failed, a data
 * file did not load), 2 a usage error (bad flags, a missing API key), 130 interrupted (Ctrl-C).
 *
 * @since 0.1.0
 */
import type { ObjectiveAiError } from "@objectiveai-effect/client"
// The module alone, not the package index: the index would evaluate every Schema of the domain at start-up.
import * as ErrorBody from "@objectiveai-effect/domain/ErrorBody"
import * as UrlRedaction from "@objectiveai-effect/domain/UrlRedaction"
import * as Duration from "effect/Duration"
import * as Predicate from "effect/Predicate"
import * as Schema from "effect/Schema"
import * as Render from "./Render.js"

/**
 * The exit code of a failure.
 *
 * @since 0.1.0
 * @category constants
 */
export const failureExitCode = 1

/**
 * The exit code of a usage error.
 *
 * @since 0.1.0
 * @category constants
 */
export const usageExitCode = 2

/**
 * The exit code after Ctrl-C (or SIGTERM): 128 + SIGINT, as shells report it.
 *
 * @since 0.1.0
 * @category constants
 */
export const interruptedExitCode = 130

/**
 * The brand every command failure carries.
 *
 * @since 0.1.0
 * @category type ids
 */
export const TypeId: unique symbol = Symbol.for("@objectiveai-effect/cli/CliError")

/**
 * @since 0.1.0
 * @category type ids
 */
export type TypeId = typeof TypeId

/**
 * A command's failure: `message` is printed as `objectiveai: <message>` on stderr, then the process exits with
 * `exitCode`.
 *
 * @since 0.1.0
 * @category errors
 */
export class CliError extends Schema.TaggedError<CliError>()("CliError", {
  message: Schema.String,
  exitCode: Schema.Int
}) {
  /** @since 0.1.0 */
  readonly [TypeId]: TypeId = TypeId
}

/**
 * Whether a value is a command failure, by its brand rather than its tag: another library's error tagged `CliError`
 * is not one.
 *
 * @since 0.1.0
 * @category guards
 */
export const isCliError = (u: unknown): u is CliError => Predicate.hasProperty(u, TypeId)

/**
 * A failure, exit code 1.
 *
 * @since 0.1.0
 * @category constructors
 */
export const failure = (message: string): CliError => new CliError({ message, exitCode: failureExitCode })

/**
 * A usage error, exit code 2.
 *
 * @since 0.1.0
 * @category constructors
 */
export const usage = (message: string): CliError => new CliError({ message, exitCode: usageExitCode })

/**
 * What a message about a failed call may name besides the error: the server's base URL and the id asked for.
 *
 * @since 0.1.0
 * @category models
 */
export interface Context {
  readonly baseUrl: string
  readonly id?: string | undefined
}

// The upstream's message, when it adds something: `: <message>`, kept to one line.
const upstream = (body: ErrorBody.ErrorBody | undefined): string => {
  const message = body === undefined ? "" : Render.oneLine(ErrorBody.message(body), 200)
  return message === "" ? "" : `: ${message}`
}

const status = (status: number | undefined) => status === undefined ? "" : ` (HTTP ${status})`

// Whole seconds, rounded up, from a second on: the hint may come from a date, to the millisecond.
const wait = (duration: Duration.Duration): string =>
  Duration.format(
    Duration.lessThan(duration, Duration.seconds(1))
      ? Duration.millis(Math.ceil(Duration.toMillis(duration)))
      : Duration.seconds(Math.ceil(Duration.toSeconds(duration)))
  )

const attempts = (count: number) => count > 1 ? ` after ${count} attempts` : ""

// What the system codes of a failed connection mean, in the words a user searches for.
const connectionProblems: Readonly<Record<string, string>> = {
  ECONNREFUSED: "connection refused",
  ECONNRESET: "connection reset",
  ENOTFOUND: "host not found",
  EAI_AGAIN: "host name lookup failed",
  EHOSTUNREACH: "host unreachable",
  ENETUNREACH: "network unreachable",
  ETIMEDOUT: "connection timed out",
  UND_ERR_CONNECT_TIMEOUT: "connection timed out",
  UND_ERR_SOCKET: "connection closed",
  EPIPE: "connection closed"
}

const line = (error: ObjectiveAiError.ObjectiveAiError, context: Context): string => {
  switch (error._tag) {
    case "NotFoundError":
      return context.id === undefined
        ? `not found${status(error.status)}: ${error.method} ${error.path}`
        : `not found: no completion with id ${JSON.stringify(context.id)}${status(error.status)}`
    case "UnauthorizedError":
      return `unauthorized${status(error.status)}: check OBJECTIVEAI_API_KEY or --api-key`
    case "InsufficientCreditsError":
      return `insufficient credits${status(error.status)}${upstream(error.body)}`
    case "ForbiddenError":
      return `forbidden${status(error.status)}${upstream(error.body)}`
    case "BadRequestError":
      return `bad request${status(error.status)}${upstream(error.body)}`
    case "RateLimitedError": {
      // The family's error for any answer asking for a longer wait than the retry policy makes: a 503 with
      // `Retry-After` is an unavailable server, not a rate limit.
      const what = error.status === undefined || error.status === 429
        ? "rate limited"
        : error.status >= 500
        ? "the server is unavailable"
        : "refused"
      const hint = error.retryAfter === undefined ? "" : `, asked to retry after ${wait(error.retryAfter)}`
      return `${what}${status(error.status)}${attempts(error.attempts)}${hint}${upstream(error.body)}`
    }
    case "ServerError":
      return `server error${status(error.status)}${attempts(error.attempts)}${upstream(error.body)}`
    case "TimeoutError":
      return error.timeout === "server"
        ? `the server timed out${status(error.status)}${attempts(error.attempts)}`
        : `no answer from ${context.baseUrl}${
          error.after === undefined ? "" : ` within ${Duration.format(error.after)}`
        }${attempts(error.attempts)}`
    case "TransportError": {
      const problem = (error.code === undefined ? undefined : connectionProblems[error.code]) ??
        Render.oneLine(error.description, 200)
      return error.neverSent
        ? `cannot reach ${context.baseUrl}: ${problem}`
        : `connection to ${context.baseUrl} failed${attempts(error.attempts)}: ${problem}`
    }
    case "InvalidResponseError":
      return `invalid response from ${context.baseUrl}${status(error.status)}: ${Render.oneLine(error.issue, 300)}`
    case "InvalidRequestError":
      return `invalid request: ${Render.oneLine(error.issue, 300)}`
    case "ResponseTooLargeError":
      return `the answer from ${context.baseUrl} is larger than ${error.maxBodySize} bytes${status(error.status)}`
  }
}

/**
 * One line for a client error, without the `objectiveai: ` prefix: the credentials of any URL in it masked
 * (`UrlRedaction.redact`), and the control characters of what the server said escaped (`Render.printable`).
 *
 * @example
 * ```ts
 * import type { ObjectiveAiError } from "@objectiveai-effect/client"
 * import { CliError } from "@objectiveai-effect/cli"
 *
 * // "cannot reach http://127.0.0.1:1: connection refused", for a refused connection
 * const line = (error: ObjectiveAiError.ObjectiveAiError) => CliError.describe(error, { baseUrl: "http://127.0.0.1:1" })
 * ```
 *
 * @since 0.1.0
 * @category rendering
 */
export const describe = (error: ObjectiveAiError.ObjectiveAiError, context: Context): string =>
  Render.printable(UrlRedaction.redact(line(error, context)))

/**
 * A client error as a {@link CliError}: a usage error for input the client refused before sending, a failure
 * otherwise.
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromClient = (error: ObjectiveAiError.ObjectiveAiError, context: Context): CliError =>
  new CliError({
    message: describe(error, context),
    exitCode: error._tag === "InvalidRequestError" ? usageExitCode : failureExitCode
  })
