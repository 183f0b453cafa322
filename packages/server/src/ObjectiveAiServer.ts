/**
 * A local ObjectiveAI-compatible chat-completions API, answered from the {@link ServedCompletions.ServedCompletions}
 * and the deterministic {@link CompletionGenerator}, with optional {@link FaultInjection}. Its routes are built from
 * the domain's `ObjectiveAiApi` declaration with `HttpApiBuilder` (a raw handler for create, which reads its own body
 * and may answer with server-sent events), so a path, method, query parameter, success or error body cannot drift from
 * what the declaration and its OpenAPI document say:
 *
 * - `GET /chat/completions/{id}`: `{ request, response }` as stored, or 404.
 * - `GET /chat/completions?count&offset`: `{ data: [{ id, preview, created }] }`, newest first (by `created`, the
 *   later stored first among equals); `count` from 1 to `ObjectiveAiApi.maxListCount`, `ObjectiveAiApi.defaultListCount` by default;
 *   `offset` from 0; `created` as RFC 3339 in UTC; `preview` the start of the first choice's content, or `null`.
 * - `POST /chat/completions`: the body checked strictly (400 naming each field and rule), answered unary or, with
 *   `stream: true`, as SSE: `: OPENROUTER PROCESSING` comments, `data: <chunk>` events, a `choices: []` usage chunk
 *   when `stream_options.include_usage`, then `data: [DONE]`. Each created completion is stored (a stream broken off
 *   by an injected fault created none).
 * - `authorization: Bearer <key>` on every endpoint, else 401; any other route 404. Every error body is ObjectiveAI's
 *   `{ code, message }` with `code` equal to the status, the body the declaration gives that status: the handlers
 *   fail with it and `HttpApiBuilder` encodes it, and what is answered outside them uses the same schemas.
 * - Every answer, success, error or stream, carries an `x-request-id` header unique to the request.
 *
 * Completions and chunks have the one shape ObjectiveAI's own SDK, `openai` and `@openrouter/sdk` all accept (see
 * {@link CompletionGenerator.complete} and {@link CompletionGenerator.chunks}). A 400's message is one line per problem,
 * naming the field and the rule, as the client's validation writes it (`ParseMessages.format`). `GET /` leads to
 * `/docs`.
 *
 * To run it from another package and learn the port it bound:
 *
 * ```ts
 * import { Effect } from "effect"
 * import { ObjectiveAiServer } from "@objectiveai-effect/server"
 *
 * const program = Effect.gen(function*() {
 *   const { port, url } = yield* ObjectiveAiServer.ObjectiveAiServer
 *   // … talk to `url` while the layer lives
 * }).pipe(Effect.provide(ObjectiveAiServer.layer({ port: 0, dataFile, apiKeys, faults })))
 * ```
 *
 * @since 0.1.0
 */
import * as NodeContext from "@effect/platform-node/NodeContext"
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import * as NodeHttpServerRequest from "@effect/platform-node/NodeHttpServerRequest"
import * as HttpApiBuilder from "@effect/platform/HttpApiBuilder"
import * as HttpApiError from "@effect/platform/HttpApiError"
import * as HttpApiScalar from "@effect/platform/HttpApiScalar"
import * as HttpServer from "@effect/platform/HttpServer"
import * as HttpServerError from "@effect/platform/HttpServerError"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as OpenApi from "@effect/platform/OpenApi"
import {
  ChatCompletion,
  ChatCompletionCreateParams,
  Json,
  ObjectiveAiApi,
  ParseMessages
} from "@objectiveai-effect/domain"
import * as Cause from "effect/Cause"
import * as Clock from "effect/Clock"
import * as Config from "effect/Config"
import type * as ConfigError from "effect/ConfigError"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Schedule from "effect/Schedule"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import { createHash, randomUUID, timingSafeEqual } from "node:crypto"
import * as CompletionGenerator from "./CompletionGenerator.js"
import * as FaultInjection from "./FaultInjection.js"
import * as Body from "./internal/body.js"
import * as Listener from "./internal/listener.js"
import { Prng } from "./internal/random.js"
import * as Responses from "./internal/responses.js"
import * as ServedCompletions from "./ServedCompletions.js"

/**
 * The largest create body read by default: 32 MiB, far above any conversation a model takes.
 *
 * @since 0.1.0
 * @category constants
 */
export const defaultMaxBodySize = 32 * 1024 * 1024

