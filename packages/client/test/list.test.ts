import { describe, expect, it } from "@effect/vitest"
import { Json } from "@objectiveai-effect/domain"
import * as Server from "@objectiveai-effect/testing/ScriptedServer"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import type * as http from "node:http"
import { ObjectiveAiClient } from "../src/index.js"
import { bigSeed, completionId, stored } from "./support/fixtures.js"
import * as Harness from "./support/harness.js"

const items = Array.from({ length: 5 }, (_, i) => ({
  id: completionId(100 + i),
  preview: i === 3 ? null : `preview ${i}`,
  created: `2025-11-2${i}T10:00:00Z`
}))

// Serves `items` page by page from the query, as the API does.
const pages: Server.Script = (request) => {
  const query = new URL(request.url, "http://localhost").searchParams
  const offset = Number(query.get("offset"))
  const count = Number(query.get("count"))
  return Server.json(200, { data: items.slice(offset, offset + count) })
}

const queries = (server: Server.ScriptedServer) =>
  server.requests.map((request) => new URL(request.url, "http://localhost").search)

describe("list", () => {
  it.scoped("pages to the end, stopping at the first empty page", () =>
    Effect.gen(function*() {
      const h = yield* Harness.make(pages)
      const listed = Harness.successOf(yield* h.run(Stream.runCollect(h.client.list({ pageSize: 2 }))))
      expect(Chunk.toReadonlyArray(listed)).toEqual(items)
      expect(queries(h.server)).toEqual([
        "?count=2&offset=0",
        "?count=2&offset=2",
        "?count=2&offset=4",
        "?count=2&offset=5"
      ])
    }))

  it.scoped("starts at offset, and keeps going when the server gives fewer than asked", () =>
    Effect.gen(function*() {
      const capped: Server.Script = (request, index) => {
        const query = new URL(request.url, "http://localhost").searchParams
        const offset = Number(query.get("offset"))
        return index === 0 ? Server.json(200, { data: items.slice(offset, offset + 1) }) : pages(request, index)
      }
      const h = yield* Harness.make(capped)
      const listed = Harness.successOf(yield* h.run(Stream.runCollect(h.client.list({ pageSize: 10, offset: 1 }))))
      expect(Chunk.toReadonlyArray(listed)).toEqual(items.slice(1))
      expect(queries(h.server)).toEqual(["?count=10&offset=1", "?count=10&offset=2", "?count=10&offset=5"])
    }))

  it.scoped("retries a page that failed transiently", () =>
    Effect.gen(function*() {
      const flaky: Server.Script = (request, index) => index === 1 ? Server.json(502, "{}") : pages(request, index)
      const h = yield* Harness.make(flaky)
      const listed = Harness.successOf(yield* h.run(Stream.runCollect(h.client.list({ pageSize: 3 }))))
      expect(Chunk.size(listed)).toBe(5)
      expect(h.server.requests).toHaveLength(4)
      expect(h.delays).toHaveLength(1)
    }))

  it.scoped("ends with the typed error of a page that fails for good, after the items before it", () =>
    Effect.gen(function*() {
      const broken: Server.Script = (request, index) => index === 1 ? Server.json(401, "{}") : pages(request, index)
      const h = yield* Harness.make(broken)
      const seen: Array<string> = []
      const exit = yield* h.run(
        Stream.runForEach(h.client.list({ pageSize: 2 }), (item) => Effect.sync(() => seen.push(item.id)))
      )
      expect(Harness.failureOf(exit)).toMatchObject({ _tag: "UnauthorizedError", status: 401 })
      expect(seen).toEqual(items.slice(0, 2).map((item) => item.id))
      expect(h.server.requests).toHaveLength(2)
    }))

  it.scoped.each([{ pageSize: 0 }, { pageSize: 1.5 }, { offset: -1 }])(
    "refuses %o without sending anything",
    (options) =>
      Effect.gen(function*() {
        const h = yield* Harness.make(pages)
        const exit = yield* h.run(Stream.runCollect(h.client.list(options)))
        expect(Harness.failureOf(exit)).toMatchObject({ _tag: "InvalidRequestError", attempts: 0 })
        expect(h.server.requests).toHaveLength(0)
      })
  )
})

describe("retrieveMany", () => {
  const ids = Array.from({ length: 6 }, (_, i) => completionId(200 + i))
  const failing = new Set([ids[1], ids[4]])
  const byId: Server.Script = (request) => {
    const id = decodeURIComponent(request.url.split("/").pop() ?? "")
    return failing.has(id) ? Server.json(404, { code: 404, message: "not found" }) : Server.json(200, stored(id))
  }

  it.scoped("gives one typed result per id, in order, failures included", () =>
    Effect.gen(function*() {
      const h = yield* Harness.make(byId)
      const results = Harness.successOf(yield* h.run(Stream.runCollect(h.client.retrieveMany(ids))))
      const summary = Chunk.toReadonlyArray(results).map(ObjectiveAiClient.RetrieveResult.$match({
        Retrieved: ({ completion, id }) => [id, completion.response.id],
        Failed: ({ error, id }) => [id, error._tag]
      }))
      expect(summary).toEqual(ids.map((id) => [id, failing.has(id) ? "NotFoundError" : id]))
      expect(h.server.requests).toHaveLength(ids.length)
    }))

  it.scoped("keeps each body's text as it was received, beside the completion decoded from it", () =>
    Effect.gen(function*() {
      // Spaced out and with a seed past 2^53: no encoding of the completion gives these bytes back.
      const texts = new Map(
        ids.map((id) => [id, ` ${Json.stringify(stored(id)).replace("{\"request\":", "{ \"request\": ")}\n`])
      )
      const h = yield* Harness.make((request) => {
        const id = decodeURIComponent(request.url.split("/").pop() ?? "")
        return Server.json(200, texts.get(id))
      })
      const results = Harness.successOf(yield* h.run(Stream.runCollect(h.client.retrieveMany(ids))))
      for (const result of results) {
        if (result._tag !== "Retrieved") return expect.unreachable(`${result.id} failed`)
        expect(result.json).toBe(texts.get(result.id))
        expect(result.completion.request.seed).toBe(bigSeed)
      }
      expect(Chunk.size(results)).toBe(ids.length)
    }))

  it.scoped("takes a stream of ids and keeps at most `concurrency` requests in flight", () =>
    Effect.gen(function*() {
      let inFlight = 0
      let peak = 0
      // Each answer is held back a little (real time: the client does not wait on its clock here) so requests overlap.
      const slow: Server.Script = (request, index) => {
        inFlight++
        peak = Math.max(peak, inFlight)
        const reply = byId(request, index)
        return (response: http.ServerResponse, incoming: http.IncomingMessage) =>
          setTimeout(() => {
            inFlight--
            reply(response, incoming)
          }, 15)
      }
      const h = yield* Harness.make(slow)
      const results = Harness.successOf(
        yield* h.run(
          Stream.runCollect(h.client.retrieveMany(Stream.fromIterable(ids), { concurrency: 2, unordered: true }))
        )
      )
      expect(Chunk.size(results)).toBe(ids.length)
      expect(Chunk.filter(results, ObjectiveAiClient.RetrieveResult.$is("Failed")).pipe(Chunk.size)).toBe(2)
      expect(peak).toBe(2)
      expect(h.server.requests).toHaveLength(ids.length)
    }))
})
