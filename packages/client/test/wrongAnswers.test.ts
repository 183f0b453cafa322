import { describe, expect, it } from "@effect/vitest"
import { Json } from "@objectiveai-effect/domain"
import * as Server from "@objectiveai-effect/testing/ScriptedServer"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import { ObjectiveAiError } from "../src/index.js"
import { completionId, stored } from "./support/fixtures.js"
import * as Harness from "./support/harness.js"

// Answers that decode but are not what was asked for: each must fail, never pass for the answer asked for.
describe("answers that are not the one asked for", () => {
  it.scoped("a retrieve answered with another completion's body fails with InvalidResponseError, sent once", () =>
    Effect.gen(function*() {
      const asked = completionId(1)
      const other = completionId(2)
      const h = yield* Harness.make(() => Server.json(200, stored(other)))
      const error = Harness.failureOf(yield* h.run(h.client.retrieve(asked)))
      expect(ObjectiveAiError.isObjectiveAiError(error)).toBe(true)
      expect(error._tag).toBe("InvalidResponseError")
      if (error._tag !== "InvalidResponseError") return
      expect(error.issue).toContain(`asked for "${asked}", got "${other}"`)
      expect(error.bodyText).toContain(other)
      expect(h.server.requests).toHaveLength(1)
    }))

  it.scoped("retrieveMany gives the mismatch as that id's failure and the others as retrieved", () =>
    Effect.gen(function*() {
      const ids = [completionId(10), completionId(11), completionId(12)]
      // The second id is answered with the first's body, as a cache keyed on the wrong thing would.
      const h = yield* Harness.make((request) =>
        Server.json(200, stored(request.url.endsWith(ids[1]) ? ids[0] : ids.find((id) => request.url.endsWith(id))!))
      )
      const results = Harness.successOf(yield* h.run(Stream.runCollect(h.client.retrieveMany(ids))))
      expect([...results].map((result) => [result.id, result._tag])).toEqual([
        [ids[0], "Retrieved"],
        [ids[1], "Failed"],
        [ids[2], "Retrieved"]
      ])
    }))

  it.scoped("a list repeating the same page at every offset stops with one InvalidResponseError", () =>
    Effect.gen(function*() {
      const page = {
        data: [0, 1].map((n) => ({ id: completionId(n), preview: null, created: "2025-11-20T10:00:00Z" }))
      }
      const h = yield* Harness.make(() => Server.json(200, page))
      const exit = yield* h.run(Stream.runCollect(h.client.list({ pageSize: 2 })))
      const error = Harness.failureOf(exit)
      expect(error._tag).toBe("InvalidResponseError")
      if (error._tag !== "InvalidResponseError") return
      expect(error.issue).toContain("the page at offset 2 lists nothing new")
      expect(h.server.requests).toHaveLength(2)
    }))

  it.scoped("a page that repeats part of the last one (a completion arrived meanwhile) still lists on", () =>
    Effect.gen(function*() {
      const items = [0, 1, 2].map((n) => ({ id: completionId(n), preview: null, created: "2025-11-20T10:00:00Z" }))
      const pages = [[items[0], items[1]], [items[1], items[2]], []]
      const h = yield* Harness.make((_request, index) => Server.json(200, { data: pages[index] ?? [] }))
      const listed = Harness.successOf(yield* h.run(Stream.runCollect(h.client.list({ pageSize: 2 }))))
      expect([...listed].map((item) => item.id)).toEqual([items[0], items[1], items[1], items[2]].map((i) => i.id))
    }))
})

describe("an answer nested deeper than any the API sends", () => {
  it.scoped("fails with InvalidResponseError before it is parsed, rather than break whoever writes it back", () =>
    Effect.gen(function*() {
      const id = completionId(7)
      const deep = "[".repeat(100_000) + "]".repeat(100_000)
      const text = Json.stringify(stored(id)).replace(/^\{/, `{"extra":${deep},`)
      const h = yield* Harness.make(() => Server.json(200, text))
      const error = Harness.failureOf(yield* h.run(h.client.retrieve(id)))
      expect(error._tag).toBe("InvalidResponseError")
      if (error._tag !== "InvalidResponseError") return
      expect(error.issue).toBe("the answer nests deeper than 1000 levels")
      expect(h.server.requests).toHaveLength(1)
    }))
})
