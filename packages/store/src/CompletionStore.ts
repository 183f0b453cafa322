/**
 * The store of completions on `@effect/sql`: one code path through `SqlClient` for SQLite and PostgreSQL. It keeps
 * each completion's stored body as its exact JSON text beside the columns that filters and cost rollups read,
 * streams stored completions back decoded with the domain schemas, and rolls costs up in SQL, exactly as
 * `Cost.summarize` would over the same completions.
 *
 * @example
 * ```ts
 * import { Cost } from "@objectiveai-effect/analysis"
 * import { CompletionStore, Database } from "@objectiveai-effect/store"
 * import { Effect, Stream } from "effect"
 *
 * const program = Effect.gen(function*() {
 *   const store = yield* CompletionStore.CompletionStore
 *   const byModelAndDay = yield* store.rollup({ by: ["model", "day"], timeZone: "Europe/Paris" })
 *   const lastWeek = yield* store.stream({ since: new Date(Date.now() - 7 * 86_400_000) }).pipe(
 *     Stream.map((stored) => stored.response),
 *     Stream.run(Cost.sink({ by: "provider" }))
 *   )
 * }).pipe(Effect.provide(CompletionStore.layer(Database.fromString("completions.sqlite"))))
 * ```
 *
 * @since 0.1.0
 */
import * as Migrator from "@effect/sql/Migrator"
import * as SqlClient from "@effect/sql/SqlClient"
import type { SqlError } from "@effect/sql/SqlError"
import type * as Statement from "@effect/sql/Statement"
import type { Cost } from "@objectiveai-effect/analysis"
import type { StoredChatCompletion } from "@objectiveai-effect/domain"
import * as BigDecimal from "effect/BigDecimal"
import * as Chunk from "effect/Chunk"
import type * as ConfigError from "effect/ConfigError"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import * as Database from "./Database.js"
import * as Amount from "./internal/amount.js"
import * as Body from "./internal/body.js"
import { migrations } from "./internal/migrations.js"
import { reasonOf } from "./internal/reason.js"
import { completionsTable, dayLabel, failuresTable, migrationsTable, stateTable, toRow } from "./internal/row.js"
import * as TimeZone from "./internal/timeZone.js"
import * as Transaction from "./internal/transaction.js"
import * as StoreError from "./StoreError.js"

/**
 * Which stored completions to read: `created` in `[since, until)`, and among the models and providers named (all of
 * them when a list is absent).
 *
 * @since 0.1.0
 * @category models
 */
export interface Filter {
  readonly since?: Date | undefined
  readonly until?: Date | undefined
  readonly models?: ReadonlyArray<string> | undefined
  readonly providers?: ReadonlyArray<string> | undefined
}

/**
 * What {@link Service.stream} and {@link Service.bodies} read: in `order` of `created`, then id (oldest first by
 * default; newest first is the API's list order), `pageSize` rows per query ({@link pageSize} by default).
 *
 * @since 0.1.0
 * @category models
 */
export interface StreamOptions extends Filter {
  readonly order?: "oldest" | "newest" | undefined
  readonly pageSize?: number | undefined
}

/**
 * How to roll costs up: by model, provider, day or a combination (one group per combination of values, as
 * `Cost.summarize`'s `by`), days in `timeZone` (an IANA zone; UTC by default).
 *
 * @since 0.1.0
 * @category models
 */
export interface RollupOptions extends Filter {
  readonly by?: Cost.Dimension | ReadonlyArray<Cost.Dimension> | undefined
  readonly timeZone?: string | undefined
}

/**
 * An id whose retrieve failed and that a sync retries: the client error's tag, a one-line reason, how many syncs
 * have failed it and when the last one did (Unix milliseconds).
 *
 * @since 0.1.0
 * @category models
 */
export const Failure = Schema.Struct({
  id: Schema.String,
  error: Schema.String,
  reason: Schema.String,
  attempts: Schema.Number,
  lastAttempt: Schema.Number
}).annotations({ identifier: "StoreFailure" })
/**
 * @since 0.1.0
 * @category models
 */
export interface Failure extends Schema.Schema.Type<typeof Failure> {}

/**
 * A stored completion's id with its body, the exact JSON text the API sent.
 *
 * @since 0.1.0
 * @category models
 */
