/**
 * The local server the sync tests list and retrieve from, and a client of it; the store's engines come from the store's
 * test support.
 */
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import type * as HttpClient from "@effect/platform/HttpClient"
import { ObjectiveAiClient } from "@objectiveai-effect/client"
import { ObjectiveAiServer } from "@objectiveai-effect/server"
import { Database } from "@objectiveai-effect/store"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as path from "node:path"
import { sample, tempDir } from "../../store/test/support.js"

export { encodeStored, engines, freshStore, openStore, sample } from "../../store/test/support.js"

/** The key the test server accepts. */
export const apiKey = "store-test-key"

/** The test server, serving {@link sample} on 127.0.0.1. */
export const serverLayer = (options: ObjectiveAiServer.Options = {}) =>
  ObjectiveAiServer.layer({ completions: sample, apiKeys: [apiKey], ...options })

/** A client of the running test server, with fast retries and a hook on its `HttpClient`; open until the scope closes. */
export const clientOf = (
  url: string,
  transformClient?: (client: HttpClient.HttpClient) => HttpClient.HttpClient
) =>
  Effect.flatMap(Layer.build(NodeHttpClient.layerUndici), (transport) =>
    ObjectiveAiClient.make({
      apiKey: Redacted.make(apiKey),
      baseUrl: url,
      retryPolicy: { maxAttempts: 3, initialDelay: "5 millis", maxDelay: "20 millis" },
      transformClient
    }).pipe(Effect.provide(transport)))

/** A SQLite store's file in a temporary directory, removed when the scope closes. */
export const tempStoreLocation = Effect.map(
  tempDir,
  (dir) => Database.Location.Sqlite({ filename: path.join(dir, "capture.sqlite") })
)
