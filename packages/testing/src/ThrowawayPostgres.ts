/**
 * A throwaway PostgreSQL database, for the tests' store engines and the store's benchmark alike: it imports nothing of
 * the store, so that the tests (on the store's source) and the benchmark (on the built package) each make their
 * `Location` of it.
 */
import * as PgClient from "@effect/sql-pg/PgClient"
import * as SqlClient from "@effect/sql/SqlClient"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import type * as Scope from "effect/Scope"

/**
 * A new database `name` on the server `url` names, created through `url`'s database and dropped (closing whatever
 * still holds it) when the scope closes; its URL.
 */
export const throwawayDatabase = (url: string, name: string): Effect.Effect<Redacted.Redacted, never, Scope.Scope> =>
  Effect.gen(function*() {
    const admin = (statement: string) =>
      Effect.flatMap(SqlClient.SqlClient, (sql) => sql.unsafe(statement)).pipe(
        Effect.provide(PgClient.layer({ url: Redacted.make(url) })),
        Effect.orDie
      )
    yield* Effect.acquireRelease(
      admin(`CREATE DATABASE ${name}`),
      () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
    )
    const fresh = new URL(url)
    fresh.pathname = `/${name}`
    return Redacted.make(fresh.toString())
  })
