import type * as Headers from "@effect/platform/Headers"
import { ErrorBody } from "@objectiveai-effect/domain"
import * as Duration from "effect/Duration"

// A plain non-negative number; anything else in a numeric hint header is ignored.
const plainNumber = /^\s*\d+(\.\d+)?\s*$/

/**
 * The longest wait the server asked for, from `retry-after-ms`, `Retry-After` (seconds or an HTTP date, measured
 * against `nowMillis` so a test clock drives it) and the body's `availability.retry_after`. Unreadable hints are
 * ignored rather than trusted.
 */
export const retryAfter = (
  headers: Headers.Headers,
  body: ErrorBody.ErrorBody | undefined,
  nowMillis: number
): Duration.Duration | undefined => {
  const candidates: Array<number> = []
  const ms = headers["retry-after-ms"]
  if (ms !== undefined && plainNumber.test(ms)) candidates.push(Number(ms))
  const after = headers["retry-after"]
  if (after !== undefined) {
    if (plainNumber.test(after)) candidates.push(Number(after) * 1000)
    else {
      const date = Date.parse(after)
      if (!Number.isNaN(date)) candidates.push(Math.max(0, date - nowMillis))
    }
  }
  const fromBody = body === undefined ? undefined : ErrorBody.retryAfterSeconds(body)
  if (fromBody !== undefined) candidates.push(fromBody * 1000)
  // Rounded up: waiting a fraction of a millisecond less than asked would be retrying too early.
  return candidates.length === 0 ? undefined : Duration.millis(Math.ceil(Math.max(...candidates)))
}
