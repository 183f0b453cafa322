/**
 * `objectiveai sync`: brings a completion store up to date from the API (`Sync.sync`: list, then retrieve what the
 * store lacks), drawing the progress line on a terminal, and prints a summary: new, already stored, failed. Ids that
 * failed are recorded in the store, retried by the next sync and listed on stderr; the command exits 0 unless every
 * retrieve failed.
 *
 * @since 0.1.0
 */
import * as UrlRedaction from "@objectiveai-effect/domain/UrlRedaction"
import { Sync } from "@objectiveai-effect/ingest"
import { type CompletionStore, StoreError } from "@objectiveai-effect/store"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as CliError from "./CliError.js"
import * as Connection from "./Connection.js"
import * as Progress from "./Progress.js"
import * as Render from "./Render.js"
import * as StoreConnection from "./StoreConnection.js"

/**
 * The summary line of a sync; a PostgreSQL URL is named without its password.
 *
 * @since 0.1.0
 * @category rendering
 */
export const summaryLine = (summary: Sync.Summary, database: string): string =>
  `synced ${
    UrlRedaction.redact(database)
  }: ${summary.stored} new, ${summary.alreadyStored} already stored, ${summary.failed.length} failed` +
  (summary.retried > 0 ? ` (${summary.retried} earlier failures now stored)` : "")

/**
 * The line of an id still failing after a sync: the id and the reason as the server could set them, shown safely
 * (a reason recorded by an older version could name a URL with its password).
 *
 * @since 0.1.0
 * @category rendering
 */
export const failureLine = (failure: CompletionStore.Failure): string =>
  Render.printable(UrlRedaction.redact(`${failure.id}: ${failure.reason} (${tries(failure.attempts)})`))

const tries = (count: number) => `failed in ${count === 1 ? "1 sync" : `${count} syncs`}`

/**
 * The `sync` command.
 *
 * @since 0.1.0
 * @category commands
 */
export const run = (options: {
  readonly database: string
  readonly concurrency: number
  readonly connection: Connection.Flags
}): Effect.Effect<void, CliError.CliError> =>
  Effect.gen(function*() {
    const connection = yield* Connection.fromFlags(options.connection)
    const context = { baseUrl: connection.baseUrl }
    const summary = yield* Sync.sync({
      concurrency: options.concurrency,
      observe: Progress.track({ total: undefined }),
      describe: (error, id) => CliError.describe(error, { ...context, id })
    }).pipe(
      Effect.mapError((error) =>
        StoreError.isStoreError(error) ? StoreConnection.fromStore(error) : CliError.fromClient(error, context)
      ),
      Effect.provide(Layer.merge(StoreConnection.layer(options.database), Connection.layer(connection)))
    )
    yield* Console.log(summaryLine(summary, options.database))
    for (const failure of summary.failed) {
      yield* Console.error(`objectiveai: ${failureLine(failure)}`)
    }
    if (summary.failed.length > 0 && summary.stored === 0 && summary.alreadyStored === 0) {
      return yield* CliError.failure(`every one of the ${summary.failed.length} ids failed; the next sync retries them`)
    }
  })
