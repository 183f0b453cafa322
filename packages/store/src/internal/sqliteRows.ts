/**
 * Rows written on SQLite several per statement, through statements the driver prepared once, on the transaction's own
 * connection. `sql.insert` builds a statement of hundreds of rows per batch, compiles it to text and binds every value
 * again: importing 20,000 sample completions (decoded in a worker thread) cost the writing thread 6.6 s of CPU through
 * `sql.insert` and 5.1 to 5.3 s with a statement per row (measured on a shared two-core machine, two runs each). A
 * statement per row then pays `@effect/sql`'s path around a statement (its prepared-statement cache hashes the whole
 * statement text at every call, and each call is several effects) for every row: about 1.3 s of the writing thread's
 * profile for those 20,000 completions, against about 0.6 s with a statement of up to 64 rows. The row counts of a
 * statement are powers of two, so that a table has a few statement texts, each built and prepared once. SQLite runs in
 * the process, so a statement costs no round trip; PostgreSQL keeps `sql.insert`.
 */
import type * as SqlConnection from "@effect/sql/SqlConnection"
import type * as SqlError from "@effect/sql/SqlError"
import * as Effect from "effect/Effect"

// Rows per statement at most, and parameters: SQLite allows 32,766 bound parameters.
const maxRows = 64
const maxParameters = 30_000

// The statement text of each table, columns, clause after the values and row count, built once.
const texts = new Map<string, string>()

const textOf = (table: string, columns: ReadonlyArray<string>, clause: string, rows: number): string => {
  const key = `${rows} ${table} ${columns.length} ${clause}`
  const known = texts.get(key)
  if (known !== undefined) return known
  const values = `(${columns.map(() => "?").join(", ")})`
  const text = `INSERT INTO ${table} (${columns.join(", ")}) VALUES ${
    Array.from({ length: rows }, () => values).join(", ")
  } ${clause}`
  texts.set(key, text)
  return text
}

/**
 * Inserts rows, each its values in `columns` order, several per statement, unless `clause` (`ON CONFLICT …`, and
 * `RETURNING …` for the rows' outputs) says otherwise; the rows the statements returned.
 */
export const insertAll = (
  connection: SqlConnection.Connection,
  table: string,
  columns: ReadonlyArray<string>,
  rows: ReadonlyArray<ReadonlyArray<unknown>>,
  clause: string = "ON CONFLICT DO NOTHING"
): Effect.Effect<ReadonlyArray<unknown>, SqlError.SqlError> =>
  Effect.suspend(() => {
    const perStatement = Math.min(maxRows, Math.max(1, Math.floor(maxParameters / columns.length)))
    const statements: Array<Effect.Effect<unknown, SqlError.SqlError>> = []
    let start = 0
    while (start < rows.length) {
      // The largest power of two that fits what is left.
      let count = 1
      while (count * 2 <= Math.min(perStatement, rows.length - start)) count *= 2
      const parameters: Array<unknown> = []
      for (let i = start; i < start + count; i++) {
        const row = rows[i]
        for (let j = 0; j < row.length; j++) parameters.push(row[j])
      }
      statements.push(connection.executeRaw(textOf(table, columns, clause, count), parameters))
      start += count
    }
    return Effect.map(
      Effect.all(statements),
      (results) => results.flatMap((result) => Array.isArray(result) ? result : [])
    )
  })
