import { describe, expect, it } from "@effect/vitest"
import { type ChatCompletion, ChatCompletionChunk, type ChatCompletionCreateParams } from "@objectiveai-effect/domain"
import * as Server from "@objectiveai-effect/testing/ScriptedServer"
import * as Chunk from "effect/Chunk"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as FastCheck from "effect/FastCheck"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import * as Queue from "effect/Queue"
import * as Stream from "effect/Stream"
import * as TestClock from "effect/TestClock"
import { ObjectiveAiClient, RetryPolicy, StreamError } from "../src/index.js"
import * as Harness from "./support/harness.js"
import * as Sse from "./support/sse.js"
import {
  content,
  expectOpenRouterCompletion,
  finished,
  openRouterMidstreamError,
  openRouterTranscript,
  sse,
  synthetic,
  syntheticChunks,
  usage
} from "./support/transcripts.js"

const encoder = new TextEncoder()

const params: ChatCompletionCreateParams.ChatCompletionCreateParams = {
  model: "openai/gpt-4o-mini",
  messages: [{ role: "user", content: "Hello" }]
}

/** An answer of whole events; `ending` as the server should end it. */
const events = (text: string, ending?: Sse.Ending) =>
  Server.sequence(Sse.reply([text], ending === undefined ? {} : { ending }))

/** Runs a stream through the harness: the chunks delivered, how it ended, and what the delivered chunks merge into. */
const consume = <E>(h: Harness.Harness, chunks: Stream.Stream<ChatCompletionChunk.ChatCompletionChunk, E>) =>
  Effect.gen(function*() {
    const delivered: Array<ChatCompletionChunk.ChatCompletionChunk> = []
    const exit = yield* h.run(Stream.runForEach(chunks, (item) => Effect.sync(() => delivered.push(item))))
    return { delivered, exit, merged: ChatCompletionChunk.merge(delivered) }
  })

const contentOf = (completion: Option.Option<ChatCompletion.ChatCompletion>) =>
  Option.map(completion, ({ choices }) => choices[0].message.content)

const realSleep = (millis: number) => Effect.promise(() => new Promise((resolve) => setTimeout(resolve, millis)))

/** Fails the test unless `effect` completes within `millis` of real time (the TestClock does not move here). */
const within = <A, E>(millis: number, what: string, effect: Effect.Effect<A, E>) =>
  Effect.raceFirst(effect, Effect.zipRight(realSleep(millis), Effect.dieMessage(`${what} within ${millis} ms`)))

/** Waits, in real time, until the client has a timer due at `at` on the TestClock: it is waiting for the next bytes. */
const awaitTimerAt = (at: number) =>
  within(
    5_000,
    `a timer due at ${at}`,
    Effect.gen(function*() {
      while (!Chunk.some(yield* TestClock.sleeps(), (due) => due === at)) yield* realSleep(1)
    })
  )

describe("stream: the request", () => {
  it.scoped.each([
    { name: "by default", given: params, streamOptions: { include_usage: true } },
    {
      name: "over the caller's stream: false, keeping the caller's include_usage: false",
      given: { ...params, stream: false, stream_options: { include_usage: false } },
      streamOptions: { include_usage: false }
    }
  ])("POSTs stream: true and asks for an event stream, $name", ({ given, streamOptions }) =>
    Effect.gen(function*() {
      const h = yield* Harness.make(events(sse(content("Hi"), finished(), "[DONE]")))
      Harness.successOf((yield* consume(h, h.client.stream(given))).exit)
      expect(h.server.requests).toHaveLength(1)
      const [request] = h.server.requests
      expect(request.method).toBe("POST")
      expect(request.url).toBe("/chat/completions")
      expect(request.headers.accept).toBe("text/event-stream")
      expect(request.headers.authorization).toBe(`Bearer ${Harness.apiKey}`)
      expect(JSON.parse(request.body)).toStrictEqual({
        ...params,
        stream: true,
        stream_options: streamOptions
      })
    }))

  it.scoped("refuses invalid params, naming every broken rule, without sending anything", () =>
    Effect.gen(function*() {
      const h = yield* Harness.make(events(sse("[DONE]")))
      const invalid = { ...params, temperature: 5, stream_options: { include_usgae: true } } as unknown as typeof params
      const error = Harness.failureOf((yield* consume(h, h.client.stream(invalid))).exit)
      expect(error).toMatchObject({ _tag: "InvalidRequestError", method: "POST", attempts: 0 })
      expect(error).toHaveProperty("issue", expect.stringContaining("temperature"))
      expect(error).toHaveProperty("issue", expect.stringContaining("include_usgae"))
      expect(h.server.requests).toHaveLength(0)
    }))

  it.scoped("is one span for the whole stream with its GenAI attributes, around the span of opening it", () =>
    Effect.gen(function*() {
      const h = yield* Harness.make(events(sse(content("Hi"), finished(), "[DONE]")))
      Harness.successOf((yield* consume(h, h.client.stream(params))).exit)
      const attributes = (name: string) =>
        Object.fromEntries(h.spans.find((span) => span.name === name)?.attributes ?? [])
      expect(attributes("ObjectiveAiClient.stream")).toStrictEqual({
        "http.request.method": "POST",
        "url.path": "/chat/completions",
        "http.response.status_code": 200,
        "objectiveai.attempts": 1,
        "gen_ai.operation.name": "chat",
        "gen_ai.system": "objectiveai",
        "gen_ai.request.model": "openai/gpt-4o-mini",
        "gen_ai.response.id": "gen-1",
        "gen_ai.response.model": "openai/gpt-4o",
        "gen_ai.response.finish_reasons": ["stop"]
      })
      expect(attributes("ObjectiveAiClient.stream.open")).toStrictEqual({
        "http.request.method": "POST",
        "url.path": "/chat/completions",
        "http.response.status_code": 200,
        "objectiveai.attempts": 1
      })
    }))
})

