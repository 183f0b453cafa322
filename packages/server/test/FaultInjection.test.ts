import { describe, expect, it } from "@effect/vitest"
import { ChatCompletionChunk, ErrorBody, Json } from "@objectiveai-effect/domain"
import * as Chunk from "effect/Chunk"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import * as TestClock from "effect/TestClock"
import { FaultInjection, ObjectiveAiServer, ServedCompletions } from "../src/index.js"
import { apiKey, body, chatRequest, chunksOf, errorMessage, request, send, transcript } from "./support.js"

const serve = (faults: FaultInjection.Options) => Effect.provide(ObjectiveAiServer.layer({ apiKeys: [apiKey], faults }))

const storedCount = Effect.flatMap(ServedCompletions.ServedCompletions, (store) => store.size)

/** Real time passing, for the server to get to its stall; the test clock does not move meanwhile. */
const realPause = Effect.promise(() => new Promise((resolve) => setTimeout(resolve, 10)))

/** Waits until the server sleeps on the test clock, that is, until it stalls. */
const untilStalled = Effect.gen(function*() {
  while (Chunk.isEmpty(yield* TestClock.sleeps())) yield* realPause
})

const decodeError = Schema.decodeUnknownSync(ErrorBody.ObjectiveAiErrorBody)

describe("FaultInjection", () => {
  it.effect("draws the same faults from the same seed, others from another, and none at rate 0", () =>
    Effect.gen(function*() {
      const draws = (options: FaultInjection.Options) =>
        Effect.flatMap(FaultInjection.make(options), (injector) =>
          Effect.forEach(
            Array.from({ length: 400 }, (_, i) => ({ streaming: i % 2 === 0 })),
            (request) => injector.next(request)
          ))
      const first = yield* draws({ rate: 0.3, seed: 5 })
      expect(yield* draws({ rate: 0.3, seed: 5 })).toEqual(first)
      expect(yield* draws({ rate: 0.3, seed: 6 })).not.toEqual(first)
      const faulted = first.filter(Option.isSome).length
      expect(faulted).toBeGreaterThan(80)
      expect(faulted).toBeLessThan(160)
      const tags = new Set(first.flatMap((fault) => Option.isSome(fault) ? [fault.value._tag] : []))
      expect(tags).toEqual(new Set(["RateLimit", "ServerError", "Reset", "Stall", "MidStream"]))
      expect((yield* draws({ rate: 0 })).every(Option.isNone)).toBe(true)
      // Mid-stream faults only break streams.
      const unary = first.filter((_, i) => i % 2 === 1)
      expect(unary.some((fault) => Option.isSome(fault) && fault.value._tag === "MidStream")).toBe(false)
    }))

  it.effect("rejects a rate outside [0, 1], an unknown kind and a fractional Retry-After", () =>
    Effect.gen(function*() {
      for (
        const [options, fragment] of [
          [{ rate: 1.5 }, "rate"],
          [{ rate: Number.NaN }, "rate"],
          [{ rate: 0.5, kinds: ["meteor"] as unknown as ReadonlyArray<FaultInjection.Kind> }, "meteor"],
          [{ rate: 0.5, retryAfterSeconds: 1.5 }, "retryAfterSeconds"]
        ] as const
      ) {
        const error = yield* Effect.flip(FaultInjection.make(options))
        expect(error._tag).toBe("InvalidFaultOptions")
        expect(error.message).toContain(fragment)
      }
      const failed = yield* Effect.flip(Effect.provide(Effect.void, ObjectiveAiServer.layer({ faults: { rate: 2 } })))
      expect(failed._tag).toBe("InvalidFaultOptions")
    }))

  it.effect("answers 429 with Retry-After and the upstream error inside ObjectiveAI's body, storing nothing", () =>
    Effect.gen(function*() {
      for (const target of ["/chat/completions/any", "/chat/completions?count=3"]) {
        const reply = yield* request(target)
        errorMessage(reply, 429)
        expect(reply.headers.get("retry-after")).toBe("7")
      }
      const reply = yield* request("/chat/completions", { body: chatRequest })
      const message = errorMessage(reply, 429)
      expect(message).toMatchObject({
        kind: "openrouter",
        error: { error: { code: 429, metadata: { availability: { retryable: true, retry_after: 7 } } } }
      })
      expect(yield* storedCount).toBe(0)
      // Authorization is checked before any fault is drawn.
      errorMessage(yield* request("/chat/completions?count=3", { key: null }), 401)
    }).pipe(serve({ rate: 1, kinds: ["rate_limit"], retryAfterSeconds: 7 })))

  it.effect("answers 500, 502 and 503 with ObjectiveAI's error body", () =>
    Effect.gen(function*() {
      const statuses = new Set<number>()
      for (let i = 0; i < 30; i++) {
        const reply = yield* request("/chat/completions", { body: chatRequest })
        const error = decodeError(body(reply))
        expect(error.code).toBe(reply.status)
        statuses.add(reply.status)
      }
      expect(statuses).toEqual(new Set([500, 502, 503]))
      expect(yield* storedCount).toBe(0)
    }).pipe(serve({ rate: 1, kinds: ["server_error"], seed: 3 })))

  it.effect("resets the connection without a response", () =>
    Effect.gen(function*() {
      for (const options of [{}, { body: chatRequest }, { body: { ...chatRequest, stream: true } }]) {
        const failure = yield* Effect.flip(send("/chat/completions", options))
        const cause = (failure.error as { cause?: { code?: string } }).cause
        expect(cause?.code).toMatch(/^(UND_ERR_SOCKET|ECONNRESET)$/)
      }
      expect(yield* storedCount).toBe(0)
    }).pipe(serve({ rate: 1, kinds: ["reset"] })))

  it.effect("stalls a unary answer for the stall duration, longer than a client's timeout", () =>
    Effect.gen(function*() {
      const pending = yield* Effect.fork(request("/chat/completions", { body: chatRequest }))
      yield* untilStalled
      yield* TestClock.adjust(Duration.minutes(10))
      yield* realPause
      expect(Option.isNone(yield* Fiber.poll(pending))).toBe(true)
      yield* TestClock.adjust(Duration.minutes(5))
      const reply = yield* Fiber.join(pending)
      expect(reply.status).toBe(200)

      const timedOut = yield* Effect.flip(
        send("/chat/completions", { body: chatRequest, signal: AbortSignal.timeout(50) })
      )
      expect((timedOut.error as Error).name).toBe("TimeoutError")
    }).pipe(serve({ rate: 1, kinds: ["stall"], stall: Duration.minutes(15) })))

  it.effect("stalls a stream after its first event, then finishes it", () =>
    Effect.gen(function*() {
      const { url } = yield* ObjectiveAiServer.ObjectiveAiServer
      const response = yield* Effect.promise(() =>
        fetch(`${url}/chat/completions`, {
          method: "POST",
          headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
          body: Json.stringify({ ...chatRequest, stream: true })
        })
      )
      expect(response.status).toBe(200)
      const reader = response.body!.getReader()
      const decoder = new TextDecoder()
      const first = yield* Effect.promise(() => reader.read())
      expect(decoder.decode(first.value)).toBe(": OPENROUTER PROCESSING\n\n")
      yield* untilStalled
      yield* TestClock.adjust(Duration.seconds(60))
      let rest = ""
      for (let read = yield* Effect.promise(() => reader.read()); !read.done;) {
        rest += decoder.decode(read.value, { stream: true })
        read = yield* Effect.promise(() => reader.read())
      }
      const events = transcript(`${decoder.decode(first.value)}${rest}`)
      expect(events.done).toBe(true)
      expect(chunksOf(events).length).toBeGreaterThan(2)
    }).pipe(serve({ rate: 1, kinds: ["stall"] })))

  it.effect("breaks a stream off with an ObjectiveAI error event and no [DONE], storing nothing", () =>
    Effect.gen(function*() {
      for (let i = 0; i < 5; i++) {
        const events = transcript(
          (yield* request("/chat/completions", { body: { ...chatRequest, stream: true } })).text
        )
        expect(events.done).toBe(false)
        const last = events.data[events.data.length - 1]
        const error = decodeError(Json.parse(last))
        expect(error).toMatchObject({ code: 502, message: { kind: "openrouter", error: { error: { code: 502 } } } })
        const chunks = chunksOf({ ...events, data: events.data.slice(0, -1) })
        expect(chunks.length).toBeGreaterThanOrEqual(1)
        expect(chunks.length).toBeLessThanOrEqual(5)
        errorMessage(yield* request(`/chat/completions/${chunks[0].id}`), 404)
      }
      expect(yield* storedCount).toBe(0)
      // Mid-stream faults leave unary requests alone.
      expect((yield* request("/chat/completions", { body: chatRequest })).status).toBe(200)
    }).pipe(serve({ rate: 1, kinds: ["midstream_objectiveai"] })))

  it.effect("breaks a stream off with an OpenRouter error chunk and finish_reason error", () =>
    Effect.gen(function*() {
      const events = transcript(
        (yield* request("/chat/completions", { body: { ...chatRequest, stream: true, n: 2 } })).text
      )
      expect(events.done).toBe(false)
      const chunks = chunksOf(events)
      const last = chunks[chunks.length - 1]
      expect(last.error).toMatchObject({ code: 502, message: "Provider returned error" })
      expect(last.choices.map((choice) => [choice.index, choice.finish_reason])).toEqual([[0, "error"], [1, "error"]])
      const merged = Option.getOrThrow(ChatCompletionChunk.merge(chunks))
      expect(merged.choices.every((choice) => choice.finish_reason === "error")).toBe(true)
      expect(yield* storedCount).toBe(0)
    }).pipe(serve({ rate: 1, kinds: ["midstream_openrouter"] })))
})
