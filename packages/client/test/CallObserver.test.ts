import { describe, expect, it } from "@effect/vitest"
import { ChatCompletionChunk, type ChatCompletionCreateParams } from "@objectiveai-effect/domain"
import * as Server from "@objectiveai-effect/testing/ScriptedServer"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import { CallObserver, CallTags } from "../src/index.js"
import { completion, completionId } from "./support/fixtures.js"
import * as Harness from "./support/harness.js"
import * as Sse from "./support/sse.js"
import { chunk, content, finished, sse, usage } from "./support/transcripts.js"

const id = completionId(7)
const params: ChatCompletionCreateParams.ChatCompletionCreateParams = {
  model: "openai/gpt-4o-mini",
  messages: [{ role: "user", content: "Hello" }]
}

const observing = () => {
  const records: Array<CallObserver.CallRecord> = []
  const observe = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
    Effect.provideService(effect, CallObserver.CallObserver, {
      record: (call) => Effect.sync(() => records.push(call))
    })
  return { records, observe }
}

describe("CallObserver: create", () => {
  it.scoped("a create is one record: the body as sent, the completion, its request id and the caller's tags", () =>
    Effect.gen(function*() {
      const h = yield* Harness.make(Server.sequence(Server.json(200, completion(id), { "x-request-id": "req-7" })))
      const { observe, records } = observing()
      const answer = Harness.successOf(
        yield* h.run(observe(h.client.create(params).pipe(CallTags.tagged({ feature: "summary", user: "u-1" }))))
      )
      expect(records).toHaveLength(1)
      const [call] = records
      expect(call).toMatchObject({
        operation: "create",
        request: params,
        outcome: CallObserver.Outcome.Success(),
        attempts: 1,
        requestId: "req-7",
        tags: { feature: "summary", user: "u-1" },
        timeToFirstChunk: Option.none()
      })
      expect(call.completion).toStrictEqual(Option.some(answer))
      expect(Option.isSome(call.timeToFirstByte)).toBe(true)
    }))

  it.scoped("a create's record carries the JSON texts sent and received, as they were on the wire", () =>
    Effect.gen(function*() {
      const answer = JSON.stringify({ ...completion(id), x_vendor: 1 }, null, 2)
      const h = yield* Harness.make(Server.sequence(Server.json(200, answer)))
      const { observe, records } = observing()
      Harness.successOf(yield* h.run(observe(h.client.create(params))))
      expect(records[0].requestJson).toBe(h.server.requests[0].body)
      expect(records[0].completionJson).toBe(answer)
    }))

  it.scoped("the attempts and the times on the Clock: a retried create waits, and its record says how long", () =>
    Effect.gen(function*() {
      const h = yield* Harness.make(
        Server.sequence(Server.json(503, { code: 503, message: "busy" }), Server.json(200, completion(id))),
        { retryPolicy: { retryCreate: true } }
      )
      const { observe, records } = observing()
      Harness.successOf(yield* h.run(observe(h.client.create(params))))
      expect(h.delays).toHaveLength(1)
      const [call] = records
      expect(call.attempts).toBe(2)
      // Nothing but the retry's wait moves the TestClock: the second answer came after it.
      expect(call.timeToFirstByte).toStrictEqual(Option.some(h.delays[0]))
      expect(call.duration).toBe(h.delays[0])
    }))

  it.scoped("a failed create: the error's tag, status and request id, and no completion", () =>
    Effect.gen(function*() {
      const body = { error: { code: 400, message: "bad model" } }
      const h = yield* Harness.make(Server.sequence(Server.json(400, body, { "x-request-id": "req-bad" })))
      const { observe, records } = observing()
      Harness.failureOf(yield* h.run(observe(h.client.create(params))))
      expect(records).toHaveLength(1)
      expect(records[0]).toMatchObject({
        outcome: { _tag: "Failure", error: "BadRequestError", status: 400, requestId: "req-bad" },
        requestId: "req-bad",
        attempts: 1,
        completion: Option.none()
      })
    }))

  it.scoped("parameters refused before sending: 0 attempts, and the parameters as given", () =>
    Effect.gen(function*() {
      const h = yield* Harness.make(Server.sequence(Server.json(200, completion(id))))
      const { observe, records } = observing()
      const invalid = { ...params, temperature: 9 }
      Harness.failureOf(yield* h.run(observe(h.client.create(invalid))))
      expect(records).toHaveLength(1)
      expect(records[0]).toMatchObject({
        request: invalid,
        attempts: 0,
        outcome: { _tag: "Failure", error: "InvalidRequestError", status: undefined }
      })
      expect(h.server.requests).toHaveLength(0)
    }))

  it.scoped("an interrupted create is recorded as Interrupted", () =>
    Effect.gen(function*() {
      const h = yield* Harness.make(Server.sequence(Server.hang))
      const { observe, records } = observing()
      const fiber = yield* Effect.fork(observe(h.client.create(params)))
      while (h.server.requests.length === 0) {
        yield* Effect.promise(() => new Promise((resolve) => setTimeout(resolve, 5)))
      }
      yield* Fiber.interrupt(fiber)
      expect(records).toHaveLength(1)
      expect(records[0].outcome).toStrictEqual(CallObserver.Outcome.Interrupted())
    }))

  it.scoped("without an observer nothing is recorded and the call is unchanged", () =>
    Effect.gen(function*() {
      const h = yield* Harness.make(Server.sequence(Server.json(200, completion(id))))
      const { records } = observing()
      const answer = Harness.successOf(yield* h.run(h.client.create(params)))
      expect(answer.id).toBe(id)
      expect(records).toHaveLength(0)
    }))
})

