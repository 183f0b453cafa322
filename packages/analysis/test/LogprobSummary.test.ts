import { addEqualityTesters, describe, expect, it } from "@effect/vitest"
import { LogprobMetrics, LogprobSummary } from "@objectiveai-effect/analysis"
import * as BigDecimal from "effect/BigDecimal"
import * as Effect from "effect/Effect"
import * as FastCheck from "effect/FastCheck"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import { completion, token, withLogprobs } from "./fixtures.js"
import { expectClose, firstChoice, realisticCompletions } from "./logprobs.js"

addEqualityTesters()

describe("aggregates", () => {
  const one = withLogprobs([token(-1)])
  const three = withLogprobs([token(-0.1), token(-0.1), token(-0.1)], [token(-3)])

  it("weights by tokens, not by choices", () => {
    const summary = LogprobSummary.summarize([one, three])
    expect(summary.choices).toBe(2)
    expect(summary.content.tokens).toBe(4)
    const metrics = LogprobSummary.toTokenMetrics(summary.content)
    // exp(1.3 / 4) = 1.38403120000…, where the mean of the two perplexities would be (e + e^0.1) / 2 ≈ 1.911
    expectClose(metrics.perplexity, Math.exp(1.3 / 4))
    expectClose(metrics.lowestProbability, Math.exp(-1))
    expectClose(LogprobSummary.toTokenMetrics(summary.refusal).perplexity, Math.exp(3))
    expect(summary.refusal.choices).toBe(1)
  })

  it("sums each choice's logprobs exactly, so that shards merge to the same total", () => {
    const summary = LogprobSummary.summarize([one, three])
    // One choice sums to -1, the other to the double nearest -0.3, whose shortest decimal is -0.30000000000000004.
    expect(summary.content.logprobSum).toStrictEqual(BigDecimal.unsafeFromString("-1.30000000000000004"))
  })

  it("sums huge kept placeholders exactly where a float sum overflows", () => {
    const huge = withLogprobs([token(-1e308), token(-1e308)])
    const options = { placeholders: LogprobMetrics.keep() }
    expect(LogprobMetrics.ofChoice(firstChoice(huge), options).content.jointLogprob).toBe(Number.NEGATIVE_INFINITY)
    const summary = LogprobSummary.summarize([huge], options)
    expect(BigDecimal.equals(summary.content.logprobSum, BigDecimal.unsafeFromString("-2e308"))).toBe(true)
    expect(summary.content.placeholders.kept).toBe(2)
  })

  it("encodes to JSON and decodes back", () => {
    const summary = LogprobSummary.summarize([one, three, completion()])
    const codec = Schema.parseJson(LogprobSummary.LogprobSummary)
    const json = Schema.encodeSync(codec)(summary)
    expect(JSON.parse(json).content.logprobSum).toBe("-1.30000000000000004")
    expect(JSON.parse(json).refusal.lowestLogprob).toBe(-3)
    expect(Schema.decodeUnknownSync(codec)(json)).toStrictEqual(summary)
    expect(Schema.decodeUnknownSync(codec)(Schema.encodeSync(codec)(LogprobSummary.empty))).toStrictEqual(
      LogprobSummary.empty
    )
  })

  it.effect("summarizes a stream with a sink", () =>
    Effect.gen(function*() {
      const all = [one, three, completion(), three, one]
      const summary = yield* Stream.fromIterable(all).pipe(Stream.rechunk(2), Stream.run(LogprobSummary.sink()))
      expect(summary).toStrictEqual(LogprobSummary.summarize(all))
      expect(summary.choices).toBe(5)
      expect(summary.content.choices).toBe(4)
    }))
})

const summaries = realisticCompletions.map((cs) => LogprobSummary.summarize(cs))

// Each completion goes to one of three shards.
const partitioned = realisticCompletions.chain((all) =>
  FastCheck.array(FastCheck.nat(2), { minLength: all.length, maxLength: all.length }).map((shards) => ({ all, shards }))
)

describe("properties", () => {
  it.prop(
    "merge is associative with empty as identity",
    { a: summaries, b: summaries, c: summaries },
    ({ a, b, c }) => {
      expect(LogprobSummary.merge(a, LogprobSummary.merge(b, c))).toStrictEqual(
        LogprobSummary.merge(LogprobSummary.merge(a, b), c)
      )
      expect(LogprobSummary.merge(a, LogprobSummary.empty)).toStrictEqual(a)
      expect(LogprobSummary.merge(LogprobSummary.empty, a)).toStrictEqual(a)
    }
  )

  it.prop(
    "merging the summaries of any partition gives the summary of the whole",
    { partition: partitioned },
    ({ partition: { all, shards } }) => {
      const parts = [0, 1, 2].map((shard) => all.filter((_, i) => shards[i] === shard))
      const merged = parts.map((part) => LogprobSummary.summarize(part)).reduce(
        (a, b) => LogprobSummary.merge(a, b),
        LogprobSummary.empty
      )
      expect(merged).toStrictEqual(LogprobSummary.summarize(all))
    }
  )
})
