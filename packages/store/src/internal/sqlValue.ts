import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"

/**
 * An integer as the drivers give it: a bigint (SQLite with safe integers), a number, or text (PostgreSQL's `bigint`
 * and `numeric` sums); `NULL`, the `SUM` of no values, is 0.
 */
export const Integer: Schema.Schema<bigint, unknown> = Schema.transformOrFail(Schema.Unknown, Schema.BigIntFromSelf, {
  strict: true,
  decode: (value, _, ast) => {
    if (typeof value === "bigint") return ParseResult.succeed(value)
    if (value === null || value === undefined) return ParseResult.succeed(0n)
    if (typeof value === "number" && Number.isSafeInteger(value)) return ParseResult.succeed(BigInt(value))
    if (typeof value === "string" && /^-?\d+$/.test(value)) return ParseResult.succeed(BigInt(value))
    return ParseResult.fail(new ParseResult.Type(ast, value, `Expected an integer, got ${String(value)}`))
  },
  encode: ParseResult.succeed
})

/** A count: an {@link Integer} read as a number. */
export const Count: Schema.Schema<number, unknown> = Schema.transform(Integer, Schema.Number, {
  strict: true,
  decode: Number,
  encode: (count) => BigInt(count)
})

/** A `DOUBLE PRECISION` value, or `NULL`. */
export const Double: Schema.Schema<number | null, unknown> = Schema.transformOrFail(
  Schema.Unknown,
  Schema.NullOr(Schema.Number),
  {
    strict: true,
    decode: (value, _, ast) =>
      value === null || value === undefined
        ? ParseResult.succeed(null)
        : typeof value === "number"
        ? ParseResult.succeed(value)
        : typeof value === "string" && value.trim() !== "" && !Number.isNaN(Number(value))
        ? ParseResult.succeed(Number(value))
        : ParseResult.fail(new ParseResult.Type(ast, value, `Expected a number, got ${String(value)}`)),
    encode: ParseResult.succeed
  }
)

/** A text column, or `NULL`. */
export const Text: Schema.Schema<string | null, unknown> = Schema.transformOrFail(
  Schema.Unknown,
  Schema.NullOr(Schema.String),
  {
    strict: true,
    decode: (value, _, ast) =>
      value === null || value === undefined
        ? ParseResult.succeed(null)
        : typeof value === "string"
        ? ParseResult.succeed(value)
        : ParseResult.fail(new ParseResult.Type(ast, value, `Expected text, got ${String(value)}`)),
    encode: ParseResult.succeed
  }
)
