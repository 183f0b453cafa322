/**
 * The `objectiveai` command tree (`retrieve`, `report`, `sync`, `import`, `export`, `prune`, `serve`, `dashboard`,
 * `demo`) on `@effect/cli`, and {@link run}, which parses a command line, runs the command, and turns every failure into
 * one line on stderr and an exit code for {@link teardown}.
 *
 * @example
 * ```ts
 * import { NodeContext, NodeRuntime } from "@effect/platform-node"
 * import { Effect } from "effect"
 * import { Cli } from "@objectiveai-effect/cli"
 *
 * // What the executable does with its command line.
 * const main = (argv: ReadonlyArray<string>) =>
 *   Cli.run(argv).pipe(
 *     Effect.provide(NodeContext.layer),
 *     NodeRuntime.runMain({ disableErrorReporting: true, teardown: Cli.teardown })
 *   )
 * ```
 *
 * @since 0.1.0
 */
import * as Args from "@effect/cli/Args"
import type * as CliApp from "@effect/cli/CliApp"
import * as CliConfig from "@effect/cli/CliConfig"
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import * as ValidationError from "@effect/cli/ValidationError"
import type * as Runtime from "@effect/platform/Runtime"
import * as UrlRedaction from "@objectiveai-effect/domain/UrlRedaction"
import * as Arr from "effect/Array"
import * as Cause from "effect/Cause"
import * as Console from "effect/Console"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import { createRequire } from "node:module"
import * as CliError from "./CliError.js"
import * as Connection from "./Connection.js"
import type * as DashboardCommand from "./DashboardCommand.js"
import type * as DemoCommand from "./DemoCommand.js"
import type * as ExportCommand from "./ExportCommand.js"
import type * as ImportCommand from "./ImportCommand.js"
import * as CommandLine from "./internal/commandLine.js"
import * as Flags from "./internal/flags.js"
import * as Formats from "./internal/formats.js"
import type * as PruneCommand from "./PruneCommand.js"
import * as Render from "./Render.js"
import type * as ReportCommand from "./ReportCommand.js"
import type * as ReportFormat from "./ReportFormat.js"
import type * as RetrieveCommand from "./RetrieveCommand.js"
import type * as ServeCommand from "./ServeCommand.js"
import * as StoreFlags from "./StoreFlags.js"
import type * as SyncCommand from "./SyncCommand.js"

const version: string = createRequire(import.meta.url)("../package.json").version

// Each command's module is imported when the command runs: `--version`, `--help` and a usage error load only the
// command tree, and the server and its generator load only for `serve` and `demo` (the bundle keeps every module in
// one file, evaluated on first import).
const retrieveRun = (options: Parameters<typeof RetrieveCommand.run>[0]) =>
  Effect.flatMap(Effect.promise(() => import("./RetrieveCommand.js")), (module) => module.run(options))

const reportRun = (options: Parameters<typeof ReportCommand.run>[0]) =>
  Effect.flatMap(Effect.promise(() => import("./ReportCommand.js")), (module) => module.run(options))

const serveRun = (settings: ServeCommand.Settings) =>
  Effect.flatMap(Effect.promise(() => import("./ServeCommand.js")), (module) => module.run(settings))

const demoRun = (options: Parameters<typeof DemoCommand.run>[0]) =>
  Effect.flatMap(Effect.promise(() => import("./DemoCommand.js")), (module) => module.run(options))

const syncRun = (options: Parameters<typeof SyncCommand.run>[0]) =>
  Effect.flatMap(Effect.promise(() => import("./SyncCommand.js")), (module) => module.run(options))

const importRun = (options: Parameters<typeof ImportCommand.run>[0]) =>
  Effect.flatMap(Effect.promise(() => import("./ImportCommand.js")), (module) => module.run(options))

const dashboardRun = (settings: DashboardCommand.Settings) =>
  Effect.flatMap(Effect.promise(() => import("./DashboardCommand.js")), (module) => module.run(settings))

