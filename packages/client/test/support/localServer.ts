/**
 * The local ObjectiveAI server (`@objectiveai-effect/server`) on 127.0.0.1 and a free port, with the client pointed at
 * it over undici: for tests that need a model that answers, not a scripted reply.
 */
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { ObjectiveAiServer } from "@objectiveai-effect/server"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import { ObjectiveAiClient } from "../../src/index.js"

export const apiKey = "local-server-key"

/** The server and a client of it, with retries off so that each call is one request. */
export const layer = Layer.unwrapEffect(
  Effect.map(
    ObjectiveAiServer.ObjectiveAiServer,
    ({ url }) =>
      ObjectiveAiClient.layer({ apiKey: Redacted.make(apiKey), baseUrl: url, retryPolicy: { maxAttempts: 1 } })
  )
).pipe(
  Layer.provide(NodeHttpClient.layerUndici),
  Layer.provideMerge(ObjectiveAiServer.layer({ apiKeys: [apiKey], seed: "client-tests" }))
)
