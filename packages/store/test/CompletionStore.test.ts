import { describe, expect, it } from "@effect/vitest"
import { Cost } from "@objectiveai-effect/analysis"
import { CompletionId, Json, StoredChatCompletion } from "@objectiveai-effect/domain"
import { engines, freshStore, sample } from "@objectiveai-effect/testing/StoreEngines"
import * as Effect from "effect/Effect"
import * as FastCheck from "effect/FastCheck"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import { StoreError } from "../src/index.js"

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
        for (
          const by of [undefined, "model", "provider", "day", ["model", "provider", "day"], ["day", "model"]] as const
        ) {
          const fromSql = yield* store.rollup({ by })
          expect(encodeSummary(fromSql)).toEqual(encodeSummary(Cost.summarize(responses, { by })))
        }
      }))
  })
}

const models = ["openai/gpt-4o-mini", "anthropic/claude-3.5-sonnet", "meta/llama-3.1-70b"] as const

/** A cost as the wire may carry it: ordinary prices, float noise, extremes, or none at all. */
const amount = FastCheck.oneof(
  FastCheck.constant(null),
  FastCheck.integer({ min: 0, max: 10_000_000 }).map((n) => n / 1e8),
  FastCheck.double({ noNaN: true, noDefaultInfinity: true }),
  FastCheck.constantFrom(0.1, 0.2, 0.3, 1e-300, 5e-324, 1.7976931348623157e308, 0.000018449999999999998)
)

const generated = FastCheck.array(
  FastCheck.record({
    base: FastCheck.integer({ min: 0, max: sample.length - 1 }),
    model: FastCheck.constantFrom(...models),
    provider: FastCheck.constantFrom("OpenAI", "Anthropic", null),
    created: FastCheck.integer({ min: 1_577_836_800, max: 1_893_456_000 }),
    cost: amount,
    upstream: amount,
    byokUpstream: amount,
    tokens: FastCheck.array(FastCheck.integer({ min: 0, max: 2_000_000 }), { minLength: 7, maxLength: 7 }),
    byok: FastCheck.boolean(),
    usage: FastCheck.boolean()
  }),
  { maxLength: 40 }
)

let run = 0

/** The generated completions of one property run, under models no other run uses. */
const completionsOf = (rows: typeof generated extends FastCheck.Arbitrary<infer A> ? A : never) => {
  const prefix = `run${run++}`
  return rows.map((row, i): StoredChatCompletion.StoredChatCompletion => {
    const base = sample[row.base]
    const [prompt, completion, cached, cacheWrite, reasoning, promptAudio, completionAudio] = row.tokens
    return {
      request: base.request,
      response: {
        ...base.response,
        id: CompletionId.make(`${prefix}-${i}`),
        model: `${prefix}/${row.model}`,
        provider: row.provider,
        created: row.created,
        usage: row.usage
          ? {
            prompt_tokens: prompt,
            completion_tokens: completion,
            total_tokens: prompt + completion,
            prompt_tokens_details: { cached_tokens: cached, cache_write_tokens: cacheWrite, audio_tokens: promptAudio },
            completion_tokens_details: { reasoning_tokens: reasoning, audio_tokens: completionAudio },
            cost: row.cost,
            cost_details: { upstream_inference_cost: row.upstream, upstream_upstream_inference_cost: row.byokUpstream },
            is_byok: row.byok
          }
          : null
      }
    } as StoredChatCompletion.StoredChatCompletion
  })
}

const dimensionSets = [undefined, "model", "provider", "day", ["model", "provider"], ["provider", "day"], [
  "model",
  "provider",
  "day"
]] as const

/** The local date of a Unix time in a zone, `YYYY-MM-DD`. */
const localDay = (timeZone: string) => {
  const format = new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" })
  return (completion: { readonly created: number }) => format.format(new Date(completion.created * 1000))
}

// Seconds around the transitions that split a local day: New York's DST, Lord Howe's half-hour DST, Kathmandu's
// +05:45, and a zone west of UTC crossing midnight.
const transitions = [
  1_741_503_599, // 2025-03-09 06:59:59Z, New York still on EST
  1_741_503_600,
  1_762_063_199, // 2025-11-02 05:59:59Z, New York still on EDT
  1_762_063_200,
  1_743_865_199, // 2025-04-05 14:59:59Z, Lord Howe leaves DST at 02:00 local
  1_743_865_200,
  1_748_803_500, // 2025-06-01 18:45Z: midnight in Kathmandu
  1_748_803_499,
  1_748_822_399, // 2025-06-01 23:59:59Z
  1_748_822_400
]

