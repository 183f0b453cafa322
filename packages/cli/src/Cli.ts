/**
 * The `objectiveai` command tree (`retrieve`, `report`, `serve`, `demo`) on `@effect/cli`, and {@link run}, which
 * parses a command line, runs the command, and turns every failure into one line on stderr and an exit code for
 * {@link teardown}.
 *
 * @example
 * ```ts
 * import { NodeContext, NodeRuntime } from "@effect/platform-node"
 * import { Effect } from "effect"
 * import { Cli } from "@objectiveai-effect/cli"
 *
 * Cli.run(process.argv).pipe(
 *   Effect.provide(NodeContext.layer),
 *   NodeRuntime.runMain({ disableErrorReporting: true, teardown: Cli.teardown })
 * )
 * ```
 *
 * @since 0.1.0
 */
import * as Args from "@effect/cli/Args"
import type * as CliApp from "@effect/cli/CliApp"
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import * as ValidationError from "@effect/cli/ValidationError"
import type * as Runtime from "@effect/platform/Runtime"
import * as Arr from "effect/Array"
import * as Cause from "effect/Cause"
import * as Console from "effect/Console"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import { createRequire } from "node:module"
import * as CliError from "./CliError.js"
import * as Connection from "./Connection.js"
import * as DemoCommand from "./DemoCommand.js"
import * as ReportCommand from "./ReportCommand.js"
import * as ReportFormat from "./ReportFormat.js"
import * as RetrieveCommand from "./RetrieveCommand.js"
import * as ServeCommand from "./ServeCommand.js"

const version: string = createRequire(import.meta.url)("../package.json").version

const retrieve = Command.make(
  "retrieve",
  {
    id: Args.text({ name: "id" }).pipe(Args.withDescription("The id of the stored completion.")),
    json: Options.boolean("json").pipe(
      Options.withDescription("Print the stored completion as the API's exact JSON, big integers included.")
    ),
    connection: Connection.flags
  },
  RetrieveCommand.run
).pipe(Command.withDescription("Print a stored completion: readable, or its exact JSON with --json."))

const format = Options.choice("format", ReportFormat.formats).pipe(
  Options.withDescription(
    "table: aligned text; json: one JSON document; csv: one long-format table (section,key,metric,value)."
  ),
  Options.withDefault("table")
)

const concurrency = Options.integer("concurrency").pipe(
  Options.withDescription("Retrieves in flight at once, from 1 to 256."),
  Options.withDefault(16),
  Options.withSchema(Schema.Int.pipe(Schema.between(1, 256)))
)

const report = Command.make(
  "report",
  {
    ids: Args.text({ name: "id" }).pipe(Args.withDescription("Ids of stored completions."), Args.repeated),
    file: Options.file("file", { exists: "yes" }).pipe(
      Options.withDescription("A file of ids, one per line; blank lines and lines starting with # are skipped."),
      Options.optional
    ),
    all: Options.boolean("all").pipe(Options.withDescription("Report on every stored completion, paging the list.")),
    format,
    concurrency,
    connection: Connection.flags
  },
  ReportCommand.run
).pipe(
  Command.withDescription(
    "Retrieve completions and print cost totals by model, provider and day, logprob measures and the tool calls found."
  )
)

