/**
 * Where the commands that call the API send their requests: `--api-key` (or `OBJECTIVEAI_API_KEY`, kept `Redacted`)
 * and `--base-url` (or `OBJECTIVEAI_BASE_URL`, the production API by default), and the client built from them on
 * Node's undici transport.
 *
 * @since 0.1.0
 */
import * as Options from "@effect/cli/Options"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { ObjectiveAiClient } from "@objectiveai-effect/client"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import * as CliError from "./CliError.js"

/**
 * The connection flags, as parsed: the key may be missing until a command needs it.
 *
 * @since 0.1.0
 */
export interface Flags {
  readonly apiKey: Option.Option<Redacted.Redacted<string>>
  readonly baseUrl: string
}

/**
 * A connection a client can be built from.
 *
 * @since 0.1.0
 */
export interface Connection {
  readonly apiKey: Redacted.Redacted<string>
  readonly baseUrl: string
}

const HttpUrl = Schema.String.pipe(
  Schema.filter((text) => {
    const url = URL.canParse(text) ? new URL(text) : undefined
    return url !== undefined && (url.protocol === "http:" || url.protocol === "https:")
      ? undefined
      : `expected an http:// or https:// URL, got ${JSON.stringify(text)}`
  })
)

/**
 * `--api-key` and `--base-url`, each falling back to its environment variable.
 *
 * @since 0.1.0
 */
export const flags: Options.Options<Flags> = Options.all({
  apiKey: Options.redacted("api-key").pipe(
    Options.withDescription("The ObjectiveAI API key; OBJECTIVEAI_API_KEY by default."),
    Options.withFallbackConfig(ObjectiveAiClient.apiKeyConfig),
    Options.optional,
    // An empty variable is a key nobody set, not a key to send.
    Options.map(Option.filter((key) => Redacted.value(key) !== ""))
  ),
  baseUrl: Options.text("base-url").pipe(
    Options.withDescription(
      `The API's base URL; OBJECTIVEAI_BASE_URL by default, else ${ObjectiveAiClient.defaultBaseUrl}.`
    ),
    Options.withFallbackConfig(ObjectiveAiClient.baseUrlConfig),
    Options.withSchema(HttpUrl)
  )
})

/**
 * The connection of the flags, or a usage error when no key was given.
 *
 * @since 0.1.0
 */
export const fromFlags = (flags: Flags): Effect.Effect<Connection, CliError.CliError> =>
  Option.match(flags.apiKey, {
    onNone: () => Effect.fail(CliError.usage("no API key: set OBJECTIVEAI_API_KEY or pass --api-key")),
    onSome: (apiKey) => Effect.succeed({ apiKey, baseUrl: flags.baseUrl })
  })

/**
 * The client for a connection, on undici; its sockets close when the layer is released.
 *
 * @since 0.1.0
 */
export const layer = (connection: Connection): Layer.Layer<ObjectiveAiClient.ObjectiveAiClient> =>
  ObjectiveAiClient.layer({ apiKey: connection.apiKey, baseUrl: connection.baseUrl }).pipe(
    Layer.provide(NodeHttpClient.layerUndici)
  )
