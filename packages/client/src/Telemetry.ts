/**
 * OpenTelemetry for ObjectiveAI calls: the attributes of the OpenTelemetry GenAI semantic conventions that each
 * `create` and `stream` span of `ObjectiveAiClient` carries (the `@effect/ai` provider's spans use the same builders),
 * and one layer that exports every span of the application over OTLP/HTTP with `@effect/opentelemetry`'s `OtlpTracer`,
 * which needs no OpenTelemetry SDK.
 *
 * A span of a call carries `gen_ai.operation.name` (`"chat"`), `gen_ai.system` (`"objectiveai"`), `gen_ai.request.*`
 * (the model and the sampling settings the conventions name), `gen_ai.response.id`, `.model`, `.finish_reasons` and
 * `.provider`, `gen_ai.usage.input_tokens`, `.output_tokens`, `.cost` and `.is_byok`, the request id
 * (`objectiveai.request_id`), the attempts, the HTTP status, `error.type` (the client error's tag) and
 * `objectiveai.error.status` when it failed, and each of the call's `CallTags` as `objectiveai.tag.<key>`. Never the
 * API key: the transport records no header.
 *
 * @example
 * ```ts
 * import { NodeHttpClient } from "@effect/platform-node"
 * import { Effect, Layer } from "effect"
 * import { CallTags, ObjectiveAiClient, Telemetry } from "@objectiveai-effect/client"
 *
 * const program = Effect.gen(function*() {
 *   const client = yield* ObjectiveAiClient.ObjectiveAiClient
 *   return yield* client.create({ model: "openai/gpt-4o-mini", messages: [{ role: "user", content: "Hi" }] })
 * }).pipe(CallTags.tagged({ feature: "greeting" }))
 *
 * // Spans go to OTEL_EXPORTER_OTLP_ENDPOINT when it is set; whatever is queued is sent before the layer is released.
 * const MainLive = Layer.mergeAll(ObjectiveAiClient.layerConfig(), Telemetry.layerConfig()).pipe(
 *   Layer.provide(NodeHttpClient.layerUndici)
 * )
 * export const main = Effect.provide(program, MainLive)
 * ```
 *
 * @since 0.1.0
 */
import * as OtlpSerialization from "@effect/opentelemetry/OtlpSerialization"
import * as OtlpTracer from "@effect/opentelemetry/OtlpTracer"
import type * as Headers from "@effect/platform/Headers"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientError from "@effect/platform/HttpClientError"
import type { ChatCompletion, ChatCompletionCreateParams, CompletionUsage } from "@objectiveai-effect/domain"
import * as Config from "effect/Config"
import * as ConfigError from "effect/ConfigError"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import { dual } from "effect/Function"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import type * as Tracer from "effect/Tracer"
import type * as CallTags from "./CallTags.js"
import * as ClientConfig from "./ClientConfig.js"

/**
 * A span attribute's value, as OpenTelemetry allows it: a primitive or an array of strings.
 *
 * @since 0.1.0
 * @category models
 */
export type AttributeValue = string | number | boolean | ReadonlyArray<string>

/**
 * Span attributes by name; an absent one is left unset.
 *
 * @since 0.1.0
 * @category models
 */
export type Attributes = { readonly [name: string]: AttributeValue | undefined }

/**
 * `gen_ai.system` of every span: the API, whichever upstream provider served the call (that one is
 * `gen_ai.response.provider`).
 *
 * @since 0.1.0
 * @category constants
 */
export const system = "objectiveai"

/**
 * What a call tag's key is prefixed with to name its attribute. Keys of one application's choosing go in a namespace
 * of the library's, as the conventions ask of attributes they do not define, and a map is flattened as
 * `<prefix>.<key>` like their own maps (`http.request.header.<key>`): a backend filters and groups by
 * `objectiveai.tag.feature` as by any attribute.
 *
 * @since 0.1.0
 * @category constants
 */
export const tagPrefix = "objectiveai.tag."

/**
 * Sets each defined attribute on a span.
 *
 * @since 0.1.0
 * @category encoding
 */
export const annotate: {
  (attributes: Attributes): (span: Tracer.Span) => void
  (span: Tracer.Span, attributes: Attributes): void
} = dual(2, (span: Tracer.Span, attributes: Attributes): void => {
  for (const name in attributes) {
    const value = attributes[name]
    if (value !== undefined) span.attribute(name, value)
  }
})