/**
 * How deeply a create body may nest arrays and objects by default: 100 levels, over twice what a deep tool schema
 * takes (each schema level is two, `properties` and the property), far below what strains the parser, the decoder's
 * messages or the canonical writer. A deeper body gets 400 before it is parsed.
 *
 * @since 0.1.0
 * @category constants
 */
export const defaultMaxNesting = 100

/**
 * How long a client has by default to send a request's headers; a slower one gets 408 and its connection closed,
 * as does a connection that sends nothing.
 *
 * @since 0.1.0
 * @category constants
 */
export const defaultHeadersTimeout: Duration.Duration = Duration.seconds(10)

/**
 * How long a client has by default to send a whole request, headers and body; a slower one gets 408.
 *
 * @since 0.1.0
 * @category constants
 */
export const defaultRequestTimeout: Duration.Duration = Duration.seconds(60)

/**
 * What the HTTP app needs besides its services.
 *
 * @since 0.1.0
 * @category models
 */
export interface AppOptions {
  /**
   * The API keys a request's `authorization: Bearer <key>` must match. Without this option any non-empty key is
   * accepted (a missing or malformed header still gets 401); an empty array accepts none.
   */
  readonly apiKeys?: ReadonlyArray<string | Redacted.Redacted<string>> | undefined
  /**
   * Seeds the ids of created completions: a fresh server with the same seed gives the n-th completion it creates the
   * same id when the clock agrees. Random by default.
   */
  readonly seed?: number | string | undefined
  /** The time between the events of a streamed answer, so that a person can watch it arrive; none by default. */
  readonly pace?: Duration.DurationInput | undefined
  /**
   * The largest create body, in bytes, that is read; a larger one gets 413 before it is read whole.
   * {@link defaultMaxBodySize} by default.
   */
  readonly maxBodySize?: number | undefined
  /**
   * How deeply a create body may nest arrays and objects (in its messages, content or tool schemas); a deeper one
   * gets 400 before it is parsed. {@link defaultMaxNesting} by default.
   */
  readonly maxNesting?: number | undefined
}

/**
 * Everything the server can be configured with; every field is optional.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options extends AppOptions, ServedCompletions.Options {
  /** The port to listen on; 0 (the default) picks a free one, which {@link ObjectiveAiServer} reports. */
  readonly port?: number | undefined
  /** The interface to listen on; `127.0.0.1` by default. */
  readonly host?: string | undefined
  /** Fault injection; none by default. */
  readonly faults?: FaultInjection.Options | undefined
  /** How long a client may take to send a request's headers; {@link defaultHeadersTimeout} by default. */
  readonly headersTimeout?: Duration.DurationInput | undefined
  /**
   * How long a client may take to send a whole request; {@link defaultRequestTimeout} by default, and never less than
   * the headers timeout.
   */
  readonly requestTimeout?: Duration.DurationInput | undefined
}

/**
 * Where a running server listens.
 *
 * @since 0.1.0
 * @category models
 */
export interface Address {
  readonly host: string
  readonly port: number
  /** `http://host:port`, the base URL for a client (no `/v1`, as the real API). */
  readonly url: string
}

/**
 * The running server's address, provided by {@link layer}.
 *
 * @since 0.1.0
 * @category tags
 */
export class ObjectiveAiServer extends Context.Tag("@objectiveai-effect/server/ObjectiveAiServer")<
  ObjectiveAiServer,
  Address
>() {}

const decodeListQuery = Schema.decodeUnknownEither(ObjectiveAiApi.ListParams, { errors: "all" })

/**
 * What is wrong with a request the declaration refuses, as a create body's problems are written (`count: must be
 * between 1 and 1000, got 0`). The list's query is the only part of a request the declaration decodes (a retrieve's id
 * is any string), so its problems are read again from the query, where `HttpApiDecodeError` keeps only Effect's
 * wording; anything else keeps that wording.
 */
const decodeProblems = (request: HttpServerRequest.HttpServerRequest, error: HttpApiError.HttpApiDecodeError) =>
  Either.match(decodeListQuery(HttpServerRequest.searchParamsFromURL(new URL(request.url, "http://local"))), {
    onLeft: (parseError) => ParseMessages.format(parseError.issue),
    onRight: () => error.message
  })

/**
 * The declaration as this server describes itself at `/openapi.json` and `/docs`: the published document, with this
 * server (wherever it listens) as the one a generated client or the page's "try it" talks to.
 */