describe("stream: chunks", () => {
  it.scoped("delivers the OpenRouter transcript up to [DONE], usage-only chunk included, and collects its completion", () =>
    Effect.gen(function*() {
      const h = yield* Harness.make(Server.sequence(Sse.reply([openRouterTranscript])))
      const { delivered, exit, merged } = yield* consume(h, h.client.stream(params))
      Harness.successOf(exit)
      expect(delivered).toHaveLength(4)
      expect(delivered[3]).toMatchObject({ choices: [], usage: { prompt_tokens: 10, total_tokens: 30 } })

      const collected = Harness.successOf(yield* h.run(Stream.run(h.client.stream(params), ObjectiveAiClient.collect)))
      expect(Option.some(collected)).toStrictEqual(merged)
      expectOpenRouterCompletion(collected)
    }))

  it.scoped("decodes keep-alives, CRLF, fields, multi-line data and UTF-8 split inside characters, over real TCP", () =>
    Effect.gen(function*() {
      const whole = encoder.encode(synthetic.replaceAll("\n", "\r\n"))
      // Every piece but the first is three bytes, so most characters of 你好, 🙂 and 世界 are cut.
      const cuts = Array.from({ length: Math.floor(whole.length / 3) }, (_, i) => 1 + i * 3)
      const h = yield* Harness.make(Server.sequence(Sse.reply(Sse.split(whole, cuts))))
      const { delivered, exit, merged } = yield* consume(h, h.client.stream(params))
      Harness.successOf(exit)
      expect(delivered).toHaveLength(syntheticChunks.length)
      expect(Option.getOrThrow(merged).choices[0].message).toMatchObject({
        content: "你好🙂, 世界",
        reasoning: "思考…",
        tool_calls: [{ id: "call_1", function: { name: "search", arguments: "{\"q\":\"東京\"}" } }]
      })
      expect(Option.getOrThrow(merged).usage).toStrictEqual(usage)
    }))

  it.scoped("ends at [DONE] though the server keeps the connection open, and closes it", () =>
    Effect.gen(function*() {
      const close = Sse.closed()
      const h = yield* Harness.make(
        Server.sequence(
          Sse.reply([sse(content("Hi"), finished(), "[DONE]")], { ending: "hang", onClose: close.onClose })
        )
      )
      const { delivered, exit } = yield* consume(h, h.client.stream(params))
      Harness.successOf(exit)
      expect(delivered).toHaveLength(2)
      yield* within(5_000, "the server to see the connection close", close.closed)
    }))

  const transcripts = {
    "the OpenRouter fixture": openRouterTranscript,
    "a synthetic transcript with LF": encoder.encode(synthetic),
    "a synthetic transcript with CRLF": encoder.encode(synthetic.replaceAll("\n", "\r\n"))
  }
  for (const [name, whole] of Object.entries(transcripts)) {
    it.scoped.prop(
      `collects ${name} split at any bytes over HTTP into the completion of it unsplit`,
      [FastCheck.array(FastCheck.integer({ min: 0, max: whole.length }), { maxLength: 30 })],
      ([cuts]) =>
        Effect.gen(function*() {
          const h = yield* Harness.make(Server.sequence(Sse.reply([whole]), Sse.reply(Sse.split(whole, cuts))))
          const unsplit = yield* consume(h, h.client.stream(params))
          const split = yield* consume(h, h.client.stream(params))
          expect(h.server.requests).toHaveLength(2)
          Harness.successOf(split.exit)
          expect(split.delivered).toStrictEqual(unsplit.delivered)
          expect(split.merged).toStrictEqual(unsplit.merged)
          expect(Option.isSome(split.merged)).toBe(true)
        }),
      { fastCheck: { numRuns: 40 } }
    )
  }

  it.effect("collect fails with NoSuchElementException for a stream without chunks", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(Stream.run(Stream.empty, ObjectiveAiClient.collect))
      expect(error._tag).toBe("NoSuchElementException")
    }))
})

