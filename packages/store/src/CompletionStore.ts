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
import { SqlError } from "@effect/sql/SqlError"
import * as SqlSchema from "@effect/sql/SqlSchema"
import type * as Statement from "@effect/sql/Statement"
import type { Report } from "@objectiveai-effect/analysis"
import { CallSummary, Cost, LogprobSummary, ToolCallSummary } from "@objectiveai-effect/analysis"
import type { ChatCompletion, StoredChatCompletion } from "@objectiveai-effect/domain"
import * as BigDecimal from "effect/BigDecimal"
import * as Chunk from "effect/Chunk"
import * as Clock from "effect/Clock"
import type * as ConfigError from "effect/ConfigError"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import { identity } from "effect/Function"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import * as Database from "./Database.js"
import * as Body from "./internal/body.js"
import * as CapturedRollup from "./internal/capturedRollup.js"
import * as CapturedRow from "./internal/capturedRow.js"
import * as DerivedWriter from "./internal/derivedWriter.js"
import * as Exact from "./internal/exact.js"
import { migrations } from "./internal/migrations.js"
import { reasonOf } from "./internal/reason.js"
import type { parts } from "./internal/row.js"
import {
  type AmountName,
  bucketOf,
  bucketSeconds,
  callRollupTable,
  callsTable,
  callTagsTable,
  capturedBucketSeconds,
  completionColumns,
  completionsTable,
  costSums,
  derive,
  type Derived,
  failuresTable,
  figuresColumns,
  figuresTable,
  limbColumns,
  logprobMinima,
  logprobSums,
  migrationsTable,
  problemColumns,
  problemsTable,
  problemValues,
  record,
  rollupColumns,
  type RollupRow,
  rollupRows,
  rollupTable,
  stateTable,
  tagCallRollupTable,
  tagCostQuarterRollupTable,
  tagCostRollupTable,
  tagQuarterRollupTable,
  tagRollupTable,
  tagToolCallRollupTable,
  tagValuesTable,
  tokens,
  toolCallBucketSeconds,
  toolCallColumns,
  toolCallRollupColumns,
  toolCallRollupRows,
  toolCallRollupTable,
  toolCallsTable,
  toolCallValues,
  upsert
} from "./internal/row.js"
import * as SqliteRows from "./internal/sqliteRows.js"
import * as SqlValue from "./internal/sqlValue.js"
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
  /**
   * Only what captured calls tagged so: for each key, one of its values (every key must match). A completion only
   * synced has no tags and never matches.
   */
  readonly tags?: Readonly<Record<string, ReadonlyArray<string>>> | undefined
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
 * A grouping by the value of a captured call's tag, `tag:feature` say: a completion's key is the value its call was
 * tagged with, `null` when it had none or was not captured.
 *
 * @since 0.2.0
 * @category models
 */
export type TagDimension = `tag:${string}`

/**
 * What the store groups by: a `Cost.Dimension` or a {@link TagDimension}.
 *
 * @since 0.2.0
 * @category models
 */
export type Dimension = Cost.Dimension | TagDimension

/**
 * Whether a dimension groups by a tag.
 *
 * @since 0.2.0
 * @category guards
 */
export const isTagDimension = (dimension: string): dimension is TagDimension => dimension.startsWith("tag:")

/**
 * How to roll costs up: by model, provider, day, a tag or a combination (one group per combination of values, as
 * `Cost.summarize`'s `by`), days in `timeZone` (an IANA zone; UTC by default).
 *
 * @since 0.1.0
 * @category models
 */
export interface RollupOptions extends Filter {
  readonly by?: Dimension | ReadonlyArray<Dimension> | undefined
  readonly timeZone?: string | undefined
}

/**
 * What {@link Service.report} reports on: the completions matching `filter`, days in `timeZone` (an IANA zone; UTC
 * by default), and their cost by the tag `tag` when given (`Report.cost.byTag`).
 *
 * @since 0.2.0
 * @category models
 */
export interface ReportOptions {
  readonly filter?: Filter | undefined
  readonly timeZone?: string | undefined
  readonly tag?: string | undefined
}

/**
 * A call captured as an application made it (see `Capture` in the ingest package): the request as sent, the
 * completion it got (or, for a stream that failed or was stopped midway, the completion merged so far as `partial`),
 * its outcome (`Success`, `Interrupted` or the client error's tag, with the answer's status and request id), its
 * attempts, its times in milliseconds and its tags. `id` names the call, unique among calls.
 *
 * @since 0.2.0
 * @category models
 */
export interface CapturedCall {
  readonly id: string
  readonly operation: "create" | "stream"
  readonly request: StoredChatCompletion.StoredChatCompletionRequest
  readonly completion: ChatCompletion.ChatCompletion | undefined
  readonly partial: ChatCompletion.ChatCompletion | undefined
  readonly outcome: string
  readonly status: number | undefined
  readonly requestId: string | undefined
  readonly message: string | undefined
  readonly attempts: number
  /** Unix milliseconds. */
  readonly startedAt: number
  readonly timeToFirstByte: number | undefined
  readonly timeToFirstChunk: number | undefined
  readonly duration: number
  readonly tags: Readonly<Record<string, string>>
  /** `request` as the JSON text sent, when the caller kept it: stored as it is rather than encoded again. */
  readonly requestJson?: string | undefined
  /** `completion` as the JSON text received, when the caller kept it: stored as it is rather than encoded again. */
  readonly completionJson?: string | undefined
}

/**
 * What a prune dropped: the bodies of `completions` stored completions, and the request (and partial completion)
 * of `calls` captured calls.
 *
 * @since 0.2.0
 * @category models
 */
export interface Pruned {
  readonly completions: number
  readonly calls: number
}

/**
 * The figures of one group of {@link Service.figures}: its key (one value per dimension, a day as `YYYY-MM-DD`), the
 * cost totals of its completions (as `Cost.summarize` gives them) and their logprob summary (as
 * `LogprobSummary.summarize` gives it).
 *
 * @since 0.2.0
 * @category models
 */
export interface FigureGroup {
  readonly key: ReadonlyArray<string | null>
  readonly totals: Cost.Totals
  readonly logprobs: LogprobSummary.LogprobSummary
}

/**
 * What {@link Service.mostExpensive} reads: the matching completions, `limit` of them (10 by default).
 *
 * @since 0.2.0
 * @category models
 */
export interface MostExpensiveOptions extends Filter {
  readonly limit?: number | undefined
}

/**
 * A completion among the most expensive: its id, when it was created (Unix seconds), model, provider, exact cost
 * and its prompt and completion tokens (`null` where the usage did not say).
 *
 * @since 0.2.0
 * @category models
 */
