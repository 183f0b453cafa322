/**
 * `ObjectiveAiClient`: the ObjectiveAI chat-completions API as an Effect service, on the application's
 * `HttpClient`. Requests are validated strictly before anything is sent, answers are decoded with the domain
 * schemas, transient failures are retried under a bounded policy, and every failure is one of the typed
 * `ObjectiveAiError`s, or, once a streamed completion has started, one of the `StreamError`s.
 *
 * @example
 * ```ts
 * import { NodeHttpClient } from "@effect/platform-node"
 * import { Effect, Layer } from "effect"
 * import { ObjectiveAiClient } from "@objectiveai-effect/client"
 *
 * const program = Effect.gen(function*() {
 *   const client = yield* ObjectiveAiClient.ObjectiveAiClient
 *   const completion = yield* client.create({ model: "openai/gpt-4o-mini", messages: [{ role: "user", content: "Hi" }] })
 *   return completion.choices[0]?.message.content
 * })
 *
 * // OBJECTIVEAI_API_KEY (and optionally OBJECTIVEAI_BASE_URL) from the environment
 * const MainLive = ObjectiveAiClient.layerConfig().pipe(Layer.provide(NodeHttpClient.layerUndici))
 * export const main = Effect.provide(program, MainLive)
 * ```
 *
 * @since 0.1.0
 */
import type * as Headers from "@effect/platform/Headers"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import type * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import {
  ChatCompletion,
  ChatCompletionChunk,
  ChatCompletionCreateParams,
  ChatCompletionList,
  CompletionId,
  Json,
  ObjectiveAiApi,
  ParseMessages,
  StoredChatCompletion
} from "@objectiveai-effect/domain"
import type * as Cause from "effect/Cause"
import * as Chunk from "effect/Chunk"
import * as Clock from "effect/Clock"
import * as Config from "effect/Config"
import * as ConfigError from "effect/ConfigError"
import * as Context from "effect/Context"
import * as Data from "effect/Data"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import { identity } from "effect/Function"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as ParseResult from "effect/ParseResult"
import * as Predicate from "effect/Predicate"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import * as Sink from "effect/Sink"
import * as Stream from "effect/Stream"
import * as ClientConfig from "./ClientConfig.js"
import * as CallSpan from "./internal/callSpan.js"
import * as ChatStream from "./internal/chatStream.js"
import * as Deadline from "./internal/deadline.js"
import { type Endpoint, execute, keyProblem, limits, readJson, retries, type Settings } from "./internal/execute.js"
import * as Observe from "./internal/observe.js"
import * as Routes from "./internal/routes.js"
import * as ObjectiveAiError from "./ObjectiveAiError.js"
import * as RetryPolicy from "./RetryPolicy.js"
import * as StreamError from "./StreamError.js"

/**
 * The client's operations.
 *
 * @since 0.1.0
 * @category models
 */