export interface StoredBody {
  readonly id: string
  readonly body: string
}

/**
 * The store's operations. Writes are idempotent (a completion is stored once, whoever writes it and however often)
 * and atomic per call.
 *
 * @since 0.1.0
 * @category models
 */
export interface Service {
  /** The database's name in messages (a file, or a URL without its password). */
  readonly location: string
  /** Stores completions not stored yet and forgets their failures; the ids this call stored. */
  readonly put: (
    completions: ReadonlyArray<StoredChatCompletion.StoredChatCompletion>
  ) => Effect.Effect<ReadonlyArray<string>, StoreError.StoreError>
  /** Which of these ids are stored. */
  readonly storedIds: (ids: ReadonlyArray<string>) => Effect.Effect<ReadonlySet<string>, StoreError.StoreError>
  /** Records failed retrieves (an id already stored is skipped); an id recorded before counts one more attempt. */
  readonly recordFailures: (
    failures: ReadonlyArray<Pick<Failure, "id" | "error" | "reason">>
  ) => Effect.Effect<void, StoreError.StoreError>
  /** The ids whose last retrieve failed, oldest failure first. */
  readonly failures: Effect.Effect<ReadonlyArray<Failure>, StoreError.StoreError>
  /** A named integer kept between runs (a sync's listing watermark, say). */
  readonly getState: (name: string) => Effect.Effect<Option.Option<number>, StoreError.StoreError>
  /** Raises a named integer to `value`; a lower value leaves it as it is, so concurrent writers never move it back. */
  readonly raiseState: (name: string, value: number) => Effect.Effect<void, StoreError.StoreError>
  /** How many stored completions match. */
  readonly count: (filter?: Filter) => Effect.Effect<number, StoreError.StoreError>
  /** The matching bodies as stored, read a page at a time. */
  readonly bodies: (options?: StreamOptions) => Stream.Stream<StoredBody, StoreError.StoreError>
  /** The matching completions, decoded losslessly with the domain schema. */
  readonly stream: (
    options?: StreamOptions
  ) => Stream.Stream<StoredChatCompletion.StoredChatCompletion, StoreError.StoreError>
  /** Cost totals computed in SQL, equal to `Cost.summarize` over the matching completions. */
  readonly rollup: (options?: RollupOptions) => Effect.Effect<Cost.CostSummary, StoreError.StoreError>
}

/**
 * The service tag.
 *
 * @since 0.1.0
 * @category tags
 */
export class CompletionStore extends Context.Tag("@objectiveai-effect/store/CompletionStore")<
  CompletionStore,
  Service
>() {}

/**
 * Rows read per query by {@link Service.stream} and {@link Service.bodies}.
 *
 * @since 0.1.0
 * @category constants
 */
export const pageSize = 1000

// SQLite allows 32,766 parameters per statement; a batch of this many rows of 26 columns stays well inside.
const insertBatch = 500

const sqliteCorruption = new Set(["SQLITE_NOTADB", "SQLITE_CORRUPT"])

const codeOf = (cause: unknown): unknown =>
  typeof cause === "object" && cause !== null && "code" in cause ? cause.code : undefined

const messageOf = (cause: unknown): string => cause instanceof Error ? cause.message : String(cause)

const toNumber = (value: unknown): number =>
  typeof value === "number" ? value : value === null || value === undefined ? 0 : Number(value)

const seconds = (date: Date): number => Math.floor(date.getTime() / 1000)

const secondsPerDay = 86_400

/** The store's three costs, as `Cost.Totals` names them and as their columns are prefixed. */
const amounts = [
  ["cost", "cost"],
  ["upstreamInferenceCost", "upstream_cost"],
  ["upstreamUpstreamInferenceCost", "byok_upstream_cost"]
] as const

type AmountName = typeof amounts[number][0]

interface Totals {
  completions: number
  unpriced: number
  byok: number
  tokens: Cost.Tokens
  readonly amounts: Record<AmountName, BigDecimal.BigDecimal>
}

const emptyTotals = (): Totals => ({
  completions: 0,
  unpriced: 0,
  byok: 0,
  tokens: { prompt: 0, completion: 0, cached: 0, cacheWrite: 0, reasoning: 0, promptAudio: 0, completionAudio: 0 },
  amounts: { cost: Amount.zero, upstreamInferenceCost: Amount.zero, upstreamUpstreamInferenceCost: Amount.zero }
})