export interface Expensive {
  readonly id: string
  readonly created: number
  readonly model: string
  readonly provider: string | null
  readonly cost: BigDecimal.BigDecimal
  readonly promptTokens: number | null
  readonly completionTokens: number | null
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
 * A completion with the JSON text it was received as (the body of a retrieve: `ObjectiveAiClient.RetrieveResult`'s
 * `json`). `put` stores that text (trimmed) rather than encoding the completion again, and hands it to a writer thread
 * as it is; the text must be the one `completion` was decoded from.
 *
 * @example
 * ```ts
 * import { ObjectiveAiClient } from "@objectiveai-effect/client"
 * import { CompletionStore } from "@objectiveai-effect/store"
 * import { Effect, Stream } from "effect"
 *
 * const storeAll = (ids: ReadonlyArray<string>) =>
 *   Effect.gen(function*() {
 *     const client = yield* ObjectiveAiClient.ObjectiveAiClient
 *     const store = yield* CompletionStore.CompletionStore
 *     const results = yield* Stream.runCollect(client.retrieveMany(ids))
 *     return yield* store.put(
 *       Array.from(results).flatMap((result) =>
 *         result._tag === "Retrieved" ? [CompletionStore.received(result.completion, result.json)] : []
 *       )
 *     )
 *   })
 * ```
 *
 * @since 0.2.0
 * @category constructors
 */
export const received: (
  completion: StoredChatCompletion.StoredChatCompletion,
  json: string
) => StoredChatCompletion.StoredChatCompletion = Body.withText

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
  /**
   * Where a connection of another thread opens this store (capture's writer does), from `Database.SharedLocation`:
   * `None` for a store only this connection reaches. A service that wraps this one to change how it writes sets it
   * to `None`, so that its writes are not bypassed.
   */
  readonly sharedLocation: Option.Option<Database.Location>
  /**
   * Stores completions not stored yet, with the figures the report sums, and forgets their failures; the ids this
   * call stored. Every writer (sync, import, capture) stores through it.
   */
  readonly put: (
    completions: ReadonlyArray<StoredChatCompletion.StoredChatCompletion>
  ) => Effect.Effect<ReadonlyArray<string>, StoreError.StoreError>
  /**
   * Stores captured calls with their tags, and each call's completion through {@link Service.put} (stored once,
   * whichever of capture and sync brought it first). A call already stored is skipped, so a batch can be written
   * again after a failure.
   */
  readonly putCalls: (calls: ReadonlyArray<CapturedCall>) => Effect.Effect<void, StoreError.StoreError>
  /**
   * Drops the bodies of completions created before `before`, and the requests of calls made before it, keeping every
   * figure the report reads: the report is the same before and after. A pruned completion still counts as stored.
   */
  readonly prune: (before: Date) => Effect.Effect<Pruned, StoreError.StoreError>
  /** The tags of the calls captured with these completions, by completion id; a completion without any is absent. */
  readonly tagsOf: (
    ids: ReadonlyArray<string>
  ) => Effect.Effect<ReadonlyMap<string, Readonly<Record<string, string>>>, StoreError.StoreError>
  /** Every tag key of the captured calls with the values it takes, keys and values in order. */
  readonly tagValues: Effect.Effect<Readonly<Record<string, ReadonlyArray<string>>>, StoreError.StoreError>
  /** The matching captured calls and their outcomes by model and by provider, as the report's `calls` section. */
  readonly calls: (filter?: Filter) => Effect.Effect<CallSummary.CallSummary, StoreError.StoreError>
  /** Which of these ids are stored (their bodies may have been pruned). */
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
  /**
   * The report of the matching completions computed in the database from the figures stored with them, reading no
   * body: equal to `Report.summarize` over the same completions, newest first, with the store's failures; with the
   * cost by a tag when asked, and the captured calls' outcomes (`Report.calls`) when the store holds any.
   */
  readonly report: (options?: ReportOptions) => Effect.Effect<Report.Report, StoreError.StoreError>
  /**
   * The cost totals and logprob summary of the matching completions, one per group of `by` (as {@link Service.rollup}
   * groups), summed in the engine in one scan, in key order: each equal to `Cost.summarize` and
   * `LogprobSummary.summarize` over the group's completions.
   */
  readonly figures: (options?: RollupOptions) => Effect.Effect<ReadonlyArray<FigureGroup>, StoreError.StoreError>
  /** The tool calls of the matching completions by tool and outcome, with the first problems, as the report has them. */
  readonly toolCalls: (filter?: Filter) => Effect.Effect<ToolCallSummary.ToolCallSummary, StoreError.StoreError>
  /** The matching completions of the highest cost, highest first (then newest, then by id). */
  readonly mostExpensive: (
    options?: MostExpensiveOptions
  ) => Effect.Effect<ReadonlyArray<Expensive>, StoreError.StoreError>
  /** One stored completion's body, the exact JSON the API sent, if it is stored. */
  readonly body: (id: string) => Effect.Effect<Option.Option<StoredBody>, StoreError.StoreError>
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

/**
 * The name of the state row set once every stored completion has its figures.
 *
 * @since 0.2.0
 * @category constants
 */
export const figuresBackfilled = "figures.backfilled"

// Completions written per transaction; rows per INSERT stay under SQLite's 32,766 parameters. Ids are random, so
// each completion's rows land on pages all over the indexes by id, and a commit writes every page it changed: the more
// completions a transaction holds, the fewer times each page is written. Importing 100,000 sample completions wrote
// 3.5 GB to the WAL at 500 a transaction; at 2,000 the import took 18 s instead of 24 s.
const insertBatch = 2_000
const maxParameters = 30_000

// Bodies decoded per transaction when figures are backfilled: an interrupted backfill loses at most one batch.
const backfillBatch = 500

const sqliteCorruption = new Set(["SQLITE_NOTADB", "SQLITE_CORRUPT"])
const sqliteBusy = new Set(["SQLITE_BUSY", "SQLITE_BUSY_SNAPSHOT", "SQLITE_LOCKED"])

const codeOf = (cause: unknown): unknown =>
  typeof cause === "object" && cause !== null && "code" in cause ? cause.code : undefined

const messageOf = (cause: unknown): string => cause instanceof Error ? cause.message : String(cause)

const seconds = (date: Date): number => Math.floor(date.getTime() / 1000)

const secondsPerDay = 86_400

const byTag = (
  self: { readonly tag_key: string; readonly tag_value: string },
  that: { readonly tag_key: string; readonly tag_value: string }
): number =>
  self.tag_key !== that.tag_key ? (self.tag_key < that.tag_key ? -1 : 1) : self.tag_value < that.tag_value ? -1 : 1

const hasTags = (filter: Filter): boolean => filter.tags !== undefined && Object.keys(filter.tags).length > 0

const dimensionsOf = (by: RollupOptions["by"]): ReadonlyArray<Dimension> =>
  by === undefined ? [] : typeof by === "string" ? [by] : by

const isUtc = (timeZone: string | undefined): boolean =>
  timeZone === undefined || timeZone === "UTC" || timeZone === "Etc/UTC"

const allQuarters = Array.from({ length: CapturedRollup.quartersPerDay }, (_, quarter) => quarter)

const dayAt = (seconds: number) => Math.floor(seconds / secondsPerDay)

/**
 * The places in a UTC day of the quarter hours that may fall on another local day than the day's noon, at any of the
 * zone's offsets: for Europe/Paris (one or two hours ahead) the last eight, in UTC none. A quarter hour that does not
 * move after all is added to its day and taken from it again.
 */
const edgeQuarters = (segments: ReadonlyArray<TimeZone.Segment>): ReadonlyArray<number> => {
  const offsets = Array.from(new Set(segments.map((segment) => segment.offset)))
  return allQuarters.filter((quarter) =>
    offsets.some((own) =>
      offsets.some((noon) => dayAt(quarter * bucketSeconds + own) !== dayAt(secondsPerDay / 2 + noon))
    )
  )
}

const FailureRow = Schema.Struct({
  id: Schema.String,
  error: Schema.String,
  reason: Schema.String,
  attempts: SqlValue.Count,
  last_attempt: SqlValue.Count
})

const ToolCallRow = Schema.Struct({ tool: Schema.String, outcome: Schema.String, calls: SqlValue.Count })

const ProblemRow = Schema.Struct({
  id: Schema.String,
  choice_index: SqlValue.Double,
  call_index: SqlValue.Count,
  tool: Schema.String,
  outcome: Schema.Literal(...ToolCallSummary.outcomes.filter((outcome) => outcome !== "Decoded")),
  reason: Schema.String
})

const OverflowRow = Schema.Struct({
  exact_overflow: Schema.parseJson(Schema.Record({ key: Schema.String, value: Schema.String }))
})

const ExpensiveRow = Schema.Struct({
  id: Schema.String,
  created: SqlValue.Count,
  model: Schema.String,
  provider: SqlValue.Text,
  prompt_tokens: SqlValue.Double,
  completion_tokens: SqlValue.Double,
  ...Object.fromEntries(limbColumns("cost").map((column) => [column, SqlValue.Integer])),
  exact_overflow: Schema.NullOr(Schema.parseJson(Schema.Record({ key: Schema.String, value: Schema.String })))
})

// Highest cost first, then newest, then by id: one order whichever engine ranked the rows.
const expensiveOrder = (self: Expensive, that: Expensive): number =>
  BigDecimal.Order(that.cost, self.cost) || that.created - self.created ||
  (self.id < that.id ? 1 : self.id > that.id ? -1 : 0)

const StateRow = Schema.Struct({ value: SqlValue.Count })

const TagRow = Schema.Struct({ completion_id: Schema.String, tag_key: Schema.String, tag_value: Schema.String })

const CallCountRow = Schema.Struct({ k: SqlValue.Text, outcome: Schema.String, calls: SqlValue.Count })

const BodyRow = Schema.Struct({ id: Schema.String, created: SqlValue.Count, body: Schema.String })

const RangeRow = Schema.Struct({ low: SqlValue.Double, high: SqlValue.Double })

type Summed = Record<string, bigint | number | string | null>

/** The figures of one group of a scan, amounts still open to the overflow column's additions. */
interface GroupFigures {
  readonly key: ReadonlyArray<string | null>
  readonly row: Summed
  readonly overflow: Map<AmountName, BigDecimal.BigDecimal>
}

const countOf = (row: Summed, column: string): number => Number(row[column] ?? 0)

const amountOf = (group: GroupFigures, name: AmountName): BigDecimal.BigDecimal => {
  const summed = Exact.fromLimbSums(limbColumns(name).map((column) => group.row[column]))
  const extra = group.overflow.get(name)
  return extra === undefined ? summed : BigDecimal.normalize(BigDecimal.sum(summed, extra))
}

const totalsOf = (group: GroupFigures): Cost.Totals => ({
  completions: countOf(group.row, "completions"),
  unpriced: countOf(group.row, "unpriced"),
  byok: countOf(group.row, "byok"),
  cost: amountOf(group, "cost"),
  upstreamInferenceCost: amountOf(group, "upstream_cost"),
  upstreamUpstreamInferenceCost: amountOf(group, "byok_upstream_cost"),
  tokens: Object.fromEntries(
    tokens.map(([field, column]) => [field, countOf(group.row, column)])
  ) as unknown as Cost.Tokens
})

const aggregateOf = (group: GroupFigures, part: typeof parts[number]): LogprobSummary.TokenAggregate => {
  const lowest = group.row[`${part}_lowest`]
  return {
    choices: countOf(group.row, `${part}_choices`),
    tokens: countOf(group.row, `${part}_tokens`),
    logprobSum: amountOf(group, `${part}_logprob_sum`),
    lowestLogprob: typeof lowest === "number" ? Option.some(lowest) : Option.none(),
    entropy: { count: countOf(group.row, `${part}_entropy_count`), sum: amountOf(group, `${part}_entropy_sum`) },
    margin: { count: countOf(group.row, `${part}_margin_count`), sum: amountOf(group, `${part}_margin_sum`) },
    placeholders: {
      excluded: countOf(group.row, `${part}_excluded`),
      clamped: countOf(group.row, `${part}_clamped`),
      kept: countOf(group.row, `${part}_kept`)
    }
  }
}

const logprobsOf = (group: GroupFigures): LogprobSummary.LogprobSummary => ({
  choices: countOf(group.row, "choices"),
  content: aggregateOf(group, "content"),
  refusal: aggregateOf(group, "refusal")
})

const byToolName = (self: ToolCallSummary.ToolCount, that: ToolCallSummary.ToolCount) =>
  self.tool < that.tool ? -1 : self.tool > that.tool ? 1 : 0

const chunksOf = <A>(items: ReadonlyArray<A>, size: number): Array<ReadonlyArray<A>> => {
  const chunks: Array<ReadonlyArray<A>> = []
  for (let at = 0; at < items.length; at += size) chunks.push(items.slice(at, at + size))
  return chunks
}

// Writers lock rows in one order, ids by code unit, so that concurrent writers of the same ids wait for each other
// instead of deadlocking.
const byId = <A extends { readonly id: string }>(self: A, that: A) => self.id < that.id ? -1 : self.id > that.id ? 1 : 0

/**
 * Builds the service on the application's `SqlClient`: refuses a database that holds another application's tables
 * (`ForeignDatabase`) or is not a database (`CorruptDatabase`) before writing anything, runs the store's migrations
 * (on PostgreSQL under an advisory lock, so that stores opened at once migrate once), then derives the figures of any
 * completion stored without them (a store written by an earlier version), a batch per transaction.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make: Effect.Effect<Service, StoreError.StoreError, SqlClient.SqlClient> = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  const location = yield* Database.DatabaseName
  const sharedLocation = yield* Database.SharedLocation

  const failed =
    (operation: string) =>
    (error: SqlError | Migrator.MigrationError | ParseResult.ParseError): StoreError.StoreError => {
      if (error._tag === "ParseError") {
        return new StoreError.DatabaseError({
          location,
          operation,
          reason: `a row the store did not write: ${ParseResult.TreeFormatter.formatErrorSync(error)}`,
          cause: error
        })
      }
      const cause = error._tag === "SqlError" ? error.cause : error.cause ?? error
      const code = String(codeOf(cause))
      return sqliteCorruption.has(code)
        ? new StoreError.CorruptDatabase({ location, reason: messageOf(cause) })
        : sqliteBusy.has(code)
        ? new StoreError.DatabaseBusy({ location, operation })
        : new StoreError.DatabaseError({ location, operation, reason: reasonOf(cause), cause })
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
      Effect.catchTags({
        SqlError: (error) => Effect.fail(failed("opening the store")(error)),
        ParseError: (error) => Effect.fail(failed("opening the store")(error))
      })
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
        // A stored body (5 kB on average) spills from a 4 kB page into an overflow chain; an 8 kB page holds it, so
        // a write touches fewer pages (an import of 20,000 took about 10% less CPU). Only a new file takes the size.
        Effect.zipRight(sql`PRAGMA page_size = 8192`, prepare),
        location === ":memory:" ? Effect.void : Effect.asVoid(sql`PRAGMA journal_mode = WAL`)
      ).pipe(
        // A multi-row INSERT in a transaction keeps a statement journal of the pages it changes, in a temporary file
        // by default: 558 MB written to 40 such files for an import of 20,000 completions. In memory, they are
        // never written. A page cache of 32 MiB (not 2 MiB) holds a transaction's changed index pages, so that they
        // are not spilled and read back: an import of 100,000 took 18 s instead of 21 s with 16 MiB. Only a
        // connection that writes takes them: a read-only one keeps SQLite's small cache.
        Effect.zipRight(sql`PRAGMA temp_store = MEMORY`),
        Effect.zipRight(sql`PRAGMA cache_size = -32768`),
        Effect.asVoid
      )
  }).pipe(
    // A store opened read-only was checked above: it writes nothing, not even a journal mode.
    Effect.unless(() => readOnly),
    Effect.catchTags({
      SqlError: (error) => Effect.fail(failed("opening the store")(error)),
      MigrationError: (error) => Effect.fail(failed("migrating the store")(error))
    })
  )

  const table = sql(completionsTable)
  const figures = sql(figuresTable)

  // `owner` is what of the filtered table's rows a tag row names: a completion, by its `created` and id (which lead the
  // tags' index by completion), found by its id alone (the figures and the tables beside them, indexed by id) or by
  // both (the completions table, keyed by both); or a call, by its id. The tag table has no `id` or `created` column,
  // so the subquery's bare `id` and `created` are the filtered table's. The first key's rows are read through
  // their index by value (`IN`), so that a rare value reads its few rows rather than every row of the range; the other
  // keys are checked on those rows (`EXISTS`). `selective` puts the rarest key first. Without `drive`, every key is
  // checked on the rows another index reads: the few of the overflow index, or the cost index's walk from the top.
  const where = (
    filter: Filter,
    extra: ReadonlyArray<Statement.Fragment> = [],
    owner: "completion" | "completionByTime" | "call" = "completion",
    drive = true
  ): Statement.Fragment => {
    const clauses: Array<Statement.Fragment> = [...extra]
    const named = owner === "call" ? sql`call_id = id` : sql`completion_created = created AND completion_id = id`
    Object.entries(filter.tags ?? {}).forEach(([key, values], at) => {
      const tagged = sql`tag_key = ${key} AND ${sql.in("tag_value", values)}`
      clauses.push(
        values.length === 0 ?
          sql`1 = 0` :
          at === 0 && drive ?
          owner === "completionByTime" ?
            sql`(created, id) IN (SELECT completion_created, completion_id FROM ${
              sql(callTagsTable)
            } WHERE ${tagged})` :
            sql`id IN (SELECT ${sql(owner === "call" ? "call_id" : "completion_id")} FROM ${
              sql(callTagsTable)
            } WHERE ${tagged})` :
          sql`EXISTS (SELECT 1 FROM ${sql(callTagsTable)} WHERE ${named} AND ${tagged})`
      )
    })
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

  const insertRows = (name: string, rows: ReadonlyArray<object>) => {
    if (rows.length === 0) return Effect.void
    const perStatement = Math.max(1, Math.floor(maxParameters / Object.keys(rows[0]).length))
    return Effect.forEach(
      chunksOf(rows, perStatement),
      (chunk) => sql`INSERT INTO ${sql(name)} ${sql.insert(chunk.map((row): Record<string, unknown> => ({ ...row })))}`,
      { discard: true }
    )
  }

  // The figures of completions whose rows this transaction wrote (or that have none yet, for a backfill): those whose
  // figures it wrote.
  const writeFigures = (derived: ReadonlyArray<Derived>, options: { readonly rollup: boolean }) =>
    Effect.gen(function*() {
      if (derived.length === 0) return []
      const perStatement = Math.max(1, Math.floor(maxParameters / figuresColumns.length))
      const written = new Set<string>()
      for (const chunk of chunksOf(derived, perStatement)) {
        const rows = yield* sql<{ id: string }>`INSERT INTO ${figures} ${
          sql.insert(chunk.map((item) => record(figuresColumns, item.figures)))
        } ON CONFLICT (id) DO NOTHING RETURNING id`
        for (const row of rows) written.add(row.id)
      }
      const mine = derived.filter((item) => written.has(item.completion.id))
      yield* insertRows(toolCallsTable, mine.flatMap((item) => item.toolCalls))
      yield* insertRows(problemsTable, mine.flatMap((item) => item.problems))
      if (options.rollup) yield* addToRollups(mine)
      return mine
    })

  const rollupConflict = upsert(
    rollupTable,
    ["bucket", "model", "provider", "has_provider"],
    ["completions", ...costSums, ...logprobSums],
    logprobMinima
  )

  const toolCallRollupConflict = upsert(
    toolCallRollupTable,
    ["bucket", "model", "provider", "has_provider", "tool", "outcome"],
    ["calls"]
  )

  // Sums past 2^53 go to the driver as text, which both engines read into BIGINT exactly.
  const toParameter = (value: string | number | bigint | null) =>
    typeof value === "bigint" ? (Number.isSafeInteger(Number(value)) ? Number(value) : value.toString()) : value

  // The transaction's connection, which `transaction` and `sql.withTransaction` provide, for `SqliteRows`.
  const transactionConnection = Effect.map(
    Effect.orDie(Effect.flatten(Effect.serviceOption(SqlClient.TransactionConnection))),
    ([connection]) => connection
  )

  // Adds rows to a rollup, in the order given (key order, so that writers of the same keys wait for each other): on
  // SQLite through `SqliteRows`, in the transaction.
  const upsertRows: (
    table: string,
    columns: ReadonlyArray<string>,
    rows: ReadonlyArray<RollupRow>,
    conflict: string
  ) => Effect.Effect<void, SqlError> = sql.onDialectOrElse({
    sqlite: () => (table, columns, rows, conflict) =>
      rows.length === 0 ? Effect.void : Effect.flatMap(
        transactionConnection,
        (connection) =>
          Effect.asVoid(
            SqliteRows.insertAll(connection, table, columns, rows.map((row) => row.map(toParameter)), conflict)
          )
      ),
    orElse: () => (table, columns, rows, conflict) =>
      Effect.forEach(
        chunksOf(rows, Math.floor(maxParameters / columns.length)),
        (chunk) =>
          sql`INSERT INTO ${sql(table)} ${sql.insert(chunk.map((row) => record(columns, row.map(toParameter))))} ${
            sql.literal(conflict)
          }`,
        { discard: true }
      )
  })

  // What completions whose figures a transaction wrote add to the rollup and the tool-call rollup.
  const addToRollups = (mine: ReadonlyArray<Derived>) =>
    Effect.zipRight(
      upsertRows(rollupTable, rollupColumns, rollupRows(mine.map((item) => item.figures)), rollupConflict),
      upsertRows(
        toolCallRollupTable,
        toolCallRollupColumns,
        toolCallRollupRows(mine.flatMap((item) => item.toolCalls)),
        toolCallRollupConflict
      )
    )

  // A list of ids to match: on SQLite one JSON parameter, so that a statement's text is the same whatever a batch's
  // size and is prepared once (preparing the statements of each batch anew took a sixth of capture's writer's SQLite
  // time); elsewhere `sql.in`.
  const idsIn: (column: string, ids: ReadonlyArray<string>) => Statement.Fragment = sql.onDialectOrElse({
    sqlite: () => (column: string, ids: ReadonlyArray<string>) =>
      sql`${sql(column)} IN (SELECT value FROM json_each(${JSON.stringify(ids)}))`,
    orElse: () => (column: string, ids: ReadonlyArray<string>) => sql.in(column, ids)
  })

  // The completions a batch stored that keep their body: one whose figures were there already under another `created`
  // (its id brought again with another time, which the completions' key by time and id let in) has the body it was
  // just given removed, so that an id keeps one body, its first. A body stored again after a prune keeps it. A
  // statement each, since only such completions and those pruned come here.
  const keptOf = (stored: ReadonlyArray<Derived>, figured: ReadonlySet<string>) =>
    Effect.map(
      Effect.forEach(
        stored.filter((item) => !figured.has(item.completion.id)),
        ({ completion: { created, id } }) =>
          sql<{ id: string }>`DELETE FROM ${table} WHERE created = ${created} AND id = ${id}
            AND NOT EXISTS (SELECT 1 FROM ${figures} f WHERE f.id = ${id} AND f.created = ${created}) RETURNING id`
      ),
      (dropped) => {
        const ids = new Set(dropped.flat().map((row) => row.id))
        return stored.filter((item) => !ids.has(item.completion.id)).map((item) => item.completion.id)
      }
    )

  // The same writes on SQLite, several rows per statement (see internal/sqliteRows.ts).
  const putBatchSqlite = (batch: ReadonlyArray<Derived>) =>
    transaction(Effect.gen(function*() {
      const connection = yield* transactionConnection
      const insertedIds = (
        table: string,
        key: string,
        columns: ReadonlyArray<string>,
        rows: ReadonlyArray<ReadonlyArray<unknown>>
      ) =>
        Effect.map(
          SqliteRows.insertAll(connection, table, columns, rows, `ON CONFLICT (${key}) DO NOTHING RETURNING id`),
          (returned) => new Set(returned.map((row) => (row as { readonly id: string }).id))
        )
      const storedIds = yield* insertedIds(
        completionsTable,
        "created, id",
        completionColumns,
        batch.map((
          { completion }
        ) => [completion.id, completion.created, completion.model, completion.provider, completion.body])
      )
      const stored = batch.filter((item) => storedIds.has(item.completion.id))
      const mineIds = yield* insertedIds(figuresTable, "id", figuresColumns, stored.map((item) => item.figures))
      const mine = stored.filter((item) => mineIds.has(item.completion.id))
      const toolCalls = mine.flatMap((item) => item.toolCalls)
      yield* SqliteRows.insertAll(connection, toolCallsTable, toolCallColumns, toolCalls.map(toolCallValues))
      yield* SqliteRows.insertAll(
        connection,
        problemsTable,
        problemColumns,
        mine.flatMap((item) => item.problems.map(problemValues))
      )
      yield* addToRollups(mine)
      yield* sql`DELETE FROM ${sql(failuresTable)} WHERE ${idsIn("id", batch.map((item) => item.completion.id))}`
      return { stored: yield* keptOf(stored, mineIds), figured: mine }
    }))

  const putBatchStatements = (batch: ReadonlyArray<Derived>) =>
    transaction(Effect.gen(function*() {
      const inserted = yield* sql<{ id: string }>`INSERT INTO ${table} ${
        sql.insert(batch.map((item) => ({ ...item.completion })))
      } ON CONFLICT (created, id) DO NOTHING RETURNING id`
      const ids = new Set(inserted.map((row) => row.id))
      const stored = batch.filter((item) => ids.has(item.completion.id))
      const figured = yield* writeFigures(stored, { rollup: true })
      yield* sql`DELETE FROM ${sql(failuresTable)} WHERE ${sql.in("id", batch.map((item) => item.completion.id))}`
      const kept = yield* keptOf(stored, new Set(figured.map((item) => item.completion.id)))
      return { stored: kept, figured }
    }))

  const putBatch = sql.onDialectOrElse({ sqlite: () => putBatchSqlite, orElse: () => putBatchStatements })

  // Rows of distinct ids (the first of each), in id order: the ids stored, and those whose figures were written.
  const storeDerived = (unique: Map<string, Derived>) =>
    Effect.suspend(() => {
      const sorted = Array.from(unique.values()).sort((a, b) => byId(a.completion, b.completion))
      return Effect.forEach(chunksOf(sorted, insertBatch), putBatch)
    }).pipe(
      Effect.map((batches) => ({
        stored: batches.flatMap((batch) => batch.stored),
        figured: batches.flatMap((batch) => batch.figured)
      })),
      Effect.mapError(failed("storing completions"))
    )

  // Completions' rows, the first of each id: `derived` makes each id's rows once.
  const firstOfEach = <A>(items: Iterable<A>, idOf: (item: A) => string, derived: (item: A) => Derived) => {
    const unique = new Map<string, Derived>()
    for (const item of items) {
      const id = idOf(item)
      if (!unique.has(id)) unique.set(id, derived(item))
    }
    return unique
  }

  const put: Service["put"] = (completions) =>
    Effect.suspend(() =>
      Effect.map(
        storeDerived(firstOfEach(completions, (completion) => completion.response.id, derive)),
        (written) => written.stored
      )
    ).pipe(Effect.withSpan("CompletionStore.put", { attributes: { completions: completions.length } }))

  const putDerived: DerivedWriter.PutDerived = (derived) =>
    Effect.suspend(() =>
      Effect.map(
        storeDerived(firstOfEach(derived, (item) => item.completion.id, identity)),
        (written) => written.stored
      )
    ).pipe(Effect.withSpan("CompletionStore.putDerived", { attributes: { completions: derived.length } }))

  // Rows a batch may write again after a failure, skipping those there already; the columns `returning` lists of
  // those it wrote. On SQLite through `SqliteRows`, whose statements are prepared once.
  const insertNew: (
    name: string,
    rows: ReadonlyArray<Readonly<Record<string, unknown>>>,
    returning?: string
  ) => Effect.Effect<ReadonlyArray<Record<string, unknown>>, SqlError> = sql.onDialectOrElse({
    sqlite: () => (name: string, rows: ReadonlyArray<Readonly<Record<string, unknown>>>, returning?: string) =>
      rows.length === 0 ? Effect.succeed([]) : Effect.flatMap(transactionConnection, (connection) => {
        const columns = Object.keys(rows[0])
        return Effect.map(
          SqliteRows.insertAll(
            connection,
            name,
            columns,
            rows.map((row) => columns.map((column) => row[column])),
            returning === undefined ? "ON CONFLICT DO NOTHING" : `ON CONFLICT DO NOTHING RETURNING ${returning}`
          ),
          (returned) => returned as ReadonlyArray<Record<string, unknown>>
        )
      }),
    orElse: () => (name: string, rows: ReadonlyArray<Readonly<Record<string, unknown>>>, returning?: string) =>
      rows.length === 0 ? Effect.succeed([]) : Effect.map(
        Effect.forEach(
          chunksOf(rows, Math.max(1, Math.floor(maxParameters / Object.keys(rows[0]).length))),
          (chunk) =>
            returning === undefined
              ? sql`INSERT INTO ${sql(name)} ${sql.insert(chunk)} ON CONFLICT DO NOTHING`
              : sql`INSERT INTO ${sql(name)} ${sql.insert(chunk)} ON CONFLICT DO NOTHING RETURNING ${
                sql.literal(returning)
              }`
        ),
        (chunks) => chunks.flat()
      )
  })

  // What calls just stored bring to the captured rollups (see internal/capturedRollup.ts): summed here for those whose
  // completion's figures the batch wrote (or that have none), in SQL for those whose figures were there before.
  const addCaptured = (
    stored: ReadonlyArray<CapturedRollup.StoredCall & { readonly id: string; readonly summed: boolean }>
  ) =>
    Effect.gen(function*() {
      for (const added of CapturedRollup.rowsOf(stored.filter((call) => call.summed))) {
        yield* upsertRows(added.table, added.columns, added.rows, added.conflict)
      }
      const before = stored.filter((call) => !call.summed).map((call) => call.id)
      yield* Effect.forEach(
        chunksOf(before, insertBatch),
        (chunk) => CapturedRollup.add(sql, (column) => idsIn(column, chunk)),
        { discard: true }
      )
    })

  // The rows of captured calls, stored in one transaction (one commit for the batch: put's own transactions nest in
  // it as savepoints).
  const putCapturedRows: DerivedWriter.PutCapturedRows = (rows) =>
    Effect.suspend(() => {
      const sorted = [...rows].sort((a, b) => byId(a.call, b.call))
      return sql.withTransaction(
        Effect.flatMap(
          storeDerived(
            firstOfEach(sorted.flatMap((row) => row.completion ?? []), (item) => item.completion.id, identity)
          ),
          ({ figured }) =>
            Effect.gen(function*() {
              const figuresOf = new Map(figured.map((item) => [item.completion.id, item]))
              // The calls this batch stored, skipping those stored before: only theirs are new tag rows.
              const callRows = sorted.map((row) => row.call)
              const stored = new Set((yield* insertNew(callsTable, callRows, "id")).map((row) => row.id as string))
              const tagged = new Set(
                (yield* insertNew(callTagsTable, sorted.flatMap((row) => row.tags), "call_id, tag_key")).map((row) =>
                  JSON.stringify([row.call_id, row.tag_key])
                )
              )
              yield* addCaptured(sorted.flatMap(({ call, tags }) => {
                if (!stored.has(call.id)) return []
                const derived = call.completion_id === null ? undefined : figuresOf.get(call.completion_id)
                return [{
                  id: call.id,
                  created: call.created,
                  model: call.model,
                  provider: call.provider,
                  outcome: call.outcome,
                  tags: tags.filter((tag) => tagged.has(JSON.stringify([tag.call_id, tag.tag_key])))
                    .map((tag) => [tag.tag_key, tag.tag_value] as const),
                  figures: derived?.figures,
                  toolCalls: derived?.toolCalls ?? [],
                  summed: call.completion_id === null || derived !== undefined
                }]
              }))
            }).pipe(Effect.mapError(failed("storing captured calls")))
        )
      ).pipe(
        Effect.catchTag("SqlError", (error) => Effect.fail(failed("storing captured calls")(error))),
        Effect.catchAllDefect((defect) =>
          Effect.fail(
            failed("storing captured calls")(new SqlError({ cause: defect, message: "the transaction did not end" }))
          )
        )
      )
    })

  const checkpoint = sql.onDialectOrElse({
    sqlite: () => Effect.asVoid(sql`PRAGMA wal_checkpoint(PASSIVE)`),
    orElse: () => Effect.void
  }).pipe(Effect.mapError(failed("checkpointing the write-ahead log")))

  const putCalls: Service["putCalls"] = (calls) =>
    Effect.suspend(() => putCapturedRows(calls.map(CapturedRow.fromCall))).pipe(
      Effect.withSpan("CompletionStore.putCalls", { attributes: { calls: calls.length } })
    )

  const prune: Service["prune"] = (before) =>
    transaction(Effect.gen(function*() {
      const cutoff = seconds(before)
      const completions = yield* sql<{ id: string }>`DELETE FROM ${table} WHERE created < ${cutoff} RETURNING id`
      const pruned = yield* sql<{ id: string }>`UPDATE ${sql(callsTable)} SET request = NULL, partial = NULL
        WHERE created < ${cutoff} AND (request IS NOT NULL OR partial IS NOT NULL) RETURNING id`
      return { completions: completions.length, calls: pruned.length }
    })).pipe(
      Effect.mapError(failed("pruning bodies")),
      Effect.withSpan("CompletionStore.prune")
    )

  const tagsOf: Service["tagsOf"] = (ids) =>
    Effect.forEach(
      chunksOf(ids, insertBatch),
      (batch) =>
        SqlSchema.findAll({
          Request: Schema.Void,
          Result: TagRow,
          execute: () =>
            sql`SELECT t.completion_id, t.tag_key, t.tag_value FROM ${figures} f JOIN ${sql(callTagsTable)} t
              ON t.completion_created = f.created AND t.completion_id = f.id
              WHERE ${sql.in("f.id", batch)} ORDER BY t.completion_id, t.tag_key`
        })(undefined)
    ).pipe(
      Effect.map((batches) => {
        const tags = new Map<string, Record<string, string>>()
        for (const row of batches.flat()) {
          const known = tags.get(row.completion_id) ?? {}
          known[row.tag_key] = row.tag_value
          tags.set(row.completion_id, known)
        }
        return tags
      }),
      Effect.mapError(failed("reading tags"))
    )

  const tagValues: Service["tagValues"] = SqlSchema.findAll({
    Request: Schema.Void,
    Result: Schema.Struct({ tag_key: Schema.String, tag_value: Schema.String }),
    execute: () => sql`SELECT tag_key, tag_value FROM ${sql(tagValuesTable)}`
  })(undefined).pipe(
    Effect.map((rows) => {
      // Sorted here, in code-unit order, rather than by each engine's collation.
      const values: Record<string, Array<string>> = {}
      for (const row of [...rows].sort(byTag)) (values[row.tag_key] ??= []).push(row.tag_value)
      return values
    }),
    Effect.mapError(failed("reading tags")),
    Effect.withSpan("CompletionStore.tagValues")
  )

  const storedIds: Service["storedIds"] = (ids) =>
    ids.length === 0
      ? Effect.succeed(new Set())
      : Effect.forEach(
        chunksOf(ids, insertBatch),
        // The figures stay when a prune drops a body: a pruned completion is still stored, not to be fetched again.
        (batch) => sql<{ id: string }>`SELECT id FROM ${figures} WHERE ${idsIn("id", batch)}`
      ).pipe(
        Effect.map((batches) => new Set(batches.flat().map((row) => row.id))),
        Effect.mapError(failed("reading stored ids"))
      )

  // Nothing to record opens no transaction: a sync asks after every batch, and most have no failure.
  const recordFailures: Service["recordFailures"] = (failures) =>
    failures.length === 0 ? Effect.void : Effect.flatMap(Clock.currentTimeMillis, (now) =>
      Effect.forEach(
        [...failures].sort(byId),
        ({ error, id, reason }) =>
          sql`INSERT INTO ${sql(failuresTable)} (id, error, reason, attempts, last_attempt)
        SELECT ${id}, ${error}, ${reason}, 1, CAST(${now} AS BIGINT)
        WHERE NOT EXISTS (SELECT 1 FROM ${figures} WHERE id = ${id})
        ON CONFLICT (id) DO UPDATE SET error = excluded.error, reason = excluded.reason,
          attempts = ${sql(failuresTable)}.attempts + 1, last_attempt = excluded.last_attempt`,
        { discard: true }
      )).pipe(
        transaction,
        Effect.mapError(failed("recording failures"))
      )

  const failures: Service["failures"] = SqlSchema.findAll({
    Request: Schema.Void,
    Result: FailureRow,
    execute: () =>
      sql`SELECT id, error, reason, attempts, last_attempt FROM ${sql(failuresTable)}
      WHERE NOT EXISTS (SELECT 1 FROM ${figures} WHERE ${figures}.id = ${sql(failuresTable)}.id)
      ORDER BY last_attempt, id`
  })(undefined).pipe(
    Effect.map((rows) =>
      rows.map((row): Failure => ({
        id: row.id,
        error: row.error,
        reason: row.reason,
        attempts: row.attempts,
        lastAttempt: row.last_attempt
      }))
    ),
    Effect.mapError(failed("reading failures"))
  )

  const findState = SqlSchema.findOne({
    Request: Schema.String,
    Result: StateRow,
    execute: (name) => sql`SELECT value FROM ${sql(stateTable)} WHERE name = ${name}`
  })

  const getState: Service["getState"] = (name) =>
    findState(name).pipe(
      Effect.map(Option.map((row) => row.value)),
      Effect.mapError(failed("reading the sync state"))
    )

  const raiseState: Service["raiseState"] = (name, value) =>
    sql`INSERT INTO ${sql(stateTable)} (name, value) VALUES (${name}, ${value})
      ON CONFLICT (name) DO UPDATE SET value = excluded.value WHERE ${sql(stateTable)}.value < excluded.value`.pipe(
      Effect.asVoid,
      Effect.mapError(failed("writing the sync state"))
    )

  const count: Service["count"] = (filter = {}) =>
    SqlSchema.single({
      Request: Schema.Void,
      Result: Schema.Struct({ count: SqlValue.Count }),
      execute: () => sql`SELECT COUNT(*) AS count FROM ${table} ${where(filter, [], "completionByTime")}`
    })(undefined).pipe(
      Effect.map((row) => row.count),
      Effect.catchTag("NoSuchElementException", () => Effect.succeed(0)),
      Effect.mapError(failed("counting completions"))
    )

  // Keyset pages on (created, id): each query starts where the last one ended, so a page costs the same however deep
  // the stream has gone, and rows written meanwhile never shift what is still to come.
  const bodies: Service["bodies"] = (options = {}) => {
    const limit = options.pageSize ?? pageSize
    const newest = options.order === "newest"
    const direction = sql.literal(newest ? "DESC" : "ASC")
    const beyond = sql.literal(newest ? "<" : ">")
    const page = SqlSchema.findAll({
      Request: Schema.OptionFromSelf(Schema.Struct({ created: Schema.Number, id: Schema.String })),
      Result: BodyRow,
      execute: (after) =>
        sql`SELECT id, created, body FROM ${table} ${
          where(
            options,
            Option.match(after, {
              onNone: () => [],
              onSome: ({ created, id }) => [
                sql`(created ${beyond} ${created} OR (created = ${created} AND id ${beyond} ${id}))`
              ]
            }),
            "completionByTime"
          )
        } ORDER BY created ${direction}, id ${direction} LIMIT ${limit}`
    })
    return Stream.paginateChunkEffect(
      Option.none<{ readonly created: number; readonly id: string }>(),
      (after) =>
        page(after).pipe(
          Effect.map((rows) => {
            const last = rows[rows.length - 1]
            return [
              Chunk.unsafeFromArray(rows.map(({ body, id }): StoredBody => ({ id, body }))),
              rows.length < limit
                ? Option.none()
                : Option.some(Option.some({ created: last.created, id: last.id }))
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

  /**
   * The zone's offsets over the filtered range (of every tag): one segment at 0 for UTC, none when nothing matches.
   */
  const offsetsOf = (
    filter: Filter,
    timeZone: string | undefined
  ): Effect.Effect<ReadonlyArray<TimeZone.Segment>, StoreError.StoreError> => {
    if (isUtc(timeZone)) return Effect.succeed([{ start: Number.NEGATIVE_INFINITY, offset: 0 }])
    const format = TimeZone.formatter(timeZone!)
    if (format === undefined) return Effect.fail(new StoreError.UnknownTimeZone({ timeZone: timeZone! }))
    return SqlSchema.findAll({
      Request: Schema.Void,
      Result: RangeRow,
      // Without the tags, whose rows would be read: the offsets over a wider range serve as well.
      execute: () =>
        sql`SELECT MIN(created) AS low, MAX(created) AS high FROM ${figures} ${where({ ...filter, tags: undefined })}`
    })(undefined).pipe(
      Effect.mapError(failed("finding the time range")),
      Effect.map(([range]) =>
        range === undefined || range.low === null || range.high === null
          ? []
          : TimeZone.segments(format, range.low, range.high)
      )
    )
  }