const zones = [
  "UTC",
  "America/New_York",
  "Australia/Lord_Howe",
  "Asia/Kathmandu",
  "Pacific/Honolulu",
  "Pacific/Kiritimati"
]

for (const engine of engines) {
  describe(`CompletionStore rollups on ${engine.name}`, () => {
    it.scopedLive("equal Cost.summarize exactly over generated completions", () =>
      Effect.gen(function*() {
        const store = yield* freshStore(engine)
        yield* Effect.promise(() =>
          FastCheck.assert(
            FastCheck.asyncProperty(generated, (rows) =>
              Effect.runPromise(Effect.gen(function*() {
                const completions = completionsOf(rows)
                yield* store.put(completions)
                const responses = completions.map((stored) => stored.response)
                const filter = { models: models.map((model) => `run${run - 1}/${model}`) }
                for (const by of dimensionSets) {
                  const fromSql = yield* store.rollup({ ...filter, by })
                  expect(encodeSummary(fromSql)).toEqual(encodeSummary(Cost.summarize(responses, { by })))
                }
              }))),
            { numRuns: 25 }
          )
        )
      }), 120_000)

    it.scoped("buckets days in the time zone named, UTC by default", () =>
      Effect.gen(function*() {
        const store = yield* freshStore(engine)
        const random = new Random(7)
        const created = [
          ...transitions,
          ...Array.from({ length: 300 }, () => 1_704_067_200 + Math.floor(random.next() * 3 * 365 * 86_400))
        ]
        const completions = created.map((seconds, i): StoredChatCompletion.StoredChatCompletion => ({
          ...sample[i % sample.length],
          response: { ...sample[i % sample.length].response, id: CompletionId.make(`tz-${i}`), created: seconds }
        }))
        yield* store.put(completions)
        const responses = completions.map((stored) => stored.response)
        for (const timeZone of zones) {
          for (const by of ["day", ["day", "model"]] as const) {
            const fromSql = yield* store.rollup({ by, timeZone })
            const dayOf = localDay(timeZone)
            const expected = Cost.summarize(responses, {
              by: typeof by === "string" ? dayOf : [dayOf, "model"]
            })
            expect(encodeSummary(fromSql)).toEqual(encodeSummary(expected))
          }
        }
        expect(yield* store.rollup({ by: "day" })).toEqual(yield* store.rollup({ by: "day", timeZone: "UTC" }))
        const unknown = yield* Effect.flip(store.rollup({ by: "day", timeZone: "Mars/Olympus_Mons" }))
        expect(unknown).toBeInstanceOf(StoreError.UnknownTimeZone)
      }))

    it.scoped("streams the completions of a time range, models and providers, oldest first", () =>
      Effect.gen(function*() {
        const store = yield* freshStore(engine)
        yield* store.put(sample)
        const since = new Date("2025-06-04T00:00:00Z")
        const until = new Date("2025-06-06T00:00:00Z")
        const model = sample[0].response.model
        const provider = sample[0].response.provider!
        const expected = sample
          .filter(({ response }) =>
            response.created >= since.getTime() / 1000 && response.created < until.getTime() / 1000 &&
            response.model === model && response.provider === provider
          )
          .sort((a, b) => a.response.created - b.response.created || (a.response.id < b.response.id ? -1 : 1))
        expect(expected.length).toBeGreaterThan(0)
        const streamed = yield* Stream.runCollect(
          store.stream({ since, until, models: [model], providers: [provider] })
        )
        expect(Array.from(streamed, (stored) => stored.response.id)).toEqual(expected.map((s) => s.response.id))
        expect(yield* store.count({ since, until, models: [model], providers: [provider] })).toBe(expected.length)
        const newest = yield* Stream.runCollect(
          store.stream({ since, until, models: [model], providers: [provider], order: "newest", pageSize: 2 })
        )
        expect(Array.from(newest, (stored) => stored.response.id)).toEqual(expected.map((s) => s.response.id).reverse())
        expect(yield* store.count({ models: [] })).toBe(0)
        // More rows than one page: the keyset pages meet without a gap or a repeat.
        const all = yield* Stream.runCollect(store.bodies({ pageSize: 7 }))
        expect(new Set(Array.from(all, (row) => row.id)).size).toBe(sample.length)
      }))
  })
}

/** A small seeded generator, so that a failure can be replayed. */
class Random {
  constructor(private state: number) {}
  next(): number {
    this.state = (this.state * 1_103_515_245 + 12_345) % 2 ** 31
    return this.state / 2 ** 31
  }
}
