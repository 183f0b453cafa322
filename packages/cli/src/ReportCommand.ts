/**
 * `objectiveai report`: retrieves completions through the client (the ids given, those of a file, or every stored
 * one), folds them into the analysis package's `Report.Report` as they come and prints it as a table, JSON or CSV.
 *
 * With `--database` the report comes from a completion store instead, without touching the API: the completions
 * created in `[--since, --until)`, days in `--tz`, their cost by a tag of the calls that made them with
 * `--by tag:<key>`, and the captured calls' error counts and rates by model and provider.
 *
 * An id that fails is counted and listed in the report. The command exits 0 when at least one completion was
 * retrieved (or there was none to retrieve), and 1 when every id failed; an error that would fail every id (bad key,
 * no credits, server unreachable) stops the run at once with one line on stderr.
 *
 * @since 0.1.0
 */
import * as FileSystem from "@effect/platform/FileSystem"
import { Report } from "@objectiveai-effect/analysis"
import { ObjectiveAiClient, ObjectiveAiError } from "@objectiveai-effect/client"
import { Analytics, AnalyticsApi, Page } from "@objectiveai-effect/dashboard"
import { ObjectiveAiApi, type StoredChatCompletion } from "@objectiveai-effect/domain"
import type { StoreError } from "@objectiveai-effect/store"
import { CompletionStore } from "@objectiveai-effect/store"
import * as Chunk from "effect/Chunk"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import { identity } from "effect/Function"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Sink from "effect/Sink"
import * as Stream from "effect/Stream"
import * as CliError from "./CliError.js"
import * as Connection from "./Connection.js"
import type * as Formats from "./internal/formats.js"
import * as Progress from "./Progress.js"
import * as ReportFormat from "./ReportFormat.js"
import * as StoreConnection from "./StoreConnection.js"

/**
 * Which completions to report on: every stored one (paging through the list), or ids given on the command line
 * and read from a file (one per line; blank lines and lines starting with `#` are skipped), in that order.
 *
 * @since 0.1.0
 * @category models
 */
export type Source =
  | { readonly _tag: "All" }
  | { readonly _tag: "Ids"; readonly ids: ReadonlyArray<string>; readonly file: Option.Option<string> }

/**
 * How the report is retrieved and printed.
 *
 * @since 0.1.0
 * @category models
 */
export interface Settings {
  readonly format: ReportFormat.Format
  /** Every column of the table, whatever its width. */
  readonly wide: boolean
  /** Retrieves in flight at once. */
  readonly concurrency: number
}

/**
 * The report of retrieve results; `baseUrl` is named in the reasons of ids that failed to connect.
 *
 * @since 0.1.0
 * @category folding
 */
export const summarize = (
  results: Iterable<ObjectiveAiClient.RetrieveResult>,
  context: { readonly baseUrl: string }
): Report.Report => {
  const completions: Array<StoredChatCompletion.StoredChatCompletion> = []
  const failures: Array<Report.Failure> = []
  for (const result of results) {
    if (result._tag === "Retrieved") completions.push(result.completion)
    else {
      failures.push({
        id: result.id,
        error: result.error._tag,
        reason: CliError.describe(result.error, { baseUrl: context.baseUrl, id: result.id })
      })
    }
  }
  return Report.summarize(completions, failures)
}

/**
 * A sink folding retrieve results into a report, one chunk at a time.
 *
 * @since 0.1.0
 * @category sinks
 */
export const sink = (
  context: { readonly baseUrl: string }
): Sink.Sink<Report.Report, ObjectiveAiClient.RetrieveResult> =>
  Sink.foldLeftChunks(Report.empty, (report, chunk) => Report.merge(report, summarize(chunk, context)))

/**
 * How {@link collect} retrieves.
 *
 * @since 0.1.0
 * @category models
 */
export interface CollectOptions {
  /** The server's base URL, for the messages of failed ids. */
  readonly baseUrl: string
  /** Retrieves in flight at once. */
  readonly concurrency: number
  /** Watches the results as they come (a progress bar, say) before they are folded. */
  readonly observe?:
    | (<E, R>(results: Stream.Stream<ObjectiveAiClient.RetrieveResult, E, R>) => Stream.Stream<
      ObjectiveAiClient.RetrieveResult,
      E,
      R
    >)
    | undefined
}

/**
 * Completions summarized per chunk: large enough that each summarize and merge is worth its cost, small enough that
 * the completions waiting in a chunk stay a few megabytes.
 *
 * @since 0.1.0
 * @category constants
 */
export const chunkSize = 256

/**
 * Retrieves every id through the client (`retrieveMany`, in input order, with the client's retries) and folds the
 * results into a report, never holding more than a chunk of completions. An id that fails is listed in the report;
 * an error that would fail every id (a bad key, no credits, a server that cannot be reached) stops the run with a
 * {@link CliError.CliError} instead.
 *
 * @example
 * ```ts
 * import { Effect, Stream } from "effect"
 * import { ReportCommand } from "@objectiveai-effect/cli"
 *
 * const report = (baseUrl: string) => ReportCommand.collect(Stream.make("chtcpl-…", "chtcpl-…"), { baseUrl, concurrency: 16 })
 * ```
 *
 * @since 0.1.0
 * @category folding
 */
