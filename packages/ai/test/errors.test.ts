import * as AiError from "@effect/ai/AiError"
import * as LanguageModel from "@effect/ai/LanguageModel"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { describe, expect, it, layer } from "@effect/vitest"
import { ObjectiveAiClient, ObjectiveAiError, StreamError } from "@objectiveai-effect/client"
import * as Chunk from "effect/Chunk"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import * as Http from "node:http"
import type { AddressInfo } from "node:net"
import { ObjectiveAiLanguageModel } from "../src/index.js"
import * as Errors from "../src/internal/errors.js"
import * as Support from "./support.js"

const prompt = "Summarise the CAP theorem"

const upstreamBody = {
  error: {
    message: "Insufficient credits: add more at openrouter.ai/credits",
    http_status: 402,
    error_type: "payment_required",
    metadata: { provider_name: "OpenAI" }
  }
}

/** A server on 127.0.0.1 that answers every request with 402, a request id and OpenRouter's newer error body. */
const paymentRequiredServer = Effect.acquireRelease(
  Effect.async<Http.Server>((resume) => {
    const server = Http.createServer((_, response) => {
      response.writeHead(402, { "content-type": "application/json", "x-request-id": "req_7Hq2x" })
      response.end(JSON.stringify(upstreamBody))
    })
    server.listen(0, "127.0.0.1", () => resume(Effect.succeed(server)))
  }),
  (server) =>
    Effect.async<void>((resume) => {
      server.close(() => resume(Effect.void))
      server.closeAllConnections()
    })
)

const paymentRequiredLayer = ObjectiveAiLanguageModel.layer({ model: Support.model }).pipe(
  Layer.provide(Layer.unwrapScoped(Effect.map(paymentRequiredServer, (server) =>
    ObjectiveAiClient.layer({
      apiKey: Redacted.make(Support.apiKey),
      baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    })))),
  Layer.provide(NodeHttpClient.layerUndici)
)

describe("errors mapped into AiError", () => {
  layer(paymentRequiredLayer)((it) => {
    it.effect("a status error keeps its status, request id and upstream body", () =>
      Effect.gen(function*() {
        const error = yield* Effect.flip(LanguageModel.generateText({ prompt }))
        expect(error).toBeInstanceOf(AiError.HttpResponseError)
        if (error._tag !== "HttpResponseError") return
        expect(error.reason).toBe("StatusCode")
        expect(error.response.status).toBe(402)
        expect(error.response.headers["x-request-id"]).toBe("req_7Hq2x")
        expect(JSON.parse(error.body ?? "")).toEqual(upstreamBody)
        expect(error.request).toMatchObject({ method: "POST", url: "/chat/completions", headers: {} })
        expect(error.message).toContain("402")
        const original = Option.getOrThrow(ObjectiveAiLanguageModel.clientError(error))
        expect(original._tag).toBe("InsufficientCreditsError")
        // The API key is in no part of the error.
        expect(JSON.stringify(error)).not.toContain(Support.apiKey)
      }))
  })

  layer(Support.layer({ faults: { rate: 1, kinds: ["rate_limit"], retryAfterSeconds: 7 } }))((it) => {
    it.effect("a rate limit keeps the retry hint as retry-after", () =>
      Effect.gen(function*() {
        const error = yield* Effect.flip(LanguageModel.generateText({ prompt }))
        if (error._tag !== "HttpResponseError") return expect.fail(`expected HttpResponseError, got ${error._tag}`)
        expect(error.response.status).toBe(429)
        expect(error.response.headers["retry-after"]).toBe("7")
        expect(JSON.parse(error.body ?? "")).toMatchObject({ code: 429 })
        expect(Option.map(ObjectiveAiLanguageModel.clientError(error), (e) => e._tag)).toEqual(
          Option.some("RateLimitedError")
        )
      }))
  })

  layer(Support.layer({ faults: { rate: 1, kinds: ["midstream_openrouter"] } }))((it) => {
    it.effect("a mid-stream error ends streamText with its status and body, after the parts already streamed", () =>
      Effect.gen(function*() {
        const parts: Array<string> = []
        const error = yield* Effect.flip(
          LanguageModel.streamText({ prompt }).pipe(
            Stream.runForEach((part) => Effect.sync(() => parts.push(part.type)))
          )
        )
        expect(parts[0]).toBe("response-metadata")
        if (error._tag !== "HttpResponseError") return expect.fail(`expected HttpResponseError, got ${error._tag}`)
        expect(error.response.status).toBe(502)
        expect(JSON.parse(error.body ?? "")).toMatchObject({ error: { code: 502 } })
        const original = Option.getOrThrow(ObjectiveAiLanguageModel.clientError(error))
        expect(original._tag).toBe("StreamMidstreamError")
        if (original._tag === "StreamMidstreamError") expect(Option.isSome(original.partial)).toBe(true)
      }))

    it.effect("generateText is not affected: the fault only breaks streams", () =>
      Effect.gen(function*() {
        const response = yield* LanguageModel.generateText({ prompt })
        expect(response.text.length).toBeGreaterThan(0)
      }))
  })

  layer(
    Support.layer({ faults: { rate: 1, kinds: ["stall"], stall: "1 minute" }, stream: { idleTimeout: "200 millis" } })
  )(
    (it) => {
      // On the real clock: the server's stall and the client's idle timeout are real time over a real socket.
      it.effect("a stream that goes silent fails with the client's idle timeout, as a transport error", () =>
        Effect.gen(function*() {
          const error = yield* Effect.flip(
            Stream.runCollect(LanguageModel.streamText({ prompt })).pipe(Effect.map(Chunk.size))
          )
          if (error._tag !== "HttpRequestError") return expect.fail(`expected HttpRequestError, got ${error._tag}`)
          expect(error.reason).toBe("Transport")
          expect(Option.map(ObjectiveAiLanguageModel.clientError(error), (e) => e._tag)).toEqual(
            Option.some("StreamIdleTimeoutError")
          )
        }).pipe(Effect.withClock(Clock.make())))
    }
  )
})

