import { addEqualityTesters, describe, expect, it } from "@effect/vitest"
import { AnalysisError, Cost } from "@objectiveai-effect/analysis"
import * as Arbitrary from "effect/Arbitrary"
import * as BigDecimal from "effect/BigDecimal"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as FastCheck from "effect/FastCheck"
import { pipe } from "effect/Function"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import { completion, dayStart, priced, usage } from "./fixtures.js"

addEqualityTesters()

const decimal = BigDecimal.unsafeFromString

/** Exact equality of decimals, whatever their scale. */
const expectDecimal = (actual: BigDecimal.BigDecimal, expected: string) =>
  expect(BigDecimal.format(actual)).toBe(BigDecimal.format(decimal(expected)))

describe("exact sums", () => {
  it("sums 0.1 ten times to exactly 1, where a float sum does not", () => {
    const completions = Array.from({ length: 10 }, () => priced(0.1))
    expect(completions.reduce((sum, c) => sum + c.usage!.cost!, 0)).not.toBe(1)
    const { total } = Cost.summarize(completions)
    expect(total.cost).toStrictEqual(decimal("1"))
    expect(total.completions).toBe(10)
  })

  it("sums amounts of very different scales exactly", () => {
    const costs = [0.1, 0.2, 0.000123, 1.5, 2e-12, 3e-7, 1234567.891, 1e21]
    const exact = "1000000000000001234569.691123300002"
    expect(String(costs.reduce((sum, cost) => sum + cost, 0))).not.toBe(exact)
    const { total } = Cost.summarize(costs.map((cost) => priced(cost)))
    expectDecimal(total.cost, exact)
  })

  it("sums negative and zero amounts", () => {
    const costs = [0.3, -0.1, 0, -0.2]
    expect(costs.reduce((sum, cost) => sum + cost, 0)).not.toBe(0)
    const { total } = Cost.summarize(costs.map((cost) => priced(cost)))
    expectDecimal(total.cost, "0")
    expect(total.unpriced).toBe(0)
  })

  it("stays exact past 2^53 units, where the sum leaves a double for a bigint", () => {
    const costs = Array.from({ length: 40 }, (_, i) => (i % 2 === 0 ? 900.123456789012 : 0.000000000001))
    expect(String(costs.reduce((sum, cost) => sum + cost, 0))).not.toBe("18002.46913578026")
    const { groups, total } = Cost.summarize(costs.map((cost) => priced(cost)), { by: "model" })
    // 20 × 900.123456789012 + 20 × 10^-12
    expectDecimal(total.cost, "18002.46913578026")
    expectDecimal(groups[0].totals.cost, "18002.46913578026")
  })

  it("reads an amount of 17 significant digits as its shortest decimal", () => {
    expect(0.1 + 0.2).toBe(0.30000000000000004)
    const { total } = Cost.summarize([priced(0.1 + 0.2), priced(1e-7), priced(0.0030850000000000005)])
    expectDecimal(total.cost, "0.3030851000000000405")
  })

  it.prop(
    "equals the sum of each amount's shortest decimal",
    { costs: FastCheck.array(FastCheck.double({ noNaN: true, noDefaultInfinity: true }), { maxLength: 30 }) },
    ({ costs }) => {
      const expected = BigDecimal.sumAll(costs.map((cost) => BigDecimal.unsafeFromString(String(cost))))
      const { total } = Cost.summarize(costs.map((cost) => priced(cost)))
      expect(BigDecimal.equals(total.cost, expected)).toBe(true)
    }
  )
})

