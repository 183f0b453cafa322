import * as BigDecimal from "effect/BigDecimal"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"

// 10^0 … 10^22 are exact doubles, so multiplying or dividing by one of them rounds only once.
const powersOfTen: ReadonlyArray<number> = Array.from({ length: 23 }, (_, exponent) => 10 ** exponent)
const maxExactExponent = powersOfTen.length - 1

// Below 10^15, decimals with the same number of fractional digits lie further apart than doubles do, so at most one
// of them reads back as a given double: the shortest round-trip decimal, padded with zeros. Any scale at which the
// digits round-trip therefore gives exactly that decimal.
const maxFastDigits = 1e15

/**
 * The count of `10^-scale` units that `x` is, as its shortest round-trip decimal, or `NaN` if that decimal needs a
 * finer scale or has 15 digits or more there. `scale` is at most 22.
 */
const unitsAt = (x: number, scale: number): number => {
  const power = powersOfTen[scale]
  const units = Math.round(x * power)
  return Math.abs(units) < maxFastDigits && units / power === x ? units : Number.NaN
}

/** The smallest scale at which `x` has {@link unitsAt}, or -1 for an amount of 16 or more significant digits. */
const scaleOf = (x: number): number => {
  for (let scale = 0; scale <= maxExactExponent && Math.abs(x) * powersOfTen[scale] < maxFastDigits; scale++) {
    if (!Number.isNaN(unitsAt(x, scale))) return scale
  }
  return -1
}

/** `units × 10^by`, or `NaN` if that is not an exactly representable (safe) integer. */
const shiftUnits = (units: number, by: number): number => {
  const shifted = units * (powersOfTen[by] ?? Number.NaN)
  return Number.isSafeInteger(shifted) ? shifted : Number.NaN
}

const bigPowersOfTen: Array<bigint> = [1n]
const bigPowerOfTen = (exponent: number): bigint => {
  for (let next = bigPowersOfTen.length; next <= exponent; next++) bigPowersOfTen[next] = bigPowersOfTen[next - 1] * 10n
  return bigPowersOfTen[exponent]
}

/**
 * The decimal a finite number stands for: the digits of its shortest round-trip string (`String(x)`), so that `0.1`
 * is exactly one tenth, as `value × 10^-scale`.
 */
export const fromNumber = (x: number): BigDecimal.BigDecimal => {
  const text = String(x)
  const exponentAt = text.indexOf("e")
  const mantissa = exponentAt === -1 ? text : text.slice(0, exponentAt)
  const exponent = exponentAt === -1 ? 0 : Number(text.slice(exponentAt + 1))
  const point = mantissa.indexOf(".")
  const digits = point === -1 ? mantissa : mantissa.slice(0, point) + mantissa.slice(point + 1)
  const fractionDigits = point === -1 ? 0 : mantissa.length - point - 1
  return BigDecimal.make(BigInt(digits), fractionDigits - exponent)
}

// Scales past this (amounts below 1e-50, say) go straight to the bigint, so that the scales searched stay few.
const maxUnitsScale = 64

/** `digits × 10^-scale` without trailing zeros, for safe integer digits. */
const fromUnits = (digits: number, scale: number): BigDecimal.BigDecimal => {
  if (digits === 0) return zero
  while (digits % 10 === 0) {
    digits /= 10
    scale--
  }
  return BigDecimal.make(BigInt(digits), scale)
}

/** `value × 10^-scale` without trailing zeros, the digits stripped as a double while they fit in one. */
const normalized = (value: bigint, scale: number): BigDecimal.BigDecimal =>
  value >= -maxSafe && value <= maxSafe
    ? fromUnits(Number(value), scale)
    : BigDecimal.normalize(BigDecimal.make(value, scale))

const maxSafe = BigInt(Number.MAX_SAFE_INTEGER)

/** `a + b`, exact and normalised, so that equal sums are equal structurally as well as by `Equal`. */
export const add = (a: BigDecimal.BigDecimal, b: BigDecimal.BigDecimal): BigDecimal.BigDecimal =>
  BigDecimal.normalize(BigDecimal.sum(a, b))

/** Positional notation, never an exponent: amounts are read by people and by tools that do not parse `1e-17`. */
export const format = (decimal: BigDecimal.BigDecimal): string => {
  const { scale, value } = BigDecimal.normalize(decimal)
  const sign = value < 0n ? "-" : ""
  const digits = (value < 0n ? -value : value).toString()
  if (scale <= 0) return sign + digits + "0".repeat(-scale)
  const padded = digits.padStart(scale + 1, "0")
  return `${sign}${padded.slice(0, -scale)}.${padded.slice(-scale)}`
}

/** An exact decimal encoded as a string in positional notation; decoding also accepts an exponent. */
export const DecimalString: Schema.Schema<BigDecimal.BigDecimal, string> = Schema.transformOrFail(
  Schema.String,
  Schema.BigDecimalFromSelf,
  {
    strict: true,
    decode: (text, _, ast) =>
      BigDecimal.fromString(text).pipe(
        ParseResult.fromOption(() =>
          new ParseResult.Type(ast, text, `Expected a decimal number, got ${JSON.stringify(text)}`)
        ),
        ParseResult.map(BigDecimal.normalize)
      ),
    encode: (decimal) => ParseResult.succeed(format(decimal))
  }
).annotations({ identifier: "DecimalString", description: "An exact decimal number, as a string." })