const toCostTotals = (totals: Totals): Cost.Totals => ({
  completions: totals.completions,
  unpriced: totals.unpriced,
  byok: totals.byok,
  cost: totals.amounts.cost,
  upstreamInferenceCost: totals.amounts.upstreamInferenceCost,
  upstreamUpstreamInferenceCost: totals.amounts.upstreamUpstreamInferenceCost,
  tokens: totals.tokens
})

const addTotals = (self: Totals, that: Totals): void => {
  self.completions += that.completions
  self.unpriced += that.unpriced
  self.byok += that.byok
  const tokens = { ...self.tokens }
  for (const field of Object.keys(tokens) as Array<keyof Cost.Tokens>) tokens[field] += that.tokens[field]
  self.tokens = tokens
  for (const [name] of amounts) {
    self.amounts[name] = BigDecimal.normalize(BigDecimal.sum(self.amounts[name], that.amounts[name]))
  }
}

/** Keys in `Cost`'s order: element by element, `null` first, strings by code unit. */
const compareKeys = (self: ReadonlyArray<string | null>, that: ReadonlyArray<string | null>): number => {
  for (let i = 0; i < Math.min(self.length, that.length); i++) {
    const a = self[i]
    const b = that[i]
    if (a === b) continue
    if (a === null) return -1
    if (b === null) return 1
    return a < b ? -1 : 1
  }
  return self.length - that.length
}

const dimensionsOf = (by: RollupOptions["by"]): ReadonlyArray<Cost.Dimension> =>
  by === undefined ? [] : typeof by === "string" ? [by] : by

const isUtc = (timeZone: string | undefined): boolean =>
  timeZone === undefined || timeZone === "UTC" || timeZone === "Etc/UTC"

/**
 * Builds the service on the application's `SqlClient`: refuses a database that holds another application's tables
 * (`ForeignDatabase`) or is not a database (`CorruptDatabase`) before writing anything, then runs the store's
 * migrations (on PostgreSQL under an advisory lock, so that stores opened at once migrate once).
 *
 * @since 0.1.0
 * @category constructors
 */