export const collect = <E, R>(
  ids: Stream.Stream<string, E, R>,
  options: CollectOptions
): Effect.Effect<Report.Report, E | CliError.CliError, R | ObjectiveAiClient.ObjectiveAiClient> =>
  Effect.flatMap(
    ObjectiveAiClient.ObjectiveAiClient,
    (client) =>
      client.retrieveMany(ids, { concurrency: options.concurrency }).pipe(
        Stream.mapEffect((result) =>
          result._tag === "Failed" && ObjectiveAiError.concernsEveryRequest(result.error)
            ? Effect.fail(CliError.fromClient(result.error, { baseUrl: options.baseUrl }))
            : Effect.succeed(result)
        ),
        options.observe ?? identity,
        Stream.rechunk(chunkSize),
        Stream.run(sink({ baseUrl: options.baseUrl }))
      )
  ).pipe(Effect.withSpan("Report.collect", { attributes: { concurrency: options.concurrency } }))

/**
 * What {@link fromStore} reports on: the store's completions matching `filter`, days in `timeZone` (UTC by default).
 *
 * @since 0.1.0
 * @category models
 */
export type StoreOptions = CompletionStore.ReportOptions

/**
 * The report of the completions in a store, without a call to the API: computed in the database from the figures
 * stored with each completion (equal to `Report.summarize` over the same completions, newest first), with as
 * failures the ids the store's syncs could not retrieve.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { ReportCommand } from "@objectiveai-effect/cli"
 *
 * const lastWeek = ReportCommand.fromStore({ filter: { since: new Date("2025-06-01") }, timeZone: "Europe/Paris" })
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromStore = (
  options: StoreOptions = {}
): Effect.Effect<Report.Report, StoreError.StoreError, CompletionStore.CompletionStore> =>
  Effect.flatMap(CompletionStore.CompletionStore, (store) => store.report(options))

const fileIds = (path: string): Stream.Stream<string, CliError.CliError, FileSystem.FileSystem> =>
  Stream.unwrap(Effect.map(FileSystem.FileSystem, (fs) => fs.stream(path))).pipe(
    Stream.decodeText(),
    Stream.splitLines,
    Stream.map((line) => line.trim()),
    Stream.filter((line) => line !== "" && !line.startsWith("#")),
    Stream.mapError((error) => CliError.failure(`cannot read ${path}: ${error.message}`))
  )

const idsOf = (
  source: Source,
  connection: Connection.Connection
): Stream.Stream<string, CliError.CliError, FileSystem.FileSystem | ObjectiveAiClient.ObjectiveAiClient> =>
  source._tag === "All"
    ? Stream.unwrap(
      Effect.map(
        ObjectiveAiClient.ObjectiveAiClient,
        (client) => client.list({ pageSize: ObjectiveAiApi.defaultListCount })
      )
    )
      .pipe(
        Stream.map((item): string => item.id),
        Stream.mapError((error) => CliError.fromClient(error, { baseUrl: connection.baseUrl }))
      )
    : Stream.concat(
      Stream.fromIterable(source.ids),
      Option.match(source.file, { onNone: () => Stream.empty, onSome: fileIds })
    )

/**
 * Retrieves the source's completions from a connection and prints their report on stdout; fails when every id
 * failed, and warns on stderr when some did.
 *
 * @since 0.1.0
 * @category actions
 */
export const report = (
  source: Source,
  connection: Connection.Connection,
  settings: Settings
): Effect.Effect<void, CliError.CliError, FileSystem.FileSystem> =>
  Effect.gen(function*() {
    const total = source._tag === "Ids" && Option.isNone(source.file) ? source.ids.length : undefined
    const report = yield* collect(idsOf(source, connection), {
      baseUrl: connection.baseUrl,
      concurrency: settings.concurrency,
      observe: Progress.track({ total })
    }).pipe(Effect.provide(Connection.layer(connection)))
    yield* print(report, settings.format, { wide: settings.wide })
  })

/**
 * Prints a report on stdout; fails when every id failed, and warns on stderr when some did.
 *
 * @since 0.1.0
 * @category rendering
 */
export const print = (
  report: Report.Report,
  format: ReportFormat.Format,
  options: ReportFormat.RenderOptions = {}
): Effect.Effect<void, CliError.CliError> =>
  Effect.gen(function*() {
    yield* Console.log(ReportFormat.render(report, format, options))
    const { failed, retrieved } = report.completions
    if (failed > 0 && retrieved === 0) {
      return yield* CliError.failure(`every one of the ${failed} ids failed: the report lists why`)
    }
    if (failed > 0) {
      yield* Console.error(`objectiveai: ${failed} of ${failed + retrieved} ids failed: the report lists why`)
    }
  })