  // The local day number of a time in seconds (a column or an expression), shifted by the zone's offset at that time.
  const dayOf = (segments: ReadonlyArray<TimeZone.Segment>, seconds: string): Statement.Fragment => {
    const offset = segments.length <= 1
      ? String(segments[0]?.offset ?? 0)
      : `CASE ${
        segments.slice(1).map((segment, i) => `WHEN ${seconds} < ${segment.start} THEN ${segments[i].offset}`).join(" ")
      } ELSE ${segments[segments.length - 1].offset} END`
    const local = `(${seconds} + ${offset})`
    // Floor division, whatever the sign: both engines truncate integer division towards zero.
    return sql.literal(
      `(${local} - (((${local} % ${secondsPerDay}) + ${secondsPerDay}) % ${secondsPerDay})) / ${secondsPerDay}`
    )
  }

  // A bucket lies within one local day when the zone's offsets and transitions all fall on bucket boundaries.
  const bucketsAreWhole = (segments: ReadonlyArray<TimeZone.Segment>, size: number) =>
    segments.every((segment) =>
      segment.offset % size === 0 && (!Number.isFinite(segment.start) || segment.start % size === 0)
    )

  /**
   * The `WHERE` on a rollup of `bucketSeconds` buckets for the whole buckets of a range (its ends rounded inwards), its
   * models and providers, and the filter's tag key and values (or `byTag`) in a rollup by tag, with `extra` clauses.
   */
  const rollupWhere = (
    filter: Filter,
    bucketSeconds: number,
    byTag?: string,
    extra: ReadonlyArray<Statement.Fragment> = []
  ): Statement.Fragment => {
    const tags = Object.entries(filter.tags ?? {})
    const clauses: Array<Statement.Fragment> = []
    if (tags.length === 1) {
      const [[key, values]] = tags
      clauses.push(values.length === 0 ? sql`1 = 0` : sql.and([sql`tag_key = ${key}`, sql.in("tag_value", values)]))
    } else if (byTag !== undefined) clauses.push(sql`tag_key = ${byTag}`)
    clauses.push(...extra)
    if (filter.since !== undefined) clauses.push(sql`bucket >= ${Math.ceil(seconds(filter.since) / bucketSeconds)}`)
    if (filter.until !== undefined) clauses.push(sql`bucket < ${Math.floor(seconds(filter.until) / bucketSeconds)}`)
    if (filter.models !== undefined) {
      clauses.push(filter.models.length === 0 ? sql`1 = 0` : sql.in("model", filter.models))
    }
    if (filter.providers !== undefined) {
      clauses.push(
        filter.providers.length === 0
          ? sql`1 = 0`
          : sql.and([sql`has_provider = 1`, sql.in("provider", filter.providers)])
      )
    }
    return clauses.length === 0 ? sql`` : sql`WHERE ${sql.and(clauses)}`
  }

