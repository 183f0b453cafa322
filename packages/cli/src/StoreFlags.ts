/**
 * The flags of the commands that read or write a completion store: `--database` (a SQLite file or a PostgreSQL URL;
 * `OBJECTIVEAI_DATABASE`, else the default SQLite file), `--since` and `--until` (a time range), `--tz`, and the
 * export formats. Only the location module of the store loads here, so help and usage errors stay fast.
 *
 * @since 0.1.0
 */
import * as Options from "@effect/cli/Options"
import * as Database from "@objectiveai-effect/store/Database"
import * as Config from "effect/Config"
import type * as Option from "effect/Option"
import * as Flags from "./internal/flags.js"

/**
 * `--database`: where the store is. The commands that only use a store fall back to `OBJECTIVEAI_DATABASE`, then to
 * {@link Database.defaultSqliteFile}.
 *
 * @since 0.1.0
 * @category flags
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
 * @category flags
 */
export const range: Options.Options<{ readonly since: Option.Option<Date>; readonly until: Option.Option<Date> }> =
  Options.all({
    since: Flags.date("since", {
      description: "Only completions created at or after this date or time (ISO 8601)."
    }).pipe(Options.optional),
    until: Flags.date("until", {
      description: "Only completions created before this date or time (ISO 8601)."
    }).pipe(Options.optional)
  })

/**
 * `--tz`: the IANA time zone of the report's days, UTC by default.
 *
 * @since 0.1.0
 * @category flags
 */
export const timeZone: Options.Options<Option.Option<string>> = Flags.timeZone("tz", {
  description: "The time zone of the days (with --database), such as Europe/Paris; UTC by default."
}).pipe(Options.optional)

/**
 * `--by tag:<key>`: the grouping the store's report adds, the cost by the value of a captured call's tag; the key.
 *
 * @since 0.2.0
 * @category flags
 */
export const by: Options.Options<Option.Option<string>> = Flags.tagKey("by", {
  description: "With --database, the cost by a tag of the captured calls, as tag:<key> (tag:feature)."
}).pipe(Options.optional)

/**
 * `--tag key=value`, repeatable: only the completions and calls captured with these tags (a key given several values
 * matches any of them, every key must match), as the dashboard's tag filter.
 *
 * @since 0.2.0
 * @category flags
 */
export const tags: Options.Options<Array<string>> = Flags.tags("tag", {
  description:
    "With --database, only completions and calls captured with this tag, as key=value (feature=search); repeat for several (a key given several values matches any of them, every key must match)."
})

/**
 * The export formats.
 *
 * @since 0.1.0
 * @category constants
 */
export const exportFormats = ["jsonl", "csv", "parquet"] as const

/**
 * An export format.
 *
 * @since 0.1.0
 * @category models
 */
export type ExportFormat = typeof exportFormats[number]
