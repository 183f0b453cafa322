/**
 * The local ObjectiveAI server on 127.0.0.1 and a free port, the client pointed at it, and the provider on the client:
 * an `@effect/ai` program against a model that really answers over HTTP.
 */
import type * as LanguageModel from "@effect/ai/LanguageModel"
import { NodeHttpClient } from "@effect/platform-node"
import { ObjectiveAiClient } from "@objectiveai-effect/client"
import type { FaultInjection } from "@objectiveai-effect/server"
import { ObjectiveAiServer } from "@objectiveai-effect/server"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Tracer from "effect/Tracer"
import { ObjectiveAiLanguageModel } from "../src/index.js"

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

export interface RecordedSpan {
  readonly name: string
  readonly attributes: Map<string, unknown>
}

/** A tracer that keeps every span's name and attributes, to read what a call annotated. */
export const recordingTracer = (spans: Array<RecordedSpan>): Tracer.Tracer =>
  Tracer.make({
    span: (name, parent, context, links, startTime, kind) => {
      const attributes = new Map<string, unknown>()
      spans.push({ name, attributes })
      const span: Tracer.Span = {
        _tag: "Span",
        name,
        spanId: `span-${spans.length}`,
        traceId: "trace",
        parent,
        context,
        status: { _tag: "Started", startTime },
        attributes,
        links: [...links],
        sampled: true,
        kind,
        end: () => {},
        attribute: (key, value) => {
          attributes.set(key, value)
        },
        event: () => {},
        addLinks: () => {}
      }
      return span
    },
    context: (f) => f()
  })