describe("stream: failures once the response started", () => {
  it.scoped("ObjectiveAI's error event ends it with its status, its body and the partial completion, usage included", () =>
    Effect.gen(function*() {
      const body = { code: 502, message: { kind: "upstream", error: { message: "Bad gateway" } } }
      const h = yield* Harness.make(
        events(sse(content("Hello"), { ...content(", wor"), usage }, body, content("never"), "[DONE]")),
        { retryPolicy: { retryCreate: true } }
      )
      const { delivered, exit, merged } = yield* consume(h, h.client.stream(params))
      const error = Harness.failureOf(exit)
      expect(error).toBeInstanceOf(StreamError.StreamMidstreamError)
      expect(error).toMatchObject({ status: 502, body, partial: merged })
      expect(delivered).toHaveLength(2)
      expect(contentOf(merged)).toStrictEqual(Option.some("Hello, wor"))
      expect(Option.getOrThrow(merged).usage).toStrictEqual(usage)
      expect(h.server.requests).toHaveLength(1)
    }))

  it.scoped("OpenRouter's error chunk ends it with its status, its body and the partial completion it finished", () =>
    Effect.gen(function*() {
      const start = (text: string) => ({ ...content(text), id: "gen-abc123", created: 1234567890 })
      const h = yield* Harness.make(
        events(sse(start("Par"), start("tial"), openRouterMidstreamError, start("never"))),
        {
          retryPolicy: { retryCreate: true }
        }
      )
      const { delivered, exit } = yield* consume(h, h.client.stream(params))
      const error = Harness.failureOf(exit)
      expect(delivered).toHaveLength(2)
      expect(error).toBeInstanceOf(StreamError.StreamMidstreamError)
      expect(error).toMatchObject({
        status: 429,
        body: { error: { code: 429, message: "Rate limit exceeded", metadata: { error_type: "rate_limit_exceeded" } } }
      })
      const partial = Option.getOrThrow((error as StreamError.StreamMidstreamError).partial)
      expect(partial.choices[0]).toMatchObject({ message: { content: "Partial" }, finish_reason: "error" })
      expect(partial.provider).toBe("OpenAI")
      expect(h.server.requests).toHaveLength(1)
    }))

  it.scoped.each([
    { name: "at an event boundary", text: sse(content("Hel"), content("lo")), endedMidEvent: false },
    { name: "inside an event", text: sse(content("Hel"), content("lo")).slice(0, -20), endedMidEvent: true }
  ])(
    "a body that ends without [DONE] or a finish reason, $name, is truncated",
    ({ endedMidEvent, text }) =>
      Effect.gen(function*() {
        const h = yield* Harness.make(events(text))
        const { exit, merged } = yield* consume(h, h.client.stream(params))
        expect(Harness.failureOf(exit)).toStrictEqual(
          new StreamError.StreamTruncatedError({ endedMidEvent, partial: merged })
        )
        expect(contentOf(merged)).toStrictEqual(Option.some(endedMidEvent ? "Hel" : "Hello"))
      })
  )

  it.scoped("a body that ends after a finish reason without [DONE] is complete", () =>
    Effect.gen(function*() {
      const h = yield* Harness.make(events(sse(content("Hi"), finished())))
      const { delivered, exit, merged } = yield* consume(h, h.client.stream(params))
      Harness.successOf(exit)
      expect(delivered).toHaveLength(2)
      expect(contentOf(merged)).toStrictEqual(Option.some("Hi"))
      expect(Option.map(merged, ({ choices }) => choices[0].finish_reason)).toStrictEqual(Option.some("stop"))
    }))

  it.scoped.each(
    [
      { name: "reset at an event boundary", ending: "reset", text: sse(content("Hel"), finished()), midEvent: false },
      { name: "closed at an event boundary", ending: "close", text: sse(content("Hel"), finished()), midEvent: false },
      { name: "reset inside an event", ending: "reset", text: sse(content("Hel")) + "data: {\"id\":", midEvent: true }
    ] as const
  )(
    "a connection $name is truncation, finished or not, and is not retried",
    ({ ending, midEvent, text }) =>
      Effect.gen(function*() {
        const h = yield* Harness.make(events(text, ending), { retryPolicy: { retryCreate: true } })
        const { delivered, exit, merged } = yield* consume(h, h.client.stream(params))
        expect(delivered.length).toBeGreaterThan(0)
        expect(Harness.failureOf(exit)).toStrictEqual(
          new StreamError.StreamTruncatedError({ endedMidEvent: midEvent, partial: merged })
        )
        expect(contentOf(merged)).toStrictEqual(Option.some("Hel"))
        expect(h.server.requests).toHaveLength(1)
        expect(h.delays).toStrictEqual([])
      })
  )

  it.scoped("an event beyond maxEventSize fails with the partial completion rather than buffering it", () =>
    Effect.gen(function*() {
      const h = yield* Harness.make(events(sse(content("Hel"), content("x".repeat(4096)), "[DONE]")))
      const { exit, merged } = yield* consume(h, h.client.stream(params, { maxEventSize: 1024 }))
      expect(Harness.failureOf(exit)).toStrictEqual(
        new StreamError.StreamEventTooLargeError({ maxEventSize: 1024, partial: merged })
      )
      expect(contentOf(merged)).toStrictEqual(Option.some("Hel"))
    }))

  it.scoped("keeps no partial completion when told not to", () =>
    Effect.gen(function*() {
      const h = yield* Harness.make(events(sse(content("Hel"))))
      const { delivered, exit } = yield* consume(h, h.client.stream(params, { keepPartial: false }))
      expect(delivered).toHaveLength(1)
      expect(Harness.failureOf(exit)).toStrictEqual(new StreamError.StreamTruncatedError({ endedMidEvent: false }))
    }))
})

