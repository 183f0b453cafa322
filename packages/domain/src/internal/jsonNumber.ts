import * as Equivalence from "effect/Equivalence"
import type * as FastCheck from "effect/FastCheck"
import * as ParseResult from "effect/ParseResult"
import type * as AST from "effect/SchemaAST"

/** Whether a value is a number JSON text can carry and `Json.stringify` can write: any but `NaN`. */
export const isJsonNumber = (u: unknown): u is number => typeof u === "number" && u === u

export const decode = (input: unknown, _: unknown, ast: AST.Declaration) => {
  if (isJsonNumber(input)) return ParseResult.succeed(input)
  // `Json.parse` keeps an integer literal beyond 2^53 exact as a bigint; where a number is wanted, it is the nearest
  // number, as `JSON.parse` would have read it (the infinities beyond the largest double).
  if (typeof input === "bigint") return ParseResult.succeed(Number(input))
  return ParseResult.fail(new ParseResult.Type(ast, input, typeof input === "number" ? nanMessage : undefined))
}

export const encode = (input: unknown, _: unknown, ast: AST.Declaration) =>
  isJsonNumber(input)
    ? ParseResult.succeed(input)
    : ParseResult.fail(new ParseResult.Type(ast, input, typeof input === "number" ? nanMessage : undefined))

const nanMessage = "Expected number, actual NaN (JSON has no NaN)"

/**
 * Numbers where JSON and its readers break, so that property tests meet them far more often than uniform doubles
 * would: around 2^53, where `JSON.stringify` starts and stops writing integers digit for digit (1e21), the smallest
 * and largest doubles, the infinities `JSON.parse` makes of `1e400`, and `-0`.
 */
export const boundaries: ReadonlyArray<number> = [
  0,
  -0,
  2 ** 53 - 1,
  -(2 ** 53 - 1),
  2 ** 53,
  2 ** 53 + 2,
  -(2 ** 53 + 2),
  1e16,
  -1e20,
  2 ** 64,
  999999999999999900000,
  1e21,
  -1e21,
  5e-324,
  -5e-324,
  1.7976931348623157e308,
  -1.7976931348623157e308,
  Infinity,
  -Infinity
]

export const arbitrary = () => (fc: typeof FastCheck) =>
  fc.oneof(fc.double({ noNaN: true }), fc.constantFrom(...boundaries))

export const equivalence = () => Equivalence.number