const chunkOf = (text: string) => content(text)

describe("CallObserver: stream", () => {
  it.scoped("a stream read to its end: the merged completion, the body as sent, the time to the first chunk", () =>
    Effect.gen(function*() {
      const h = yield* Harness.make(
        Server.sequence(
          Sse.reply([sse(chunkOf("Hel"), chunkOf("lo"), finished(), chunk({}, { choices: [], usage }), "[DONE]")], {
            headers: { "x-request-id": "req-s" }
          })
        )
      )
      const { observe, records } = observing()
      const chunks = Harness.successOf(
        yield* h.run(observe(Stream.runCollect(h.client.stream(params)).pipe(CallTags.tagged({ feature: "chat" }))))
      )
      expect(records).toHaveLength(1)
      const [call] = records
      expect(call).toMatchObject({
        operation: "stream",
        request: { ...params, stream: true, stream_options: { include_usage: true } },
        outcome: CallObserver.Outcome.Success(),
        attempts: 1,
        requestId: "req-s",
        tags: { feature: "chat" }
      })
      expect(call.completion).toStrictEqual(ChatCompletionChunk.merge(chunks))
      expect(Option.getOrThrow(call.completion).choices[0].message.content).toBe("Hello")
      expect(Option.isSome(call.timeToFirstChunk)).toBe(true)
      // The body's text as sent; the completion was merged from chunks, so it has no text of its own.
      expect(call.requestJson).toBe(h.server.requests[0].body)
      expect(call.completionJson).toBeUndefined()
    }))

  it.scoped("a stream that fails midway: the error's tag and the partial completion", () =>
    Effect.gen(function*() {
      const h = yield* Harness.make(Server.sequence(Sse.reply([sse(chunkOf("Hel"))], { ending: "close" })))
      const { observe, records } = observing()
      Harness.failureOf(yield* h.run(observe(Stream.runDrain(h.client.stream(params)))))
      expect(records).toHaveLength(1)
      expect(records[0].outcome).toMatchObject({ _tag: "Failure", error: "StreamTruncatedError" })
      expect(Option.getOrThrow(records[0].completion).choices[0].message.content).toBe("Hel")
    }))

  it.scoped("a stream whose opening fails: the error, no completion, no first chunk", () =>
    Effect.gen(function*() {
      const h = yield* Harness.make(
        Server.sequence(Server.json(401, { error: { code: 401, message: "no" } }, { "x-request-id": "req-401" }))
      )
      const { observe, records } = observing()
      Harness.failureOf(yield* h.run(observe(Stream.runDrain(h.client.stream(params)))))
      expect(records).toHaveLength(1)
      expect(records[0]).toMatchObject({
        outcome: { _tag: "Failure", error: "UnauthorizedError", status: 401, requestId: "req-401" },
        completion: Option.none(),
        timeToFirstChunk: Option.none()
      })
    }))

  it.scoped("a stream its consumer stops reading is Interrupted, with what it merged, recorded once", () =>
    Effect.gen(function*() {
      const h = yield* Harness.make(
        Server.sequence(Sse.reply([sse(chunkOf("Hel")), { pause: 50 }, sse(chunkOf("lo"), finished(), "[DONE]")]))
      )
      const { observe, records } = observing()
      Harness.successOf(yield* h.run(observe(Stream.runCollect(Stream.take(h.client.stream(params), 1)))))
      expect(records).toHaveLength(1)
      expect(records[0].outcome).toStrictEqual(CallObserver.Outcome.Interrupted())
      expect(Option.getOrThrow(records[0].completion).choices[0].message.content).toBe("Hel")
    }))

  it.scoped("streamWithResponse: a stream never read ends Interrupted when its scope closes", () =>
    Effect.gen(function*() {
      const h = yield* Harness.make(Server.sequence(Sse.reply([sse(chunkOf("Hi"), finished(), "[DONE]")])))
      const { observe, records } = observing()
      Harness.successOf(yield* h.run(observe(Effect.scoped(h.client.streamWithResponse(params)))))
      expect(records).toHaveLength(1)
      expect(records[0].outcome).toStrictEqual(CallObserver.Outcome.Interrupted())
    }))
})