const present = <A>(value: A | null | undefined): A | undefined => value ?? undefined

/**
 * The attributes of a chat request: the operation, the system, the model and the sampling settings the GenAI
 * conventions name (`temperature`, `top_p`, `top_k`, `max_tokens`, `stop_sequences`, `frequency_penalty`,
 * `presence_penalty`, `seed`, `choice.count`). Nothing of the messages: prompts may hold what a trace must not.
 *
 * @example
 * ```ts
 * import { Telemetry } from "@objectiveai-effect/client"
 *
 * Telemetry.requestAttributes({ model: "openai/gpt-4o-mini", messages: [], temperature: 0.2 })
 * // { "gen_ai.operation.name": "chat", "gen_ai.system": "objectiveai", "gen_ai.request.model": "openai/gpt-4o-mini",
 * //   "gen_ai.request.temperature": 0.2, … }
 * ```
 *
 * @since 0.1.0
 * @category encoding
 */
export const requestAttributes = (request: ChatCompletionCreateParams.ChatCompletionCreateParams): Attributes => {
  const stop = request.stop
  const seed = request.seed
  return {
    "gen_ai.operation.name": "chat",
    "gen_ai.system": system,
    "gen_ai.request.model": request.model,
    "gen_ai.request.temperature": present(request.temperature),
    "gen_ai.request.top_p": present(request.top_p),
    "gen_ai.request.top_k": present(request.top_k),
    "gen_ai.request.max_tokens": present(request.max_completion_tokens ?? request.max_tokens),
    "gen_ai.request.stop_sequences": stop == null ? undefined : typeof stop === "string" ? [stop] : stop,
    "gen_ai.request.frequency_penalty": present(request.frequency_penalty),
    "gen_ai.request.presence_penalty": present(request.presence_penalty),
    // A seed past 2^53 is held as a bigint, which no attribute can carry: its text keeps it exact.
    "gen_ai.request.seed": seed == null ? undefined : typeof seed === "bigint" ? String(seed) : seed,
    "gen_ai.request.choice.count": present(request.n)
  }
}

/**
 * What the response attributes are made of: a completion's fields, or as much of them as a stream has delivered.
 *
 * @since 0.1.0
 * @category models
 */
export interface ResponseFields {
  readonly id?: string | undefined
  readonly model?: string | undefined
  readonly provider?: string | null | undefined
  /** One per choice, in choice order. */
  readonly finishReasons?: ReadonlyArray<string> | undefined
  readonly usage?: CompletionUsage.CompletionUsage | null | undefined
}

/**
 * The attributes of an answer: `gen_ai.response.id`, `.model`, `.finish_reasons` and `.provider` (the upstream that
 * served it), `gen_ai.usage.input_tokens` and `.output_tokens`, and the API's additions `gen_ai.usage.cost` (credits)
 * and `gen_ai.usage.is_byok` (the caller's own provider key was used).
 *
 * @since 0.1.0
 * @category encoding
 */
export const responseAttributes = (response: ResponseFields): Attributes => {
  const usage = response.usage
  return {
    "gen_ai.response.id": response.id,
    "gen_ai.response.model": response.model,
    "gen_ai.response.finish_reasons": response.finishReasons,
    "gen_ai.response.provider": present(response.provider),
    "gen_ai.usage.input_tokens": usage?.prompt_tokens,
    "gen_ai.usage.output_tokens": usage?.completion_tokens,
    "gen_ai.usage.cost": present(usage?.cost),
    "gen_ai.usage.is_byok": present(usage?.is_byok)
  }
}

/**
 * {@link responseAttributes} of a completion; a choice without a finish reason counts as `"unknown"`, so that the
 * reasons stay one per choice.
 *
 * @since 0.1.0
 * @category encoding
 */
export const completionAttributes = (completion: ChatCompletion.ChatCompletion): Attributes =>
  responseAttributes({
    id: completion.id,
    model: completion.model,
    provider: completion.provider,
    finishReasons: completion.choices.map((choice) => choice.finish_reason ?? "unknown"),
    usage: completion.usage
  })

/**
 * Each tag as the attribute `objectiveai.tag.<key>` ({@link tagPrefix}).
 *
 * @since 0.1.0
 * @category encoding
 */