export interface Service {
  /**
   * `GET /chat/completions/{id}`: a stored completion, the request that made it and the answer. An answer carrying
   * another completion's id (a caching proxy's mix-up) fails with `InvalidResponseError`, never retried at once.
   */
  readonly retrieve: (
    id: string,
    options?: RequestOptions
  ) => Effect.Effect<StoredChatCompletion.StoredChatCompletion, ObjectiveAiError.ObjectiveAiError>
  /**
   * `POST /chat/completions`: checks `params` strictly (every broken rule is reported in an `InvalidRequestError`
   * and nothing is sent), then creates a completion. Not retried once the request may have reached the server,
   * unless the retry policy says `retryCreate`.
   */
  readonly create: (
    params: ChatCompletionCreateParams.ChatCompletionCreateParams,
    options?: RequestOptions
  ) => Effect.Effect<ChatCompletion.ChatCompletion, ObjectiveAiError.ObjectiveAiError>
  /**
   * `POST /chat/completions` with `stream: true` (set here, whatever `params` say) and, unless `params` say
   * otherwise, `stream_options.include_usage`: the chunks as the server sends them, up to `data: [DONE]`; run it
   * into {@link collect} for the merged completion. Checked and opened like {@link Service.create}, with the same
   * typed errors and retries; once the response has started nothing is retried, and every failure is a
   * `StreamError` carrying the completion merged so far. Interrupting the consumer closes the connection.
   */
  readonly stream: (
    params: ChatCompletionCreateParams.ChatCompletionCreateParams,
    options?: StreamOptions
  ) => Stream.Stream<
    ChatCompletionChunk.ChatCompletionChunk,
    ObjectiveAiError.ObjectiveAiError | StreamError.StreamError
  >
  /**
   * `GET /chat/completions?count&offset`: every listed completion from `offset` on, fetching pages of `pageSize`
   * as the stream is pulled, until the server returns an empty page. A page listing nothing new (a server that
   * ignores `offset` and repeats its pages) fails the stream with `InvalidResponseError` rather than page forever.
   */
  readonly list: (
    options?: ListOptions
  ) => Stream.Stream<ChatCompletionList.ChatCompletionListItem, ObjectiveAiError.ObjectiveAiError>
  /** {@link Service.retrieve}, with the status, request id and headers of the answer. */
  readonly retrieveWithResponse: (
    id: string,
    options?: RequestOptions
  ) => Effect.Effect<WithResponse<StoredChatCompletion.StoredChatCompletion>, ObjectiveAiError.ObjectiveAiError>
  /** {@link Service.create}, with the status, request id and headers of the answer. */
  readonly createWithResponse: (
    params: ChatCompletionCreateParams.ChatCompletionCreateParams,
    options?: RequestOptions
  ) => Effect.Effect<WithResponse<ChatCompletion.ChatCompletion>, ObjectiveAiError.ObjectiveAiError>
  /**
   * {@link Service.stream}, opened: succeeds once the response has started, with its status, request id and headers
   * and the stream of its chunks. The connection belongs to the scope: it closes when the chunks have been read to the
   * end or when the scope closes, whichever comes first (a stream still being read then ends as truncated).
   */
  readonly streamWithResponse: (
    params: ChatCompletionCreateParams.ChatCompletionCreateParams,
    options?: StreamOptions
  ) => Effect.Effect<
    WithResponse<Stream.Stream<ChatCompletionChunk.ChatCompletionChunk, StreamError.StreamError>>,
    ObjectiveAiError.ObjectiveAiError,
    Scope.Scope
  >
  /**
   * {@link Service.list}, page by page: one element per request, the page with the status, request id and headers
   * of its answer, up to and including the empty page that ends the listing.
   */
  readonly listWithResponse: (
    options?: ListOptions
  ) => Stream.Stream<WithResponse<ChatCompletionList.ChatCompletionList>, ObjectiveAiError.ObjectiveAiError>
  /**
   * Retrieves many ids, `concurrency` at a time, for data scripts: each id gives a `RetrieveResult`, so a failed
   * id is a result to handle, not the end of the run. Results come in input order unless `unordered`.
   */
  readonly retrieveMany: <E = never, R = never>(
    ids: Iterable<string> | Stream.Stream<string, E, R>,
    options?: RetrieveManyOptions
  ) => Stream.Stream<RetrieveResult, E, R>
}

/**
 * What a `*WithResponse` operation gives: the value the plain operation returns, with the answer it was read from,
 * for the request id to quote to support or the headers (rate-limit counters, …) to act on. Errors carry the same
 * `status` and `requestId`.
 *
 * @example
 * ```ts
 * import { Console, Effect } from "effect"
 * import { ObjectiveAiClient } from "@objectiveai-effect/client"
 *
 * const program = Effect.gen(function*() {
 *   const client = yield* ObjectiveAiClient.ObjectiveAiClient
 *   const { requestId, value: stored } = yield* client.retrieveWithResponse("chtcpl-…")
 *   yield* Console.log(`${stored.response.model}, request ${requestId}`)
 * })
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface WithResponse<A> {
  /** What the operation without `WithResponse` returns. */
  readonly value: A
  /** The HTTP status of the answer. */
  readonly status: number
  /** The answer's `x-request-id` (or `request-id`) header, when it has one. */
  readonly requestId: string | undefined
  /** Every header of the answer. */
  readonly headers: Headers.Headers
}

/**
 * The service tag.
 *
 * @since 0.1.0
 * @category tags
 */
export class ObjectiveAiClient extends Context.Tag("@objectiveai-effect/client/ObjectiveAiClient")<
  ObjectiveAiClient,
  Service
>() {}