/** Zero, normalised. */
export const zero: BigDecimal.BigDecimal = BigDecimal.normalize(BigDecimal.fromBigInt(0n))

/**
 * An exact running sum of numbers. An amount with at most 15 significant digits (a cost such as `0.000123`) is added
 * as an integer count of units at its scale, held in a double, which is exact while it stays below 2^53; longer ones
 * are read from their shortest round-trip string and split into two such integers. Each scale has its own double, so
 * amounts of different scales never force a rescale, and a double spills into a `bigint` only when it would stop
 * being exact. No `BigDecimal` is built until the sum is read.
 */
export class DecimalSum {
  // sums[i] counts units of 10^-scales[i]; an amount has one or two scales and a sum rarely more than a few, so a
  // linear search beats any map. `spilled` holds whatever outgrew its double, at `spilledScale`.
  private readonly scales: Array<number> = []
  private readonly sums: Array<number> = []
  private spilled = 0n
  private spilledScale = 0
  // The scale that fitted the last amount: amounts summed together have similar digits, and any scale at least as
  // fine as an amount's own fits it too, so this usually succeeds at the first try.
  private preferredScale = 0
  // Where that scale's units are in `sums`, or -1 before the first amount at it: the hot path then skips the search.
  private preferredSlot = -1

  /** Adds a finite number, read as the decimal of its shortest round-trip string. */
  add(x: number): void {
    const units = unitsAt(x, this.preferredScale)
    if (!Number.isNaN(units)) {
      const slot = this.preferredSlot
      if (slot !== -1) {
        const next = this.sums[slot] + units
        if (Number.isSafeInteger(next)) {
          this.sums[slot] = next
          return
        }
      }
      return this.addUnits(units, this.preferredScale)
    }
    const scale = scaleOf(x)
    if (scale === -1) return this.addLong(x)
    this.preferredScale = scale
    this.preferredSlot = this.scales.indexOf(scale)
    this.addUnits(unitsAt(x, scale), scale)
  }

  /** Adds everything another sum holds. */
  addSum(that: DecimalSum): void {
    for (let i = 0; i < that.scales.length; i++) this.addUnits(that.sums[i], that.scales[i])
    if (that.spilled !== 0n) this.addBig(that.spilled, that.spilledScale)
  }

  /** The sum so far, normalised. */
  value(): BigDecimal.BigDecimal {
    return this.spilled === 0n ? this.valueOfUnits() ?? this.bigValue() : this.bigValue()
  }

  // Most sums fit in a double at their finest scale; building one bigint then costs less than combining several.
  private valueOfUnits(): BigDecimal.BigDecimal | undefined {
    let digits = 0
    let scale = 0
    for (let i = 0; i < this.scales.length; i++) {
      const units = this.sums[i]
      if (units === 0) continue
      if (digits === 0) {
        digits = units
        scale = this.scales[i]
        continue
      }
      const finer = Math.max(scale, this.scales[i])
      const next = shiftUnits(digits, finer - scale) + shiftUnits(units, finer - this.scales[i])
      if (!Number.isSafeInteger(next)) return undefined
      digits = next
      scale = finer
    }
    return fromUnits(digits, scale)
  }

  private bigValue(): BigDecimal.BigDecimal {
    let scale = this.spilled === 0n ? 0 : this.spilledScale
    for (let i = 0; i < this.scales.length; i++) {
      if (this.sums[i] !== 0 && this.scales[i] > scale) scale = this.scales[i]
    }
    let value = this.spilled * bigPowerOfTen(scale - this.spilledScale)
    for (let i = 0; i < this.scales.length; i++) {
      if (this.sums[i] !== 0) value += BigInt(this.sums[i]) * bigPowerOfTen(scale - this.scales[i])
    }
    return normalized(value, scale)
  }

  /** An amount of 16 or 17 significant digits (or beyond the range of the fast path), split into 9-digit halves. */
  private addLong(x: number): void {
    const decimal = fromNumber(x)
    const scale = decimal.scale
    if (scale - 9 < 0 || scale > maxUnitsScale) return this.addBig(decimal.value, scale)
    const high = decimal.value / 1_000_000_000n
    this.addUnits(Number(decimal.value - high * 1_000_000_000n), scale)
    if (high !== 0n) this.addUnits(Number(high), scale - 9)
  }

  /** Adds `units × 10^-scale`, for a safe integer `units` and a scale from 0 to 64. */
  addUnits(units: number, scale: number): void {
    let i = 0
    while (i < this.scales.length && this.scales[i] !== scale) i++
    if (i === this.scales.length) {
      this.scales.push(scale)
      this.sums.push(units)
      if (scale === this.preferredScale) this.preferredSlot = i
      return
    }
    // Exact: a sum of safe integers that is itself safe was not rounded.
    const current = this.sums[i]
    const next = current + units
    if (Number.isSafeInteger(next)) this.sums[i] = next
    else {
      this.sums[i] = 0
      this.addBig(BigInt(current) + BigInt(units), scale)
    }
  }

  private addBig(value: bigint, scale: number): void {
    if (scale > this.spilledScale) {
      this.spilled *= bigPowerOfTen(scale - this.spilledScale)
      this.spilledScale = scale
    }
    this.spilled += value * bigPowerOfTen(this.spilledScale - scale)
  }
}