  /**
   * A range as a rollup of `bucketSeconds` buckets reads it: the whole buckets in it (the {@link rollupWhere} of the
   * range), the range of those whole buckets, and the ends that cut a bucket, to read from the rows; `undefined` when
   * the range lies within one bucket, or no rollup holds the filter's tags (several keys, or another key than `byTag`).
   */
  const splitRange = (
    filter: Filter,
    bucketSeconds: number,
    byTag?: string
  ):
    | { readonly where: Statement.Fragment; readonly whole: Filter; readonly ends: ReadonlyArray<Filter> }
    | undefined =>
  {
    const tags = Object.entries(filter.tags ?? {})
    if (tags.length > 1 || (tags.length === 1 && byTag !== undefined && tags[0][0] !== byTag)) return undefined
    const since = filter.since === undefined ? undefined : seconds(filter.since)
    const until = filter.until === undefined ? undefined : seconds(filter.until)
    const first = since === undefined ? undefined : Math.ceil(since / bucketSeconds)
    const last = until === undefined ? undefined : Math.floor(until / bucketSeconds)
    if (first !== undefined && last !== undefined && first >= last) return undefined
    const ends: Array<Filter> = []
    if (since !== undefined && first! * bucketSeconds > since) {
      ends.push({ ...filter, until: new Date(first! * bucketSeconds * 1000) })
    }
    if (until !== undefined && last! * bucketSeconds < until) {
      ends.push({ ...filter, since: new Date(last! * bucketSeconds * 1000) })
    }
    return {
      where: rollupWhere(filter, bucketSeconds, byTag),
      whole: {
        ...filter,
        since: first === undefined ? undefined : new Date(first * bucketSeconds * 1000),
        until: last === undefined ? undefined : new Date(last * bucketSeconds * 1000)
      },
      ends
    }
  }