const exportRun = (options: Parameters<typeof ExportCommand.run>[0]) =>
  Effect.flatMap(Effect.promise(() => import("./ExportCommand.js")), (module) => module.run(options))

const pruneRun = (options: Parameters<typeof PruneCommand.run>[0]) =>
  Effect.flatMap(Effect.promise(() => import("./PruneCommand.js")), (module) => module.run(options))

const retrieve = Command.make(
  "retrieve",
  {
    id: Args.text({ name: "id" }).pipe(Args.withDescription("The id of the stored completion, chtcpl-….")),
    json: Options.boolean("json").pipe(
      Options.withDescription("Print the stored completion as the API's exact JSON, big integers included.")
    ),
    connection: Connection.flags
  },
  retrieveRun
).pipe(Command.withDescription("Print a stored completion: readable, or its exact JSON with --json."))

const format = Flags.choice("format", Formats.formats, {
  description: "table: aligned text; json: one JSON document; csv: one long-format table (section,key,metric,value)."
}).pipe(Flags.withDefault<ReportFormat.Format>("table"))

const wide = Options.boolean("wide").pipe(
  Options.withDescription(
    "Every column of the table (upstream costs, whole problem reasons); by default it fits 120 columns."
  )
)

const concurrency = Flags.integer("concurrency", {
  min: 1,
  max: 256,
  description: "How many completions to retrieve at once, from 1 to 256."
}).pipe(Flags.withDefault(16))

const report = Command.make(
  "report",
  {
    ids: Args.text({ name: "id" }).pipe(Args.withDescription("Ids of stored completions."), Args.repeated),
    file: Flags.existingFile("file", {
      description: "A file of ids, one per line; blank lines and lines starting with # are skipped."
    }).pipe(Options.optional),
    all: Options.boolean("all").pipe(Options.withDescription("Report on every stored completion, paging the list.")),
    format: Flags.choice("format", Formats.reportFormats, {
      description:
        "table: aligned text; json: one JSON document; csv: one long-format table (section,key,metric,value); html: the dashboard as one self-contained file (with --database)."
    }).pipe(Flags.withDefault<Formats.ReportFormat>("table")),
    wide,
    concurrency,
    connection: Connection.flags,
    database: Options.text("database").pipe(
      Options.withDescription("Report on the completions of a store (a SQLite file or a postgres:// URL), offline."),
      Options.withPseudoName("file|url"),
      Options.optional
    ),
    range: StoreFlags.range,
    tz: StoreFlags.timeZone,
    by: StoreFlags.by,
    tag: StoreFlags.tags
  },
  reportRun
).pipe(
  Command.withDescription(
    "Retrieve completions (or read them from a store with --database) and print cost totals by model, provider and day, logprob measures and the tool calls found."
  )
)

const sync = Command.make(
  "sync",
  { database: StoreFlags.database, concurrency, connection: Connection.flags },
  syncRun
).pipe(
  Command.withDescription(
    "Bring a completion store up to date from the API: list, retrieve what it lacks, store it; then print new, already stored and failed."
  )
)

const importCommand = Command.make(
  "import",
  {
    database: StoreFlags.database,
    files: Args.file({ name: "file", exists: "yes" }).pipe(
      Args.withDescription(
        "JSON Lines files: one stored completion ({ request, response }, as retrieve gives it) or bare chat.completion per line."
      ),
      Args.atLeast(1)
    )
  },
  importRun
).pipe(
  Command.withDescription(
    "Load stored completions from JSON Lines files into a store; lines already stored are skipped, bad lines are named and skipped (exit 1)."
  )
)

const exportCommand = Command.make(
  "export",
  {
    database: StoreFlags.database,
    format: Flags.choice("format", StoreFlags.exportFormats, {
      description:
        "jsonl: each stored completion's exact JSON, one per line; csv: one row per completion; parquet: typed columns and the exact JSON (redirect stdout to a file)."
    }),
    range: StoreFlags.range
  },
  ({ database, format, range }) => exportRun({ database, format, ...range })
).pipe(Command.withDescription("Write a store's completions on stdout, oldest first, as JSON lines, CSV or Parquet."))

