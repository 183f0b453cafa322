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
 * An exact running sum of numbers. Most amounts (costs such as `0.000123`) have few digits, so they are added as
 * integers held in a double, which is exact while they stay below 2^53, and only spill into a `bigint` when they do
 * not; the value is `(big + units) × 10^-scale`. No `BigDecimal` is built until the sum is read.
 */
export class DecimalSum {
  private scale = 0
  private units = 0
  private big = 0n

  /** Adds a finite number, read as the decimal of its shortest round-trip string. */
  add(x: number): void {
    // Amounts summed together tend to have as many digits as each other, so the current scale usually fits.
    if (this.scale <= maxExactExponent && this.tryAddUnits(x, this.scale)) return
    for (let scale = 0; scale <= maxExactExponent && Math.abs(x) * powersOfTen[scale] < maxFastDigits; scale++) {
      if (this.tryAddUnits(x, scale)) return
    }
    const decimal = fromNumber(x)
    this.addBig(decimal.value, decimal.scale)
  }

  /** Adds an exact decimal. */
  addDecimal(decimal: BigDecimal.BigDecimal): void {
    this.addBig(decimal.value, decimal.scale)
  }

  /** The sum so far, normalised. */
  value(): BigDecimal.BigDecimal {
    return BigDecimal.normalize(BigDecimal.make(this.big + BigInt(this.units), this.scale))
  }

  private tryAddUnits(x: number, scale: number): boolean {
    const power = powersOfTen[scale]
    const digits = Math.round(x * power)
    if (!(Math.abs(digits) < maxFastDigits) || digits / power !== x) return false
    this.addUnits(digits, scale)
    return true
  }

  private addUnits(digits: number, scale: number): void {
    if (scale > this.scale) this.rescale(scale)
    const shift = this.scale - scale
    if (shift <= maxExactExponent) {
      // Both checks are exact: a product or sum of safe integers that is itself safe was not rounded.
      const units = digits * powersOfTen[shift]
      const next = this.units + units
      if (Number.isSafeInteger(units) && Number.isSafeInteger(next)) {
        this.units = next
        return
      }
    }
    this.big += BigInt(digits) * bigPowerOfTen(shift)
  }

  private addBig(value: bigint, scale: number): void {
    if (scale > this.scale) this.rescale(scale)
    this.big += value * bigPowerOfTen(this.scale - scale)
  }

  private rescale(scale: number): void {
    this.big = (this.big + BigInt(this.units)) * bigPowerOfTen(scale - this.scale)
    this.units = 0
    this.scale = scale
  }
}
