/**
 * The local server on 127.0.0.1 and a free port, and a client of it: what the tests of the packages above the server
 * (the client, the `ai` provider, the sync, the CLI) need when they want a model that really answers over HTTP rather
 * than a scripted reply. Imported from its own path, `@objectiveai-effect/server/Testing`, not the package index: the
 * client comes from `@objectiveai-effect/client`, an optional peer dependency that only this module needs.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { ObjectiveAiClient } from "@objectiveai-effect/client"
 * import * as Testing from "@objectiveai-effect/server/Testing"
 *
 * const program = Effect.gen(function*() {
 *   const client = yield* ObjectiveAiClient.ObjectiveAiClient
 *   const completion = yield* client.create({
 *     model: "openai/gpt-4o-mini",
 *     messages: [{ role: "user", content: "Name a PostgreSQL index type." }]
 *   })
 *   return completion.choices[0].message.content
 * }).pipe(Effect.provide(Testing.layer({ server: { seed: "example" } })))
 * ```
 *
 * @since 0.1.0
 */
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import type * as HttpServerError from "@effect/platform/HttpServerError"
import * as ObjectiveAiClient from "@objectiveai-effect/client/ObjectiveAiClient"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import type * as FaultInjection from "./FaultInjection.js"
import * as ObjectiveAiServer from "./ObjectiveAiServer.js"
import type * as ServedCompletions from "./ServedCompletions.js"

/**
 * The one API key the server of {@link layer} accepts, and the one its client sends.
 *
 * @since 0.1.0
 * @category constants
 */
export const apiKey = "local-test-key"

/**
 * A client of the running server, sending {@link apiKey} over undici, with retries off so that each call is one
 * request; `options` override any of that.
 *
 * @since 0.1.0
 * @category layers
 */
export const clientLayer = (
  options: Partial<ObjectiveAiClient.Options> = {}
): Layer.Layer<ObjectiveAiClient.ObjectiveAiClient, never, ObjectiveAiServer.ObjectiveAiServer> =>
  Layer.unwrapEffect(
    Effect.map(ObjectiveAiServer.ObjectiveAiServer, ({ url }) =>
      ObjectiveAiClient.layer({
        apiKey: Redacted.make(apiKey),
        baseUrl: url,
        retryPolicy: { maxAttempts: 1 },
        ...options
      }))
  ).pipe(Layer.provide(NodeHttpClient.layerUndici))

/**
 * What {@link layer} starts: the server's options (it accepts only {@link apiKey} unless `apiKeys` says otherwise)
 * and the client's.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  readonly server?: ObjectiveAiServer.Options | undefined
  readonly client?: Partial<ObjectiveAiClient.Options> | undefined
}

/**
 * The server on 127.0.0.1 and a free port, and a {@link clientLayer} client of it, for as long as the layer lives.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (options: Options = {}): Layer.Layer<
  ObjectiveAiClient.ObjectiveAiClient | ObjectiveAiServer.ObjectiveAiServer | ServedCompletions.ServedCompletions,
  | HttpServerError.ServeError
  | ServedCompletions.DataFileError
  | ServedCompletions.DuplicateCompletion
  | FaultInjection.InvalidFaultOptions
> =>
  clientLayer(options.client).pipe(
    Layer.provideMerge(ObjectiveAiServer.layer({ apiKeys: [apiKey], ...options.server }))
  )