export const make: Effect.Effect<Service, StoreError.StoreError, SqlClient.SqlClient> = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  const location = yield* Database.DatabaseName

  const failed = (operation: string) => (error: SqlError | Migrator.MigrationError): StoreError.StoreError => {
    const cause = error._tag === "SqlError" ? error.cause : error.cause ?? error
    return sqliteCorruption.has(String(codeOf(cause)))
      ? new StoreError.CorruptDatabase({ location, reason: messageOf(cause) })
      : new StoreError.DatabaseError({ location, operation, reason: reasonOf(cause) })
  }
  const transaction = Transaction.transaction(sql)

  const tables = sql.onDialectOrElse({
    pg: () =>
      sql<{ name: string }>`SELECT table_name AS name FROM information_schema.tables
        WHERE table_schema = current_schema() ORDER BY table_name`,
    orElse: () =>
      sql<{ name: string }>`SELECT name FROM sqlite_master
        WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`
  })

  const checkOwnership = Effect.flatMap(tables, (rows) => {
    const names = rows.map((row) => row.name)
    return names.length > 0 && !names.includes(migrationsTable)
      ? Effect.fail(new StoreError.ForeignDatabase({ location, tables: names }))
      : Effect.void
  })

  const migrate = Migrator.make({})({ loader: Migrator.fromRecord(migrations), table: migrationsTable })
  const prepare = Effect.zipRight(checkOwnership, migrate)
  const readOnly = yield* Database.ReadOnly
  if (readOnly) {
    yield* Effect.zipRight(checkOwnership, checkReadable(sql, location)).pipe(
      Effect.catchTag("SqlError", (error) => Effect.fail(failed("opening the store")(error)))
    )
  }
  yield* sql.onDialectOrElse({
    // One advisory lock for every process that opens the store: the second waits, then finds the tables made.
    // The migrations table is made here, as the Migrator would: its own probe for the table fails when it is
    // missing, which would abort this transaction.
    pg: () =>
      sql.withTransaction(
        sql`SELECT pg_advisory_xact_lock(${lockKey})`.pipe(
          Effect.zipRight(checkOwnership),
          Effect.zipRight(sql`CREATE TABLE IF NOT EXISTS ${sql(migrationsTable)} (
            migration_id integer primary key,
            created_at timestamp with time zone not null default now(),
            name text not null
          )`),
          Effect.zipRight(migrate)
        )
      ).pipe(Effect.asVoid),
    orElse: () =>
      Effect.zipRight(
        prepare,
        location === ":memory:" ? Effect.void : Effect.asVoid(sql`PRAGMA journal_mode = WAL`)
      ).pipe(Effect.asVoid)
  }).pipe(
    // A store opened read-only was checked above: it writes nothing, not even a journal mode.
    Effect.unless(() => readOnly),
    Effect.catchTags({
      SqlError: (error) => Effect.fail(failed("opening the store")(error)),
      MigrationError: (error) => Effect.fail(failed("migrating the store")(error))
    })
  )

  const table = sql(completionsTable)

  const where = (filter: Filter, extra: ReadonlyArray<Statement.Fragment> = []): Statement.Fragment => {
    const clauses: Array<Statement.Fragment> = [...extra]
    if (filter.since !== undefined) clauses.push(sql`created >= ${seconds(filter.since)}`)
    if (filter.until !== undefined) clauses.push(sql`created < ${seconds(filter.until)}`)
    if (filter.models !== undefined) {
      clauses.push(filter.models.length === 0 ? sql`1 = 0` : sql.in("model", filter.models))
    }
    if (filter.providers !== undefined) {
      clauses.push(filter.providers.length === 0 ? sql`1 = 0` : sql.in("provider", filter.providers))
    }
    return clauses.length === 0 ? sql`` : sql`WHERE ${sql.and(clauses)}`
  }

  const putBatch = (batch: ReadonlyArray<StoredChatCompletion.StoredChatCompletion>) => {
    const rows = batch.map(toRow)
    return transaction(
      Effect.zipLeft(
        sql<{ id: string }>`INSERT INTO ${table} ${sql.insert(rows.map((row) => ({ ...row })))}
          ON CONFLICT (id) DO NOTHING RETURNING id`,
        sql`DELETE FROM ${sql(failuresTable)} WHERE ${sql.in("id", rows.map((row) => row.id))}`
      )
    ).pipe(Effect.map((inserted) => inserted.map((row) => row.id)))
  }

  const put: Service["put"] = (completions) =>
    Effect.forEach(chunksOf(completions, insertBatch), putBatch).pipe(
      Effect.map((batches) => batches.flat()),
      Effect.mapError(failed("storing completions")),
      Effect.withSpan("CompletionStore.put", { attributes: { completions: completions.length } })
    )

  const storedIds: Service["storedIds"] = (ids) =>
    ids.length === 0
      ? Effect.succeed(new Set())
      : Effect.forEach(
        chunksOf(ids, insertBatch),
        (batch) => sql<{ id: string }>`SELECT id FROM ${table} WHERE ${sql.in("id", batch)}`
      ).pipe(
        Effect.map((batches) => new Set(batches.flat().map((row) => row.id))),
        Effect.mapError(failed("reading stored ids"))
      )

  const recordFailures: Service["recordFailures"] = (failures) =>
    Effect.forEach(
      failures,
      ({ error, id, reason }) =>
        sql`INSERT INTO ${sql(failuresTable)} (id, error, reason, attempts, last_attempt)
        SELECT ${id}, ${error}, ${reason}, 1, CAST(${Date.now()} AS BIGINT)
        WHERE NOT EXISTS (SELECT 1 FROM ${table} WHERE id = ${id})
        ON CONFLICT (id) DO UPDATE SET error = excluded.error, reason = excluded.reason,
          attempts = ${sql(failuresTable)}.attempts + 1, last_attempt = excluded.last_attempt`,
      { discard: true }
    ).pipe(
      transaction,
      Effect.mapError(failed("recording failures"))
    )

  const failures: Service["failures"] = sql<
    { id: string; error: string; reason: string; attempts: unknown; last_attempt: unknown }
  >`SELECT id, error, reason, attempts, last_attempt FROM ${sql(failuresTable)}
      WHERE NOT EXISTS (SELECT 1 FROM ${table} WHERE ${table}.id = ${sql(failuresTable)}.id)
      ORDER BY last_attempt, id`.pipe(
    Effect.map((rows) =>
      rows.map((row): Failure => ({
        id: row.id,
        error: row.error,
        reason: row.reason,
        attempts: toNumber(row.attempts),
        lastAttempt: toNumber(row.last_attempt)
      }))
    ),
    Effect.mapError(failed("reading failures"))
  )

  const getState: Service["getState"] = (name) =>
    sql<{ value: unknown }>`SELECT value FROM ${sql(stateTable)} WHERE name = ${name}`.pipe(
      Effect.map((rows) => rows.length === 0 ? Option.none() : Option.some(toNumber(rows[0].value))),
      Effect.mapError(failed("reading the sync state"))
    )

  const raiseState: Service["raiseState"] = (name, value) =>
    sql`INSERT INTO ${sql(stateTable)} (name, value) VALUES (${name}, ${value})
      ON CONFLICT (name) DO UPDATE SET value = excluded.value WHERE ${sql(stateTable)}.value < excluded.value`.pipe(
      Effect.asVoid,
      Effect.mapError(failed("writing the sync state"))
    )

  const count: Service["count"] = (filter = {}) =>
    sql<{ count: unknown }>`SELECT COUNT(*) AS count FROM ${table} ${where(filter)}`.pipe(
      Effect.map((rows) => toNumber(rows[0]?.count)),
      Effect.mapError(failed("counting completions"))
    )

  // Keyset pages on (created, id): each query starts where the last one ended, so a page costs the same however deep
  // the stream has gone, and rows written meanwhile never shift what is still to come.
  const bodies: Service["bodies"] = (options = {}) => {
    const limit = options.pageSize ?? pageSize
    const newest = options.order === "newest"
    const direction = sql.literal(newest ? "DESC" : "ASC")
    const beyond = sql.literal(newest ? "<" : ">")
    return Stream.paginateChunkEffect(
      Option.none<{ readonly created: number; readonly id: string }>(),
      (after) =>
        sql<{ id: string; created: unknown; body: string }>`SELECT id, created, body FROM ${table} ${
          where(
            options,
            Option.match(after, {
              onNone: () => [],
              onSome: ({ created, id }) => [
                sql`(created ${beyond} ${created} OR (created = ${created} AND id ${beyond} ${id}))`
              ]
            })
          )
        } ORDER BY created ${direction}, id ${direction} LIMIT ${limit}`.pipe(
          Effect.map((rows) => {
            const last = rows[rows.length - 1]
            return [
              Chunk.unsafeFromArray(rows.map(({ body, id }): StoredBody => ({ id, body }))),
              rows.length < limit
                ? Option.none()
                : Option.some(Option.some({ created: toNumber(last.created), id: last.id }))
            ] as const
          }),
          Effect.mapError(failed("reading completions"))
        )
    )
  }

  const stream: Service["stream"] = (options) =>
    bodies(options).pipe(
      Stream.mapChunksEffect((chunk) =>
        Effect.forEach(chunk, ({ body, id }) =>
          Either.match(Body.decode(body), {
            onLeft: (reason) => Effect.fail(new StoreError.InvalidStoredBody({ id, reason })),
            onRight: Effect.succeed
          })).pipe(Effect.map(Chunk.unsafeFromArray))
      )
    )

  const dayExpression = (options: RollupOptions): Effect.Effect<Statement.Fragment, StoreError.StoreError> => {
    const timeZone = options.timeZone
    if (isUtc(timeZone)) return Effect.succeed(sql`day`)
    const format = TimeZone.formatter(timeZone!)
    if (format === undefined) return Effect.fail(new StoreError.UnknownTimeZone({ timeZone: timeZone! }))
    return sql<{ low: unknown; high: unknown }>`SELECT MIN(created) AS low, MAX(created) AS high FROM ${table} ${
      where(options)
    }`.pipe(
      Effect.mapError(failed("rolling costs up")),
      Effect.map(([range]) => {
        const segments = range?.low == null ? [] : TimeZone.segments(format, toNumber(range.low), toNumber(range.high))
        const offset = segments.length <= 1
          ? sql.literal(String(segments[0]?.offset ?? 0))
          : sql`CASE ${
            sql.literal(
              segments.slice(1).map((segment, i) => `WHEN created < ${segment.start} THEN ${segments[i].offset}`).join(
                " "
              )
            )
          } ELSE ${sql.literal(String(segments[segments.length - 1].offset))} END`
        // Floor division, whatever the sign: both engines truncate integer division towards zero.
        return sql`((created + ${offset}) - ((((created + ${offset}) % ${sql.literal(String(secondsPerDay))}) + ${
          sql.literal(String(secondsPerDay))
        }) % ${sql.literal(String(secondsPerDay))})) / ${sql.literal(String(secondsPerDay))}`
      })
    )
  }

  const rollup: Service["rollup"] = (options = {}) =>
    Effect.gen(function*() {
      const dimensions = dimensionsOf(options.by)
      const day = dimensions.includes("day") ? yield* dayExpression(options) : sql``
      const expressions = dimensions.map((dimension) =>
        dimension === "model" ? sql`model` : dimension === "provider" ? sql`provider` : day
      )
      const labelDay = isUtc(options.timeZone)
        ? (value: unknown) => value as string | null
        : (value: unknown) => value === null ? null : dayLabel(toNumber(value))
      const keyOf = (row: Record<string, unknown>): Array<string | null> =>
        dimensions.map((dimension, i) => {
          const value = row[`k${i}`] ?? null
          return dimension === "day" ? labelDay(value) : value as string | null
        })
      const selectKeys = expressions.length === 0
        ? sql``
        : sql`${sql.csv(expressions.map((expression, i) => sql`${expression} AS ${sql(`k${i}`)}`))},`
      const groupKeys = expressions.map((_, i) => sql.literal(String(i + 1)))
      // One scan: grouped by the keys and by each amount's scale, so that every sum stays an exact integer sum.
      const scales = amounts.map(([, prefix]) => sql`${sql(`${prefix}_scale`)}`)
      const rows = yield* sql<Record<string, unknown>>`SELECT ${selectKeys} ${
        sql.csv(amounts.map(([, prefix], i) => sql`${sql(`${prefix}_scale`)} AS ${sql(`scale${i}`)}`))
      }, ${
        sql.csv(
          amounts.map(([, prefix], i) =>
            sql`SUM(${sql(`${prefix}_high`)}) AS ${sql(`high${i}`)}, SUM(${sql(`${prefix}_low`)}) AS ${sql(`low${i}`)}`
          )
        )
      }, COUNT(*) AS completions, SUM(is_byok) AS byok,
        SUM(prompt_tokens) AS prompt, SUM(completion_tokens) AS completion, SUM(cached_tokens) AS cached,
        SUM(cache_write_tokens) AS cache_write, SUM(reasoning_tokens) AS reasoning,
        SUM(prompt_audio_tokens) AS prompt_audio, SUM(completion_audio_tokens) AS completion_audio
        FROM ${table} ${where(options)} GROUP BY ${sql.csv([...groupKeys, ...scales])}`.pipe(
        // Integers past 2^53 must not round on the way out of SQLite.
        Effect.provideService(SqlClient.SafeIntegers, true)
      )

      const groups = new Map<string, { readonly key: Array<string | null>; readonly totals: Totals }>()
      for (const row of rows) {
        const key = keyOf(row)
        const id = JSON.stringify(key)
        let group = groups.get(id)
        if (group === undefined) {
          group = { key, totals: emptyTotals() }
          groups.set(id, group)
        }
        const completions = toNumber(row.completions)
        const totals: Totals = {
          ...emptyTotals(),
          completions,
          unpriced: row.scale0 == null ? completions : 0,
          byok: toNumber(row.byok),
          tokens: {
            prompt: toNumber(row.prompt),
            completion: toNumber(row.completion),
            cached: toNumber(row.cached),
            cacheWrite: toNumber(row.cache_write),
            reasoning: toNumber(row.reasoning),
            promptAudio: toNumber(row.prompt_audio),
            completionAudio: toNumber(row.completion_audio)
          }
        }
        amounts.forEach(([name], i) => {
          if (row[`scale${i}`] != null) {
            totals.amounts[name] = Amount.combine(
              totals.amounts[name],
              row[`scale${i}`],
              row[`high${i}`],
              row[`low${i}`]
            )
          }
        })
        addTotals(group.totals, totals)
      }

      const total = emptyTotals()
      for (const group of groups.values()) addTotals(total, group.totals)
      return {
        total: toCostTotals(total),
        groups: dimensions.length === 0
          ? []
          : Array.from(groups.values(), ({ key, totals }): Cost.Group => ({ key, totals: toCostTotals(totals) }))
            .sort((a, b) => compareKeys(a.key, b.key))
      }
    }).pipe(
      Effect.catchTag("SqlError", (error) => Effect.fail(failed("rolling costs up")(error))),
      Effect.withSpan("CompletionStore.rollup")
    )

  return CompletionStore.of({
    location,
    put,
    storedIds,
    recordFailures,
    failures,
    getState,
    raiseState,
    count,
    bodies,
    stream,
    rollup
  })
})