/**
 * Options of one call, over the client's own: its timeouts, its retry policy and extra headers, without building a
 * second client. Every operation takes them (a stream's apply to opening it).
 *
 * @example
 * ```ts
 * import { Effect, Schedule } from "effect"
 * import { ObjectiveAiClient } from "@objectiveai-effect/client"
 *
 * const program = Effect.gen(function*() {
 *   const client = yield* ObjectiveAiClient.ObjectiveAiClient
 *   return yield* client.retrieve("chtcpl-…", {
 *     timeouts: { attempt: "5 seconds", total: "20 seconds" },
 *     retryPolicy: { schedule: Schedule.spaced("1 second").pipe(Schedule.intersect(Schedule.recurs(5))) },
 *     headers: { "x-title": "nightly-report" }
 *   })
 * })
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface RequestOptions {
  /** Overrides of the operation's timeouts (the client's `timeouts.read` or `timeouts.create`) for this call. */
  readonly timeouts?: Partial<RetryPolicy.Timeouts> | undefined
  /** Overrides of the client's retry policy for this call, field by field. */
  readonly retryPolicy?: Partial<RetryPolicy.RetryPolicy> | undefined
  /** Extra headers on this call's requests, over the client's own. */
  readonly headers?: Headers.Input | undefined
}

/**
 * Paging of {@link Service.list}, and the options of each page's request.
 *
 * @since 0.1.0
 * @category models
 */
export interface ListOptions extends RequestOptions {
  /** Completions asked for per request (`count`); a positive integer, the API's own default by default. */
  readonly pageSize?: number | undefined
  /** How many to skip first (`offset`); a non-negative integer, 0 by default. */
  readonly offset?: number | undefined
}

/**
 * Options of {@link Service.stream}; the {@link RequestOptions} apply to opening it.
 *
 * @since 0.1.0
 * @category models
 */
export interface StreamOptions extends RequestOptions {
  /**
   * How long the response may send nothing before the stream fails with `StreamIdleTimeoutError`; the client's
   * `timeouts.streamIdle` by default. Any bytes count as activity, keep-alive comments included: a gateway sends
   * them while the model is slow to answer, so the timeout catches a dead connection, not a slow model. Time the
   * consumer spends between pulls does not count.
   */
  readonly idleTimeout?: Duration.DurationInput | undefined
  /**
   * Merge the chunks as they pass so that a `StreamError` carries the partial completion; true by default. The
   * merged completion grows with the stream: turn this off for a long stream consumed without merging, whose memory
   * must stay flat, and errors carry `None`.
   */
  readonly keepPartial?: boolean | undefined
  /** The most UTF-8 bytes one server-sent event may hold before `StreamEventTooLargeError`; 16 MiB by default. */
  readonly maxEventSize?: number | undefined
  /**
   * How long the whole stream may take, from the request to its last event, before it fails with
   * `StreamDeadlineError`; the client's `timeouts.stream` by default, and no limit when neither is given. Unlike the
   * idle timeout, which any byte resets, it bounds a server that trickles a byte at a time. Opening the stream gets
   * no longer than this either.
   */
  readonly timeout?: Duration.DurationInput | undefined
}

/**
 * Options of {@link Service.retrieveMany}, and of each retrieve it makes.
 *
 * @since 0.1.0
 * @category models
 */
export interface RetrieveManyOptions extends RequestOptions {
  /** Retrieves in flight at once; 8 by default. */
  readonly concurrency?: number | undefined
  /** Emit each result as it completes rather than in input order. */
  readonly unordered?: boolean | undefined
}

/**
 * The outcome for one id of {@link Service.retrieveMany}.
 *
 * @since 0.1.0
 * @category models
 */
export type RetrieveResult = Data.TaggedEnum<{
  Retrieved: {
    readonly id: string
    readonly completion: StoredChatCompletion.StoredChatCompletion
    /** The answer's body as received, the exact JSON text `completion` was decoded from. */
    readonly json: string
  }
  Failed: { readonly id: string; readonly error: ObjectiveAiError.ObjectiveAiError }
}>

