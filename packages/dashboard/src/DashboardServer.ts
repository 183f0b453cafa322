/**
 * The dashboard served over HTTP: `AnalyticsApi` answered from a completion store with `HttpApiBuilder`, its OpenAPI
 * document at `/openapi.json`, and the page at `/`. Started with keys, every analytics request must bear one
 * (`authorization: Bearer <key>`; the page asks for it); the page itself holds no figure and is served to anyone.
 *
 * @example
 * ```ts
 * import { DashboardServer } from "@objectiveai-effect/dashboard"
 * import { CompletionStore, Database } from "@objectiveai-effect/store"
 * import { Console, Effect, Layer } from "effect"
 *
 * const program = Effect.gen(function*() {
 *   const { url } = yield* DashboardServer.DashboardServer
 *   yield* Console.log(`the dashboard is on ${url}`)
 * }).pipe(
 *   Effect.provide(
 *     DashboardServer.layer({ port: 0 }).pipe(Layer.provide(CompletionStore.layer(Database.fromString(":memory:"))))
 *   )
 * )
 *
 * Effect.runPromise(program)
 * ```
 *
 * @since 0.1.0
 */
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import * as HttpApiBuilder from "@effect/platform/HttpApiBuilder"
import * as HttpApiError from "@effect/platform/HttpApiError"
import * as HttpServer from "@effect/platform/HttpServer"
import type * as HttpServerError from "@effect/platform/HttpServerError"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import type { CompletionStore } from "@objectiveai-effect/store"
import * as Cause from "effect/Cause"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import { createHash, timingSafeEqual } from "node:crypto"
import { createServer } from "node:http"
import * as Analytics from "./Analytics.js"
import * as AnalyticsApi from "./AnalyticsApi.js"
import * as AnalyticsError from "./AnalyticsError.js"
import * as Page from "./Page.js"

/**
 * Where the dashboard listens once started.
 *
 * @since 0.1.0
 * @category models
 */
export interface Address {
  readonly host: string
  readonly port: number
  /** `http://host:port`, the page's address. */
  readonly url: string
}

/**
 * The running dashboard's address.
 *
 * @since 0.1.0
 * @category tags
 */
export class DashboardServer extends Context.Tag("@objectiveai-effect/dashboard/DashboardServer")<
  DashboardServer,
  Address
>() {}

/**
 * How to serve: the interface and port (127.0.0.1 and a free port by default), and the keys requests must bear
 * (none: every request is answered; a caller keeps a dashboard without keys to loopback, as the CLI does).
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  readonly host?: string | undefined
  readonly port?: number | undefined
  readonly apiKeys?: ReadonlyArray<Redacted.Redacted<string>> | undefined
}

const keyDigest = (key: string): Buffer => createHash("sha256").update(key).digest()

const bearer = /^Bearer\s+(\S+)\s*$/i

const authorization = (apiKeys: ReadonlyArray<Redacted.Redacted<string>>) => {
  const keys = apiKeys.map((key) => keyDigest(Redacted.value(key)))
  return Layer.succeed(AnalyticsApi.Authorization, {
    bearer: () =>
      // `HttpApiSecurity.bearer` hands over whatever follows the first seven characters, so the header is read again
      // to refuse other schemes; the request is in the running fiber's context though the signature cannot say so.
      Effect.flatMap(Effect.context<never>(), (context) => {
        if (keys.length === 0) return Effect.void
        const request = Context.unsafeGet(context, HttpServerRequest.HttpServerRequest)
        const key = bearer.exec(request.headers.authorization ?? "")?.[1]
        if (key === undefined) {
          return Effect.fail(
            new AnalyticsError.Unauthorized({ message: "missing API key: send authorization: Bearer <key>" })
          )
        }
        const presented = keyDigest(key)
        // Digests compared in constant time, so that the check does not tell how much of a key was right.
        return keys.some((known) => timingSafeEqual(known, presented))
          ? Effect.void
          : Effect.fail(new AnalyticsError.Unauthorized({ message: "invalid API key" }))
      })
  })
}

const handlers = HttpApiBuilder.group(
  AnalyticsApi.AnalyticsApi,
  "analytics",
  (handlers) =>
    Effect.map(Analytics.Analytics, (analytics) =>
      handlers
        .handle("overview", () => analytics.overview)
        .handle("cost", ({ urlParams }) => analytics.cost(urlParams))
        .handle("tokens", ({ urlParams }) => analytics.tokens(urlParams))
        .handle("costTable", ({ urlParams }) => analytics.costTable(urlParams))
        .handle("logprobs", ({ urlParams }) => analytics.logprobs(urlParams))
        .handle("toolCalls", ({ urlParams }) => analytics.toolCalls(urlParams))
        .handle("failures", ({ urlParams }) => analytics.failures(urlParams))
        .handle("expensive", ({ urlParams }) => analytics.expensive(urlParams))
        // The stored JSON as it is: re-encoding it would lose what the schemas do not model.
        .handleRaw("completion", ({ path }) =>
          Effect.map(
            analytics.completion(path.id),
            (body) => HttpServerResponse.text(body, { contentType: "application/json" })
          )))
)

/**
 * A query that does not decode gets `HttpApi`'s declared 400, `HttpApiDecodeError`, with a message of one line (each
 * issue's path and rule) in place of the indented tree.
 */
