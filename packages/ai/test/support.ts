/**
 * The local ObjectiveAI server on 127.0.0.1 and a free port, the client pointed at it, and the provider on the client:
 * an `@effect/ai` program against a model that really answers over HTTP.
 */
import type * as LanguageModel from "@effect/ai/LanguageModel"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { ObjectiveAiClient } from "@objectiveai-effect/client"
import type { FaultInjection } from "@objectiveai-effect/server"
import { ObjectiveAiServer } from "@objectiveai-effect/server"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import { ObjectiveAiLanguageModel } from "../src/index.js"

export { type RecordedSpan, recordingTracer } from "../../client/test/support/tracer.js"

export const apiKey = "ai-tests-key"

export const model = "openai/gpt-4o-mini"

/** A client of a running local server (retries off, so each call is one request). */
export const clientLayer = (options: Partial<ObjectiveAiClient.Options> = {}) =>
  Layer.unwrapEffect(
    Effect.map(ObjectiveAiServer.ObjectiveAiServer, ({ url }) =>
      ObjectiveAiClient.layer({
        apiKey: Redacted.make(apiKey),
        baseUrl: url,
        retryPolicy: { maxAttempts: 1 },
        ...options
      }))
  ).pipe(Layer.provide(NodeHttpClient.layerUndici))

/** The server (with faults, if any), a client of it, and the provider for {@link model} on that client. */
export const layer = (options: {
  readonly config?: ObjectiveAiLanguageModel.Options["config"]
  readonly stream?: ObjectiveAiLanguageModel.Options["stream"]
  readonly faults?: FaultInjection.Options
} = {}): Layer.Layer<
  LanguageModel.LanguageModel | ObjectiveAiClient.ObjectiveAiClient | ObjectiveAiServer.ObjectiveAiServer,
  unknown
> =>
  ObjectiveAiLanguageModel.layer({ model, config: { seed: 5, ...options.config }, stream: options.stream }).pipe(
    Layer.provideMerge(clientLayer()),
    Layer.provideMerge(ObjectiveAiServer.layer({ apiKeys: [apiKey], seed: "ai-tests", faults: options.faults }))
  )