/**
 * Constructors, guards and `$match` for {@link RetrieveResult}.
 *
 * @example
 * ```ts
 * import { ObjectiveAiClient } from "@objectiveai-effect/client"
 *
 * const line = ObjectiveAiClient.RetrieveResult.$match({
 *   Retrieved: ({ id, completion }) => `${id}: ${completion.response.model}`,
 *   Failed: ({ id, error }) => `${id}: ${error._tag}`
 * })
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const RetrieveResult = Data.taggedEnum<RetrieveResult>()

/**
 * Merges a stream's chunks into the completion they make, with the domain's chunk merge; fails with
 * `NoSuchElementException` when the stream had no chunk.
 *
 * @example
 * ```ts
 * import { Console, Effect, Stream } from "effect"
 * import { ObjectiveAiClient } from "@objectiveai-effect/client"
 * import type { ChatCompletionCreateParams } from "@objectiveai-effect/domain"
 *
 * const completion = (params: ChatCompletionCreateParams.ChatCompletionCreateParams) =>
 *   Effect.flatMap(ObjectiveAiClient.ObjectiveAiClient, (client) =>
 *     client.stream(params).pipe(
 *       Stream.tap((chunk) => Console.log(chunk.choices[0]?.delta.content ?? "")),
 *       Stream.run(ObjectiveAiClient.collect)
 *     ))
 * ```
 *
 * @since 0.1.0
 * @category sinks
 */
export const collect: Sink.Sink<
  ChatCompletion.ChatCompletion,
  ChatCompletionChunk.ChatCompletionChunk,
  never,
  Cause.NoSuchElementException
> = Sink.suspend(() => {
  const merged = ChatCompletionChunk.accumulator()
  return Sink.forEachChunk((chunks: Chunk.Chunk<ChatCompletionChunk.ChatCompletionChunk>) =>
    Effect.sync(() => {
      for (const chunk of chunks) merged.add(chunk)
    })
  ).pipe(Sink.mapEffect(() => merged.completion()))
})

/**
 * How to reach the API and how hard to try.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** Sent as `authorization: Bearer <key>` on every request. */
  readonly apiKey: Redacted.Redacted<string>
  /** `ClientConfig.defaultBaseUrl` unless given. */
  readonly baseUrl?: string | undefined
  /** Extra headers on every request: `user-agent`, `x-title`, `http-referer`, … */
  readonly headers?: Headers.Input | undefined
  /** Overrides of {@link RetryPolicy.defaults}. */
  readonly retryPolicy?: Partial<RetryPolicy.RetryPolicy> | undefined
  /**
   * Overrides of {@link RetryPolicy.readTimeouts} (retrieve, list), {@link RetryPolicy.createTimeouts} (create, and
   * opening a stream) and {@link RetryPolicy.streamIdleTimeout}. At a deadline the attempt's requests are aborted
   * through their `AbortSignal`, which every transport built on `HttpClient.make` honours.
   */
  readonly timeouts?: {
    readonly read?: Partial<RetryPolicy.Timeouts> | undefined
    readonly create?: Partial<RetryPolicy.Timeouts> | undefined
    readonly streamIdle?: Duration.DurationInput | undefined
    /** The overall deadline of every stream, {@link StreamOptions.timeout}; none by default. */
    readonly stream?: Duration.DurationInput | undefined
  } | undefined
  /** Applied once to the application's `HttpClient`, to add middleware such as a proxy or extra tracing. */
  readonly transformClient?: ((client: HttpClient.HttpClient) => HttpClient.HttpClient) | undefined
  /**
   * The most bytes the client reads of a unary answer or an error body; {@link defaultMaxBodySize} unless given. A
   * larger body (or a `content-length` over it) fails at once with `ResponseTooLargeError`, unread beyond the limit
   * and not retried. Streamed events have their own limit, `maxEventSize`.
   */
  readonly maxBodySize?: number | undefined
}

/**
 * The default of {@link Options.maxBodySize}: 32 MiB, far above any completion the API returns and far below what
 * would strain the process.
 *
 * @since 0.1.0
 * @category constants
 */
export const defaultMaxBodySize = 32 * 1024 * 1024

const userAgent = "objectiveai-effect"

// From the body text in one pass: lossless for big integers, and checked in place rather than rebuilt.
const decodeStored = Schema.decodeUnknownEither(StoredChatCompletion.StoredChatCompletionFromJson)
const decodeCompletion = Schema.decodeUnknownEither(ChatCompletion.ChatCompletionFromJson)
const decodeList = Schema.decodeUnknownEither(Json.parseJson(ChatCompletionList.ChatCompletionList))
const isCompletionId = Schema.is(CompletionId.CompletionId)

const valueOf = <A>(answer: WithResponse<A>): A => answer.value

const isNonNegativeInteger = (n: number) => Number.isSafeInteger(n) && n >= 0

