import { describe, expect, it } from "@effect/vitest"
import { Cost } from "@objectiveai-effect/analysis"
import { Json, StoredChatCompletion } from "@objectiveai-effect/domain"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import { engines, freshStore, sample } from "./support.js"

const bigSeed = 2n ** 64n + 1n

const withUnknownKeys = Schema.decodeUnknownSync(StoredChatCompletion.StoredChatCompletion)({
  request: { ...sample[0].request, seed: bigSeed, x_trace: { tenant: "acme", tags: ["a", 1] } },
  response: { ...sample[0].response, id: "chtcpl-lossless-0001", x_served_by: "edge-7" },
  stored_at: "2025-06-02T00:00:00Z"
})

const encodeSummary = Schema.encodeSync(Cost.CostSummary)

for (const engine of engines) {
  describe(`CompletionStore on ${engine.name}`, () => {
    it.scoped("stores the exact JSON: a seed beyond 2^53 and unknown keys survive the round trip", () =>
      Effect.gen(function*() {
        const store = yield* freshStore(engine)
        const text = Schema.encodeSync(StoredChatCompletion.StoredChatCompletionFromJson)(withUnknownKeys)
        expect(text).toContain(bigSeed.toString())
        expect(yield* store.put([withUnknownKeys])).toEqual(["chtcpl-lossless-0001"])
        const [stored] = yield* Stream.runCollect(store.bodies()).pipe(Effect.map((chunk) => Array.from(chunk)))
        expect(stored.body).toBe(text)
        const [decoded] = yield* Stream.runCollect(store.stream()).pipe(Effect.map((chunk) => Array.from(chunk)))
        expect(decoded.request.seed).toBe(bigSeed)
        expect(Json.stringify(decoded)).toBe(text)
        expect((decoded as unknown as Record<string, unknown>).stored_at).toBe("2025-06-02T00:00:00Z")
      }))

    it.scoped("stores a completion once, however often it is put", () =>
      Effect.gen(function*() {
        const store = yield* freshStore(engine)
        expect((yield* store.put(sample.slice(0, 10))).length).toBe(10)
        expect((yield* store.put(sample.slice(5, 15))).length).toBe(5)
        expect(yield* store.count()).toBe(15)
      }))

    it.scoped("rolls costs up in SQL exactly as Cost.summarize does", () =>
      Effect.gen(function*() {
        const store = yield* freshStore(engine)
        yield* store.put(sample)
        const responses = sample.map((stored) => stored.response)
        for (const by of [undefined, "model", "provider", "day", ["model", "provider", "day"], ["day", "model"]] as const) {
          const fromSql = yield* store.rollup({ by })
          expect(encodeSummary(fromSql)).toEqual(encodeSummary(Cost.summarize(responses, { by })))
        }
      }))
  })
}
