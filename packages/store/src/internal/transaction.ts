import type * as SqlClient from "@effect/sql/SqlClient"
import * as SqlError from "@effect/sql/SqlError"
import * as Effect from "effect/Effect"

/**
 * `sql.withTransaction`, failing rather than dying when the transaction cannot end. `@effect/sql` turns a failed
 * `COMMIT` or `ROLLBACK` into a defect and drops the statement's own error, and both happen whenever the database
 * goes away mid-transaction: SQLite rolls back by itself on a full disk (so `ROLLBACK` finds nothing to end), and a
 * lost PostgreSQL connection fails every statement after. The first error the statements met is kept, since it says
 * why; the transaction's own error stands in only when there is none.
 */
export const transaction =
  (sql: SqlClient.SqlClient) =>
  <A, R>(effect: Effect.Effect<A, SqlError.SqlError, R>): Effect.Effect<A, SqlError.SqlError, R> =>
    Effect.suspend(() => {
      let first: SqlError.SqlError | undefined
      return sql.withTransaction(Effect.tapError(effect, (error) => Effect.sync(() => (first ??= error)))).pipe(
        Effect.catchAllDefect((defect) =>
          first !== undefined
            ? Effect.fail(first)
            : defect instanceof SqlError.SqlError
            ? Effect.fail(defect)
            : Effect.die(defect)
        )
      )
    })
