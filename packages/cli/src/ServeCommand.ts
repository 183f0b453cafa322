/**
 * `objectiveai serve`: runs the local ObjectiveAI-compatible server until Ctrl-C, on the data set given (`--data`,
 * a JSONL file of stored completions, to which created completions are appended) or the built-in sample set (in
 * memory), with optional fault injection, API keys and a pace for streamed answers, and prints its URL.
 *
 * @since 0.1.0
 */
import type * as FileSystem from "@effect/platform/FileSystem"
import type * as Path from "@effect/platform/Path"
import { ObjectiveAiServer, SampleData, ServedCompletions } from "@objectiveai-effect/server"
import type * as Config from "effect/Config"
import * as Console from "effect/Console"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import type * as Redacted from "effect/Redacted"
import type * as CliError from "./CliError.js"
import * as Invocation from "./internal/invocation.js"
import * as Keys from "./internal/keys.js"
import { startError } from "./internal/server.js"

/**
 * How to serve.
 *
 * @since 0.1.0
 * @category models
 */
export interface Settings {
  /** A JSONL file of stored completions; the built-in sample set when none. */
  readonly data: Option.Option<string>
  readonly host: string
  /** 0 picks a free port. */
  readonly port: number
  /** The share of requests, from 0 to 1, that get an injected fault. */
  readonly faults: Option.Option<number>
  /** The keys requests must bear (`--api-key`); those of {@link apiKeysConfig} when none; any non-empty key when none there. */
  readonly apiKeys: ReadonlyArray<Redacted.Redacted<string>>
  /** Milliseconds between the events of a streamed answer; 0 sends them at once. */
  readonly pace: number
  /** Serve beyond loopback with no keys (any key accepted), with a warning, rather than refuse to start. */
  readonly allowAnyKey: boolean
}

/**
 * The keys requests must bear when no `--api-key` is given: `OBJECTIVEAI_SERVE_API_KEYS`, separated by commas or
 * whitespace. A key on the command line is visible to every user of the machine in `ps`; one in the environment is
 * not.
 *
 * @since 0.1.0
 * @category config
 */
export const apiKeysConfig: Config.Config<ReadonlyArray<Redacted.Redacted<string>>> = Keys.apiKeysConfig(
  "OBJECTIVEAI_SERVE_API_KEYS"
)

// Shorter than the client's 20 s attempt timeout, so that a stalled request shows as a slow one, not a failed one.
const stall = Duration.seconds(5)

/**
 * Serves until interrupted, printing where on stdout.
 *
 * @since 0.1.0
 * @category commands
 */
export const run = (
  settings: Settings
): Effect.Effect<never, CliError.CliError, FileSystem.FileSystem | Path.Path> =>
  Effect.scoped(Effect.gen(function*() {
    const apiKeys = yield* Keys.required(settings, "OBJECTIVEAI_SERVE_API_KEYS", "accepts any key from")
    const server = ObjectiveAiServer.layer({
      host: settings.host,
      port: settings.port,
      ...Option.match(settings.data, {
        onNone: () => ({ completions: SampleData.generate() }),
        onSome: (dataFile) => ({ dataFile })
      }),
      ...(apiKeys.length === 0 ? {} : { apiKeys }),
      ...(settings.pace === 0 ? {} : { pace: Duration.millis(settings.pace) }),
      ...Option.match(settings.faults, { onNone: () => ({}), onSome: (rate) => ({ faults: { rate, stall } }) })
    })
    const context = yield* Effect.mapError(Layer.build(server), (error) => startError(error, settings))
    const { url } = Context.get(context, ObjectiveAiServer.ObjectiveAiServer)
    const size = yield* Context.get(context, ServedCompletions.ServedCompletions).size
    const data = Option.match(settings.data, { onNone: () => "the sample data set", onSome: (path) => path })
    const keys = apiKeys.length === 0
      ? "any API key"
      : `${apiKeys.length} API key${apiKeys.length === 1 ? "" : "s"}`
    const self = yield* Invocation.command
    yield* Console.log(
      [
        `Serving ${size} completions from ${data} on ${url}`,
        `Accepting ${keys}${
          Option.match(settings.faults, {
            onNone: () => "",
            onSome: (rate) => `; injecting faults into ${rate * 100}% of requests`
          })
        }${settings.pace === 0 ? "" : `; streaming one event every ${settings.pace} ms`}.`,
        // A line that works pasted into a shell: no placeholder, the command as it can be run here.
        apiKeys.length === 0
          ? `Try: OBJECTIVEAI_BASE_URL=${url} OBJECTIVEAI_API_KEY=local ${self} report --all`
          : `Try, with OBJECTIVEAI_API_KEY set to one of the keys: OBJECTIVEAI_BASE_URL=${url} ${self} report --all`,
        "Press Ctrl-C to stop."
      ].join("\n")
    )
    return yield* Effect.never
  }))
