/**
 * The flags of the commands that read or write a completion store: `--database` (a SQLite file or a PostgreSQL URL;
 * `OBJECTIVEAI_DATABASE`, else the default SQLite file), `--since` and `--until` (a time range), and the store layer
 * they name, whose errors become one line on stderr.
 *
 * @since 0.1.0
 */
import * as Options from "@effect/cli/Options"
import { CompletionStore, Database, type StoreError } from "@objectiveai-effect/store"
import * as Config from "effect/Config"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as CliError from "./CliError.js"

/**
 * `--database`: where the store is. The commands that only use a store fall back to `OBJECTIVEAI_DATABASE`, then to
 * {@link Database.defaultSqliteFile}.
 *
 * @since 0.1.0
 */
export const database: Options.Options<string> = Options.text("database").pipe(
  Options.withDescription(
    `The store: a SQLite file or a postgres:// URL; OBJECTIVEAI_DATABASE by default, else ${Database.defaultSqliteFile()}.`
  ),
  Options.withPseudoName("file|url"),
  Options.withFallbackConfig(
    Config.string("OBJECTIVEAI_DATABASE").pipe(Config.orElse(() => Config.succeed(Database.defaultSqliteFile())))
  )
)

/**
 * `--since` and `--until`: completions created in `[since, until)`; a date without a time is midnight UTC.
 *
 * @since 0.1.0
 */
export const range: Options.Options<{ readonly since: Option.Option<Date>; readonly until: Option.Option<Date> }> =
  Options.all({
    since: Options.date("since").pipe(
      Options.withDescription("Only completions created at or after this date or time (ISO 8601)."),
      Options.optional
    ),
    until: Options.date("until").pipe(
      Options.withDescription("Only completions created before this date or time (ISO 8601)."),
      Options.optional
    )
  })

/**
 * A store error as the one line a command prints.
 *
 * @since 0.1.0
 */
export const fromStore = (error: StoreError.StoreError): CliError.CliError => CliError.failure(error.message)

/**
 * The store at a `--database` value, its errors as {@link CliError.CliError}s.
 *
 * @since 0.1.0
 */
export const layer = (location: string): Layer.Layer<CompletionStore.CompletionStore, CliError.CliError> =>
  CompletionStore.layer(Database.fromString(location)).pipe(Layer.mapError(fromStore))

/**
 * The filter of a time range.
 *
 * @since 0.1.0
 */
export const filterOf = (
  options: { readonly since: Option.Option<Date>; readonly until: Option.Option<Date> }
): CompletionStore.Filter => ({
  since: Option.getOrUndefined(options.since),
  until: Option.getOrUndefined(options.until)
})