describe("stream: failures before the first event", () => {
  const ok = Sse.reply([sse(content("Hi"), finished(), "[DONE]")])

  it.scoped.each([
    { status: 400, tag: "BadRequestError" },
    { status: 401, tag: "UnauthorizedError" },
    { status: 402, tag: "InsufficientCreditsError" },
    { status: 429, tag: "RateLimitedError" },
    { status: 503, tag: "ServerError" }
  ])(
    "HTTP $status with a JSON body is $tag, with the body, and a POST is not retried",
    ({ status, tag }) =>
      Effect.gen(function*() {
        const body = { error: { code: status, message: "no", metadata: { provider_name: "OpenAI" } } }
        const h = yield* Harness.make(Server.sequence(Server.json(status, body, { "x-request-id": "req-1" }), ok))
        const error = Harness.failureOf((yield* consume(h, h.client.stream(params))).exit)
        expect(error).toMatchObject({
          _tag: tag,
          status,
          body,
          requestId: "req-1",
          attempts: 1,
          path: "/chat/completions"
        })
        expect(h.server.requests).toHaveLength(1)
      })
  )

  it.scoped("an error body answered with 200 and JSON is the error of the status it names", () =>
    Effect.gen(function*() {
      const body = { code: 503, message: "overloaded" }
      const h = yield* Harness.make(Server.sequence(Server.json(200, body), ok))
      const error = Harness.failureOf((yield* consume(h, h.client.stream(params))).exit)
      expect(error).toMatchObject({ _tag: "ServerError", status: 503, body, attempts: 1 })
      expect(h.server.requests).toHaveLength(1)
    }))

  it.scoped("a JSON answer that is no error body is an invalid response, with the body", () =>
    Effect.gen(function*() {
      const text = JSON.stringify({ id: "gen-1", object: "chat.completion", choices: [] })
      const h = yield* Harness.make(Server.sequence(Server.json(200, text)))
      const error = Harness.failureOf((yield* consume(h, h.client.stream(params))).exit)
      expect(error).toMatchObject({ _tag: "InvalidResponseError", status: 200, bodyText: text })
      expect(error).toHaveProperty("issue", expect.stringContaining("event stream"))
    }))

  it.scoped("with retryCreate, a 503 and a 200 error body are retried like a read, then the stream opens", () =>
    Effect.gen(function*() {
      const h = yield* Harness.make(
        Server.sequence(Server.json(503, "{}"), Server.json(200, { code: 502, message: "bad gateway" }), ok),
        { retryPolicy: { retryCreate: true } }
      )
      const { delivered, exit } = yield* consume(h, h.client.stream(params))
      Harness.successOf(exit)
      expect(delivered).toHaveLength(2)
      expect(h.server.requests).toHaveLength(3)
      expect(h.delays).toHaveLength(2)
      expect(h.logs.map((log) => log.annotations.reason)).toStrictEqual(["HTTP 503", "HTTP 502"])
    }))

  it.scoped("a refused connection is retried, since the server never saw it, and the request arrives once", () =>
    Effect.gen(function*() {
      const port = yield* Server.freePort
      const h = yield* Harness.make(Server.sequence(ok), { port })
      const later = Server.startLater(Server.sequence(ok), port)
      const delivered: Array<ChatCompletionChunk.ChatCompletionChunk> = []
      const exit = yield* h.run(
        Stream.runForEach(h.client.stream(params), (item) => Effect.sync(() => delivered.push(item))),
        later.start
      )
      Harness.successOf(exit)
      expect(delivered).toHaveLength(2)
      expect(later.started).toHaveLength(1)
      expect(later.started[0].requests).toHaveLength(1)
      expect(h.logs.map((log) => log.annotations.reason)).toStrictEqual(["ECONNREFUSED"])
    }))
})