  const rollupCount = (table: string, clauses: Statement.Fragment) =>
    SqlSchema.findAll({
      Request: Schema.Void,
      Result: Schema.Struct({ completions: SqlValue.Count }),
      execute: () => sql`SELECT SUM(completions) AS completions FROM ${sql(table)} ${clauses}`
    })(undefined).pipe(Effect.map((rows) => rows[0]?.completions ?? 0))

  // A filter on several tag keys reads the rows of its rarest first (see `where`): the key whose values the fewest
  // completions carry, as the rollup by tag counts them over the whole store.
  const selective = <F extends Filter>(filter: F) => {
    const tags = Object.entries(filter.tags ?? {})
    if (tags.length < 2) return Effect.succeed(filter)
    return Effect.forEach(tags, ([key, values]) =>
      values.length === 0
        ? Effect.succeed(0)
        : rollupCount(tagRollupTable, sql`WHERE tag_key = ${key} AND ${sql.in("tag_value", values)}`)).pipe(
        Effect.map((counts): F => ({
          ...filter,
          tags: Object.fromEntries(
            tags.map((tag, at) => [tag, counts[at]] as const).sort((a, b) => a[1] - b[1]).map(([tag]) => tag)
          )
        }))
      )
  }

  // In place: a group's rows are many (the untagged share, say), and its first, decoded for it alone, holds the sums.
  const addSummed = (sum: Summed, that: Summed): void => {
    for (const column in that) {
      const value = that[column]
      const known = sum[column]
      if (typeof value === "bigint") sum[column] = (typeof known === "bigint" ? known : 0n) + value
      else if (typeof value === "number") sum[column] = typeof known === "number" && known < value ? known : value
    }
  }

