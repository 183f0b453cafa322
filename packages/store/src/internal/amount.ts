import * as BigDecimal from "effect/BigDecimal"

const billion = 1_000_000_000n

/**
 * An exact amount as three integer columns: its shortest round-trip decimal `digits × 10^-scale`, the digits split at
 * 10^9 so that the SQL sums of `high` and `low` stay far inside a 64-bit integer on every engine. `scale` may be
 * negative (1e300) or large (1e-300): the sums are grouped by it and combined exactly in {@link combine}.
 */
export interface Units {
  readonly scale: number
  readonly high: number
  readonly low: number
}

/** The units of a finite amount, or `null` where the API reported none (or something that is not a number). */
export const toUnits = (amount: unknown): Units | null => {
  if (typeof amount !== "number" || !Number.isFinite(amount)) return null
  const { scale, value } = BigDecimal.normalize(BigDecimal.unsafeFromNumber(amount))
  const high = value / billion
  return { scale, high: Number(high), low: Number(value - high * billion) }
}

const toBigInt = (value: unknown): bigint =>
  typeof value === "bigint" ? value : value === null || value === undefined ? 0n : BigInt(String(value))

/** Adds one SQL group's sums of `high` and `low` at `scale` to a running total. */
export const combine = (
  total: BigDecimal.BigDecimal,
  scale: unknown,
  high: unknown,
  low: unknown
): BigDecimal.BigDecimal =>
  BigDecimal.normalize(
    BigDecimal.sum(total, BigDecimal.make(toBigInt(high) * billion + toBigInt(low), Number(toBigInt(scale))))
  )

/** Zero, normalised as the analysis package writes it. */
export const zero: BigDecimal.BigDecimal = BigDecimal.normalize(BigDecimal.fromBigInt(0n))