/**
 * What a store opened read-only checks instead of migrating: that the database holds the store, and that every
 * migration has run, since none can run on it.
 */
const checkReadable = (
  sql: SqlClient.SqlClient,
  location: string
): Effect.Effect<void, SqlError | StoreError.MissingStore | StoreError.OutdatedStore> =>
  Effect.gen(function*() {
    const present = yield* sql.onDialectOrElse({
      pg: () =>
        sql<{ name: string }>`SELECT table_name AS name FROM information_schema.tables
          WHERE table_schema = current_schema() AND table_name = ${migrationsTable}`,
      orElse: () =>
        sql<{ name: string }>`SELECT name FROM sqlite_master WHERE type = 'table' AND name = ${migrationsTable}`
    })
    if (present.length === 0) return yield* Effect.fail(new StoreError.MissingStore({ location }))
    const ran = yield* sql<{ id: unknown }>`SELECT migration_id AS id FROM ${sql(migrationsTable)}`
    const done = new Set(ran.map((row) => toNumber(row.id)))
    const pending = Object.keys(migrations).filter((name) => !done.has(Number.parseInt(name, 10)))
    if (pending.length > 0) {
      return yield* Effect.fail(new StoreError.OutdatedStore({ location, pending }))
    }
  })

// "objectiveai" as a 32-bit integer: the advisory lock the store's migrations take on PostgreSQL.
const lockKey = 0x6f626a61

