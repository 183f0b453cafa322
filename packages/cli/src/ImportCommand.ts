/**
 * `objectiveai import`: loads stored completions from JSON Lines files into a store (`Import.fromFiles`), drawing the
 * progress line on a terminal, and prints a summary: new, already stored, bad lines. Each bad line is named on stderr
 * as `objectiveai: FILE:LINE: reason` and skipped; the command exits 1 when any line was bad, 0 otherwise. Like
 * `sync`, it creates the store when it is missing.
 *
 * @since 0.1.0
 */
import type * as FileSystem from "@effect/platform/FileSystem"
import { Import } from "@objectiveai-effect/store"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as CliError from "./CliError.js"
import * as Progress from "./Progress.js"
import * as Render from "./Render.js"
import * as StoreConnection from "./StoreConnection.js"

/**
 * The summary line of an import.
 *
 * @since 0.1.0
 * @category rendering
 */
export const summaryLine = (summary: Import.Summary, database: string): string =>
  `imported into ${database}: ${summary.stored} new, ${summary.alreadyStored} already stored, ${summary.bad} bad ${
    summary.bad === 1 ? "line" : "lines"
  }`

/**
 * The `import` command.
 *
 * @since 0.1.0
 * @category commands
 */
export const run = (options: {
  readonly database: string
  readonly files: ReadonlyArray<string>
}): Effect.Effect<void, CliError.CliError, FileSystem.FileSystem> =>
  Effect.gen(function*() {
    const summary = yield* Import.fromFiles(options.files, {
      observe: Progress.count<Import.LineOutcome>({
        total: undefined,
        action: "importing",
        failed: (result) => result._tag === "Bad"
      }),
      onBadLine: (bad) => Console.error(`objectiveai: ${bad.file}:${bad.line}: ${Render.oneLine(bad.reason, 300)}`)
    }).pipe(
      Effect.catchTags({
        SystemError: (error) =>
          Effect.fail(CliError.failure(`cannot read ${error.pathOrDescriptor}: ${error.message}`)),
        BadArgument: (error) => Effect.fail(CliError.failure(error.message))
      }),
      Effect.mapError((error) => CliError.isCliError(error) ? error : StoreConnection.fromStore(error)),
      Effect.provide(StoreConnection.layer(options.database))
    )
    yield* Console.log(summaryLine(summary, options.database))
    if (summary.bad > 0) {
      return yield* CliError.failure(
        `${summary.bad} of ${summary.lines} lines were not stored completions and were skipped (listed above)`
      )
    }
  })