// An answer that decodes but is not the answer asked for: the issue says what is wrong with it.
const wrongAnswer = (actual: unknown, issue: string): ParseResult.ParseError =>
  new ParseResult.ParseError({ issue: new ParseResult.Type(Schema.String.ast, actual, issue) })

const notAnEventStream = (text: string): Either.Either<never, ParseResult.ParseError> =>
  Either.left(wrongAnswer(text, "a JSON body where an event stream was asked for"))

// A caching proxy or an upstream bug can answer with another completion's body: stored under the id it carries, the
// id asked for would be lost without a trace.
const decodeStoredOf = (id: string) => (text: string) =>
  Either.flatMap(decodeStored(text), (stored) =>
    stored.response.id === id
      ? Either.right(stored)
      : Either.left(
        wrongAnswer(stored.response.id, `asked for ${JSON.stringify(id)}, got ${JSON.stringify(stored.response.id)}`)
      ))

// A server that ignores `offset` answers the same page at every offset: without this check a listing never ends.
const decodeListPageAfter = (listed: Set<string>, offset: number) => (text: string) =>
  Either.flatMap(decodeList(text), (page) => {
    const fresh = page.data.filter((item) => !listed.has(item.id))
    if (page.data.length > 0 && fresh.length === 0) {
      return Either.left(
        wrongAnswer(offset, `the page at offset ${offset} lists nothing new: the server repeats its pages`)
      )
    }
    for (const item of fresh) listed.add(item.id)
    return Either.right(page)
  })

/** An event stream's response, and how to abort it once its consumer is done with it. */
interface OpenedStream {
  readonly response: HttpClientResponse.HttpClientResponse
  readonly release: Effect.Effect<void>
}

// A JSON answer to `stream: true` is an error body sent with 200 (an error of its status, retried as such) or a
// server that ignored the flag; decoded as events it would pass for a truncated stream and its body would be lost.
const openEventStream = (maxBodySize: number): Endpoint<OpenedStream>["read"] => {
  const readJsonAnswer = readJson(notAnEventStream, maxBodySize)
  return (response, call, release) =>
    response.headers["content-type"]?.startsWith("application/json") === true
      ? readJsonAnswer(response, call)
      : Effect.succeed({ response, release })
}

