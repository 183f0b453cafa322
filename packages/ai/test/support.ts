/**
 * The local ObjectiveAI server on 127.0.0.1 and a free port, the client pointed at it, and the provider on the client:
 * an `@effect/ai` program against a model that really answers over HTTP.
 */
import type * as LanguageModel from "@effect/ai/LanguageModel"
import type { ObjectiveAiClient } from "@objectiveai-effect/client"
import type { FaultInjection, ObjectiveAiServer } from "@objectiveai-effect/server"
import * as Testing from "@objectiveai-effect/server/Testing"
import * as Layer from "effect/Layer"
import { ObjectiveAiLanguageModel } from "../src/index.js"

export { type RecordedSpan, recordingTracer } from "@objectiveai-effect/testing/RecordingTracer"

export const apiKey = Testing.apiKey

export const model = "openai/gpt-4o-mini"

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
    Layer.provideMerge(Testing.layer({ server: { seed: "ai-tests", faults: options.faults } }))
  )
