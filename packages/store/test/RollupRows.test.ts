/**
 * The rollup rows a writer sums before adding them to the store's rollups: one row per key, in key order, with the
 * count and sums exact past 2^53 (a bigint there) and the least values kept, as `COUNT`, `SUM` and `MIN` give them in
 * SQL.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Schema from "effect/Schema"
import { countRollupRows, totalRollupRows } from "../src/internal/row.js"

const Key = Schema.Tuple(Schema.Literal("chat", "search", "summary"), Schema.Int.pipe(Schema.between(-2, 2)))
const Amount = Schema.Int.pipe(Schema.between(0, Number.MAX_SAFE_INTEGER))
const Least = Schema.NullOr(Schema.Number.pipe(Schema.between(-1000, 0)))

// Each key's rows, and the keys in the order their rows must come.
const byKey = <A>(entries: ReadonlyArray<readonly [ReadonlyArray<string | number>, A]>) => {
  const groups = new Map<string, Array<A>>()
  for (const [key, value] of entries) {
    const text = JSON.stringify(key)
    groups.set(text, [...(groups.get(text) ?? []), value])
  }
  return [...groups.entries()].sort(([a], [b]) => a < b ? -1 : a > b ? 1 : 0)
}

// A sum as a rollup row holds it: a number while it is a safe integer, a bigint past that.
const exact = (values: ReadonlyArray<number>) => {
  const sum = values.reduce((total, value) => total + BigInt(value), 0n)
  return sum <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(sum) : sum
}

describe("rollup rows", () => {
  it.prop(
    "counts add up exactly per key, in key order",
    { entries: Schema.Array(Schema.Tuple(Key, Amount)) },
    ({ entries }) => {
      const rows = countRollupRows(entries)
      const expected = byKey(entries).map(([key, counts]) => [...JSON.parse(key), exact(counts)])
      expect(rows).toStrictEqual(expected)
    }
  )

  it.prop(
    "totals add their count and sums exactly and keep the least of each least value, per key, in key order",
    { entries: Schema.Array(Schema.Tuple(Key, Schema.Tuple(Amount, Amount, Least, Least))) },
    ({ entries }) => {
      const rows = totalRollupRows(entries, 2)
      const least = (values: ReadonlyArray<number | null>) =>
        values.reduce<number | null>(
          (lowest, value) => value !== null && (lowest === null || value < lowest) ? value : lowest,
          null
        )
      const expected = byKey(entries).map(([key, totals]) => [
        ...JSON.parse(key),
        exact(totals.map((total) => total[0])),
        exact(totals.map((total) => total[1])),
        least(totals.map((total) => total[2])),
        least(totals.map((total) => total[3]))
      ])
      expect(rows).toStrictEqual(expected)
    }
  )
})