const prune = Command.make(
  "prune",
  {
    database: StoreFlags.database,
    before: Flags.date("before", {
      description: "Drop the bodies of completions created, and the requests of calls made, before this date or time."
    })
  },
  pruneRun
).pipe(
  Command.withDescription(
    "Drop a store's bodies older than a date and keep the figures the report reads: the report stays the same."
  )
)

const host = Options.text("host").pipe(
  Options.withDescription("The interface to listen on."),
  Options.withPseudoName("HOST"),
  Flags.withDefault("127.0.0.1")
)

const allowAnyKey = Options.boolean("allow-any-key").pipe(
  Options.withDescription("Serve beyond loopback with no --api-key (any key accepted); refused otherwise.")
)

// `Options.redacted` cannot be repeated (@effect/cli 0.77 rejects its own redacted values), so the keys are wrapped
// right after parsing.
const apiKeys = (environment: string) =>
  Options.text("api-key").pipe(
    Options.withDescription(
      `A key requests must bear; repeat for several. Default: the keys in ${environment} (comma-separated; unlike a flag, not shown by ps), else any non-empty key.`
    ),
    Options.withPseudoName("KEY"),
    Options.repeated,
    Options.map(Arr.map((key) => Redacted.make(key)))
  )

const serve = Command.make(
  "serve",
  {
    data: Flags.existingFile("data", {
      description:
        "A JSONL file of stored completions; created completions are appended to it. Default: the sample data set."
    }).pipe(Options.optional),
    host,
    port: Flags.integer("port", { min: 0, max: 65535, description: "The port to listen on; 0 picks a free one." })
      .pipe(Flags.withDefault(8080)),
    faults: Flags.fraction("faults", {
      description: "The share of requests, from 0 to 1, that get a fault: 429, 5xx, reset, stall. Default: none."
    }).pipe(Options.optional),
    pace: Flags.integer("pace", {
      min: 0,
      max: 60_000,
      placeholder: "MS",
      description: "Milliseconds between the events of a streamed answer, to watch a stream arrive; 0 sends at once."
    }).pipe(Flags.withDefault(0)),
    apiKeys: apiKeys("OBJECTIVEAI_SERVE_API_KEYS"),
    allowAnyKey
  },
  serveRun
).pipe(Command.withDescription("Run the local ObjectiveAI-compatible server until Ctrl-C."))

const dashboard = Command.make(
  "dashboard",
  {
    database: StoreFlags.database,
    host,
    port: Flags.integer("port", { min: 0, max: 65535, description: "The port to listen on; 0 picks a free one." })
      .pipe(Flags.withDefault(8787)),
    apiKeys: apiKeys("OBJECTIVEAI_DASHBOARD_API_KEYS"),
    allowAnyKey
  },
  dashboardRun
).pipe(
  Command.withDescription(
    "Serve the dashboard of a store until Ctrl-C: cost, tokens, logprob measures, tool calls and failures as charts, and their figures as JSON."
  )
)

const demo = Command.make(
  "demo",
  {
    local: Options.boolean("local").pipe(
      Options.withDescription("Use the local sample data even when an API key is set.")
    ),
    format,
    wide,
    concurrency,
    connection: Connection.flags
  },
  demoRun
).pipe(
  Command.withDescription(
    "Serve the sample data set on a free loopback port and report on all of it; with an API key, report on the real API."
  )
)

/**
 * The command tree. Without a subcommand it fails with a usage error that names them.
 *
 * @since 0.1.0
 * @category commands
 */
export const command = Command.make(
  "objectiveai",
  {},
  () =>
    Effect.fail(
      CliError.usage(
        "a command is required: retrieve, report, sync, import, export, prune, serve, dashboard or demo (see objectiveai --help)"
      )
    )
).pipe(
  Command.withDescription("Retrieve, report on and serve ObjectiveAI chat completions."),
  Command.withSubcommands([retrieve, report, sync, importCommand, exportCommand, prune, serve, dashboard, demo])
)

