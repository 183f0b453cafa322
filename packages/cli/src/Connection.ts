/**
 * Where the commands that call the API send their requests and how hard they try: `--api-key` (or
 * `OBJECTIVEAI_API_KEY`, kept `Redacted`), `--base-url` (or `OBJECTIVEAI_BASE_URL`, the production API by default),
 * `--timeout` and `--retries`, and the client built from them on Node's undici transport.
 *
 * @since 0.1.0
 */
import * as Options from "@effect/cli/Options"
import type { ObjectiveAiClient } from "@objectiveai-effect/client"
import * as ClientConfig from "@objectiveai-effect/client/ClientConfig"
import * as RetryPolicy from "@objectiveai-effect/client/RetryPolicy"
import * as Config from "effect/Config"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as CliError from "./CliError.js"
import * as CliFlags from "./internal/flags.js"

/**
 * The connection flags, as parsed: the key may be missing until a command needs it.
 *
 * @since 0.1.0
 * @category models
 */
export interface Flags {
  readonly apiKey: Option.Option<Redacted.Redacted<string>>
  readonly baseUrl: string
  readonly timeout: Option.Option<Duration.Duration>
  readonly retries: Option.Option<number>
}

/**
 * A connection a client can be built from.
 *
 * @since 0.1.0
 * @category models
 */
export interface Connection {
  readonly apiKey: Redacted.Redacted<string>
  readonly baseUrl: string
  /** How long a call may take, retries included; the client's read timeouts when absent. */
  readonly timeout?: Duration.Duration | undefined
  /** Retries after the first attempt; the client's retry policy when absent. */
  readonly retries?: number | undefined
}

/**
 * The most retries `--retries` accepts: with the client's doubling backoff, more would only wait longer.
 *
 * @since 0.1.0
 * @category constants
 */
export const maxRetries = 10

/**
 * `--api-key` and `--base-url`, each falling back to its environment variable, and `--timeout` and `--retries`.
 *
 * @since 0.1.0
 * @category flags
 */
export const flags: Options.Options<Flags> = Options.all({
  apiKey: Options.redacted("api-key").pipe(
    Options.withDescription("The ObjectiveAI API key. Default: OBJECTIVEAI_API_KEY."),
    Options.withPseudoName("KEY"),
    Options.withFallbackConfig(ClientConfig.apiKeyConfig),
    Options.optional,
    // An empty variable is a key nobody set, not a key to send.
    Options.map(Option.filter((key) => Redacted.value(key) !== ""))
  ),
  baseUrl: Options.text("base-url").pipe(
    Options.withDescription(
      `The API's base URL. Default: OBJECTIVEAI_BASE_URL, else ${ClientConfig.defaultBaseUrl}.`
    ),
    Options.withPseudoName("URL"),
    // The variable read as text, not through ClientConfig.baseUrlConfig (which refuses a bad one as a ConfigError), so
    // that a bad URL from the flag or the variable gets the flag's one line.
    Options.withFallbackConfig(
      Config.string("OBJECTIVEAI_BASE_URL").pipe(Config.withDefault(ClientConfig.defaultBaseUrl))
    ),
    CliFlags.httpUrl("base-url")
  ),
  timeout: CliFlags.duration("timeout", {
    max: Duration.hours(1),
    description:
      `How long one request may take, retries included (seconds, or 500ms, 30s, 2m); each attempt stops after ${
        Duration.format(RetryPolicy.readTimeouts.attempt)
      } at most. Default: ${Duration.format(RetryPolicy.readTimeouts.total)}.`
  }).pipe(Options.optional),
  retries: CliFlags.integer("retries", {
    min: 0,
    max: maxRetries,
    description:
      `Retries of a call that failed transiently (connection, 408, 429, 5xx), from 0 to ${maxRetries}. Default: ${
        RetryPolicy.defaults.maxAttempts - 1
      }.`
  }).pipe(Options.optional)
})

/**
 * The connection of the flags, or a usage error when no key was given.
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromFlags = (flags: Flags): Effect.Effect<Connection, CliError.CliError> =>
  Option.match(flags.apiKey, {
    onNone: () => Effect.fail(CliError.usage("no API key: set OBJECTIVEAI_API_KEY or pass --api-key")),
    onSome: (apiKey) => Effect.succeed({ ...tuning(flags), apiKey, baseUrl: flags.baseUrl })
  })

/**
 * The timeout and retries of the flags, for a connection whose key and URL come from elsewhere (the demo's server).
 *
 * @since 0.1.0
 * @category config
 */
export const tuning = (flags: Flags): Pick<Connection, "timeout" | "retries"> => ({
  timeout: Option.getOrUndefined(flags.timeout),
  retries: Option.getOrUndefined(flags.retries)
})

/**
 * The client's options for a connection: `timeout` bounds a whole read call (no single attempt outlasts it) and a
 * whole stream.
 *
 * @since 0.1.0
 * @category config
 */
export const clientOptions = (connection: Connection): ObjectiveAiClient.Options => ({
  apiKey: connection.apiKey,
  baseUrl: connection.baseUrl,
  ...(connection.retries === undefined ? {} : { retryPolicy: { maxAttempts: connection.retries + 1 } }),
  ...(connection.timeout === undefined ? {} : {
    timeouts: {
      read: {
        total: connection.timeout,
        attempt: Duration.min(connection.timeout, Duration.decode(RetryPolicy.readTimeouts.attempt))
      },
      // A stream trickling a byte at a time resets its idle timeout forever: the whole of it gets the same bound.
      stream: connection.timeout
    }
  })
})

/**
 * The client for a connection, on undici; its sockets close when the layer is released. With
 * `OTEL_EXPORTER_OTLP_ENDPOINT` (or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) set, the spans of the calls are exported over
 * OTLP/HTTP as the client's `Telemetry.layerConfig` reads the standard variables, as service `objectiveai` unless
 * `OTEL_SERVICE_NAME` says otherwise; releasing the layer sends what is queued. A variable it cannot use is a usage
 * error naming it, before anything is sent.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (connection: Connection): Layer.Layer<ObjectiveAiClient.ObjectiveAiClient, CliError.CliError> =>
  Layer.unwrapEffect(
    // The client and undici (about half of the executable's code) are evaluated only by commands that send requests.
    Effect.promise(() =>
      Promise.all([
        import("@objectiveai-effect/client/ObjectiveAiClient"),
        import("@objectiveai-effect/client/Telemetry"),
        import("@effect/platform-node/NodeHttpClient")
      ])
    ).pipe(
      Effect.map(([Client, Telemetry, NodeHttpClient]) =>
        Layer.merge(
          Client.layer(clientOptions(connection)),
          Telemetry.layerConfig({ serviceName: "objectiveai" }).pipe(
            Layer.mapError((error) => CliError.usage(`OpenTelemetry export: ${String(error)}`))
          )
        ).pipe(Layer.provide(NodeHttpClient.layerUndici))
      )
    )
  )