  /**
   * The sums of every group: whole quarter hours from the rollup table, the partial quarter hours at the ends of the
   * range (and every row, for a zone whose offsets are not whole quarter hours) from the figures table, and the
   * amounts that did not fit their limbs added from the overflow column (an indexed query over those rows only).
   */
  const scan = (
    options: Filter,
    dimensions: ReadonlyArray<Dimension>,
    timeZone: string | undefined,
    withLogprobs: boolean
  ) =>
    Effect.gen(function*() {
      const filter = yield* selective(options)
      const segments = dimensions.includes("day") ? yield* offsetsOf(filter, timeZone) : []
      const keyFields = Object.fromEntries(dimensions.map((dimension, i) => [
        `k${i}`,
        dimension === "day" ? SqlValue.Integer : SqlValue.Text
      ]))
      const keyOf = (row: Record<string, unknown>) =>
        dimensions.map((dimension, i) =>
          dimension === "day" ? Cost.dayLabel(Number(row[`k${i}`] as bigint)) : row[`k${i}`] as string | null
        )
      const sums = withLogprobs ? [...costSums, ...logprobSums] : costSums
      const minima = withLogprobs ? logprobMinima : []
      const GroupRow = Schema.Struct({
        ...keyFields,
        completions: SqlValue.Integer,
        ...Object.fromEntries(sums.map((column) => [column, SqlValue.Integer])),
        ...Object.fromEntries(minima.map((column) => [column, SqlValue.Double]))
      })
      // A tag is joined to the figures through its completion, one join per tag dimension.
      const figuresFrom = dimensions.reduce(
        (from: Statement.Fragment, dimension, i) => {
          if (!isTagDimension(dimension)) return from
          const alias = sql(`t${i}`)
          return sql`${from} LEFT JOIN ${
            sql(callTagsTable)
          } ${alias} ON ${alias}.completion_created = ${figures}.created
            AND ${alias}.completion_id = ${figures}.id AND ${alias}.tag_key = ${dimension.slice(4)}`
        },
        sql`${figures}`
      )
      const groupBy = dimensions.length === 0
        ? sql``
        : sql`GROUP BY ${sql.literal(dimensions.map((_, i) => String(i + 1)).join(", "))}`
      const grouped = (
        from: Statement.Fragment,
        keys: (dimension: Dimension, at: number) => Statement.Fragment,
        completions: string,
        clauses: Statement.Fragment
      ) =>
        SqlSchema.findAll({
          Request: Schema.Void,
          Result: GroupRow,
          execute: () =>
            sql`SELECT ${
              sql.csv([
                ...dimensions.map((dimension, i) => sql`${keys(dimension, i)} AS ${sql(`k${i}`)}`),
                sql.literal([
                  `${completions} AS completions`,
                  ...sums.map((column) => `SUM(${column}) AS ${column}`),
                  ...minima.map((column) => `MIN(${column}) AS ${column}`)
                ].join(", "))
              ])
            } FROM ${from} ${clauses} ${groupBy}`.pipe(
              // Integers past 2^53 must not round on the way out of SQLite.
              Effect.provideService(SqlClient.SafeIntegers, true)
            )
        })(undefined)
      const figureKeys = (dimension: Dimension, at: number) =>
        dimension === "model"
          ? sql`model`
          : dimension === "provider"
          ? sql`provider`
          : dimension === "day"
          ? dayOf(segments, "created")
          : sql.literal(`t${at}.tag_value`)
      const fromFigures = (range: Filter) => grouped(figuresFrom, figureKeys, "COUNT(*)", where(range))

      // A rollup's keys but the day: a tag's value is `tagValue`, the rollup by tag's own, or NULL in a rollup that
      // holds none.
      const rollupKeys = (dimension: Dimension, tagValue: "tag_value" | "CAST(NULL AS TEXT)") =>
        dimension === "model"
          ? sql`model`
          : dimension === "provider"
          ? sql`CASE WHEN has_provider = 1 THEN provider END`
          : sql.literal(tagValue)
      const fromRollup = (
        table: string,
        size: number,
        clauses: Statement.Fragment,
        tagValue: "tag_value" | "CAST(NULL AS TEXT)"
      ) =>
        grouped(
          sql`${sql(table)}`,
          (dimension) => dimension === "day" ? dayOf(segments, `(bucket * ${size})`) : rollupKeys(dimension, tagValue),
          "SUM(completions)",
          clauses
        )

      const tagDimensions = dimensions.filter(isTagDimension)
      const byTag = tagDimensions.length === 1 ? tagDimensions[0].slice("tag:".length) : undefined
      // Grouped by a tag with no filter on it, the completions without the tag are a group too: the rollup's sums less
      // the rollup by tag's, exact for every sum, but with no least value, so only without the logprobs.
      const untagged = byTag !== undefined && !hasTags(filter)

      /**
       * The figures by tag of the whole UTC days of `range` (a filter on one tag key, or none and `byTag`), by local
       * day: each UTC day's sums counted on the local day of its noon, and the quarter hours of the day that fall on
       * another local day (the edges: an hour or two a day in Europe, none in UTC) moved from that day to their own,
       * read from the rollup by quarter hour, all summed in one statement. Least values do not move, so when they are
       * asked for the figures come from the quarter hours alone. With no model or provider to group or filter by, and
       * no least value, the cost rollups by tag are read: the same sums in about a quarter of the rows.
       */
      const fromTagDays = (range: Filter) => {
        const edges = edgeQuarters(segments)
        const costOnly = minima.length === 0 && range.models === undefined && range.providers === undefined &&
          dimensions.every((dimension) => dimension === "day" || isTagDimension(dimension))
        const [dayTable, quarterTable] = costOnly
          ? [tagCostRollupTable, tagCostQuarterRollupTable]
          : [tagRollupTable, tagQuarterRollupTable]
        if (edges.length > 0 && minima.length > 0) {
          return fromRollup(
            tagQuarterRollupTable,
            bucketSeconds,
            rollupWhere(range, bucketSeconds, byTag, [sql.in("day_quarter", allQuarters)]),
            "tag_value"
          )
        }
        const columns = ["completions", ...sums, ...minima]
        const keyed = (day: string, values: string) =>
          sql.csv([
            ...dimensions.map((dimension, i) =>
              sql`${dimension === "day" ? dayOf(segments, day) : rollupKeys(dimension, "tag_value")} AS ${sql(`k${i}`)}`
            ),
            sql.literal(values)
          ])
        const noon = `(bucket * ${capturedBucketSeconds} + ${capturedBucketSeconds / 2})`
        const parts = [
          sql`SELECT ${keyed(noon, columns.join(", "))} FROM ${sql(dayTable)} ${
            rollupWhere(range, capturedBucketSeconds, byTag)
          }`
        ]
        if (edges.length > 0) {
          const own = `(bucket * ${bucketSeconds})`
          const edgeNoon = `((bucket - day_quarter) * ${bucketSeconds} + ${capturedBucketSeconds / 2})`
          const moving = sql`${sql(quarterTable)} ${
            rollupWhere(range, bucketSeconds, byTag, [
              sql.in("day_quarter", edges),
              sql`${dayOf(segments, own)} <> ${dayOf(segments, edgeNoon)}`
            ])
          }`
          // The moved quarters summed once by their own day and the noon's, then counted on each with its sign: the
          // quarter rows are read once, and the outer sum takes a row per value and day rather than per quarter.
          const movedKeys = [
            sql`${dayOf(segments, own)} AS own_day`,
            sql`${dayOf(segments, edgeNoon)} AS noon_day`,
            ...dimensions.flatMap((dimension, i) =>
              dimension === "day" ? [] : [sql`${rollupKeys(dimension, "tag_value")} AS ${sql(`k${i}`)}`]
            )
          ]
          const moved = sql`SELECT ${
            sql.csv([...movedKeys, sql.literal(columns.map((column) => `SUM(${column}) AS ${column}`).join(", "))])
          } FROM ${moving} GROUP BY ${sql.literal(movedKeys.map((_, i) => String(i + 1)).join(", "))}`
          parts.push(
            sql`SELECT ${
              sql.csv([
                ...dimensions.map((dimension, i) =>
                  dimension === "day"
                    ? sql`CASE WHEN s.sign = 1 THEN m.own_day ELSE m.noon_day END AS ${sql(`k${i}`)}`
                    : sql`m.${sql(`k${i}`)} AS ${sql(`k${i}`)}`
                ),
                sql.literal(columns.map((column) => `m.${column} * s.sign AS ${column}`).join(", "))
              ])
            } FROM (${moved}) m CROSS JOIN (SELECT 1 AS sign UNION ALL SELECT -1 AS sign) s`
          )
        }
        return grouped(
          sql`(${sql.join(" UNION ALL ", false)(parts)}) parts`,
          (_, at) => sql`${sql(`k${at}`)}`,
          "SUM(completions)",
          sql``
        )
      }

      // Grouped by a tag with no filter on it, the tagged completions' sums taken from every completion's leave the
      // untagged completions' (as the `null` group).
      const untaggedShare = (rows: ReadonlyArray<Record<string, unknown>>) => {
        const tag = `k${dimensions.findIndex(isTagDimension)}`
        return rows.map((row) => ({
          ...row,
          ...Object.fromEntries(["completions", ...sums].map((column) => [column, -(row[column] as bigint)])),
          [tag]: null
        }))
      }

      const rows: Array<Record<string, unknown>> = []
      if (tagDimensions.length === 0 && !hasTags(filter)) {
        const split = bucketsAreWhole(segments, bucketSeconds) ? splitRange(filter, bucketSeconds) : undefined
        if (split === undefined) rows.push(...yield* fromFigures(filter))
        else {
          rows.push(...yield* fromRollup(rollupTable, bucketSeconds, split.where, "tag_value"))
          for (const end of split.ends) rows.push(...yield* fromFigures(end))
        }
      } else {
        const split = tagDimensions.length <= 1 && bucketsAreWhole(segments, bucketSeconds) &&
            !(untagged && withLogprobs)
          ? splitRange(filter, capturedBucketSeconds, byTag)
          : undefined
        if (split === undefined) rows.push(...yield* fromFigures(filter))
        else {
          const tagged = yield* fromTagDays(split.whole)
          rows.push(...tagged)
          const all = untagged ? splitRange(split.whole, bucketSeconds) : undefined
          if (all !== undefined) {
            rows.push(...yield* fromRollup(rollupTable, bucketSeconds, all.where, "CAST(NULL AS TEXT)"))
            rows.push(...untaggedShare(tagged))
          }
          for (const end of split.ends) rows.push(...yield* fromFigures(end))
        }
      }

      const groups = new Map<string, GroupFigures>()
      for (const row of rows) {
        const key = keyOf(row)
        const id = JSON.stringify(key)
        const known = groups.get(id)
        if (known === undefined) groups.set(id, { key, row: row as Summed, overflow: new Map() })
        else addSummed(known.row, row as Summed)
      }
      const overflowed = yield* SqlSchema.findAll({
        Request: Schema.Void,
        Result: Schema.extend(Schema.Struct(keyFields), OverflowRow),
        execute: () =>
          sql`SELECT ${
            sql.csv([
              ...dimensions.map((dimension, i) => sql`${figureKeys(dimension, i)} AS ${sql(`k${i}`)}`),
              sql`exact_overflow`
            ])
          } FROM ${figuresFrom} ${where(filter, [sql`exact_overflow IS NOT NULL`], "completion", false)}`.pipe(
            Effect.provideService(SqlClient.SafeIntegers, true)
          )
      })(undefined)
      for (const row of overflowed) {
        const group = groups.get(JSON.stringify(keyOf(row)))
        if (group === undefined) continue
        for (const [name, text] of Object.entries(row.exact_overflow)) {
          const value = BigDecimal.unsafeFromString(text)
          const known = group.overflow.get(name as AmountName)
          group.overflow.set(name as AmountName, known === undefined ? value : BigDecimal.sum(known, value))
        }
      }
      // Sums taken away leave groups of no completions: the untagged completions' group when every completion of its
      // key has the tag, a local day whose quarter hours all moved to the next.
      return Array.from(groups.values()).filter((group) => countOf(group.row, "completions") > 0)
    })