/**
 * Builds the service on the application's `HttpClient`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: Options): Effect.Effect<Service, never, HttpClient.HttpClient> =>
  Effect.map(HttpClient.HttpClient, (httpClient) => {
    const baseUrl = (options.baseUrl ?? ClientConfig.defaultBaseUrl).replace(/\/+$/, "")
    const settings: Settings = {
      // Each call is one span of ours (method, path, status, attempts). The transport's own span per attempt would
      // repeat it, record every request header, and send trace headers to a third party; it is turned off.
      client: HttpClient.withTracerDisabledWhen(
        (options.transformClient ?? identity)(Deadline.abortable(httpClient)),
        () => true
      ),
      policy: options.retryPolicy,
      retries: retries(options.retryPolicy),
      maxBodySize: options.maxBodySize ?? defaultMaxBodySize,
      // A base URL no request can be sent to, or a key with a line break, would fail in the transport, as a
      // transient error retried to the last attempt: every call fails at once instead.
      refusal: ClientConfig.isHttpUrl(baseUrl)
        ? keyProblem(Redacted.value(options.apiKey))
        : `the base URL ${JSON.stringify(baseUrl)}: ${ClientConfig.baseUrlExpected}`
    }
    // The readers, built once: each reads at most `maxBodySize` bytes of an answer.
    const readCompletion = readJson(decodeCompletion, settings.maxBodySize)
    const readEventStream = openEventStream(settings.maxBodySize)
    const readTimeouts = limits({ ...RetryPolicy.readTimeouts, ...options.timeouts?.read })
    const createTimeouts = limits({ ...RetryPolicy.createTimeouts, ...options.timeouts?.create })
    const streamIdleTimeout = options.timeouts?.streamIdle ?? RetryPolicy.streamIdleTimeout
    const streamTimeout = options.timeouts?.stream
    // Built once: every request is this one with its own URL (and body), so nothing about headers is redone per call.
    const base = HttpClientRequest.get(baseUrl).pipe(
      HttpClientRequest.setHeaders({ "user-agent": userAgent, accept: "application/json" }),
      HttpClientRequest.setHeaders(options.headers ?? {}),
      HttpClientRequest.bearerToken(Redacted.value(options.apiKey))
    )

    const invalid = (method: string, path: string, issue: string) =>
      new ObjectiveAiError.InvalidRequestError({ method, path, attempts: 0, issue })
    // A base URL no request can be sent to fails every call at once, as the request it would build: never a
    // transport failure, retried.

    const retrieveAnswer = <A>(
      id: string,
      decode: (text: string) => Either.Either<A, ParseResult.ParseError>,
      requestOptions: RequestOptions | undefined
    ) => {
      const path = Routes.retrieve.path(id)
      return isCompletionId(id)
        ? execute(settings, {
          span: "ObjectiveAiClient.retrieve",
          request: HttpClientRequest.setUrl(base, baseUrl + path),
          path,
          idempotent: true,
          timeouts: readTimeouts,
          read: readJson(decode, settings.maxBodySize),
          annotation: CallSpan.tagged
        }, requestOptions)
        : Effect.fail(invalid(Routes.retrieve.method, path, "the completion id must be a non-empty string"))
    }
    const retrieveWithResponse = (id: string, requestOptions?: RequestOptions) =>
      retrieveAnswer(id, decodeStoredOf(id), requestOptions)
    const retrieve = (id: string, requestOptions?: RequestOptions) =>
      Effect.map(retrieveWithResponse(id, requestOptions), valueOf)
    // retrieveMany keeps each body's text beside its completion: a store can keep that text rather than encode it again.
    const retrieveReceived = (id: string, requestOptions: RequestOptions) =>
      Effect.map(
        retrieveAnswer(id, (json) =>
          Either.map(decodeStoredOf(id)(json), (completion) => ({ completion, json })), requestOptions),
        valueOf
      )

    const createPath = Routes.create.path
    const createRequest = HttpClientRequest.setMethod(
      HttpClientRequest.setUrl(base, baseUrl + createPath),
      Routes.create.method
    )
    // create and stream share this: the body is checked strictly (nothing is sent when it fails), then posted under
    // create's timeouts and its rule that a POST is retried only when it surely never reached the server.
    const postCreateBody = <A>(
      body: ChatCompletionCreateParams.ChatCompletionCreateParams,
      span: string,
      request: HttpClientRequest.HttpClientRequest,
      read: Endpoint<A>["read"],
      requestOptions: RequestOptions | undefined,
      probe: Observe.Probe | undefined,
      annotation?: (valid: ChatCompletionCreateParams.ChatCompletionCreateParams) => CallSpan.Annotation<A>
    ) =>
      ChatCompletionCreateParams.validate(body).pipe(
        Effect.mapError((error) => invalid(Routes.create.method, createPath, ParseMessages.format(error.issue))),
        Effect.flatMap((valid) => {
          const json = Json.stringify(valid)
          if (probe !== undefined) {
            probe.request = valid
            probe.requestJson = json
          }
          return execute(settings, {
            span,
            request: HttpClientRequest.bodyText(request, json, "application/json"),
            path: createPath,
            idempotent: false,
            timeouts: createTimeouts,
            read,
            probe,
            annotation: annotation?.(valid)
          }, requestOptions)
        })
      )

    const createWithResponse = (
      params: ChatCompletionCreateParams.ChatCompletionCreateParams,
      requestOptions?: RequestOptions
    ) =>
      params.stream === true
        ? Effect.fail(
          invalid(
            Routes.create.method,
            createPath,
            "create answers with one completion: use stream() for `stream: true`"
          )
        )
        : Observe.create(params, (probe) =>
          postCreateBody(
            params,
            "ObjectiveAiClient.create",
            createRequest,
            // Observed, the answer's text is kept for the observer, which may store it as it came.
            probe === undefined ? readCompletion : readJson((text) => {
              probe.completionJson = text
              return decodeCompletion(text)
            }, settings.maxBodySize),
            requestOptions,
            probe,
            CallSpan.create
          ))
    const create = (params: ChatCompletionCreateParams.ChatCompletionCreateParams, requestOptions?: RequestOptions) =>
      Effect.map(createWithResponse(params, requestOptions), valueOf)

    const streamRequest = HttpClientRequest.setHeader(createRequest, "accept", "text/event-stream")
    const streamWithResponse = (
      params: ChatCompletionCreateParams.ChatCompletionCreateParams,
      streamOptions: StreamOptions = {}
    ) => {
      const idleTimeout = Duration.decode(streamOptions.idleTimeout ?? streamIdleTimeout)
      const deadlineInput = streamOptions.timeout ?? streamTimeout
      const deadline = deadlineInput === undefined ? undefined : Duration.decode(deadlineInput)
      const body = {
        ...params,
        stream: true,
        stream_options: { include_usage: true, ...params.stream_options }
      }
      const openOptions: RequestOptions = deadline === undefined ? streamOptions : {
        ...streamOptions,
        timeouts: {
          ...streamOptions.timeouts,
          total: Duration.min(deadline, Duration.decode(streamOptions.timeouts?.total ?? createTimeouts.total))
        }
      }
      // What is left of the deadline once the body starts, then the failure that ends the stream.
      const withinDeadline =
        (started: number) => <A, E>(body: Stream.Stream<A, E>): Stream.Stream<A, E | StreamError.StreamDeadlineError> =>
          deadline === undefined ? body : Stream.interruptWhen(
            body,
            Effect.flatMap(Clock.currentTimeMillis, (now) =>
              Effect.zipRight(
                Effect.sleep(Duration.millis(Math.max(0, started + Duration.toMillis(deadline) - now))),
                Effect.fail(new StreamError.StreamDeadlineError({ timeout: deadline }))
              ))
          )
      // The opening stays interruptible; once it succeeded, the scope owns the connection.
      return Observe.stream(params, (probe) =>
        Effect.uninterruptibleMask((restore) =>
          restore(Effect.zip(
            Clock.currentTimeMillis,
            postCreateBody(body, "ObjectiveAiClient.stream.open", streamRequest, readEventStream, openOptions, probe)
          )).pipe(
            Effect.tap(([, opened]) => Effect.addFinalizer(() => opened.value.release))
          )
        ).pipe(
          Effect.map(([started, opened]) => ({
            ...opened,
            value: opened.value.response.stream.pipe(
              // Once the body flows nothing is retried: a lost connection ends the stream as truncated (the SSE decoder
              // then says whether it cut an event).
              Stream.catchTag(
                "ResponseError",
                () => Stream.fail(new StreamError.StreamTruncatedError({ endedMidEvent: false }))
              ),
              // On the bytes rather than the events, so that keep-alive comments count as activity.
              Stream.timeoutFail(() => new StreamError.StreamIdleTimeoutError({ idleTimeout }), idleTimeout),
              withinDeadline(started),
              ChatStream.decodeBytes(streamOptions),
              // However the stream ends, the request is done: a consumer that stopped early closes the connection.
              Stream.ensuring(opened.value.release)
            )
          }))
        ))
    }
    const stream = (params: ChatCompletionCreateParams.ChatCompletionCreateParams, streamOptions?: StreamOptions) =>
      Stream.unwrapScoped(CallSpan.stream(params, streamWithResponse(params, streamOptions))).pipe(
        Stream.withSpan("ObjectiveAiClient.stream", {
          kind: "client",
          captureStackTrace: false,
          attributes: { "http.request.method": Routes.create.method, "url.path": createPath }
        })
      )

    const listPath = Routes.list.path
    const listRequest = HttpClientRequest.setUrl(base, baseUrl + listPath)
    const listWithResponse = (listOptions: ListOptions = {}) => {
      const pageSize = listOptions.pageSize ?? ObjectiveAiApi.defaultListCount
      const offset = listOptions.offset ?? 0
      if (!isNonNegativeInteger(pageSize) || pageSize === 0 || !isNonNegativeInteger(offset)) {
        return Stream.fail(
          invalid(Routes.list.method, listPath, `pageSize must be a positive integer and offset a non-negative integer`)
        )
      }
      return Stream.suspend(() => {
        // Every id listed so far: a page of nothing but these ends the listing with an error.
        const listed = new Set<string>()
        return Stream.paginateEffect(offset, (from) =>
          execute(settings, {
            span: "ObjectiveAiClient.list",
            request: HttpClientRequest.setUrlParams(listRequest, { count: String(pageSize), offset: String(from) }),
            path: listPath,
            idempotent: true,
            timeouts: readTimeouts,
            read: readJson(decodeListPageAfter(listed, from), settings.maxBodySize),
            annotation: CallSpan.tagged
          }, listOptions).pipe(
            // Stop at an empty page rather than a short one: a server that caps `count` must not end the listing early.
            Effect.map((page) => {
              const count = page.value.data.length
              return [page, count === 0 ? Option.none() : Option.some(from + count)] as const
            })
          ))
      })
    }
    const list = (listOptions?: ListOptions) =>
      Stream.mapConcatChunk(listWithResponse(listOptions), (page) => Chunk.unsafeFromArray(page.value.data))

    const retrieveMany = <E = never, R = never>(
      ids: Iterable<string> | Stream.Stream<string, E, R>,
      manyOptions: RetrieveManyOptions = {}
    ): Stream.Stream<RetrieveResult, E, R> =>
      Stream.mapEffect(
        Predicate.hasProperty(ids, Stream.StreamTypeId) ? ids as Stream.Stream<string, E, R> : Stream.fromIterable(ids),
        (id) =>
          Effect.match(retrieveReceived(id, manyOptions), {
            onFailure: (error) => RetrieveResult.Failed({ id, error }),
            onSuccess: ({ completion, json }) => RetrieveResult.Retrieved({ id, completion, json })
          }),
        { concurrency: manyOptions.concurrency ?? 8, unordered: manyOptions.unordered ?? false }
      )

    return ObjectiveAiClient.of({
      retrieve,
      create,
      stream,
      list,
      retrieveMany,
      retrieveWithResponse,
      createWithResponse,
      streamWithResponse,
      listWithResponse
    })
  })

/**
 * The service from options given directly.
 *
 * @example
 * ```ts
 * import { FetchHttpClient } from "@effect/platform"
 * import { Layer, Redacted } from "effect"
 * import { ObjectiveAiClient } from "@objectiveai-effect/client"
 *
 * const ClientLive = (key: string) =>
 *   ObjectiveAiClient.layer({
 *     apiKey: Redacted.make(key),
 *     headers: { "x-title": "my-app" },
 *     retryPolicy: { maxAttempts: 6 }
 *   }).pipe(Layer.provide(FetchHttpClient.layer))
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (options: Options): Layer.Layer<ObjectiveAiClient, never, HttpClient.HttpClient> =>
  Layer.effect(ObjectiveAiClient, make(options))

/**
 * The service with its options read from `Config`s, each option a `Config` of its value (or, for a group such as
 * `retryPolicy`, a group of them); `ClientConfig.apiKeyConfig` and `ClientConfig.baseUrlConfig` with no argument. Options that
 * are not configuration (`transformClient`, a `schedule`) are given with `Config.succeed`.
 *
 * @example
 * ```ts
 * import { NodeHttpClient } from "@effect/platform-node"
 * import { Config, Layer } from "effect"
 * import { ClientConfig, ObjectiveAiClient } from "@objectiveai-effect/client"
 *
 * // OBJECTIVEAI_API_KEY and OBJECTIVEAI_BASE_URL
 * const Default = ObjectiveAiClient.layerConfig().pipe(Layer.provide(NodeHttpClient.layerUndici))
 *
 * // A key of another name, the default base URL, and the attempts from the environment too
 * const Custom = ObjectiveAiClient.layerConfig({
 *   apiKey: Config.redacted("MY_APP_OBJECTIVEAI_KEY"),
 *   baseUrl: ClientConfig.baseUrlConfig,
 *   retryPolicy: { maxAttempts: Config.integer("MY_APP_ATTEMPTS").pipe(Config.withDefault(4)) }
 * }).pipe(Layer.provide(NodeHttpClient.layerUndici))
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layerConfig = (
  options: Config.Config.Wrap<Options> = { apiKey: ClientConfig.apiKeyConfig, baseUrl: ClientConfig.baseUrlConfig }
): Layer.Layer<ObjectiveAiClient, ConfigError.ConfigError, HttpClient.HttpClient> =>
  Layer.effect(
    ObjectiveAiClient,
    Effect.flatMap(Config.unwrap(options), (resolved) =>
      // A base URL from a Config of the caller's is held to the same rule as the default one, once, here.
      resolved.baseUrl === undefined || ClientConfig.isHttpUrl(resolved.baseUrl)
        ? make(resolved)
        : Effect.fail(ConfigError.InvalidData(["baseUrl"], `${ClientConfig.baseUrlExpected}, not ${resolved.baseUrl}`)))
  )
