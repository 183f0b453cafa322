/**
 * UTC offsets of an IANA time zone over a span of time, as the segments between its transitions, so that SQL can
 * shift a timestamp into local time with a `CASE` and no time-zone support of its own.
 */

/** From `start` (inclusive, Unix seconds; `-Infinity` for the first) the zone is `offset` seconds ahead of UTC. */
export interface Segment {
  readonly start: number
  readonly offset: number
}

const formatters = new Map<string, Intl.DateTimeFormat>()

/** The formatter of a zone, or `undefined` when the runtime does not know the zone. */
export const formatter = (timeZone: string): Intl.DateTimeFormat | undefined => {
  let format = formatters.get(timeZone)
  if (format === undefined) {
    try {
      format = new Intl.DateTimeFormat("en-US", {
        timeZone,
        hourCycle: "h23",
        era: "short",
        year: "numeric",
        month: "numeric",
        day: "numeric",
        hour: "numeric",
        minute: "numeric",
        second: "numeric"
      })
    } catch {
      return undefined
    }
    formatters.set(timeZone, format)
  }
  return format
}

// The earliest and latest instants a `Date` holds, in seconds.
const minSeconds = -8.64e12
const maxSeconds = 8.64e12

/** The zone's offset from UTC at an instant, in whole seconds. */
export const offsetAt = (format: Intl.DateTimeFormat, seconds: number): number => {
  if (seconds < minSeconds || seconds > maxSeconds) return 0
  const parts: Record<string, string> = {}
  for (const part of format.formatToParts(new Date(seconds * 1000))) parts[part.type] = part.value
  const year = parts.era === "BC" ? 1 - Number(parts.year) : Number(parts.year)
  // `setUTCFullYear` rather than `Date.UTC`, which reads the years 0 to 99 as 1900 to 1999.
  const date = new Date(0)
  date.setUTCFullYear(year, Number(parts.month) - 1, Number(parts.day))
  date.setUTCHours(Number(parts.hour), Number(parts.minute), Number(parts.second))
  return Math.round(date.getTime() / 1000) - Math.floor(seconds)
}

// Zones change their offset at most a few times a year, never twice within this step.
const step = 6 * 3600

/** The segments of the zone's offsets between two instants (Unix seconds), found to the second. */
export const segments = (format: Intl.DateTimeFormat, from: number, to: number): ReadonlyArray<Segment> => {
  const start = Math.max(Math.floor(from), minSeconds)
  const end = Math.min(Math.floor(to), maxSeconds)
  const result: Array<Segment> = [{ start: Number.NEGATIVE_INFINITY, offset: offsetAt(format, start) }]
  let previous = start
  let offset = result[0].offset
  while (previous < end) {
    const next = Math.min(previous + step, end)
    const nextOffset = offsetAt(format, next)
    if (nextOffset !== offset) {
      // The first second at the new offset, by bisection.
      let low = previous
      let high = next
      while (high - low > 1) {
        const middle = Math.floor((low + high) / 2)
        if (offsetAt(format, middle) === offset) low = middle
        else high = middle
      }
      result.push({ start: high, offset: nextOffset })
      offset = nextOffset
    }
    previous = next
  }
  return result
}
