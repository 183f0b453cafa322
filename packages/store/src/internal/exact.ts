/**
 * Exact decimals as integer columns that SQL can sum on any engine. A decimal is held as a count of 10^-27 units
 * split into four base-10^9 limbs, each carrying the sign: a `SUM` of a limb over 9 billion rows stays inside a 64-bit
 * integer, the sums of every amount need no grouping by scale, and TypeScript recombines them exactly. 27 decimals and
 * 36 digits hold every cost and logprob sum the API produces (a 17-digit double down to 1e-10); what does not fit (1e-300,
 * 1e300) is kept as decimal text in the row's overflow column and summed in TypeScript.
 */
import * as BigDecimal from "effect/BigDecimal"

/** Digits after the point that the limbs hold. */
export const scale = 27

/** Limbs per decimal. */
export const limbs = 4

const base = 1_000_000_000n
const bound = base ** BigInt(limbs)
const bigTen = 10n

const zero: ReadonlyArray<number> = Object.freeze(Array.from({ length: limbs }, () => 0))

/** The limbs of a decimal, least significant first, or `undefined` when it does not fit. */
export const toLimbs = (decimal: BigDecimal.BigDecimal): ReadonlyArray<number> | undefined => {
  // Most amounts of a completion are zero (no logprobs, say).
  if (decimal.value === 0n) return zero
  const normal = BigDecimal.normalize(decimal)
  if (normal.scale > scale) return undefined
  const units = normal.value * bigTen ** BigInt(scale - normal.scale)
  const magnitude = units < 0n ? -units : units
  if (magnitude >= bound) return undefined
  const sign = units < 0n ? -1 : 1
  const result: Array<number> = []
  let rest = magnitude
  for (let i = 0; i < limbs; i++) {
    result.push(sign * Number(rest % base))
    rest /= base
  }
  return result
}

const toBigInt = (value: unknown): bigint =>
  typeof value === "bigint" ? value : value === null || value === undefined ? 0n : BigInt(String(value))

/** The decimal of the sums of each limb (as SQL gives them: bigints, numbers or numeric text), normalised. */
export const fromLimbSums = (sums: ReadonlyArray<unknown>): BigDecimal.BigDecimal => {
  let units = 0n
  for (let i = sums.length - 1; i >= 0; i--) units = units * base + toBigInt(sums[i])
  return BigDecimal.normalize(BigDecimal.make(units, scale))
}
