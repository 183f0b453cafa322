/**
 * The server under valid but hostile sequences and shapes of input: what it keeps of its creates is bounded, and a
 * body nested deeper than its bound gets a one-line 400 before any parsing, on every path a body can nest through.
 */
import * as NodeContext from "@effect/platform-node/NodeContext"
import { describe, expect, it, layer } from "@effect/vitest"
import type { StoredChatCompletion } from "@objectiveai-effect/domain"
import * as Effect from "effect/Effect"
import { ObjectiveAiServer, SampleData, ServedCompletions } from "../src/index.js"
import { apiKey, body, chatRequest, errorMessage, request } from "./support.js"

const samples = Array.from(SampleData.generate({ count: 4, seed: 25 }))

/** The n-th of a run of created completions, its content `size` characters long, one second apart. */
const createdAt = (n: number, size: number): StoredChatCompletion.StoredChatCompletion => {
  const base = samples[n % samples.length]
  return {
    ...base,
    request: { ...base.request, messages: [{ role: "user", content: "x".repeat(size) }] },
    response: { ...base.response, id: `chtcpl-retention-${n}` as typeof base.response.id, created: 1_800_000_000 + n }
  }
}

describe("ServedCompletions retention", () => {
  it.effect("keeps the newest creates within the size, drops the oldest, and never drops the loaded ones", () =>
    Effect.gen(function*() {
      const size = 1_000_000
      const store = yield* ServedCompletions.make({ completions: samples, retention: { size } }).pipe(
        Effect.provide(NodeContext.layer)
      )
      for (let n = 0; n < 40; n++) yield* store.add(createdAt(n, 300_000))
      const kept: Array<number> = []
      let retained = 0
      for (let n = 0; n < 40; n++) {
        const json = yield* Effect.option(store.getJson(`chtcpl-retention-${n}`))
        if (json._tag === "Some") {
          kept.push(n)
          retained += json.value.length
        }
      }
      expect(kept).toEqual([37, 38, 39])
      expect(retained).toBeLessThanOrEqual(size)
      for (const sample of samples) {
        expect(yield* Effect.option(store.get(sample.response.id))).toMatchObject({ _tag: "Some" })
      }
      const listed = (yield* store.list({ count: 100, offset: 0 })).data.map((item) => item.id)
      expect(listed).toEqual(
        [39, 38, 37].map((n) => `chtcpl-retention-${n}`).concat(
          [...samples].sort((a, b) => b.response.created - a.response.created).map((s) => s.response.id)
        )
      )
      expect(yield* store.size).toBe(samples.length + 3)
    }))

  it.effect("drops the oldest of creates made in the same second, and lists the rest newest first, page by page", () =>
    Effect.gen(function*() {
      const store = yield* ServedCompletions.make({ retention: { count: 50 } }).pipe(Effect.provide(NodeContext.layer))
      // 200 creates over 4 seconds, added out of order across the seconds: ties are kept in the order of their adds.
      const seconds = [2, 0, 3, 1]
      for (let n = 0; n < 200; n++) {
        const completion = createdAt(n, 10)
        yield* store.add({
          ...completion,
          response: { ...completion.response, created: 1_800_000_000 + seconds[n % 4] }
        })
      }
      const kept = Array.from({ length: 50 }, (_, i) => 150 + i)
      const newestFirst = [...kept].sort((a, b) => seconds[b % 4] - seconds[a % 4] || b - a)
        .map((n) => `chtcpl-retention-${n}`)
      const pages: Array<string> = []
      for (let offset = 0; offset < 60; offset += 7) {
        pages.push(...(yield* store.list({ count: 7, offset })).data.map((item) => item.id))
      }
      expect(pages).toEqual(newestFirst)
      expect(yield* store.size).toBe(50)
      expect(yield* Effect.option(store.getJson("chtcpl-retention-149"))).toMatchObject({ _tag: "None" })
    }))

  it.effect("keeps the newest `count` creates, and the newest one whatever its size", () =>
    Effect.gen(function*() {
      const store = yield* ServedCompletions.make({ completions: samples, retention: { count: 2, size: 10 } }).pipe(
        Effect.provide(NodeContext.layer)
      )
      for (let n = 0; n < 5; n++) yield* store.add(createdAt(n, 100))
      expect(yield* store.size).toBe(samples.length + 1)
      expect(yield* Effect.option(store.getJson("chtcpl-retention-4"))).toMatchObject({ _tag: "Some" })
    }))
})

const nested = (depth: number, leaf: unknown = 1): unknown => {
  let value = leaf
  for (let i = 0; i < depth; i++) value = [value]
  return value
}

// A JSON Schema `depth` objects deep: each level is `{ type, properties: { a: … } }`, two levels of JSON.
const deepSchema = (depth: number): string => {
  let schema = `{"type":"string"}`
  for (let i = 0; i < depth; i++) schema = `{"type":"object","properties":{"a":${schema}}}`
  return schema
}

const toolRequest = (parameters: string) =>
  `{"model":"openai/gpt-4o-mini","messages":[{"role":"user","content":"call it"}],`
  + `"tools":[{"type":"function","function":{"name":"deep","parameters":${parameters}}}]}`

const nestingMessage = `the body nests deeper than ${ObjectiveAiServer.defaultMaxNesting} levels of arrays and objects`

layer(ObjectiveAiServer.layer({ apiKeys: [apiKey], completions: samples, retention: { count: 2 } }))(
  "the server",
  (it) => {
    it.effect("keeps only what its retention allows of its creates; the sample data stays", () =>
      Effect.gen(function*() {
        const ids: Array<string> = []
        for (let n = 0; n < 3; n++) {
          const reply = yield* request("/chat/completions", { body: chatRequest })
          expect(reply.status).toBe(200)
          ids.push((body(reply) as { id: string }).id)
        }
        expect(errorMessage(yield* request(`/chat/completions/${ids[0]}`), 404)).toBe(`no completion with id ${ids[0]}`)
        for (const id of [ids[1], ids[2], samples[0].response.id]) {
          expect((yield* request(`/chat/completions/${id}`)).status).toBe(200)
        }
      }))

    it.effect("nesting 100,000 levels deep, as the body, in content or in tool parameters: 400 with one line", () =>
      Effect.gen(function*() {
        const deep = "[".repeat(100_000) + "]".repeat(100_000)
        const bodies = [
          deep,
          `{"model":"openai/gpt-4o-mini","messages":[{"role":"user","content":${deep}}]}`,
          toolRequest(`{"type":"object","properties":{"a":${deep}}}`),
          // 122 KB: a tool schema 5,000 objects deep, which held the event loop for seconds.
          toolRequest(deepSchema(5_000))
        ]
        for (const text of bodies) {
          const reply = yield* request("/chat/completions", { body: text })
          expect(errorMessage(reply, 400)).toBe(nestingMessage)
        }
      }))

    it.effect("the bound is the nesting of the whole body: at it a deep tool schema is answered, past it refused", () =>
      Effect.gen(function*() {
        // The body, tools, the tool, function and parameters take five levels; each schema level two more.
        const within = yield* request("/chat/completions", { body: toolRequest(deepSchema(47)) })
        expect(within.status, within.text).toBe(200)
        const past = yield* request("/chat/completions", { body: toolRequest(deepSchema(48)) })
        expect(errorMessage(past, 400)).toBe(nestingMessage)
        const array = yield* request("/chat/completions", {
          body: { ...chatRequest, metadata: { a: nested(ObjectiveAiServer.defaultMaxNesting) } }
        })
        expect(errorMessage(array, 400)).toBe(nestingMessage)
      }))
  }
)