describe("every client error has its AiError", () => {
  const call = { method: "POST", path: "/chat/completions", attempts: 2 }
  const body = { code: 503, message: "upstream unavailable" }
  const responded = { ...call, status: 503, requestId: "req_1", body }
  const partial = { partial: Option.none() }
  const cases: ReadonlyArray<readonly [Errors.ClientError, string, number | undefined]> = [
    [new ObjectiveAiError.InvalidRequestError({ ...call, issue: "temperature" }), "MalformedInput", undefined],
    [new ObjectiveAiError.BadRequestError({ ...responded, status: 400 }), "HttpResponseError", 400],
    [new ObjectiveAiError.UnauthorizedError({ ...responded, status: 401 }), "HttpResponseError", 401],
    [new ObjectiveAiError.InsufficientCreditsError({ ...responded, status: 402 }), "HttpResponseError", 402],
    [new ObjectiveAiError.ForbiddenError({ ...responded, status: 403 }), "HttpResponseError", 403],
    [new ObjectiveAiError.NotFoundError({ ...responded, status: 404 }), "HttpResponseError", 404],
    [new ObjectiveAiError.RateLimitedError({ ...responded, status: 429 }), "HttpResponseError", 429],
    [new ObjectiveAiError.ServerError(responded), "HttpResponseError", 503],
    [new ObjectiveAiError.TimeoutError({ ...responded, status: 408, timeout: "server" }), "HttpResponseError", 408],
    [new ObjectiveAiError.TimeoutError({ ...call, timeout: "attempt" }), "HttpRequestError", undefined],
    [
      new ObjectiveAiError.TransportError({ ...call, description: "ECONNRESET", neverSent: false }),
      "HttpRequestError",
      undefined
    ],
    [
      new ObjectiveAiError.InvalidResponseError({ ...responded, status: 200, bodyText: "{", issue: "JSON" }),
      "HttpResponseError",
      200
    ],
    [
      new ObjectiveAiError.ResponseTooLargeError({ ...call, status: 200, requestId: "req_1", maxBodySize: 1024 }),
      "HttpResponseError",
      200
    ],
    [new StreamError.StreamMidstreamError({ status: 502, body, ...partial }), "HttpResponseError", 502],
    [new StreamError.StreamTruncatedError({ endedMidEvent: true, ...partial }), "HttpRequestError", undefined],
    [
      new StreamError.StreamIdleTimeoutError({ idleTimeout: Duration.seconds(1), ...partial }),
      "HttpRequestError",
      undefined
    ],
    [
      new StreamError.StreamDeadlineError({ timeout: Duration.minutes(1), ...partial }),
      "HttpRequestError",
      undefined
    ],
    [
      new StreamError.StreamInvalidChunkError({ data: "x", issue: "not JSON", ...partial }),
      "MalformedOutput",
      undefined
    ],
    [new StreamError.StreamEventTooLargeError({ maxEventSize: 1, ...partial }), "MalformedOutput", undefined]
  ]

  it.each(Object.entries(ObjectiveAiError.statusOfTag))(
    "an error made without a status is reported with the client's status for %s (%i)",
    (tag, status) => {
      const made = Schema.decodeUnknownSync(ObjectiveAiError.ObjectiveAiError)({
        _tag: tag,
        ...call,
        timeout: "server"
      })
      expect(made._tag).toBe(tag)
      const mapped = Errors.fromClientError("generateText")(made)
      if (mapped._tag !== "HttpResponseError") return expect.fail(`expected HttpResponseError, got ${mapped._tag}`)
      expect(mapped.response.status).toBe(status)
    }
  )

  it.each(cases)("%s", (error, tag, status) => {
    const mapped = Errors.fromClientError("generateText")(error)
    expect(AiError.isAiError(mapped)).toBe(true)
    expect(mapped._tag).toBe(tag)
    expect(Option.getOrThrow(ObjectiveAiLanguageModel.clientError(mapped))).toBe(error)
    if (mapped._tag === "HttpResponseError") {
      expect(mapped.response.status).toBe(status)
      if ("requestId" in error) expect(mapped.response.headers["x-request-id"]).toBe(error.requestId)
      expect(mapped.body).toBe(
        error._tag === "InvalidResponseError"
          ? "{"
          : error._tag === "ResponseTooLargeError"
          ? undefined
          : JSON.stringify(body)
      )
    } else if (mapped._tag !== "UnknownError") {
      expect(mapped.cause).toBe(error)
    }
  })
})