describe("stream: idle timeout", () => {
  // Timers are told apart by when they are due: every read of the body starts one, due 30 s after it started.
  it.scoped("counts keep-alive comments as activity and fails after a silence, with the partial completion", () =>
    Effect.gen(function*() {
      const firstEvent = Sse.signal()
      const keepAlive = Sse.signal()
      const close = Sse.closed()
      const h = yield* Harness.make(
        Server.sequence(
          Sse.reply(
            [
              { until: firstEvent.until },
              sse(content("Hel")),
              { until: keepAlive.until },
              ": OPENROUTER PROCESSING\n\n"
            ],
            { ending: "hang", onClose: close.onClose }
          )
        )
      )
      const received = yield* Queue.unbounded<ChatCompletionChunk.ChatCompletionChunk>()
      const fiber = yield* h.client.stream(params, { idleTimeout: "30 seconds" }).pipe(
        Stream.runForEach((item) => Queue.offer(received, item)),
        Effect.fork
      )
      // The headers came at 0 s; the event comes at 10 s.
      yield* awaitTimerAt(30_000)
      yield* TestClock.adjust("10 seconds")
      yield* firstEvent.send
      const first = yield* within(5_000, "the first chunk", Queue.take(received))
      yield* awaitTimerAt(40_000)

      // The keep-alive comes at 39 s, one second before the timeout: the stream waits on, to 69 s.
      yield* TestClock.adjust("29 seconds")
      yield* keepAlive.send
      yield* awaitTimerAt(69_000)
      yield* TestClock.adjust("29 seconds")
      expect(yield* Fiber.poll(fiber)).toStrictEqual(Option.none())

      yield* TestClock.adjust("1 second")
      const error = Harness.failureOf(yield* Fiber.await(fiber))
      expect(error).toStrictEqual(
        new StreamError.StreamIdleTimeoutError({
          idleTimeout: Duration.seconds(30),
          partial: ChatCompletionChunk.merge([first])
        })
      )
      yield* within(5_000, "the server to see the connection close", close.closed)
    }))

  it.scoped("does not count the time the consumer takes between pulls", () =>
    Effect.gen(function*() {
      const rest = Sse.signal()
      const h = yield* Harness.make(
        Server.sequence(Sse.reply([sse(content("Hel")), { until: rest.until }, sse(finished(), "[DONE]")]))
      )
      const received = yield* Queue.unbounded<ChatCompletionChunk.ChatCompletionChunk>()
      // The consumer spends 5 minutes on the first chunk; the server is silent for the first minute of them.
      const fiber = yield* h.client.stream(params, { idleTimeout: "30 seconds" }).pipe(
        Stream.runForEach((item) =>
          Effect.zipRight(
            Queue.offer(received, item),
            Effect.when(Effect.sleep("5 minutes"), () => item.choices[0]?.delta.content === "Hel")
          )
        ),
        Effect.fork
      )
      yield* within(5_000, "the first chunk", Queue.take(received))
      yield* awaitTimerAt(300_000)
      yield* TestClock.adjust("1 minute")
      yield* rest.send
      yield* TestClock.adjust("4 minutes")
      Harness.successOf(yield* within(5_000, "the end of the stream", Fiber.await(fiber)))
      expect(yield* Queue.size(received)).toBe(1)
    }))

  it.scoped("defaults to the client's timeouts.streamIdle, itself RetryPolicy.streamIdleTimeout by default", () =>
    Effect.gen(function*() {
      // Headers, then nothing: the one read of the body starts at 0 s.
      const silent = Server.sequence(Sse.reply([], { ending: "hang" }))
      const timesOutAfter = (h: Harness.Harness, idle: Duration.Duration) =>
        Effect.gen(function*() {
          const start = yield* Clock.currentTimeMillis
          const fiber = yield* Effect.fork(Stream.runDrain(h.client.stream(params)))
          yield* awaitTimerAt(start + Duration.toMillis(idle))
          yield* TestClock.adjust(Duration.subtract(idle, Duration.millis(1)))
          expect(yield* Fiber.poll(fiber)).toStrictEqual(Option.none())
          yield* TestClock.adjust(Duration.millis(1))
          expect(Harness.failureOf(yield* Fiber.await(fiber))).toStrictEqual(
            new StreamError.StreamIdleTimeoutError({ idleTimeout: idle })
          )
        })
      yield* timesOutAfter(yield* Harness.make(silent), RetryPolicy.streamIdleTimeout)
      yield* timesOutAfter(
        yield* Harness.make(silent, { timeouts: { streamIdle: "5 seconds" } }),
        Duration.seconds(5)
      )
    }))
})