// `HttpApiBuilder` types its app as failing with nothing, yet a query that does not decode fails it.
const decodeErrorOf = (cause: Cause.Cause<unknown>): Option.Option<HttpApiError.HttpApiDecodeError> =>
  Cause.find(cause, (reason) =>
    Cause.isFailType(reason) && reason.error instanceof HttpApiError.HttpApiDecodeError
      ? Option.some(reason.error)
      : Option.none())

const oneLineDecodeErrors = HttpApiBuilder.middleware(
  AnalyticsApi.AnalyticsApi,
  (app) =>
    Effect.catchAllCause(app, (cause) =>
      Option.match(
        decodeErrorOf(cause),
        {
          onNone: () => Effect.failCause(cause),
          onSome: (error) =>
            Effect.succeed(HttpServerResponse.unsafeJson({
              _tag: error._tag,
              issues: error.issues,
              message: error.issues
                .map((issue) => `${issue.path.length === 0 ? "" : `${issue.path.join(".")}: `}${issue.message}`)
                .join("; ")
            }, { status: 400 }))
        }
      ))
)

/** `GET /`: the page. */
const page = HttpApiBuilder.Router.use((router) =>
  router.get(
    "/",
    Effect.succeed(HttpServerResponse.html(Page.served).pipe(HttpServerResponse.setHeader("cache-control", "no-store")))
  )
)

/**
 * The dashboard's HTTP app on the store in context.
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeApp = (options: Pick<Options, "apiKeys"> = {}) =>
  Effect.zipRight(
    // One read of the store before the first request, so that the first page does not wait for the engine's and the
    // runtime's cold start; by an Analytics of its own, so that the page's first answers are still computed for it.
    Effect.flatMap(Analytics.make, (analytics) => Effect.ignore(analytics.cost({ by: "model" }))),
    HttpApiBuilder.httpApp
  ).pipe(
    Effect.provide(
      Layer.mergeAll(
        HttpApiBuilder.middlewareOpenApi({ path: "/openapi.json" }),
        page,
        oneLineDecodeErrors,
        HttpApiBuilder.Router.Live,
        HttpApiBuilder.Middleware.layer
      ).pipe(
        Layer.provideMerge(
          HttpApiBuilder.api(AnalyticsApi.AnalyticsApi).pipe(
            Layer.provide(Layer.provideMerge(handlers, authorization(options.apiKeys ?? []))),
            Layer.provide(Analytics.layer)
          )
        )
      )
    )
  )

/**
 * Serves the dashboard of the store in context under Node for as long as the layer lives.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (
  options: Options = {}
): Layer.Layer<DashboardServer, HttpServerError.ServeError, CompletionStore.CompletionStore> =>
  Layer.merge(
    Layer.unwrapEffect(Effect.map(makeApp(options), (app) => HttpServer.serve(app))),
    Layer.effect(
      DashboardServer,
      HttpServer.addressWith((address) =>
        Effect.succeed(
          address._tag === "UnixAddress"
            ? { host: address.path, port: 0, url: `http+unix://${address.path}` }
            : {
              host: address.hostname,
              port: address.port,
              url: `http://${
                address.hostname.includes(":") ? `[${address.hostname}]` : address.hostname
              }:${address.port}`
            }
        )
      )
    )
  ).pipe(
    Layer.provide(NodeHttpServer.layer(createServer, { port: options.port ?? 0, host: options.host ?? "127.0.0.1" }))
  )
