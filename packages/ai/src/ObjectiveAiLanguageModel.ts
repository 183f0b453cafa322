/**
 * ObjectiveAI as an `@effect/ai` `LanguageModel`, on the `ObjectiveAiClient` (its checks, retries, timeouts and typed
 * errors included): `LanguageModel.generateText`, `streamText`, `generateObject`, `Toolkit`s with handlers and `Chat`
 * work unchanged, and an `@effect/ai` program switches to ObjectiveAI by providing {@link layer} (or {@link model}).
 *
 * - Any field of ObjectiveAI's request (provider routing, `reasoning`, `plugins`, `models` fallbacks, `logprobs`,
 *   sampling settings) is set through {@link Config}, per model or per call with {@link withConfigOverride}.
 * - The finish part's `metadata.objectiveai` holds the completion id, provider, the API's own usage object (cost and
 *   cost details included), the cost, the native finish reason, a refusal and the logprobs when asked for.
 * - The client's errors become `AiError`s: a status error is an `HttpResponseError` with the status, the request id
 *   as its `x-request-id` header, the retry hint as `retry-after` and the upstream body; {@link clientError} gives the
 *   client's own error back.
 * - Spans carry the GenAI attributes, as `@effect/ai`'s providers set them, with `gen_ai.system` `"objectiveai"`.
 *
 * @example
 * ```ts
 * import { LanguageModel } from "@effect/ai"
 * import { NodeHttpClient } from "@effect/platform-node"
 * import { Effect, Layer } from "effect"
 * import { ObjectiveAiLanguageModel } from "@objectiveai-effect/ai"
 * import { ObjectiveAiClient } from "@objectiveai-effect/client"
 *
 * const program = LanguageModel.generateText({ prompt: "Name three uses of a vector clock" })
 *
 * const ObjectiveAi = ObjectiveAiLanguageModel.layer({
 *   model: "openai/gpt-4o-mini",
 *   config: { provider: { sort: "price" }, models: ["anthropic/claude-3.5-sonnet"] }
 * }).pipe(Layer.provide(ObjectiveAiClient.layerConfig()), Layer.provide(NodeHttpClient.layerUndici))
 *
 * // Run with `Effect.runPromise(main)`, OBJECTIVEAI_API_KEY set.
 * const main = program.pipe(Effect.provide(ObjectiveAi))
 * ```
 *
 * @since 0.1.0
 */
import type * as AiError from "@effect/ai/AiError"
import * as LanguageModel from "@effect/ai/LanguageModel"
import * as AiModel from "@effect/ai/Model"
import type * as Response from "@effect/ai/Response"
import { ObjectiveAiClient, Telemetry } from "@objectiveai-effect/client"
import type { ChatCompletion, ChatCompletionCreateParams } from "@objectiveai-effect/domain"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import { dual } from "effect/Function"
import * as Layer from "effect/Layer"
import type * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import type { Span } from "effect/Tracer"
import * as Errors from "./internal/errors.js"
import * as Prompt from "./internal/prompt.js"
import * as Parts from "./internal/response.js"

/**
 * Request fields a model sends with every call, beside those `@effect/ai` sets itself (messages, tools, tool choice,
 * response format, streaming). Each is checked as the client checks a create body.
 *
 * @since 0.1.0
 * @category config
 */
export class Config extends Context.Tag("@objectiveai-effect/ai/ObjectiveAiLanguageModel/Config")<
  Config,
  Config.Service
>() {
  /**
   * The configuration set around the current effect, if any.
   *
   * @since 0.1.0
   */
  static readonly getOrUndefined: Effect.Effect<Config.Service | undefined> = Effect.map(
    Effect.context<never>(),
    (context) => context.unsafeMap.get(Config.key)
  )
}

/**
 * @since 0.1.0
 * @category config
 */
export declare namespace Config {
  /**
   * @since 0.1.0
   * @category config
   */
  export interface Service extends
    Partial<
      Omit<
        ChatCompletionCreateParams.ChatCompletionCreateParams,
        "messages" | "tools" | "tool_choice" | "response_format" | "stream" | "stream_options"
      >
    >
  {}
}

/**
 * What the finish part's `metadata.objectiveai` holds.
 *
 * @since 0.1.0
 * @category models
 */
export type FinishMetadata = Parts.FinishMetadata

declare module "@effect/ai/Response" {
  export interface FinishPartMetadata extends ProviderMetadata {
    readonly objectiveai?: FinishMetadata | undefined
  }
}

/**
 * The ObjectiveAI metadata of a response's finish part: usage, cost, provider and the rest.
 *
 * @example
 * ```ts
 * import { LanguageModel } from "@effect/ai"
 * import { Effect } from "effect"
 * import { ObjectiveAiLanguageModel } from "@objectiveai-effect/ai"
 *
 * const cost = LanguageModel.generateText({ prompt: "Hello" }).pipe(
 *   Effect.map((response) => ObjectiveAiLanguageModel.finishMetadata(response.content)?.cost)
 * )
 * ```
 *
 * @since 0.1.0
 * @category getters
 */
export const finishMetadata = (
  content: Iterable<{ readonly type: string }>
): FinishMetadata | undefined => {
  for (const part of content) {
    if (part.type === "finish") return (part as Response.FinishPart).metadata.objectiveai
  }
  return undefined
}