describe("stream: interruption", () => {
  it.scoped("interrupting the consumer closes the connection", () =>
    Effect.gen(function*() {
      const close = Sse.closed()
      const never = Sse.signal()
      const h = yield* Harness.make(
        Server.sequence(Sse.reply([sse(content("Hel")), { until: never.until }], { onClose: close.onClose }))
      )
      const received = yield* Queue.unbounded<ChatCompletionChunk.ChatCompletionChunk>()
      const fiber = yield* h.client.stream(params).pipe(
        Stream.runForEach((item) => Queue.offer(received, item)),
        Effect.fork
      )
      yield* within(5_000, "the first chunk", Queue.take(received))
      expect(yield* Fiber.interrupt(fiber)).toSatisfy(Exit.isInterrupted)
      yield* within(5_000, "the server to see the connection close", close.closed)
    }))
})

describe("stream: overall deadline", () => {
  // One keep-alive byte after another, for as long as the connection lasts: no idle timeout ever trips.
  const trickle = (close: Sse.Closed) =>
    Server.sequence(
      Sse.reply(
        [sse(content("Hel")), ...Array.from({ length: 2_000 }, () => [{ pause: 5 }, ":"]).flat()],
        { ending: "hang", onClose: close.onClose }
      )
    )

  const endsAtDeadline = (h: Harness.Harness, close: Sse.Closed, options: ObjectiveAiClient.StreamOptions) =>
    Effect.gen(function*() {
      const received = yield* Queue.unbounded<ChatCompletionChunk.ChatCompletionChunk>()
      const fiber = yield* h.client.stream(params, { idleTimeout: "1 hour", ...options }).pipe(
        Stream.runForEach((item) => Queue.offer(received, item)),
        Effect.fork
      )
      const first = yield* within(5_000, "the first chunk", Queue.take(received))
      yield* awaitTimerAt(120_000)
      yield* TestClock.adjust("119 seconds")
      expect(yield* Fiber.poll(fiber)).toStrictEqual(Option.none())
      yield* TestClock.adjust("1 second")
      expect(Harness.failureOf(yield* Fiber.await(fiber))).toStrictEqual(
        new StreamError.StreamDeadlineError({
          timeout: Duration.minutes(2),
          partial: ChatCompletionChunk.merge([first])
        })
      )
      yield* within(5_000, "the server to see the connection close", close.closed)
    })

  it.scoped("a stream still trickling at its deadline fails with StreamDeadlineError and its partial completion", () =>
    Effect.gen(function*() {
      const close = Sse.closed()
      yield* endsAtDeadline(yield* Harness.make(trickle(close)), close, { timeout: "2 minutes" })
    }))

  it.scoped("the client's timeouts.stream is every stream's deadline", () =>
    Effect.gen(function*() {
      const close = Sse.closed()
      yield* endsAtDeadline(yield* Harness.make(trickle(close), { timeouts: { stream: "2 minutes" } }), close, {})
    }))
})