export const tagAttributes = (tags: CallTags.CallTags): Attributes => {
  const attributes: Record<string, string> = {}
  for (const key in tags) attributes[tagPrefix + key] = tags[key]
  return attributes
}

/**
 * How spans are encoded on the wire: OTLP's protobuf (the standard's default) or its JSON.
 *
 * @since 0.1.0
 * @category models
 */
export type Protocol = "http/protobuf" | "http/json"

/**
 * Where and how {@link layerOtlp} sends spans.
 *
 * @since 0.1.0
 * @category models
 */
export interface OtlpOptions {
  /** The collector's base URL, as `OTEL_EXPORTER_OTLP_ENDPOINT`: spans go to `<endpoint>/v1/traces`. */
  readonly endpoint: string
  /** The full URL spans go to, as `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`, when not `<endpoint>/v1/traces`. */
  readonly tracesEndpoint?: string | undefined
  /** The resource's `service.name`. */
  readonly serviceName: string
  readonly serviceVersion?: string | undefined
  /** Headers of every export request, such as a backend's `authorization`. */
  readonly headers?: Headers.Input | undefined
  /** `"http/protobuf"` unless given. */
  readonly protocol?: Protocol | undefined
  /** How long one export request may take before it is abandoned (and retried); 10 seconds unless given. */
  readonly exportTimeout?: Duration.DurationInput | undefined
  /** How often queued spans are sent; 5 seconds unless given. */
  readonly exportInterval?: Duration.DurationInput | undefined
  /** How long releasing the layer may spend sending what is queued; 3 seconds unless given. */
  readonly shutdownTimeout?: Duration.DurationInput | undefined
}

// As the standard builds a signal's URL from the base endpoint.
const tracesUrl = (endpoint: string): string => `${endpoint.replace(/\/+$/, "")}/v1/traces`

// The exporter waits on its request with no limit of its own: a collector that never answers would keep every later
// export waiting behind it, and the spans piling up in memory.
const exportsWithin = (timeout: Duration.Duration): Layer.Layer<HttpClient.HttpClient, never, HttpClient.HttpClient> =>
  Layer.effect(
    HttpClient.HttpClient,
    Effect.map(
      HttpClient.HttpClient,
      (client) =>
        HttpClient.transform(client, (response, request) =>
          Effect.timeoutFail(response, {
            duration: timeout,
            onTimeout: () =>
              new HttpClientError.RequestError({
                request,
                reason: "Transport",
                description: `the collector did not answer within ${Duration.format(timeout)}`
              })
          }))
    )
  )

/**
 * Sets the application's tracer to one that exports every span over OTLP/HTTP. Spans are queued and sent in the
 * background, so a call never waits on the collector, and a collector that fails or cannot be reached costs the spans
 * of that moment, never a call. Releasing the layer sends what is queued, for at most `shutdownTimeout`.
 *
 * @example
 * ```ts
 * import { NodeHttpClient } from "@effect/platform-node"
 * import { Layer } from "effect"
 * import { Telemetry } from "@objectiveai-effect/client"
 *
 * const TelemetryLive = Telemetry.layerOtlp({
 *   endpoint: "http://127.0.0.1:4318",
 *   serviceName: "checkout",
 *   headers: { authorization: "Basic …" }
 * }).pipe(Layer.provide(NodeHttpClient.layerUndici))
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layerOtlp = (options: OtlpOptions): Layer.Layer<never, never, HttpClient.HttpClient> =>
  OtlpTracer.layer({
    url: options.tracesEndpoint ?? tracesUrl(options.endpoint),
    resource: { serviceName: options.serviceName, serviceVersion: options.serviceVersion },
    headers: options.headers,
    exportInterval: options.exportInterval,
    shutdownTimeout: options.shutdownTimeout
  }).pipe(
    Layer.provide(
      options.protocol === "http/json" ? OtlpSerialization.layerJson : OtlpSerialization.layerProtobuf
    ),
    Layer.provide(exportsWithin(Duration.decode(options.exportTimeout ?? Duration.seconds(10))))
  )

// `OTEL_EXPORTER_OTLP_HEADERS` as the standard writes it: `key=value` pairs separated by commas, values percent-encoded.
const parseHeaders = (text: string): Either.Either<Record<string, string>, string> => {
  const headers: Record<string, string> = {}
  for (const pair of text.split(",")) {
    if (pair.trim() === "") continue
    const equals = pair.indexOf("=")
    const key = equals < 0 ? "" : pair.slice(0, equals).trim()
    if (key === "") return Either.left("expected key=value pairs separated by commas")
    try {
      headers[key] = decodeURIComponent(pair.slice(equals + 1).trim())
    } catch {
      return Either.left(`the value of ${key} is not percent-encoded text`)
    }
  }
  return Either.right(headers)
}

/**
 * Options of {@link layerConfig}.
 *
 * @since 0.1.0
 * @category models
 */