const servedApi = ObjectiveAiApi.ObjectiveAiApi.annotateContext(OpenApi.annotations({
  servers: [{ url: "/", description: "This local server" }]
}))

/**
 * The failure in a cause that `refinement` recognizes. `HttpApiBuilder` types its app as failing with nothing, yet a
 * route that does not decode or does not exist fails it.
 */
const failureOf = <A>(cause: Cause.Cause<unknown>, refinement: (error: unknown) => error is A): Option.Option<A> =>
  Cause.find(
    cause,
    (reason) => Cause.isFailType(reason) && refinement(reason.error) ? Option.some(reason.error) : Option.none()
  )

const isDecodeError = (error: unknown): error is HttpApiError.HttpApiDecodeError =>
  error instanceof HttpApiError.HttpApiDecodeError

const isRouteNotFound = (error: unknown): error is HttpServerError.RouteNotFound =>
  error instanceof HttpServerError.RouteNotFound

/**
 * Answers a path or query the declaration does not accept with the declared 400 rather than `HttpApi`'s own decode
 * error, which the declaration leaves out.
 */
const decodeErrorsAsBadRequest = HttpApiBuilder.middleware(
  ObjectiveAiApi.ObjectiveAiApi,
  (app) =>
    Effect.catchAllCause(app, (cause) =>
      Option.match(failureOf(cause, isDecodeError), {
        onNone: () => Effect.failCause(cause),
        onSome: (error) =>
          Effect.flatMap(
            HttpServerRequest.HttpServerRequest,
            (request) => Effect.fail<ObjectiveAiApi.BadRequest>({ code: 400, message: decodeProblems(request, error) })
          )
      }))
)

/**
 * Scalar's settings for `/docs`: no web fonts, and the declaration's bearer scheme selected, so "try it" asks for the
 * token at once. Scalar reads `authentication`, which `HttpApiScalar`'s settings type does not list.
 */
const docsPage: HttpApiScalar.ScalarConfig = Object.assign(
  { withDefaultFonts: false },
  { authentication: { preferredSecurityScheme: Object.keys(ObjectiveAiApi.Authorization.security)[0] } }
)

/** `GET /` leads a visitor to the docs page. */
const rootToDocs = HttpApiBuilder.Router.use((router) =>
  router.get("/", Effect.succeed(HttpServerResponse.redirect("/docs", { status: 302 })))
)

const keyDigest = (key: string): Buffer => createHash("sha256").update(key).digest()

const bearer = /^Bearer\s+(\S+)\s*$/i

const encodeCompletion = Schema.encodeSync(ChatCompletion.ChatCompletionFromJson)

// The body as the API reads it: its documented types, enums and bounds checked (every broken rule reported), `null`
// as absent, and keys it does not document ignored, typos included.
const decodeReceived = Schema.decodeUnknown(ChatCompletionCreateParams.ChatCompletionCreateParamsAsReceived, {
  errors: "all"
})

/** The SSE body of a streamed completion, with keep-alive comments, and the fault that breaks or stalls it. */
const sse = (
  completion: ChatCompletion.ChatCompletion,
  options: {
    readonly includeUsage: boolean
    readonly fault: Option.Option<FaultInjection.Fault>
    readonly pace: Duration.DurationInput | undefined
  }
): HttpServerResponse.HttpServerResponse => {
  const chunkEvents = CompletionGenerator.chunks(completion, { includeUsage: options.includeUsage }).map(
    Responses.chunkEvent
  )
  const fault = Option.getOrUndefined(options.fault)
  let events: Array<string>
  if (fault?._tag === "MidStream") {
    const error = Responses.upstreamFailure(502, completion.provider ?? undefined)
    events = [
      ...chunkEvents.slice(0, fault.afterChunks),
      fault.shape === "objectiveai"
        ? Responses.objectiveAiErrorEvent(502, error)
        : Responses.openRouterErrorEvent(completion, error)
    ]
  } else {
    events = [...chunkEvents, Responses.done]
  }
  const prng = new Prng(completion.id, "keep-alive")
  const [first, ...rest] = [
    Responses.keepAlive,
    ...events.flatMap((event, index) =>
      index < events.length - 1 && prng.chance(0.1) ? [event, Responses.keepAlive] : [event]
    )
  ]
  const body = fault?._tag === "Stall"
    ? Stream.make(first).pipe(
      Stream.concat(Stream.drain(Stream.fromEffect(Effect.sleep(fault.duration)))),
      Stream.concat(Stream.fromIterable(rest))
    )
    : Stream.fromIterable([first, ...rest])
  const paced = options.pace === undefined ? body : Stream.schedule(body, Schedule.spaced(options.pace))
  return HttpServerResponse.stream(Stream.encodeText(paced), {
    contentType: "text/event-stream",
    headers: { "cache-control": "no-cache" }
  })
}