const chunksOf = <A>(items: ReadonlyArray<A>, size: number): Array<ReadonlyArray<A>> => {
  const chunks: Array<ReadonlyArray<A>> = []
  for (let at = 0; at < items.length; at += size) chunks.push(items.slice(at, at + size))
  return chunks
}

/**
 * The store on the application's `SqlClient` (its {@link Database.DatabaseName} names it in errors).
 *
 * @since 0.1.0
 * @category layers
 */
export const layerSqlClient: Layer.Layer<CompletionStore, StoreError.StoreError, SqlClient.SqlClient> = Layer.effect(
  CompletionStore,
  make
)

/**
 * The store in a database: a SQLite file (created when missing) or a PostgreSQL URL. With `readOnly` it only reads
 * an existing store (see {@link Database.OpenOptions}); a store written by an earlier version is then opened for
 * writing once, to run its migrations.
 *
 * @example
 * ```ts
 * import { CompletionStore, Database } from "@objectiveai-effect/store"
 *
 * const StoreLive = CompletionStore.layer(Database.fromString(process.env.DATABASE_URL ?? "completions.sqlite"))
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (
  location: Database.Location,
  options?: Database.OpenOptions
): Layer.Layer<CompletionStore, StoreError.StoreError> => {
  // Fresh: within one build a layer is built once, and the read-only attempt has already built (and failed) it.
  const writable = Layer.fresh(layerSqlClient).pipe(Layer.provide(Database.layer(location)))
  return options?.readOnly === true
    ? layerSqlClient.pipe(
      Layer.provide(Database.layer(location, options)),
      Layer.catchAll((error) => error._tag === "OutdatedStore" ? writable : Layer.fail(error))
    )
    : writable
}

/**
 * The store at `OBJECTIVEAI_DATABASE` (a SQLite file or a PostgreSQL URL), or in {@link Database.defaultSqliteFile}.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerConfig: Layer.Layer<CompletionStore, StoreError.StoreError | ConfigError.ConfigError> = Layer
  .unwrapEffect(Effect.map(Database.config, layer))
