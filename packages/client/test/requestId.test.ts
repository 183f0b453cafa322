import { describe, expect, it } from "@effect/vitest"
import type { ChatCompletionCreateParams } from "@objectiveai-effect/domain"
import * as Server from "@objectiveai-effect/testing/ScriptedServer"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import { ObjectiveAiClient } from "../src/index.js"
import { completion, completionId, stored } from "./support/fixtures.js"
import * as Harness from "./support/harness.js"
import * as Sse from "./support/sse.js"
import { content, expectOpenRouterCompletion, openRouterTranscript, sse } from "./support/transcripts.js"

const id = completionId(11)
const params: ChatCompletionCreateParams.ChatCompletionCreateParams = {
  model: "openai/gpt-4o-mini",
  messages: [{ role: "user", content: "Hello" }]
}

describe("request ids on success", () => {
  it.scoped("retrieveWithResponse: the stored completion with the answer's status, request id and headers", () =>
    Effect.gen(function*() {
      const h = yield* Harness.make(
        Server.sequence(Server.json(200, stored(id), { "x-request-id": "req-r1", "x-ratelimit-remaining": "99" }))
      )
      const answer = Harness.successOf(yield* h.run(h.client.retrieveWithResponse(id)))
      expect(answer.value.response.id).toBe(id)
      expect(answer.status).toBe(200)
      expect(answer.requestId).toBe("req-r1")
      expect(answer.headers["x-ratelimit-remaining"]).toBe("99")
    }))

  it.scoped("the request id is the answer's that succeeded, after retries; `request-id` is read too", () =>
    Effect.gen(function*() {
      const h = yield* Harness.make(Server.sequence(
        Server.json(503, { code: 503, message: "busy" }, { "x-request-id": "req-failed" }),
        Server.json(200, stored(id), { "request-id": "req-ok" })
      ))
      const answer = Harness.successOf(yield* h.run(h.client.retrieveWithResponse(id)))
      expect(answer.requestId).toBe("req-ok")
      expect(h.server.requests).toHaveLength(2)
    }))

  it.scoped("an answer without one has no request id", () =>
    Effect.gen(function*() {
      const h = yield* Harness.make(Server.sequence(Server.json(200, stored(id))))
      const answer = Harness.successOf(yield* h.run(h.client.retrieveWithResponse(id)))
      expect(answer.requestId).toBeUndefined()
      expect(answer.value).toStrictEqual(Harness.successOf(yield* h.run(h.client.retrieve(id))))
    }))

  it.scoped("createWithResponse: the completion with the answer's request id", () =>
    Effect.gen(function*() {
      const h = yield* Harness.make(Server.sequence(Server.json(200, completion(id), { "x-request-id": "req-c1" })))
      const answer = Harness.successOf(yield* h.run(h.client.createWithResponse(params)))
      expect(answer.value.id).toBe(id)
      expect(answer).toMatchObject({ status: 200, requestId: "req-c1" })
    }))

  it.scoped("listWithResponse: every page with its own request id, up to the empty page that ends the listing", () =>
    Effect.gen(function*() {
      const items = [0, 1, 2].map((n) => ({ id: completionId(n), preview: null, created: "2025-11-20T10:00:00Z" }))
      const h = yield* Harness.make((request, index) => {
        const offset = Number(new URL(request.url, "http://localhost").searchParams.get("offset"))
        return Server.json(200, { data: items.slice(offset, offset + 2) }, { "x-request-id": `req-page-${index}` })
      })
      const pages = Chunk.toReadonlyArray(
        Harness.successOf(yield* h.run(Stream.runCollect(h.client.listWithResponse({ pageSize: 2 }))))
      )
      expect(pages.map((page) => page.requestId)).toEqual(["req-page-0", "req-page-1", "req-page-2"])
      expect(pages.map((page) => page.value.data.length)).toEqual([2, 1, 0])
      const listed = Harness.successOf(yield* h.run(Stream.runCollect(h.client.list({ pageSize: 2 }))))
      expect(Chunk.toReadonlyArray(listed).map((item) => item.id)).toEqual(items.map((item) => item.id))
    }))

  it.scoped("streamWithResponse: the request id once the stream has opened, then the chunks", () =>
    Effect.gen(function*() {
      const h = yield* Harness.make(
        Server.sequence(Sse.reply([openRouterTranscript], { headers: { "x-request-id": "req-s1" } }))
      )
      const exit = yield* h.run(Effect.scoped(Effect.gen(function*() {
        const opened = yield* h.client.streamWithResponse(params)
        // Known before a chunk is read.
        expect(opened).toMatchObject({ status: 200, requestId: "req-s1" })
        expect(opened.headers["content-type"]).toBe("text/event-stream")
        return yield* Stream.run(opened.value, ObjectiveAiClient.collect)
      })))
      expectOpenRouterCompletion(Harness.successOf(exit))
      expect(h.server.requests).toHaveLength(1)
    }))

  it.scoped("streamWithResponse: closing the scope with the chunks unread closes the connection", () =>
    Effect.gen(function*() {
      const h = yield* Harness.make(Server.sequence(
        Sse.reply([sse(content("Hel"))], { ending: "hang", headers: { "x-request-id": "r" } })
      ))
      const exit = yield* h.run(
        Effect.scoped(Effect.map(h.client.streamWithResponse(params), (opened) => opened.requestId))
      )
      expect(Harness.successOf(exit)).toBe("r")
      yield* h.server.awaitClosed(0)
    }))
})