/**
 * The server as an `HttpApp`, for mounting into another `@effect/platform` server. It answers every request itself:
 * 401 for a missing or unknown key, 400 naming the field for a bad body or query, 404 for an unknown id or route,
 * the injected faults, and 500 with the error body for anything unexpected, each with its own `x-request-id`. Faults
 * are drawn after authorization, so a bad key always gets its 401.
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeApp = Effect.fn("ObjectiveAiServer.makeApp")(function*(options: AppOptions = {}) {
  const store = yield* ServedCompletions.ServedCompletions
  const faults = yield* FaultInjection.FaultInjection
  const seed = String(options.seed ?? randomUUID())
  const maxBodySize = options.maxBodySize ?? defaultMaxBodySize
  const maxNesting = options.maxNesting ?? defaultMaxNesting
  let allocated = 0
  const keys = options.apiKeys?.map((key) => keyDigest(Redacted.isRedacted(key) ? Redacted.value(key) : key))

  const unauthorized = (message: string): ObjectiveAiApi.Unauthorized => ({ code: 401, message })

  /** The declaration's bearer security: the raw header must read `Bearer <key>` with a known key. */
  const authorization = Layer.succeed(ObjectiveAiApi.Authorization, {
    bearer: () =>
      // `HttpApiSecurity.bearer` hands over whatever follows the first seven characters, so the header is read again
      // to refuse other schemes; the request is in the running fiber's context though the signature cannot say so.
      Effect.flatMap(Effect.context<never>(), (context) => {
        const request = Context.unsafeGet(context, HttpServerRequest.HttpServerRequest)
        const key = bearer.exec(request.headers.authorization ?? "")?.[1]
        if (key === undefined) return Effect.fail(unauthorized("missing API key: send authorization: Bearer <key>"))
        if (keys === undefined) return Effect.void
        const presented = keyDigest(key)
        // Comparing digests in constant time keeps the check from leaking how much of a key was right.
        return keys.some((known) => timingSafeEqual(known, presented))
          ? Effect.void
          : Effect.fail(unauthorized("invalid API key"))
      })
  })

  /** The response a fault gives instead of the handler's, if it gives one; a stall only delays the handler. */
  const faultResponse = (fault: FaultInjection.Fault) =>
    FaultInjection.Fault.$match(fault, {
      RateLimit: ({ retryAfterSeconds }) =>
        Effect.succeed(Option.some(Responses.error(
          429,
          Responses.upstreamError(429, Responses.rateLimited(retryAfterSeconds)),
          { "retry-after": String(retryAfterSeconds) }
        ))),
      ServerError: ({ status }) =>
        Effect.succeed(Option.some(
          Responses.error(status, Responses.upstreamError(status, Responses.upstreamFailure(status, undefined)))
        )),
      Reset: () =>
        Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) => {
          NodeHttpServerRequest.toIncomingMessage(request).socket.destroy()
          // Closing the socket interrupts this fiber: there is no one left to answer.
          return Effect.never
        }),
      Stall: ({ duration }) => Effect.as(Effect.sleep(duration), Option.none()),
      MidStream: () => Effect.succeed(Option.none())
    })

  /** Draws a fault, and runs the handler unless the fault answered instead (authorization came before). */
  const guarded = <A, E, R>(
    streaming: boolean,
    handler: (fault: Option.Option<FaultInjection.Fault>) => Effect.Effect<A, E, R>
  ): Effect.Effect<A | HttpServerResponse.HttpServerResponse, E, R | HttpServerRequest.HttpServerRequest> =>
    Effect.gen(function*() {
      const fault = yield* faults.next({ streaming })
      // A stream stalls after its first event, inside the body, so that clients see headers and then silence.
      if (Option.isSome(fault) && !(streaming && fault.value._tag === "Stall")) {
        const answered = yield* faultResponse(fault.value)
        if (Option.isSome(answered)) return answered.value
      }
      return yield* handler(fault)
    })

  // The stored text as it is: written back through a schema, a seed beyond 2^53 would lose digits.
  const retrieve = (id: string) =>
    guarded(false, () =>
      store.getJson(id).pipe(
        Effect.map(Responses.json),
        Effect.catchTag(
          "CompletionNotFound",
          (error) => Effect.fail<ObjectiveAiApi.NotFound>({ code: 404, message: error.message })
        )
      ))

  /** Stores a completion under the next id of the seeded sequence, skipping ids the store already holds. */
  const storeCreated = (
    request: ChatCompletionCreateParams.ChatCompletionCreateParams,
    completion: ChatCompletion.ChatCompletion
  ): Effect.Effect<ChatCompletion.ChatCompletion, ServedCompletions.DataFileError> => {
    const response = {
      ...completion,
      id: CompletionGenerator.completionId(`${seed}:${allocated++}`, completion.created)
    }
    return store.add({ request, response }).pipe(
      Effect.as(response),
      Effect.catchTag("DuplicateCompletion", () => storeCreated(request, completion))
    )
  }

  const readParams = Effect.gen(function*() {
    const request = yield* HttpServerRequest.HttpServerRequest
    const text = yield* Body.readText(request, maxBodySize)
    // Before any parsing: the parser, the decoder's messages and the canonical writer each take time or stack in
    // proportion to the nesting, and 5,000 levels of it held the event loop for seconds.
    if (Json.nestingDepth(text, maxNesting) > maxNesting) {
      return yield* Effect.fail(`the body nests deeper than ${maxNesting} levels of arrays and objects`)
    }
    const body = yield* Effect.try({
      try: () => Json.parse(text),
      catch: (error) => `invalid JSON body: ${error instanceof Error ? error.message : String(error)}`
    })
    return yield* decodeReceived(body).pipe(
      // One line per problem, the first `ParseMessages.maxProblems` of them: the text the client's validation gives.
      Effect.mapError((error) => ParseMessages.format(error.issue)),
      Effect.flatMap((params) => Effect.mapError(CompletionGenerator.check(params), (error) => error.message))
    )
  })

  const create = Effect.gen(function*() {
    const request = yield* Effect.mapError(
      readParams,
      (problem): ObjectiveAiApi.PayloadTooLarge | ObjectiveAiApi.BadRequest =>
        problem instanceof Body.BodyTooLarge ? { code: 413, message: problem.message } : { code: 400, message: problem }
    )
    const streaming = request.stream === true
    return yield* guarded(streaming, (fault) =>
      Effect.gen(function*() {
        const created = Math.floor((yield* Clock.currentTimeMillis) / 1000)
        const drafted = CompletionGenerator.complete(request, {
          id: CompletionGenerator.completionId(`${seed}:draft`, created),
          created
        })
        // A stream that breaks off produced no completion, so there is nothing to store.
        const breaks = Option.exists(fault, FaultInjection.Fault.$is("MidStream"))
        // A data file that cannot be written is the server failing: its 500 comes from the routes' last resort.
        const completion = breaks ? drafted : yield* Effect.orDie(storeCreated(request, drafted))
        return streaming
          ? sse(completion, { includeUsage: request.stream_options?.include_usage === true, fault, pace: options.pace })
          : Responses.json(encodeCompletion(completion))
      }))
  })

  // Handlers fail with the declared error bodies, which `HttpApiBuilder` encodes; a fault answers with a response of
  // its own (a 429 carries `retry-after`). `create` is raw: `readParams` reads and checks the body (one place, with
  // the API's own messages), and a stream answers with server-sent events.
  const chatCompletions = HttpApiBuilder.group(ObjectiveAiApi.ObjectiveAiApi, "chatCompletions", (handlers) =>
    handlers
      .handleRaw("create", () => create)
      .handle("retrieve", ({ path }) => retrieve(path.id))
      .handle("list", ({ urlParams }) => guarded(false, () => store.list(urlParams))))

  const api = yield* HttpApiBuilder.httpApp.pipe(
    Effect.provide(
      Layer.mergeAll(
        HttpApiBuilder.middlewareOpenApi({ path: "/openapi.json" }),
        // The inline build of Scalar's page, and no web fonts: the page needs nothing from another host.
        HttpApiScalar.layer({ path: "/docs", scalar: docsPage }),
        rootToDocs,
        decodeErrorsAsBadRequest,
        HttpApiBuilder.Router.Live,
        HttpApiBuilder.Middleware.layer
      ).pipe(
        Layer.provideMerge(
          HttpApiBuilder.api(servedApi).pipe(Layer.provide(Layer.provideMerge(chatCompletions, authorization)))
        )
      )
    )
  )

  const routes = api.pipe(
    Effect.catchAllCause((cause) => {
      const notFound = failureOf(cause, isRouteNotFound)
      if (Option.isSome(notFound)) {
        const { method, url } = notFound.value.request
        return Effect.succeed(Responses.error(404, `no route for ${method} ${url}`))
      }
      // A client that went away interrupts its request; anything else unexpected still gets an answer.
      return Cause.isInterruptedOnly(cause)
        ? Effect.interrupt
        : Effect.as(Effect.logError("request failed", cause), Responses.error(500, "internal server error"))
    })
  )

  return Effect.suspend(() => {
    const requestId = Responses.requestId()
    return routes.pipe(
      Effect.map(HttpServerResponse.setHeader(Responses.requestIdHeader, requestId)),
      Effect.annotateLogs("requestId", requestId)
    )
  })
})

