/**
 * `objectiveai dashboard`: serves the dashboard of a completion store (its charts at `/`, the analytics endpoints
 * under `/api`, their OpenAPI document at `/openapi.json`) until Ctrl-C, and prints its URL. As `serve` does, it
 * listens on loopback by default, and beyond loopback only with keys (`--api-key`, `OBJECTIVEAI_DASHBOARD_API_KEYS`)
 * or `--allow-any-key`.
 *
 * @since 0.1.0
 */
import { DashboardServer } from "@objectiveai-effect/dashboard"
import type * as Config from "effect/Config"
import * as Console from "effect/Console"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Redacted from "effect/Redacted"
import type * as CliError from "./CliError.js"
import * as Keys from "./internal/keys.js"
import { startError } from "./internal/server.js"
import * as StoreConnection from "./StoreConnection.js"

/**
 * How to serve the dashboard.
 *
 * @since 0.1.0
 * @category models
 */
export interface Settings {
  /** The store: a SQLite file or a PostgreSQL URL, opened read-only. */
  readonly database: string
  readonly host: string
  /** 0 picks a free port. */
  readonly port: number
  /** The keys requests must bear; those of {@link apiKeysConfig} when none; none asked for when none there. */
  readonly apiKeys: ReadonlyArray<Redacted.Redacted<string>>
  /** Serve beyond loopback with no keys, with a warning, rather than refuse to start. */
  readonly allowAnyKey: boolean
}

/**
 * The keys requests must bear when no `--api-key` is given: `OBJECTIVEAI_DASHBOARD_API_KEYS`, separated by commas or
 * whitespace.
 *
 * @since 0.1.0
 * @category config
 */
export const apiKeysConfig: Config.Config<ReadonlyArray<Redacted.Redacted<string>>> = Keys.apiKeysConfig(
  "OBJECTIVEAI_DASHBOARD_API_KEYS"
)

/**
 * Serves until interrupted, printing where on stdout.
 *
 * @since 0.1.0
 * @category commands
 */
export const run = (settings: Settings): Effect.Effect<never, CliError.CliError> =>
  Effect.scoped(Effect.gen(function*() {
    const apiKeys = yield* Keys.required(
      settings,
      "OBJECTIVEAI_DASHBOARD_API_KEYS",
      "shows the store's figures to"
    )
    const server = DashboardServer.layer({ host: settings.host, port: settings.port, apiKeys }).pipe(
      Layer.mapError((error) => startError(error, settings))
    )
    const context = yield* Layer.build(
      server.pipe(Layer.provide(StoreConnection.layer(settings.database, { readOnly: true })))
    )
    const { url } = Context.get(context, DashboardServer.DashboardServer)
    yield* Console.log(
      [
        `The dashboard of ${settings.database} is on ${url}`,
        `Its figures as JSON: ${url}/api (described by ${url}/openapi.json)${
          apiKeys.length === 0 ? "" : `; send authorization: Bearer <key> with one of the ${apiKeys.length} keys`
        }.`,
        "Press Ctrl-C to stop."
      ].join("\n")
    )
    return yield* Effect.never
  }))
