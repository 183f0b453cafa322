/**
 * How often and how long the client tries: the retry policy, the timeouts, and their defaults.
 *
 * A call is retried when it failed transiently (connection failure, 408, 429, 500, 502, 503, 504, or a 200 body
 * holding only such an error), with exponential backoff and jitter, raised to the server's hint (`retry-after-ms`,
 * `Retry-After` in seconds or as an HTTP date, the body's `availability.retry_after`). It stops at `maxAttempts`,
 * and never waits past the call's total timeout: a hint beyond `maxRetryAfter`, or one that would overrun the total
 * timeout, fails at once with `RateLimitedError` carrying the hint.
 *
 * The delays and the number of attempts may instead come from an Effect `Schedule` (`schedule`), composed with the
 * usual combinators; the client's own rules still apply on top of it: only transient failures are retried, a create
 * only when it never reached the server (unless `retryCreate`), a server's hint raises the delay, a hint beyond
 * `maxRetryAfter` fails at once, and no retry is made past the total timeout.
 *
 * @example
 * ```ts
 * import { Schedule } from "effect"
 * import { ObjectiveAiClient, type RetryPolicy } from "@objectiveai-effect/client"
 *
 * // Every second, three retries at most, and only for rate limits.
 * const policy: Partial<RetryPolicy.RetryPolicy> = {
 *   schedule: Schedule.spaced("1 second").pipe(
 *     Schedule.intersect(Schedule.recurs(3)),
 *     Schedule.whileInput((error) => error._tag === "RateLimitedError")
 *   )
 * }
 *
 * const options: Partial<ObjectiveAiClient.Options> = { retryPolicy: policy }
 * ```
 *
 * @since 0.1.0
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Random from "effect/Random"
import * as Schedule from "effect/Schedule"
import type * as ObjectiveAiError from "./ObjectiveAiError.js"

/**
 * When and how a failed call is retried.
 *
 * @since 0.1.0
 * @category models
 */
export interface RetryPolicy {
  /**
   * Attempts in all, the first included; at least 1. With a `schedule`, it bounds the schedule only when given
   * explicitly (the default 4 belongs to the default backoff).
   */
  readonly maxAttempts: number
  /** The backoff before the second attempt; it doubles for each later one. */
  readonly initialDelay: Duration.DurationInput
  /** The backoff never grows beyond this (a server's hint may still ask for more, up to `maxRetryAfter`). */
  readonly maxDelay: Duration.DurationInput
  /** The longest server hint the client waits for; a longer one fails at once with `RateLimitedError`. */
  readonly maxRetryAfter: Duration.DurationInput
  /**
   * Retry a create on any transient failure, as reads are. Off by default: a create that may have reached the
   * server could be run (and billed) twice, so it is only retried when the connection was never made.
   */
  readonly retryCreate: boolean
  /**
   * The delays between attempts and when to stop, in place of `initialDelay`, `maxDelay` and the default
   * `maxAttempts`: the schedule is stepped with each retryable error, and the client waits the delay it decides (or a
   * server's longer hint) before the next attempt; when it is done, the call fails with that error. See
   * {@link backoffSchedule} for the default backoff as a schedule to compose with.
   */
  readonly schedule?: Schedule.Schedule<unknown, ObjectiveAiError.ObjectiveAiError> | undefined
}

/**
 * The default policy: 4 attempts, backoff from 500 ms doubling up to 8 s, server hints honoured up to 30 s, creates
 * retried only when they surely never reached the server.
 *
 * @since 0.1.0
 * @category constants
 */
export const defaults: RetryPolicy = {
  maxAttempts: 4,
  initialDelay: Duration.millis(500),
  maxDelay: Duration.seconds(8),
  maxRetryAfter: Duration.seconds(30),
  retryCreate: false
}

/**
 * Time limits of a call, each ending it with a `TimeoutError`.
 *
 * @since 0.1.0
 * @category models
 */
export interface Timeouts {
  /** One attempt: from sending the request to the last byte of the answer. */
  readonly attempt: Duration.DurationInput
  /** The whole call: every attempt and every wait between them. Retries that would end past it are not made. */
  readonly total: Duration.DurationInput
}

/**
 * Defaults for reads (retrieve, list pages), which the server answers from storage: 20 s an attempt, 45 s in all.
 *
 * @since 0.1.0
 * @category constants
 */
export const readTimeouts: Timeouts = {
  attempt: Duration.seconds(20),
  total: Duration.seconds(45)
}

/**
 * Defaults for create, where a model may think for minutes before the answer comes: 10 minutes an attempt,
 * 12 minutes in all.
 *
 * @since 0.1.0
 * @category constants
 */
export const createTimeouts: Timeouts = {
  attempt: Duration.minutes(10),
  total: Duration.minutes(12)
}

/**
 * The default idle timeout of a streamed completion: 2 minutes without a byte. Gateways send keep-alive comments
 * every few seconds while a model thinks, and those count, so this only has to outlast a provider that streams
 * through without them; opening the stream is bounded by {@link createTimeouts}.
 *
 * @since 0.1.0
 * @category constants
 */
export const streamIdleTimeout: Duration.Duration = Duration.minutes(2)

/**
 * The backoff before attempt `attempt + 1`: `initialDelay` doubled per earlier retry, capped at `maxDelay`, then
 * scaled by `jitter` (a number in [0, 1), drawn per retry) into its upper half so that clients that failed together
 * do not retry together; whole milliseconds.
 *
 * @example
 * ```ts
 * import { RetryPolicy } from "@objectiveai-effect/client"
 *
 * RetryPolicy.backoff(RetryPolicy.defaults, 3, 0.5) // 1500 millis: 2 s, jittered
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const backoff = (
  policy: Pick<RetryPolicy, "initialDelay" | "maxDelay">,
  attempt: number,
  jitter: number
): Duration.Duration => {
  const initial = Duration.toMillis(policy.initialDelay)
  const capped = Math.min(Duration.toMillis(policy.maxDelay), initial * 2 ** Math.max(0, attempt - 1))
  return Duration.millis(Math.round(capped * (0.5 + jitter / 2)))
}

/**
 * The default backoff as a `Schedule`: `maxAttempts - 1` retries, each after {@link backoff} with a fresh jitter. It
 * is what the client follows when the policy has no `schedule`, and a start to compose one from.
 *
 * @example
 * ```ts
 * import { Schedule } from "effect"
 * import { RetryPolicy } from "@objectiveai-effect/client"
 *
 * // The default backoff, but never retrying once 20 seconds have passed since the first failure.
 * const schedule = RetryPolicy.backoffSchedule(RetryPolicy.defaults).pipe(Schedule.upTo("20 seconds"))
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const backoffSchedule = (
  policy: Pick<RetryPolicy, "maxAttempts" | "initialDelay" | "maxDelay">
): Schedule.Schedule<number> =>
  Schedule.addDelayEffect(
    Schedule.recurs(Math.max(0, Math.floor(policy.maxAttempts) - 1)),
    (retry) => Effect.map(Random.next, (jitter) => backoff(policy, retry + 1, jitter))
  )