/**
 * Prints the report of a store's completions, from the store alone.
 *
 * @since 0.1.0
 * @category actions
 */
export const reportStore = (
  database: string,
  options: StoreOptions & { readonly format: ReportFormat.Format; readonly wide: boolean }
): Effect.Effect<void, CliError.CliError> =>
  fromStore(options).pipe(
    Effect.mapError(StoreConnection.fromStore),
    Effect.provide(StoreConnection.layer(database, { readOnly: true })),
    Effect.flatMap((report) => print(report, options.format, { timeZone: options.timeZone, wide: options.wide }))
  )

/**
 * Prints the dashboard of a store's completions as one self-contained HTML file: the page, its charts and the
 * figures of the range, with nothing to fetch (redirect stdout to a file: `report --database … --format html >
 * report.html`).
 *
 * @since 0.1.0
 * @category actions
 */
export const reportPage = (
  database: string,
  filter: CompletionStore.Filter & {
    readonly timeZone?: string | undefined
    /** The `key=value` tags the page's filter starts from. */
    readonly tag?: ReadonlyArray<string> | undefined
  }
): Effect.Effect<void, CliError.CliError> =>
  Effect.flatMap(Analytics.Analytics, (analytics) =>
    Page.snapshot(analytics, {
      since: filter.since,
      until: filter.until,
      model: filter.models,
      provider: filter.providers,
      tag: filter.tag === undefined || filter.tag.length === 0 ? undefined : filter.tag,
      timeZone: filter.timeZone
    })).pipe(
      Effect.mapError((error) => CliError.failure(error.message)),
      Effect.provide(Analytics.layer.pipe(Layer.provide(StoreConnection.layer(database, { readOnly: true })))),
      Effect.flatMap((snapshot) => Console.log(Page.html(snapshot)))
    )

/**
 * The `report` command: checks that the flags name one source, reads the ids of `--file` first (so that the
 * progress line knows the total, and a file without ids is refused as no source at all), then {@link report}s it.
 *
 * @since 0.1.0
 * @category commands
 */
export const run = (options: {
  readonly ids: ReadonlyArray<string>
  readonly file: Option.Option<string>
  readonly all: boolean
  readonly format: Formats.ReportFormat
  readonly wide: boolean
  readonly concurrency: number
  readonly connection: Connection.Flags
  readonly database: Option.Option<string>
  readonly range: { readonly since: Option.Option<Date>; readonly until: Option.Option<Date> }
  readonly tz: Option.Option<string>
  /** The tag key of `--by tag:<key>`. */
  readonly by: Option.Option<string>
  /** The `key=value` tags of `--tag`. */
  readonly tag: ReadonlyArray<string>
}): Effect.Effect<void, CliError.CliError, FileSystem.FileSystem> =>
  Effect.gen(function*() {
    const named = options.ids.length > 0 || Option.isSome(options.file)
    if (Option.isSome(options.database)) {
      if (named || options.all) {
        return yield* CliError.usage("--database reports the store: give it no ids, --file or --all")
      }
      const filter = {
        ...StoreConnection.filterOf(options.range),
        tags: options.tag.length === 0 ? undefined : AnalyticsApi.tagsByKey(options.tag)
      }
      const timeZone = Option.getOrUndefined(options.tz)
      const tag = Option.getOrUndefined(options.by)
      if (options.format === "html" && tag !== undefined) {
        return yield* CliError.usage("--by groups the table, json and csv formats: the html page has its own filters")
      }
      return yield* options.format === "html"
        ? reportPage(options.database.value, { ...filter, timeZone, tag: options.tag })
        : reportStore(options.database.value, { filter, timeZone, tag, format: options.format, wide: options.wide })
    }
    if (options.format === "html") {
      return yield* CliError.usage("--format html is the dashboard of a store: give --database")
    }
    if (
      Option.isSome(options.range.since) || Option.isSome(options.range.until) || Option.isSome(options.tz) ||
      Option.isSome(options.by) || options.tag.length > 0
    ) {
      return yield* CliError.usage("--since, --until, --tz, --by and --tag apply to a store: give --database")
    }
    if (options.all && named) return yield* CliError.usage("--all reports every completion: give it no ids or --file")
    if (!options.all && !named) {
      return yield* CliError.usage("nothing to report: give ids, --file, --all or --database")
    }
    const fromFile = Option.isSome(options.file) ? yield* Stream.runCollect(fileIds(options.file.value)) : Chunk.empty()
    if (!options.all && options.ids.length === 0 && Chunk.isEmpty(fromFile)) {
      return yield* CliError.usage(
        `nothing to report: --file ${Option.getOrElse(options.file, () => "")} holds no ids; give ids, --file or --all`
      )
    }
    const source: Source = options.all
      ? { _tag: "All" }
      : { _tag: "Ids", ids: [...options.ids, ...fromFile], file: Option.none() }
    const connection = yield* Connection.fromFlags(options.connection)
    yield* report(source, connection, {
      format: options.format,
      wide: options.wide,
      concurrency: options.concurrency
    })
  })
