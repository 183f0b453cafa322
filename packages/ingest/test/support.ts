/**
 * The local server the sync tests list and retrieve from, and a client of it; the store's engines come from the store's
 * test support.
 */
import type * as HttpClient from "@effect/platform/HttpClient"
import { ObjectiveAiClient } from "@objectiveai-effect/client"
import { ObjectiveAiServer } from "@objectiveai-effect/server"
import * as Testing from "@objectiveai-effect/server/Testing"
import { Database } from "@objectiveai-effect/store"
import { sample, tempDir } from "@objectiveai-effect/testing/StoreEngines"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as path from "node:path"

export { encodeStored, engines, freshStore, openStore, sample } from "@objectiveai-effect/testing/StoreEngines"

/** The test server, serving {@link sample} on 127.0.0.1 to `Testing.apiKey`. */
export const serverLayer = (options: ObjectiveAiServer.Options = {}) =>
  ObjectiveAiServer.layer({ completions: sample, apiKeys: [Testing.apiKey], ...options })

/** A client of the running test server, with fast retries and a hook on its `HttpClient`; open until the scope closes. */
export const clientOf = (transformClient?: (client: HttpClient.HttpClient) => HttpClient.HttpClient) =>
  Effect.map(
    Layer.build(Testing.clientLayer({
      retryPolicy: { maxAttempts: 3, initialDelay: "5 millis", maxDelay: "20 millis" },
      transformClient
    })),
    Context.get(ObjectiveAiClient.ObjectiveAiClient)
  )

/** A SQLite store's file in a temporary directory, removed when the scope closes. */
export const tempStoreLocation = Effect.map(
  tempDir,
  (dir) => Database.Location.Sqlite({ filename: path.join(dir, "capture.sqlite") })
)