export interface ConfigOptions {
  /** The `service.name` when `OTEL_SERVICE_NAME` is unset; `"unknown_service:node"`, the standard's, unless given. */
  readonly serviceName?: string | undefined
}

const optionalString = (name: string) =>
  Config.option(Config.string(name)).pipe(Config.map(Option.filter((value) => value.trim() !== "")))

const endpointConfig = (name: string) =>
  optionalString(name).pipe(
    Config.mapOrFail((url) =>
      Option.isNone(url) || ClientConfig.isHttpUrl(url.value)
        ? Either.right(url)
        : Either.left(ConfigError.InvalidData([name], "expected an http:// or https:// URL"))
    )
  )

const protocolConfig: Config.Config<Protocol> = Config.literal("http/protobuf", "http/json")(
  "OTEL_EXPORTER_OTLP_PROTOCOL"
).pipe(Config.withDefault("http/protobuf" as const))

const headersConfig: Config.Config<Record<string, string>> = Config.option(
  Config.redacted("OTEL_EXPORTER_OTLP_HEADERS")
).pipe(
  Config.mapOrFail(Option.match({
    onNone: () => Either.right({}),
    // The headers usually hold a backend's credentials: the message names the problem, never the value.
    onSome: (text) =>
      Either.mapLeft(
        parseHeaders(Redacted.value(text)),
        (problem) => ConfigError.InvalidData(["OTEL_EXPORTER_OTLP_HEADERS"], problem)
      )
  }))
)

const timeoutConfig: Config.Config<Option.Option<Duration.Duration>> = Config.option(
  Config.integer("OTEL_EXPORTER_OTLP_TIMEOUT").pipe(
    Config.validate({ message: "expected a positive number of milliseconds", validation: (ms) => ms > 0 }),
    Config.map(Duration.millis)
  )
)

/**
 * {@link layerOtlp} configured by the standard variables, or no layer at all when no endpoint is set: the endpoint from
 * `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` (used as it is) or `OTEL_EXPORTER_OTLP_ENDPOINT` (with `/v1/traces` added),
 * `OTEL_SERVICE_NAME`, `OTEL_EXPORTER_OTLP_HEADERS`, `OTEL_EXPORTER_OTLP_PROTOCOL` (`http/protobuf`, the default, or
 * `http/json`) and `OTEL_EXPORTER_OTLP_TIMEOUT` (milliseconds per export); `OTEL_RESOURCE_ATTRIBUTES` is added to the
 * resource. A value it cannot use is a `ConfigError` naming the variable.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerConfig = (
  options: ConfigOptions = {}
): Layer.Layer<never, ConfigError.ConfigError, HttpClient.HttpClient> =>
  Layer.unwrapEffect(
    Effect.gen(function*() {
      const endpoint = yield* endpointConfig("OTEL_EXPORTER_OTLP_ENDPOINT")
      const tracesEndpoint = yield* endpointConfig("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
      if (Option.isNone(endpoint) && Option.isNone(tracesEndpoint)) return Layer.empty
      const serviceName = yield* optionalString("OTEL_SERVICE_NAME")
      const timeout = yield* timeoutConfig
      return layerOtlp({
        endpoint: Option.getOrElse(endpoint, () => ""),
        tracesEndpoint: Option.getOrUndefined(tracesEndpoint),
        serviceName: Option.getOrElse(serviceName, () => options.serviceName ?? "unknown_service:node"),
        headers: yield* headersConfig,
        protocol: yield* protocolConfig,
        exportTimeout: Option.getOrUndefined(timeout)
      })
    })
  )
