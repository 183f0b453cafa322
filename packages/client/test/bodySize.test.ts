import { describe, expect, it } from "@effect/vitest"
import { Json } from "@objectiveai-effect/domain"
import * as Server from "@objectiveai-effect/testing/ScriptedServer"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import { ObjectiveAiClient, ObjectiveAiError } from "../src/index.js"
import { completionId, stored } from "./support/fixtures.js"
import * as Harness from "./support/harness.js"

const id = completionId(9)
const maxBodySize = 4096
// Far over the bound: the client must stop long before the server could send it all.
const floodSize = 256 * 1024 * 1024
const ok = Server.json(200, stored(id))

const floods = [
  { how: "declared in its content-length", contentLength: true },
  { how: "streamed without a content-length", contentLength: false }
] as const

describe("a body over maxBodySize", () => {
  it.scoped.each(floods)(
    "a 200 answer $how fails at once, unread, not retried, its connection closed",
    (flood) =>
      Effect.gen(function*() {
        const answer = Server.flood(200, floodSize, flood)
        const h = yield* Harness.make(Server.sequence(answer.reply, ok), { maxBodySize })
        const error = Harness.failureOf(yield* h.run(h.client.retrieve(id)))
        expect(error).toBeInstanceOf(ObjectiveAiError.ResponseTooLargeError)
        expect(error).toMatchObject({
          _tag: "ResponseTooLargeError",
          status: 200,
          maxBodySize,
          contentLength: flood.contentLength ? floodSize : undefined,
          requestId: "req-flood",
          attempts: 1,
          method: "GET"
        })
        expect(error.message).toContain(`larger than ${maxBodySize} bytes`)
        expect(h.server.requests).toHaveLength(1)
        expect(h.delays).toEqual([])
        yield* h.server.awaitClosed(0)
        expect(answer.sent()).toBeLessThan(floodSize / 4)
      })
  )

  it.scoped.each(floods)(
    "a 503 error body $how fails the same way instead of being retried",
    (flood) =>
      Effect.gen(function*() {
        const answer = Server.flood(503, floodSize, flood)
        const h = yield* Harness.make(Server.sequence(answer.reply, ok), { maxBodySize })
        const error = Harness.failureOf(yield* h.run(h.client.retrieve(id)))
        expect(error).toMatchObject({ _tag: "ResponseTooLargeError", status: 503, maxBodySize, attempts: 1 })
        expect(h.server.requests).toHaveLength(1)
        expect(h.delays).toEqual([])
        yield* h.server.awaitClosed(0)
        expect(answer.sent()).toBeLessThan(floodSize / 4)
      })
  )

  it.scoped("a create's answer is bounded too, and the error is one catchTags can take", () =>
    Effect.gen(function*() {
      const answer = Server.flood(200, floodSize, { contentLength: false })
      const h = yield* Harness.make(Server.sequence(answer.reply), { maxBodySize })
      const caught = yield* h.run(
        h.client.create({ model: "openai/gpt-4o-mini", messages: [{ role: "user", content: "Hi" }] }).pipe(
          Effect.catchTags({ ResponseTooLargeError: (error) => Effect.succeed(error.maxBodySize) })
        )
      )
      expect(Harness.successOf(caught)).toBe(maxBodySize)
      expect(h.server.requests).toHaveLength(1)
      yield* h.server.awaitClosed(0)
    }))

  it.scoped("a JSON answer to a stream's opening is bounded too", () =>
    Effect.gen(function*() {
      const answer = Server.flood(200, floodSize, { contentLength: false })
      const h = yield* Harness.make(Server.sequence(answer.reply), { maxBodySize })
      const stream = h.client.stream({ model: "openai/gpt-4o-mini", messages: [{ role: "user", content: "Hi" }] })
      const error = Harness.failureOf(yield* h.run(Stream.runDrain(stream)))
      expect(error).toMatchObject({ _tag: "ResponseTooLargeError", status: 200, maxBodySize, attempts: 1 })
      expect(h.server.requests).toHaveLength(1)
      yield* h.server.awaitClosed(0)
    }))

  it.scoped("the default bound is 32 MiB: a content-length over it fails before anything is read", () =>
    Effect.gen(function*() {
      expect(ObjectiveAiClient.defaultMaxBodySize).toBe(32 * 1024 * 1024)
      const answer = Server.flood(200, ObjectiveAiClient.defaultMaxBodySize + 1, { contentLength: true })
      const h = yield* Harness.make(Server.sequence(answer.reply, ok))
      const error = Harness.failureOf(yield* h.run(h.client.retrieve(id)))
      expect(error).toMatchObject({
        _tag: "ResponseTooLargeError",
        maxBodySize: ObjectiveAiClient.defaultMaxBodySize,
        contentLength: ObjectiveAiClient.defaultMaxBodySize + 1
      })
      expect(h.server.requests).toHaveLength(1)
      yield* h.server.awaitClosed(0)
    }))
})

describe("a body within maxBodySize", () => {
  const body = stored(id)
  const size = Buffer.byteLength(Json.stringify(body))
  const replies = [
    { how: "with a content-length", reply: Server.json(200, body) },
    { how: "chunked", reply: Server.chunked(200, body) }
  ]

  it.scoped.each(replies)("is read when exactly at the bound, $how", ({ reply }) =>
    Effect.gen(function*() {
      const h = yield* Harness.make(Server.sequence(reply), { maxBodySize: size })
      const result = Harness.successOf(yield* h.run(h.client.retrieve(id)))
      expect(result.response.id).toBe(id)
    }))

  it.scoped.each(replies)("fails one byte under it, $how", ({ reply }) =>
    Effect.gen(function*() {
      const h = yield* Harness.make(Server.sequence(reply), { maxBodySize: size - 1 })
      const error = Harness.failureOf(yield* h.run(h.client.retrieve(id)))
      expect(error).toMatchObject({ _tag: "ResponseTooLargeError", status: 200, maxBodySize: size - 1 })
    }))

  it.scoped("an error body within the bound is still read for its status and message", () =>
    Effect.gen(function*() {
      const error = { code: 404, message: "no such completion" }
      const h = yield* Harness.make(Server.sequence(Server.chunked(404, error)), { maxBodySize })
      expect(Harness.failureOf(yield* h.run(h.client.retrieve(id)))).toMatchObject({
        _tag: "NotFoundError",
        body: error
      })
    }))
})