const serve = Command.make(
  "serve",
  {
    data: Options.file("data", { exists: "yes" }).pipe(
      Options.withDescription(
        "A JSONL file of stored completions; created completions are appended to it. The sample data set by default."
      ),
      Options.optional
    ),
    host: Options.text("host").pipe(
      Options.withDescription("The interface to listen on."),
      Options.withDefault("127.0.0.1")
    ),
    port: Options.integer("port").pipe(
      Options.withDescription("The port to listen on; 0 picks a free one."),
      Options.withDefault(8080),
      Options.withSchema(Schema.Int.pipe(Schema.between(0, 65535)))
    ),
    faults: Options.float("faults").pipe(
      Options.withDescription("The share of requests, from 0 to 1, that get a fault: 429, 5xx, reset, stall."),
      Options.withSchema(Schema.Number.pipe(Schema.between(0, 1))),
      Options.optional
    ),
    // `Options.redacted` cannot be repeated (@effect/cli 0.77 rejects its own redacted values), so the keys are
    // wrapped right after parsing.
    apiKeys: Options.text("api-key").pipe(
      Options.withDescription("A key requests must bear; repeat for several. Any non-empty key when none is given."),
      Options.withPseudoName("key"),
      Options.repeated,
      Options.map(Arr.map((key) => Redacted.make(key)))
    ),
    allowAnyKey: Options.boolean("allow-any-key").pipe(
      Options.withDescription("Serve beyond loopback with no --api-key (any key accepted); refused otherwise.")
    )
  },
  ServeCommand.run
).pipe(Command.withDescription("Run the local ObjectiveAI-compatible server until Ctrl-C."))

const demo = Command.make(
  "demo",
  {
    local: Options.boolean("local").pipe(
      Options.withDescription("Use the local sample data even when an API key is set.")
    ),
    format,
    concurrency,
    connection: Connection.flags
  },
  DemoCommand.run
).pipe(
  Command.withDescription(
    "Serve the sample data set on a free loopback port and report on all of it; with an API key, report on the real API."
  )
)

/**
 * The command tree. Without a subcommand it fails with a usage error that names them.
 *
 * @since 0.1.0
 */
export const command = Command.make(
  "objectiveai",
  {},
  () => Effect.fail(CliError.usage("a command is required: retrieve, report, serve or demo (see objectiveai --help)"))
).pipe(
  Command.withDescription("Retrieve, report on and serve ObjectiveAI chat completions."),
  Command.withSubcommands([retrieve, report, serve, demo])
)

/**
 * The failure of {@link run}: the process should exit with `code`. What went wrong has already been printed.
 *
 * @since 0.1.0
 */
export class ExitCode extends Data.TaggedError("ExitCode")<{ readonly code: number }> {}

const cli = Command.run(command, { name: "objectiveai", version })

const exitWith = (code: number, line?: string) =>
  Effect.zipRight(
    line === undefined ? Effect.void : Console.error(`objectiveai: ${line}`),
    Effect.fail(new ExitCode({ code }))
  )

const messageOf = (u: unknown): string => u instanceof Error ? u.message : String(u)

/**
 * Runs a command line (`process.argv`: the runtime and script first). Every failure is printed as one line on
 * stderr, never with a stack trace, and becomes an {@link ExitCode} with the code {@link teardown} exits with; usage
 * errors found by `@effect/cli` have already been printed by it, with the help of the command.
 *
 * @since 0.1.0
 */
export const run = (argv: ReadonlyArray<string>): Effect.Effect<void, ExitCode, CliApp.CliApp.Environment> =>
  cli(argv).pipe(
    Effect.catchAllCause((cause): Effect.Effect<never, ExitCode> => {
      if (Cause.isInterruptedOnly(cause)) return Effect.interrupt
      return Option.match(Cause.failureOption(cause), {
        onSome: (error) =>
          ValidationError.isValidationError(error)
            ? exitWith(CliError.usageExitCode)
            : exitWith(error.exitCode, error.message),
        onNone: () => exitWith(CliError.failureExitCode, `internal error: ${messageOf(Cause.squash(cause))}`)
      })
    })
  )

/**
 * The process's exit code for how {@link run} ended: 0 on success, the {@link ExitCode}'s code on failure, 130 when
 * interrupted (Ctrl-C), 1 for anything else.
 *
 * @since 0.1.0
 */
export const teardown: Runtime.Teardown = (exit, onExit) => {
  if (Exit.isSuccess(exit)) return onExit(0)
  if (Cause.isInterruptedOnly(exit.cause)) return onExit(CliError.interruptedExitCode)
  const failure = Cause.failureOption(exit.cause)
  onExit(Option.isSome(failure) && failure.value instanceof ExitCode ? failure.value.code : CliError.failureExitCode)
}