/**
 * The client error an `AiError` of this provider was made from: the full `ObjectiveAiError` (attempts, retry hint,
 * parsed upstream body) or `StreamError` (with the completion merged before the failure).
 *
 * @since 0.1.0
 * @category errors
 */
export const clientError: (error: AiError.AiError) => Option.Option<Errors.ClientError> = Errors.original

/**
 * Options of {@link make} and {@link layer}.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** The model id, as the API names it (`openai/gpt-4o-mini`). */
  readonly model: string
  /** Request fields sent with every call; {@link withConfigOverride} adds to them per call. */
  readonly config?: Omit<Config.Service, "model"> | undefined
  /** The client's stream options for `streamText` (idle timeout, event size); the client's defaults otherwise. */
  readonly stream?: ObjectiveAiClient.StreamOptions | undefined
}

// The attribute names and values the client's own spans use, so that the two spans of a call agree.
const annotateRequest = (span: Span, request: ChatCompletionCreateParams.ChatCompletionCreateParams): void =>
  Telemetry.annotate(span, Telemetry.requestAttributes(request))

const annotateResponse = (span: Span, parts: ReadonlyArray<Response.StreamPartEncoded | Response.PartEncoded>) => {
  for (const part of parts) {
    if (part.type === "response-metadata") {
      Telemetry.annotate(span, Telemetry.responseAttributes({ id: part.id, model: part.modelId }))
    } else if (part.type === "finish") {
      const metadata = part.metadata?.objectiveai
      Telemetry.annotate(
        span,
        Telemetry.responseAttributes({
          finishReasons: [part.reason],
          provider: metadata?.provider,
          usage: metadata?.usage
        })
      )
    }
  }
}

/**
 * The `LanguageModel` service for one model, on the `ObjectiveAiClient` in context.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = Effect.fnUntraced(function*(options: Options) {
  const client = yield* ObjectiveAiClient.ObjectiveAiClient

  const makeRequest = Effect.fnUntraced(function*(providerOptions: LanguageModel.ProviderOptions) {
    const override = yield* Config.getOrUndefined
    const request: ChatCompletionCreateParams.ChatCompletionCreateParams = {
      model: options.model,
      ...options.config,
      ...override,
      messages: yield* Prompt.messages(providerOptions.prompt),
      ...yield* Prompt.tools(providerOptions),
      ...Prompt.responseFormat(providerOptions)
    }
    annotateRequest(providerOptions.span, request)
    return request
  })

  return yield* LanguageModel.make({
    generateText: Effect.fnUntraced(function*(providerOptions) {
      const request = yield* makeRequest(providerOptions)
      const completion: ChatCompletion.ChatCompletion = yield* client.create(request).pipe(
        Effect.mapError(Errors.fromClientError("generateText"))
      )
      const parts = yield* Parts.fromCompletion(completion)
      annotateResponse(providerOptions.span, parts)
      return parts
    }),
    streamText: (providerOptions) =>
      makeRequest(providerOptions).pipe(
        Effect.map((request) =>
          Parts.fromChunks(
            client.stream(request, options.stream).pipe(Stream.mapError(Errors.fromClientError("streamText")))
          ).pipe(Stream.tap((part) => Effect.sync(() => annotateResponse(providerOptions.span, [part]))))
        ),
        Stream.unwrap
      )
  })
})

/**
 * The `LanguageModel` layer for one model, needing an `ObjectiveAiClient`.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (
  options: Options
): Layer.Layer<LanguageModel.LanguageModel, never, ObjectiveAiClient.ObjectiveAiClient> =>
  Layer.effect(LanguageModel.LanguageModel, make(options))

/**
 * The model as an `@effect/ai` `Model`, provided like a layer and named `"objectiveai"` in `AiModel.ProviderName`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const model = (
  model: string,
  config?: Omit<Config.Service, "model">
): AiModel.Model<"objectiveai", LanguageModel.LanguageModel, ObjectiveAiClient.ObjectiveAiClient> =>
  AiModel.make("objectiveai", layer({ model, config }))

/**
 * Runs an effect with request fields added to (and overriding) those of the model, for one call.
 *
 * @example
 * ```ts
 * import { LanguageModel } from "@effect/ai"
 * import { ObjectiveAiLanguageModel } from "@objectiveai-effect/ai"
 *
 * const careful = LanguageModel.generateText({ prompt: "Prove it" }).pipe(
 *   ObjectiveAiLanguageModel.withConfigOverride({ reasoning: { effort: "high" }, temperature: 0 })
 * )
 * ```
 *
 * @since 0.1.0
 * @category config
 */
export const withConfigOverride: {
  (config: Config.Service): <A, E, R>(self: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>
  <A, E, R>(self: Effect.Effect<A, E, R>, config: Config.Service): Effect.Effect<A, E, R>
} = dual(
  2,
  <A, E, R>(self: Effect.Effect<A, E, R>, overrides: Config.Service): Effect.Effect<A, E, R> =>
    Effect.flatMap(
      Config.getOrUndefined,
      (config) => Effect.provideService(self, Config, { ...config, ...overrides })
    )
)
