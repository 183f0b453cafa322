import * as OpenApi from "@effect/platform/OpenApi"
import { describe, expect, it, layer } from "@effect/vitest"
import { ChatCompletion, ObjectiveAiApi } from "@objectiveai-effect/domain"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import * as fs from "node:fs"
import createClient from "openapi-fetch"
import { documentPath, render } from "../scripts/openapi-client.js"
import { ObjectiveAiServer, SampleData } from "../src/index.js"
import type { paths } from "./generated/ObjectiveAiApi.js"
import { apiKey, chatRequest, request, requestIdPattern } from "./support.js"

const samples = Array.from(SampleData.generate({ seed: 11, count: 4 }))

/** A client generated from the published document, pointed at the running test server. */
const client = Effect.map(
  ObjectiveAiServer.ObjectiveAiServer,
  ({ url }) => createClient<paths>({ baseUrl: url, headers: { authorization: `Bearer ${apiKey}` } })
)

describe("a client generated from openapi.json (openapi-typescript types, openapi-fetch)", () => {
  it.effect("is generated from the current document (run `pnpm exec tsx scripts/openapi-client.ts` when this fails)", () =>
    Effect.gen(function*() {
      const generated = fs.readFileSync(new URL("./generated/ObjectiveAiApi.ts", import.meta.url), "utf8")
      expect(generated).toBe(yield* Effect.promise(render))
    }))

  layer(ObjectiveAiServer.layer({ apiKeys: [apiKey], seed: "openapi-client", completions: samples }))("", (it) => {
    it.effect("serves the published document at /openapi.json, with itself as the server", () =>
      Effect.gen(function*() {
        const reply = yield* request("/openapi.json", { key: null })
        expect(reply.status).toBe(200)
        expect(reply.headers.get("x-request-id")).toMatch(requestIdPattern)
        const published = JSON.parse(fs.readFileSync(documentPath, "utf8"))
        expect(JSON.parse(reply.text)).toEqual({
          ...published,
          servers: [{ url: "/", description: "This local server" }]
        })
        expect(published).toEqual(OpenApi.fromApi(ObjectiveAiApi.ObjectiveAiApi))
      }))

    it.effect("lists, retrieves and creates against the local server", () =>
      Effect.gen(function*() {
        const api = yield* client
        const listed = yield* Effect.promise(() =>
          api.GET("/chat/completions", { params: { query: { count: 2, offset: 1 } } })
        )
        expect(listed.response.status).toBe(200)
        expect(listed.data?.data).toHaveLength(2)
        const id = listed.data!.data[0]!.id

        const retrieved = yield* Effect.promise(() => api.GET("/chat/completions/{id}", { params: { path: { id } } }))
        expect(retrieved.response.status).toBe(200)
        // The generated types, not a schema: `JSON.parse` may round a seed beyond 2^53, which only the domain keeps.
        expect(retrieved.data?.response.id).toBe(id)
        expect(retrieved.data?.request.messages.length).toBeGreaterThan(0)

        const created = yield* Effect.promise(() =>
          api.POST("/chat/completions", { body: { model: chatRequest.model, messages: [...chatRequest.messages] } })
        )
        expect(created.response.status).toBe(200)
        const completion = Schema.decodeUnknownSync(ChatCompletion.ChatCompletion)(created.data)
        expect(completion.choices[0]?.message.content).toEqual(expect.any(String))

        const again = yield* Effect.promise(() =>
          api.GET("/chat/completions/{id}", { params: { path: { id: completion.id } } })
        )
        expect(again.data?.response.id).toBe(completion.id)
      }))

    it.effect("gets the declared error bodies: 404 for an unknown id, 400 for a bad count, 401 without a key", () =>
      Effect.gen(function*() {
        const api = yield* client
        const missing = yield* Effect.promise(() =>
          api.GET("/chat/completions/{id}", { params: { path: { id: "chtcpl-missing-1" } } })
        )
        expect(missing.response.status).toBe(404)
        expect(missing.error).toMatchObject({ code: 404 })
        const badCount = yield* Effect.promise(() => api.GET("/chat/completions", { params: { query: { count: 0 } } }))
        // The generated types hold integers, as the document now says the parameters are.
        expect(badCount.error).toEqual({ code: 400, message: "count: must be between 1 and 1000, got 0" })
        const unauthorized = yield* Effect.promise(() =>
          api.GET("/chat/completions", { headers: { authorization: "Basic nope" } })
        )
        expect(unauthorized.error).toMatchObject({ code: 401 })
      }))
  })
})