describe("what is summed", () => {
  it("counts a completion without a reported cost as unpriced, never as zero", () => {
    const { total } = Cost.summarize([
      priced(0.25),
      priced(null),
      priced(undefined),
      completion({ usage: null }),
      completion({})
    ])
    expect(total.completions).toBe(5)
    expect(total.unpriced).toBe(4)
    expectDecimal(total.cost, "0.25")
  })

  it("keeps bring-your-own-key costs apart from what was charged", () => {
    const byok = completion({
      usage: usage({
        cost: 0.0001,
        is_byok: true,
        cost_details: { upstream_inference_cost: 0.0001, upstream_upstream_inference_cost: 0.002 }
      })
    })
    const charged = completion({
      usage: usage({
        cost: 0.003,
        cost_details: { upstream_inference_cost: 0.0025, upstream_upstream_inference_cost: 0 }
      })
    })
    const { total } = Cost.summarize([byok, charged])
    expect(total.byok).toBe(1)
    expectDecimal(total.cost, "0.0031")
    expectDecimal(total.upstreamInferenceCost, "0.0026")
    expectDecimal(total.upstreamUpstreamInferenceCost, "0.002")
  })

  it("sums every token count, skipping the ones that are absent or null", () => {
    const full = completion({
      usage: usage({
        prompt_tokens: 100,
        completion_tokens: 40,
        prompt_tokens_details: { cached_tokens: 60, cache_write_tokens: 20, audio_tokens: 5 },
        completion_tokens_details: { reasoning_tokens: 30, audio_tokens: 7 }
      })
    })
    const sparse = completion({
      usage: usage({ prompt_tokens: 1, completion_tokens: 2, prompt_tokens_details: { cached_tokens: null } })
    })
    expect(Cost.summarize([full, sparse]).total.tokens).toStrictEqual({
      prompt: 101,
      completion: 42,
      cached: 60,
      cacheWrite: 20,
      reasoning: 30,
      promptAudio: 5,
      completionAudio: 7
    })
  })

  it("skips costs and counts that are not finite numbers", () => {
    const base = priced(0.5)
    const broken = { ...base, usage: { ...base.usage!, cost: Number.NaN, prompt_tokens: Number.POSITIVE_INFINITY } }
    const { total } = Cost.summarize([base, broken])
    expect(total.unpriced).toBe(1)
    expectDecimal(total.cost, "0.5")
    expect(total.tokens.prompt).toBe(10)
  })

  it("gives the exact charge of one completion, or a typed failure", () =>
    Effect.gen(function*() {
      expect(Cost.charged(priced(0.1))).toStrictEqual(Option.some(decimal("0.1")))
      expect(Cost.charged(priced(100))).toStrictEqual(Option.some(decimal("100")))
      expect(Cost.charged(priced(null))).toStrictEqual(Option.none())
      expect(yield* Cost.chargedOrFail(priced(0.1))).toStrictEqual(decimal("0.1"))
      const exit = yield* Effect.exit(Cost.chargedOrFail(priced(undefined, { id: "gen-7", model: "m" })))
      expect(exit).toStrictEqual(Exit.fail(new AnalysisError.UnpricedCompletion({ id: "gen-7", model: "m" })))
      const error = yield* Effect.flip(Cost.chargedOrFail(priced(null)))
      expect(error.message).toBe("Completion chtcpl-1 (openai/gpt-4o) reported no cost")
    }))
})

describe("grouping", () => {
  const completions = [
    priced(0.1, { model: "a", provider: "OpenAI", created: dayStart - 1 }),
    priced(0.2, { model: "a", provider: "OpenAI", created: dayStart }),
    priced(0.3, { model: "a", created: dayStart + 86_399 }),
    priced(null, { model: "b", provider: "Azure", created: dayStart + 86_400 })
  ]

  const keysAndCosts = (summary: Cost.CostSummary) =>
    summary.groups.map((group) => [group.key, BigDecimal.format(group.totals.cost), group.totals.completions])

  it("groups by model", () => {
    expect(keysAndCosts(Cost.summarize(completions, { by: "model" }))).toStrictEqual([
      [["a"], "0.6", 3],
      [["b"], "0", 1]
    ])
  })

  it("groups by provider, a missing provider under null", () => {
    expect(keysAndCosts(Cost.summarize(completions, { by: "provider" }))).toStrictEqual([
      [[null], "0.3", 1],
      [["Azure"], "0", 1],
      [["OpenAI"], "0.3", 2]
    ])
  })

  it("groups by UTC day of created", () => {
    expect(keysAndCosts(Cost.summarize(completions, { by: "day" }))).toStrictEqual([
      [["2025-11-24"], "0.1", 1],
      [["2025-11-25"], "0.5", 2],
      [["2025-11-26"], "0", 1]
    ])
  })

  it("groups by a combination, each group with its own counts", () => {
    const summary = Cost.summarize(completions, { by: ["model", "provider", "day"] })
    expect(keysAndCosts(summary)).toStrictEqual([
      [["a", null, "2025-11-25"], "0.3", 1],
      [["a", "OpenAI", "2025-11-24"], "0.1", 1],
      [["a", "OpenAI", "2025-11-25"], "0.2", 1],
      [["b", "Azure", "2025-11-26"], "0", 1]
    ])
    expect(summary.groups[3].totals.unpriced).toBe(1)
    expect(summary.total).toStrictEqual(Cost.summarize(completions).total)
  })

  it("groups by a key function, alone or with a dimension", () => {
    const bySign = (c: (typeof completions)[number]) => (c.usage?.cost == null ? "unpriced" : "priced")
    expect(keysAndCosts(Cost.summarize(completions, { by: bySign }))).toStrictEqual([
      [["priced"], "0.6", 3],
      [["unpriced"], "0", 1]
    ])
    expect(keysAndCosts(Cost.summarize(completions, { by: [bySign, "model"] }))).toStrictEqual([
      [["priced", "a"], "0.6", 3],
      [["unpriced", "b"], "0", 1]
    ])
  })

  it("puts a created time outside the calendar under a null day", () => {
    const summary = Cost.summarize([priced(1, { created: 1e300 })], { by: "day" })
    expect(summary.groups.map((group) => group.key)).toStrictEqual([[null]])
  })
})

describe("as a Schema", () => {
  it("encodes to JSON, amounts as strings, and decodes back to an equal summary", () => {
    const summary = Cost.summarize([priced(0.1), priced(2e-20, { model: "b" })], { by: "model" })
    const json = Schema.encodeSync(Schema.parseJson(Cost.CostSummary))(summary)
    expect(JSON.parse(json).total.cost).toBe("0.10000000000000000002")
    expect(Schema.decodeUnknownSync(Schema.parseJson(Cost.CostSummary))(json)).toStrictEqual(summary)
  })
})