const formatAddress = (address: HttpServer.Address): Address => {
  if (address._tag === "UnixAddress") return { host: address.path, port: 0, url: `http+unix://${address.path}` }
  const host = address.hostname.includes(":") ? `[${address.hostname}]` : address.hostname
  return { host: address.hostname, port: address.port, url: `http://${host}:${address.port}` }
}

/**
 * Serves the API under Node on `host:port` (127.0.0.1 and a free port by default) for as long as the layer lives,
 * and provides the bound {@link Address} and the {@link ServedCompletions.ServedCompletions}. Fails when the data file
 * does not load (naming the line), the fault options are out of range, or the port cannot be bound.
 *
 * @example
 * ```ts
 * import { Console, Effect, Redacted } from "effect"
 * import { ObjectiveAiServer } from "@objectiveai-effect/server"
 *
 * const program = Effect.gen(function*() {
 *   const { url } = yield* ObjectiveAiServer.ObjectiveAiServer
 *   yield* Console.log(`listening on ${url}`)
 *   return yield* Effect.never
 * }).pipe(
 *   Effect.provide(ObjectiveAiServer.layer({
 *     port: 0,
 *     dataFile: "data/sample.jsonl",
 *     apiKeys: [Redacted.make("local-key")],
 *     faults: { rate: 0.1, seed: 1 }
 *   }))
 * )
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (options: Options = {}): Layer.Layer<
  ObjectiveAiServer | ServedCompletions.ServedCompletions,
  | HttpServerError.ServeError
  | ServedCompletions.DataFileError
  | ServedCompletions.DuplicateCompletion
  | FaultInjection.InvalidFaultOptions
> =>
  Layer.merge(
    Layer.unwrapEffect(Effect.map(makeApp(options), (app) => HttpServer.serve(app))),
    Layer.effect(ObjectiveAiServer, HttpServer.addressWith((address) => Effect.succeed(formatAddress(address))))
  ).pipe(
    Layer.provide(NodeHttpServer.layer(() =>
      Listener.make({
        headersTimeout: Duration.toMillis(options.headersTimeout ?? defaultHeadersTimeout),
        requestTimeout: Duration.toMillis(options.requestTimeout ?? defaultRequestTimeout)
      }), {
      port: options.port ?? 0,
      host: options.host ?? "127.0.0.1"
    })),
    Layer.provide(FaultInjection.layer(options.faults)),
    Layer.provideMerge(ServedCompletions.layer(options)),
    Layer.provide(NodeContext.layer)
  )

/**
 * {@link layer} with its options read from `Config`, for example
 * `layerConfig({ port: Config.integer("PORT").pipe(Config.withDefault(0)), dataFile: Config.string("DATA_FILE") })`.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerConfig = (config: Config.Config.Wrap<Options>): Layer.Layer<
  ObjectiveAiServer | ServedCompletions.ServedCompletions,
  | ConfigError.ConfigError
  | HttpServerError.ServeError
  | ServedCompletions.DataFileError
  | ServedCompletions.DuplicateCompletion
  | FaultInjection.InvalidFaultOptions
> => Layer.unwrapEffect(Effect.map(Config.unwrap(config), layer))