  const rollup: Service["rollup"] = (options = {}) => {
    const dimensions = dimensionsOf(options.by)
    return scan(options, dimensions, options.timeZone, false).pipe(
      Effect.map((groups) =>
        Cost.fromGroups(groups.map((group) => ({ key: group.key, totals: totalsOf(group) })), {
          grouped: dimensions.length > 0
        })
      ),
      Effect.catchTags({
        SqlError: (error) => Effect.fail(failed("rolling costs up")(error)),
        ParseError: (error) => Effect.fail(failed("rolling costs up")(error))
      }),
      Effect.withSpan("CompletionStore.rollup")
    )
  }

  // Ids newest first by code unit, as `byId` orders them, on both engines.
  const idOrder = sql.onDialectOrElse({
    pg: () => sql.literal(`id COLLATE "C" DESC`),
    orElse: () => sql.literal("id DESC")
  })

  const toolCallSummary = (options: Filter) =>
    Effect.gen(function*() {
      const filter = yield* selective(options)
      const countIn = (from: string, clauses: Statement.Fragment) =>
        SqlSchema.findAll({
          Request: Schema.Void,
          Result: ToolCallRow,
          execute: () =>
            sql`SELECT tool, outcome, SUM(calls) AS calls FROM ${sql(from)} ${clauses} GROUP BY tool, outcome`
        })(undefined)
      // Whole days from the tool-call rollup (by tag, for a filter by tag), the ends of the range that cut one from
      // the rows.
      const split = hasTags(filter)
        ? splitRange(filter, capturedBucketSeconds)
        : splitRange(filter, toolCallBucketSeconds)
      const counted = split === undefined
        ? yield* countIn(toolCallsTable, where(filter))
        : [
          ...yield* countIn(hasTags(filter) ? tagToolCallRollupTable : toolCallRollupTable, split.where),
          ...(yield* Effect.forEach(split.ends, (end) => countIn(toolCallsTable, where(end)))).flat()
        ]
      // Newest first, as the API lists completions: the problems kept are the first ones in that order.
      const problems = yield* SqlSchema.findAll({
        Request: Schema.Void,
        Result: ProblemRow,
        execute: () =>
          sql`SELECT id, choice_index, call_index, tool, outcome, reason FROM ${sql(problemsTable)} ${where(filter)}
            ORDER BY created DESC, ${idOrder}, position LIMIT ${ToolCallSummary.problemsKept}`
      })(undefined)
      const tools = new Map<string, { calls: number; outcomes: Record<ToolCallSummary.Outcome, number> }>()
      const outcomes = Object.fromEntries(ToolCallSummary.outcomes.map((outcome) => [outcome, 0])) as Record<
        ToolCallSummary.Outcome,
        number
      >
      let calls = 0
      for (const row of counted) {
        const outcome = row.outcome as ToolCallSummary.Outcome
        if (!(outcome in outcomes)) continue
        let tool = tools.get(row.tool)
        if (tool === undefined) {
          tool = { calls: 0, outcomes: { ...ToolCallSummary.empty.outcomes } }
          tools.set(row.tool, tool)
        }
        tool.calls += row.calls
        tool.outcomes[outcome] += row.calls
        outcomes[outcome] += row.calls
        calls += row.calls
      }
      return {
        calls,
        outcomes,
        tools: Array.from(tools, ([tool, counts]): ToolCallSummary.ToolCount => ({ tool, ...counts })).sort(byToolName),
        problems: problems.map((row): ToolCallSummary.Problem => ({
          completionId: row.id,
          choiceIndex: row.choice_index ?? 0,
          callIndex: row.call_index,
          tool: row.tool,
          outcome: row.outcome,
          reason: row.reason
        }))
      } satisfies ToolCallSummary.ToolCallSummary
    })

  // The captured calls by model and by provider and outcome, counted in the engine.
  const callSummary = (options: Filter) =>
    Effect.gen(function*() {
      const filter = yield* selective(options)
      const read = (statement: Statement.Statement<unknown>) =>
        SqlSchema.findAll({ Request: Schema.Void, Result: CallCountRow, execute: () => statement })(undefined)
      // Whole days from the calls' rollup (by tag, for a filter by tag), the ends of the range that cut one from the
      // calls.
      const split = splitRange(filter, capturedBucketSeconds)
      const counted = (column: "model" | "provider") => {
        const fromCalls = (range: Filter) =>
          read(
            sql`SELECT ${sql(column)} AS k, outcome, COUNT(*) AS calls FROM ${sql(callsTable)} ${
              where(range, [], "call")
            } GROUP BY ${sql(column)}, outcome`
          )
        if (split === undefined) return fromCalls(filter)
        const key = column === "model" ? sql`model` : sql`CASE WHEN has_provider = 1 THEN provider END`
        return Effect.map(
          Effect.all([
            read(
              sql`SELECT ${key} AS k, outcome, SUM(calls) AS calls FROM ${
                sql(hasTags(filter) ? tagCallRollupTable : callRollupTable)
              } ${split.where} GROUP BY ${key}, outcome`
            ),
            ...split.ends.map(fromCalls)
          ]),
          (parts) => parts.flat()
        )
      }
      const groupsOf = (rows: ReadonlyArray<typeof CallCountRow.Type>) => {
        const groups = new Map<string | null, { calls: number; interrupted: number; errors: Record<string, number> }>()
        for (const row of rows) {
          let group = groups.get(row.k)
          if (group === undefined) {
            group = { calls: 0, interrupted: 0, errors: {} }
            groups.set(row.k, group)
          }
          group.calls += row.calls
          if (row.outcome === CallSummary.interrupted) group.interrupted += row.calls
          else if (row.outcome !== CallSummary.success) {
            group.errors[row.outcome] = (group.errors[row.outcome] ?? 0) + row.calls
          }
        }
        return Array.from(groups, ([key, counts]) => CallSummary.group(key, counts))
      }
      return CallSummary.fromGroups({
        byModel: groupsOf(yield* counted("model")),
        byProvider: groupsOf(yield* counted("provider"))
      })
    })

  const report: Service["report"] = (options = {}) =>
    Effect.gen(function*() {
      const filter = options.filter ?? {}
      const groups = yield* scan(filter, ["model", "provider", "day"], options.timeZone, true)
      const costs = groups.map((group) => ({ key: group.key, totals: totalsOf(group) }))
      const byDimension = (at: number) => Cost.fromGroups(costs.map(({ key, totals }) => ({ key: [key[at]], totals })))
      const byModel = byDimension(0)
      const toolCalls = yield* toolCallSummary(filter)
      const failed = yield* failures
      const byTag = options.tag === undefined ? undefined : {
        key: options.tag,
        summary: Cost.fromGroups(
          (yield* scan(filter, [`tag:${options.tag}`], undefined, false)).map((group) => ({
            key: group.key,
            totals: totalsOf(group)
          }))
        )
      }
      const calls = yield* callSummary(filter)
      return {
        completions: { retrieved: byModel.total.completions, failed: failed.length },
        cost: {
          byModel,
          byProvider: byDimension(1),
          byDay: byDimension(2),
          ...(byTag === undefined ? {} : { byTag })
        },
        logprobs: groups.map(logprobsOf).reduce(LogprobSummary.merge, LogprobSummary.empty),
        toolCalls,
        failures: failed.map(({ error, id, reason }): Report.Failure => ({ id, error, reason })),
        ...(calls.total.calls === 0 ? {} : { calls })
      } satisfies Report.Report
    }).pipe(
      Effect.catchTags({
        SqlError: (error) => Effect.fail(failed("reporting")(error)),
        ParseError: (error) => Effect.fail(failed("reporting")(error))
      }),
      Effect.withSpan("CompletionStore.report")
    )

  const figureGroups: Service["figures"] = (options = {}) =>
    scan(options, dimensionsOf(options.by), options.timeZone, true).pipe(
      Effect.map((groups) =>
        groups
          .filter((group) => countOf(group.row, "completions") > 0)
          .map((group): FigureGroup => ({ key: group.key, totals: totalsOf(group), logprobs: logprobsOf(group) }))
          .sort((self, that) => Cost.keyOrder(self.key, that.key))
      ),
      Effect.catchTags({
        SqlError: (error) => Effect.fail(failed("summing figures")(error)),
        ParseError: (error) => Effect.fail(failed("summing figures")(error))
      }),
      Effect.withSpan("CompletionStore.figures")
    )

  const calls: Service["calls"] = (filter = {}) =>
    callSummary(filter).pipe(
      Effect.catchTags({
        SqlError: (error) => Effect.fail(failed("counting calls")(error)),
        ParseError: (error) => Effect.fail(failed("counting calls")(error))
      }),
      Effect.withSpan("CompletionStore.calls")
    )