// Completions with the fields cost reads; amounts span every finite double in range, tiny and subnormal included.
const Sample = Schema.Struct({
  model: Schema.Literal("a", "b", "c"),
  provider: Schema.NullOr(Schema.Literal("OpenAI", "Azure")),
  day: Schema.Int.pipe(Schema.between(0, 3)),
  cost: Schema.NullOr(Schema.Number.pipe(Schema.finite(), Schema.between(-1, 1000))),
  upstream: Schema.Number.pipe(Schema.finite(), Schema.between(0, 1000)),
  byok: Schema.Boolean,
  prompt: Schema.Int.pipe(Schema.between(0, 1_000_000)),
  cached: Schema.Int.pipe(Schema.between(0, 1_000_000))
})

const fromSample = (sample: typeof Sample.Type) =>
  completion({
    model: sample.model,
    provider: sample.provider,
    created: dayStart + sample.day * 86_400,
    usage: usage({
      cost: sample.cost,
      is_byok: sample.byok,
      cost_details: { upstream_inference_cost: sample.upstream, upstream_upstream_inference_cost: sample.upstream },
      prompt_tokens: sample.prompt,
      prompt_tokens_details: { cached_tokens: sample.cached }
    })
  })

const completions = FastCheck.array(Arbitrary.make(Sample).map(fromSample), { maxLength: 12 })
const options: Cost.Options = { by: ["model", "provider", "day"] }
const summaries = completions.map((cs) => Cost.summarize(cs, options))

describe("as a monoid", () => {
  it.prop("merge is associative", { a: summaries, b: summaries, c: summaries }, ({ a, b, c }) => {
    expect(Cost.merge(a, Cost.merge(b, c))).toStrictEqual(Cost.merge(Cost.merge(a, b), c))
  })

  it.prop("empty is the identity of merge", { a: summaries }, ({ a }) => {
    expect(Cost.merge(a, Cost.empty)).toStrictEqual(a)
    expect(Cost.merge(Cost.empty, a)).toStrictEqual(a)
    expect(Cost.summarize([], options)).toStrictEqual(Cost.empty)
  })

  it.prop(
    "merging the summaries of any partition gives the summary of the whole",
    { shards: FastCheck.array(FastCheck.tuple(Arbitrary.make(Sample).map(fromSample), FastCheck.nat(3))) },
    ({ shards }) => {
      const whole = Cost.summarize(shards.map(([c]) => c), options)
      const parts = [0, 1, 2, 3].map((shard) =>
        Cost.summarize(shards.filter(([, s]) => s === shard).map(([c]) => c), options)
      )
      expect(Cost.mergeAll(parts)).toStrictEqual(whole)
      expect(Cost.mergeAll(parts.reverse())).toStrictEqual(whole)
      expect(whole.total).toStrictEqual(Cost.summarize(shards.map(([c]) => c)).total)
    }
  )

  it.prop("the JSON of any summary decodes back to it", { a: summaries }, ({ a }) => {
    const codec = Schema.parseJson(Cost.CostSummary)
    expect(Schema.decodeUnknownSync(codec)(Schema.encodeSync(codec)(a))).toStrictEqual(a)
  })

  it("merges data-first and data-last alike", () => {
    const a = Cost.fromCompletion(priced(0.1), options)
    const b = Cost.fromCompletion(priced(0.2, { model: "z" }), options)
    expect(pipe(a, Cost.merge(b))).toStrictEqual(Cost.merge(a, b))
    expect(BigDecimal.format(Cost.merge(a, b).total.cost)).toBe("0.3")
  })
})

describe("as a Sink", () => {
  it.effect("summarizes a stream in chunks to the summary of the whole", () =>
    Effect.gen(function*() {
      const all = Array.from({ length: 25 }, (_, i) => priced(i % 4 === 0 ? null : 0.1, { model: `m${i % 3}` }))
      const summary = yield* Stream.fromIterable(all).pipe(Stream.rechunk(4), Stream.run(Cost.sink(options)))
      expect(summary).toStrictEqual(Cost.summarize(all, options))
      const oneByOne = yield* Stream.fromIterable(all).pipe(Stream.rechunk(1), Stream.run(Cost.sink(options)))
      expect(oneByOne).toStrictEqual(summary)
      expect(summary.total.unpriced).toBe(7)
      expect(BigDecimal.format(summary.total.cost)).toBe("1.8")
    }))

  it.effect("can run twice without sharing state", () =>
    Effect.gen(function*() {
      const sink = Cost.sink()
      const stream = Stream.fromChunk(Chunk.make(priced(0.1), priced(0.2)))
      const first = yield* Stream.run(stream, sink)
      const second = yield* Stream.run(stream, sink)
      expect(second).toStrictEqual(first)
      expect(BigDecimal.format(second.total.cost)).toBe("0.3")
    }))
})