/**
 * The failure of {@link run}: the process should exit with `code`. What went wrong has already been printed.
 *
 * @since 0.1.0
 * @category errors
 */
export class ExitCode extends Data.TaggedError("ExitCode")<{ readonly code: number }> {}

// Every error line passes here: a usage error echoing a URL or a store's message naming one never shows credentials,
// and whatever a server said cannot drive the terminal.
const exitWith = (code: number, line?: string) =>
  Effect.zipRight(
    line === undefined ? Effect.void : Console.error(`objectiveai: ${Render.printable(UrlRedaction.redact(line))}`),
    Effect.fail(new ExitCode({ code }))
  )

const messageOf = (u: unknown): string => u instanceof Error ? u.message : String(u)

// @effect/cli prints a usage error itself, over several lines with the help after it; its console is silenced
// for the parse, and the commands get the real one back, so that the one line of `run` is all a user sees.
const silenced = (console: Console.Console): Console.Console => ({
  ...console,
  error: () => Effect.void,
  log: () => Effect.void,
  unsafe: { ...console.unsafe, error: () => {}, log: () => {} }
})

/**
 * Runs a command line (`process.argv`: the runtime and script first). Every failure is printed as one line on
 * stderr, never with a stack trace, and becomes an {@link ExitCode} with the code {@link teardown} exits with: a
 * usage error (an unknown flag, a bad value, a missing argument) exits 2 before anything is sent.
 *
 * @since 0.1.0
 * @category commands
 */
export const run = (argv: ReadonlyArray<string>): Effect.Effect<void, ExitCode, CliApp.CliApp.Environment> =>
  Effect.gen(function*() {
    // The built-in options @effect/cli would list are not offered here (see internal/commandLine.ts).
    const config = CliConfig.make({ showBuiltIns: false })
    const tree = CommandLine.tree(command.descriptor, "objectiveai")
    const checked = CommandLine.check(tree, argv.slice(2))
    switch (checked._tag) {
      case "UsageError":
        return yield* exitWith(CliError.usageExitCode, checked.message)
      case "Version":
        return yield* Console.log(version)
      case "Help":
        return yield* Console.log(CommandLine.help(checked.path, { version, config, colour: CommandLine.colour() }))
      case "Run":
        break
    }
    const console = yield* Effect.console
    const cli = Command.run(
      command.pipe(Command.transformHandler((effect) => Effect.withConsole(effect, console))),
      { name: "objectiveai", version }
    )
    return yield* cli(argv).pipe(
      Effect.withConsole(silenced(console)),
      Effect.catchAllCause((cause): Effect.Effect<never, ExitCode> => {
        if (Cause.isInterruptedOnly(cause)) return Effect.interrupt
        return Option.match(Cause.failureOption(cause), {
          onSome: (error) =>
            ValidationError.isValidationError(error)
              ? exitWith(CliError.usageExitCode, CommandLine.oneLine(error, checked.path))
              : exitWith(error.exitCode, error.message),
          onNone: () => exitWith(CliError.failureExitCode, `internal error: ${messageOf(Cause.squash(cause))}`)
        })
      })
    )
  })

/**
 * The process's exit code for how {@link run} ended: 0 on success, the {@link ExitCode}'s code on failure, 130 when
 * interrupted (Ctrl-C), 1 for anything else.
 *
 * @since 0.1.0
 * @category commands
 */
export const teardown: Runtime.Teardown = (exit, onExit) => {
  if (Exit.isSuccess(exit)) return onExit(0)
  if (Cause.isInterruptedOnly(exit.cause)) return onExit(CliError.interruptedExitCode)
  const failure = Cause.failureOption(exit.cause)
  onExit(Option.isSome(failure) && failure.value instanceof ExitCode ? failure.value.code : CliError.failureExitCode)
}