  const toolCalls: Service["toolCalls"] = (filter = {}) =>
    toolCallSummary(filter).pipe(
      Effect.catchTags({
        SqlError: (error) => Effect.fail(failed("counting tool calls")(error)),
        ParseError: (error) => Effect.fail(failed("counting tool calls")(error))
      }),
      Effect.withSpan("CompletionStore.toolCalls")
    )

  const expensiveColumns = sql.literal(
    [
      "id",
      "created",
      "model",
      "provider",
      "prompt_tokens",
      "completion_tokens",
      ...limbColumns("cost"),
      "exact_overflow"
    ]
      .join(", ")
  )

  // The limbs carry the value's sign, so their order, most significant first, is the cost's order. A cost that did not
  // fit its limbs (above 10^9, say) is among the few rows of the overflow index, read apart and ranked in TypeScript.
  // When many rows match, the engine walks the cost index from the top until `limit` of them do (the range read
  // without its index, `created + 0`, or the planner reads the whole range by time and sorts it: 10 s over a million
  // on SQLite); when few do (under 1 in 100, as the rollup counts them), it reads them by time and sorts them.
  const mostExpensive: Service["mostExpensive"] = (unordered = {}) =>
    Effect.gen(function*() {
      const options = yield* selective(unordered)
      const limit = options.limit ?? 10
      const split = hasTags(options)
        ? splitRange(options, capturedBucketSeconds)
        : splitRange(options, bucketSeconds)
      const matching = split === undefined
        ? 0
        : yield* rollupCount(hasTags(options) ? tagRollupTable : rollupTable, split.where)
      const byCost = matching * 100 >= (yield* rollupCount(rollupTable, sql``))
      const range = byCost
        ? where(
          { ...options, since: undefined, until: undefined },
          [
            ...(options.since === undefined ? [] : [sql`created + 0 >= ${seconds(options.since)}`]),
            ...(options.until === undefined ? [] : [sql`created + 0 < ${seconds(options.until)}`])
          ],
          "completion",
          false
        )
        : where(options)
      const ranked = yield* SqlSchema.findAll({
        Request: Schema.Void,
        Result: ExpensiveRow,
        execute: () =>
          sql`SELECT ${expensiveColumns} FROM ${figures} ${range} ORDER BY ${
            sql.literal([...limbColumns("cost")].reverse().map((column) => `${column} DESC`).join(", "))
          }, created DESC, ${idOrder} LIMIT ${limit}`
      })(undefined)
      const overflowed = yield* SqlSchema.findAll({
        Request: Schema.Void,
        Result: ExpensiveRow,
        execute: () =>
          sql`SELECT ${expensiveColumns} FROM ${figures} ${
            where(options, [sql`exact_overflow IS NOT NULL`], "completion", false)
          }`
      })(undefined)
      const byId = new Map<string, Expensive>()
      for (const row of [...ranked, ...overflowed]) {
        const extra = row.exact_overflow?.cost
        const summed = Exact.fromLimbSums(limbColumns("cost").map((column) => row[column as keyof typeof row]))
        byId.set(row.id, {
          id: row.id,
          created: row.created,
          model: row.model,
          provider: row.provider,
          cost: extra === undefined
            ? summed
            : BigDecimal.normalize(BigDecimal.sum(summed, BigDecimal.unsafeFromString(extra))),
          promptTokens: row.prompt_tokens,
          completionTokens: row.completion_tokens
        })
      }
      return Array.from(byId.values()).sort(expensiveOrder).slice(0, limit)
    }).pipe(
      Effect.catchTags({
        SqlError: (error) => Effect.fail(failed("ranking completions by cost")(error)),
        ParseError: (error) => Effect.fail(failed("ranking completions by cost")(error))
      }),
      Effect.withSpan("CompletionStore.mostExpensive")
    )

  const body: Service["body"] = (id) =>
    SqlSchema.findOne({
      Request: Schema.String,
      Result: Schema.Struct({ id: Schema.String, body: Schema.String }),
      execute: (id) =>
        sql`SELECT c.id, c.body FROM ${figures} f JOIN ${table} c ON c.created = f.created AND c.id = f.id
          WHERE f.id = ${id}`
    })(id).pipe(Effect.mapError(failed("reading a completion")))

  // The rollup summed afresh from the figures table, in one transaction. On PostgreSQL the table is locked first, so
  // that a writer's rows land either in the figures summed here or on top of the rebuilt rollup, never both.
  const rebuildRollup = transaction(Effect.gen(function*() {
    yield* sql.onDialectOrElse({
      pg: () =>
        Effect.asVoid(
          sql`LOCK TABLE ${
            sql.literal([rollupTable, toolCallRollupTable, ...CapturedRollup.tables].join(", "))
          } IN EXCLUSIVE MODE`
        ),
      orElse: () => Effect.void
    })
    yield* sql`DELETE FROM ${sql(rollupTable)}`
    yield* sql`DELETE FROM ${sql(toolCallRollupTable)}`
    for (const name of CapturedRollup.tables) yield* sql`DELETE FROM ${sql(name)}`
    yield* CapturedRollup.add(sql, () => sql`1 = 1`)
    const columns = ["completions", ...costSums, ...logprobSums, ...logprobMinima]
    yield* sql.unsafe(`INSERT INTO ${toolCallRollupTable} (bucket, model, provider, has_provider, tool, outcome, calls)
      SELECT ${
      bucketOf("created", toolCallBucketSeconds)
    }, model, COALESCE(provider, ''), CASE WHEN provider IS NULL THEN 0 ELSE 1 END, tool, outcome,
        SUM(calls)
      FROM ${toolCallsTable} GROUP BY 1, 2, 3, 4, 5, 6`)
    yield* sql.unsafe(`INSERT INTO ${rollupTable} (bucket, model, provider, has_provider, ${columns.join(", ")})
      SELECT ${
      bucketOf("created", bucketSeconds)
    }, model, COALESCE(provider, ''), CASE WHEN provider IS NULL THEN 0 ELSE 1 END, COUNT(*), ${
      [
        ...[...costSums, ...logprobSums].map((column) => `COALESCE(SUM(${column}), 0)`),
        ...logprobMinima.map((column) => `MIN(${column})`)
      ].join(", ")
    } FROM ${figuresTable} GROUP BY 1, 2, 3, 4`)
  }))

  // Figures of completions stored before they existed, derived from the bodies a batch per transaction, then the
  // rollup summed from them; the state row says when that is done, so that later opens skip the search, and until it
  // is, the next open goes on where an interrupted one stopped.
  const backfill = Effect.gen(function*() {
    if (Option.isSome(yield* getState(figuresBackfilled))) return
    const page = SqlSchema.findAll({
      Request: Schema.Struct({ created: Schema.Number, id: Schema.String }),
      Result: Schema.Struct({ id: Schema.String, created: SqlValue.Count, body: Schema.String }),
      execute: (after) =>
        sql`SELECT c.id, c.created, c.body FROM ${table} c
          WHERE (c.created > ${after.created} OR (c.created = ${after.created} AND c.id > ${after.id}))
          AND NOT EXISTS (SELECT 1 FROM ${figures} f WHERE f.id = c.id) ORDER BY c.created, c.id LIMIT ${backfillBatch}`
    })
    // Before the first key: a stored `created` is at least `Number.MIN_SAFE_INTEGER` (see `row.ts`), and no id is empty.
    let after = { created: Number.MIN_SAFE_INTEGER, id: "" }
    while (true) {
      const rows = yield* page(after).pipe(Effect.mapError(failed("deriving the figures of stored completions")))
      if (rows.length === 0) break
      const last = rows[rows.length - 1]
      after = { created: last.created, id: last.id }
      const derived: Array<Derived> = []
      for (const row of rows) {
        const decoded = Body.decode(row.body)
        if (Either.isLeft(decoded)) {
          return yield* Effect.fail(new StoreError.InvalidStoredBody({ id: row.id, reason: decoded.left }))
        }
        derived.push(derive(decoded.right))
      }
      yield* transaction(
        writeFigures(derived.sort((a, b) => byId(a.completion, b.completion)), { rollup: false })
      ).pipe(Effect.mapError(failed("deriving the figures of stored completions")))
    }
    yield* rebuildRollup.pipe(Effect.mapError(failed("summing the figures of stored completions")))
    yield* raiseState(figuresBackfilled, 1)
  }).pipe(Effect.withSpan("CompletionStore.backfill"))

  // A store opened read-only was checked to be backfilled already.
  if (!readOnly) yield* backfill

  return DerivedWriter.register(
    CompletionStore.of({
      location,
      sharedLocation,
      put,
      putCalls,
      prune,
      tagsOf,
      tagValues,
      calls,
      storedIds,
      recordFailures,
      failures,
      getState,
      raiseState,
      count,
      bodies,
      stream,
      rollup,
      report,
      figures: figureGroups,
      toolCalls,
      mostExpensive,
      body
    }),
    { putDerived, putCapturedRows, checkpoint }
  )
})

/**
 * What a store opened read-only checks instead of migrating: that the database holds the store, that every migration
 * has run and that the figures of every stored completion were derived, since it can do none of it.
 */
const checkReadable = (
  sql: SqlClient.SqlClient,
  location: string
): Effect.Effect<void, SqlError | ParseResult.ParseError | StoreError.MissingStore | StoreError.OutdatedStore> =>
  Effect.gen(function*() {
    const present = yield* sql.onDialectOrElse({
      pg: () =>
        sql<{ name: string }>`SELECT table_name AS name FROM information_schema.tables
          WHERE table_schema = current_schema() AND table_name = ${migrationsTable}`,
      orElse: () =>
        sql<{ name: string }>`SELECT name FROM sqlite_master WHERE type = 'table' AND name = ${migrationsTable}`
    })
    if (present.length === 0) return yield* Effect.fail(new StoreError.MissingStore({ location }))
    const ran = yield* SqlSchema.findAll({
      Request: Schema.Void,
      Result: Schema.Struct({ id: SqlValue.Count }),
      execute: () => sql`SELECT migration_id AS id FROM ${sql(migrationsTable)}`
    })(undefined)
    const done = new Set(ran.map((row) => row.id))
    const pending = Object.keys(migrations).filter((name) => !done.has(Number.parseInt(name, 10)))
    if (pending.length > 0) {
      return yield* Effect.fail(new StoreError.OutdatedStore({ location, pending }))
    }
    // Migrated, but the backfill that follows was cut short: only a writable open can finish it.
    const backfilled = yield* sql`SELECT 1 AS one FROM ${sql(stateTable)} WHERE name = ${figuresBackfilled}`
    if (backfilled.length === 0) {
      return yield* Effect.fail(new StoreError.OutdatedStore({ location, pending: [figuresBackfilled] }))
    }
  })

// "objectiveai" as a 32-bit integer: the advisory lock the store's migrations take on PostgreSQL.
const lockKey = 0x6f626a61

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
