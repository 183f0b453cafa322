import { describe, expect, it } from "@effect/vitest"
import type { ChatCompletionCreateParams } from "@objectiveai-effect/domain"
import * as Server from "@objectiveai-effect/testing/ScriptedServer"
import * as Chunk from "effect/Chunk"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Queue from "effect/Queue"
import * as Stream from "effect/Stream"
import * as TestClock from "effect/TestClock"
import { completion, completionId, stored } from "./support/fixtures.js"
import * as Harness from "./support/harness.js"
import * as Sse from "./support/sse.js"
import { content, finished, sse } from "./support/transcripts.js"

const id = completionId(13)
const ok = Server.json(200, stored(id))
const params: ChatCompletionCreateParams.ChatCompletionCreateParams = {
  model: "openai/gpt-4o-mini",
  messages: [{ role: "user", content: "Hello" }]
}

// The client registers its attempt deadline before it sends; by the time the server holds the request it is there.
const awaitTimerAt = (at: number) =>
  Effect.gen(function*() {
    for (let turn = 0; turn < 10_000; turn++) {
      if (Chunk.some(yield* TestClock.sleeps(), (due) => due === at)) return
      yield* Effect.yieldNow()
    }
    return yield* Effect.dieMessage(`no timer due at ${at}`)
  })

describe("per-call options", () => {
  it.scoped("headers: added to this call's request only, over the client's own", () =>
    Effect.gen(function*() {
      const h = yield* Harness.make(Server.sequence(ok), { headers: { "x-title": "client", "http-referer": "a" } })
      Harness.successOf(yield* h.run(h.client.retrieve(id, { headers: { "x-title": "one-call", "x-extra": "1" } })))
      Harness.successOf(yield* h.run(h.client.retrieve(id)))
      const [first, second] = h.server.requests
      expect([first.headers["x-title"], first.headers["x-extra"], first.headers["http-referer"]]).toEqual([
        "one-call",
        "1",
        "a"
      ])
      expect(first.headers.authorization).toBe(`Bearer ${Harness.apiKey}`)
      expect([second.headers["x-title"], second.headers["x-extra"]]).toEqual(["client", undefined])
    }))

  it.scoped("headers on create, createWithResponse, stream and streamWithResponse", () =>
    Effect.gen(function*() {
      const h = yield* Harness.make((request) =>
        request.headers.accept === "text/event-stream"
          ? Sse.reply([sse(content("Hi"), finished(), "[DONE]")])
          : request.method === "GET"
          ? ok
          : Server.json(200, completion(id))
      )
      const headers = (n: number) => ({ headers: { "x-call": String(n) } })
      Harness.successOf(yield* h.run(h.client.create(params, headers(1))))
      Harness.successOf(yield* h.run(h.client.createWithResponse(params, headers(2))))
      Harness.successOf(yield* h.run(Stream.runDrain(h.client.stream(params, headers(3)))))
      Harness.successOf(
        yield* h.run(Effect.scoped(
          Effect.flatMap(h.client.streamWithResponse(params, headers(4)), ({ value }) => Stream.runDrain(value))
        ))
      )
      Harness.successOf(yield* h.run(h.client.retrieveWithResponse(id, headers(5))))
      expect(h.server.requests.map((request) => request.headers["x-call"])).toEqual(["1", "2", "3", "4", "5"])
    }))

  it.scoped("retryPolicy: this call is not retried, the next one is, on the same client", () =>
    Effect.gen(function*() {
      const h = yield* Harness.make(Server.sequence(Server.json(503, "{}"), Server.json(503, "{}"), ok))
      const error = Harness.failureOf(yield* h.run(h.client.retrieve(id, { retryPolicy: { maxAttempts: 1 } })))
      expect(error).toMatchObject({ _tag: "ServerError", attempts: 1 })
      expect(h.server.requests).toHaveLength(1)
      Harness.successOf(yield* h.run(h.client.retrieve(id)))
      expect(h.server.requests).toHaveLength(3)
      expect(h.delays).toHaveLength(1)
    }))

  it.scoped("retryPolicy: one create may be retried like a read, with its own delays", () =>
    Effect.gen(function*() {
      const h = yield* Harness.make(Server.sequence(Server.json(503, "{}"), Server.json(200, completion(id))))
      const result = yield* h.run(h.client.createWithResponse(params, {
        retryPolicy: { retryCreate: true, initialDelay: "2 seconds", maxDelay: "2 seconds" }
      }))
      expect(Harness.successOf(result).value.id).toBe(id)
      expect(h.server.requests).toHaveLength(2)
      expect(h.delays).toHaveLength(1)
      expect(h.delays[0]).toBeGreaterThanOrEqual(1000)
      expect(h.delays[0]).toBeLessThan(2000)
    }))

  it.scoped("timeouts: this call's attempt ends at its own deadline, not the client's", () =>
    Effect.gen(function*() {
      const h = yield* Harness.make(Server.sequence(Server.hang))
      const fiber = yield* Effect.fork(
        h.client.retrieve(id, { timeouts: { attempt: "2 seconds" }, retryPolicy: { maxAttempts: 1 } })
      )
      yield* Queue.take(h.server.hung)
      yield* awaitTimerAt(2000)
      yield* TestClock.adjust("2 seconds")
      const error = Harness.failureOf(yield* Fiber.await(fiber))
      expect(error).toMatchObject({ _tag: "TimeoutError", timeout: "attempt", attempts: 1 })
      expect(error).toHaveProperty("after", Duration.seconds(2))
    }))

  it.scoped("timeouts: a call's total budget stops its retries", () =>
    Effect.gen(function*() {
      const h = yield* Harness.make(Server.sequence(Server.json(503, "{}", { "retry-after": "5" })))
      const error = Harness.failureOf(
        yield* h.run(h.client.retrieve(id, { timeouts: { total: "12 seconds" }, retryPolicy: { maxAttempts: 10 } }))
      )
      // Waits of 5 s at 0 and 5 s; a third would end at 15 s, past the call's 12 s.
      expect(h.delays).toEqual([5000, 5000])
      expect(error).toMatchObject({ _tag: "RateLimitedError", attempts: 3 })
    }))
})
