import { addEqualityTesters, describe, expect, it } from "@effect/vitest"
import { LogprobMetrics } from "@objectiveai-effect/analysis"
import type { ChatCompletion } from "@objectiveai-effect/domain"
import { Logprobs } from "@objectiveai-effect/domain"
import * as Arbitrary from "effect/Arbitrary"
import * as BigDecimal from "effect/BigDecimal"
import * as Effect from "effect/Effect"
import * as FastCheck from "effect/FastCheck"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import { choice, completion, token, withLogprobs } from "./fixtures.js"

addEqualityTesters()

const firstChoice = (c: ChatCompletion.ChatCompletion) => c.choices[0]

/** `actual` is `Some` and within `tolerance` of `expected`, relative to its size. */
const expectClose = (actual: Option.Option<number>, expected: number, tolerance = 1e-12) => {
  expect(Option.isSome(actual)).toBe(true)
  const value = Option.getOrThrow(actual)
  expect(Math.abs(value - expected)).toBeLessThanOrEqual(tolerance * Math.max(1, Math.abs(expected)))
}

describe("measures of one choice", () => {
  // Top alternatives: probabilities 1/2, 1/4, 1/4 (entropy 1.5 ln 2, margin 1/4); then 0.4 and 0.4, which
  // renormalise to 1/2 each (entropy ln 2, margin 0); then none.
  const known = firstChoice(withLogprobs([
    token(-0.1, [Math.log(0.5), Math.log(0.25), Math.log(0.25)]),
    token(-0.2, [Math.log(0.4), Math.log(0.4)]),
    token(-0.3)
  ]))

  it("computes perplexity, joint logprob and lowest probability of known logprobs", () => {
    // exp(0.2) = 1.22140275816016983392…, exp(-0.3) = 0.74081822068171786607…
    expectClose(LogprobMetrics.perplexity(known), 1.2214027581601698)
    const { content } = LogprobMetrics.choiceMetrics(known)
    expect(content.tokens).toBe(3)
    expectClose(content.perplexity, 1.2214027581601698)
    expect(content.jointLogprob).toBeCloseTo(-0.6, 12)
    expectClose(content.lowestProbability, 0.7408182206817179)
  })

  it("computes the mean renormalised entropy and the mean margin of the top alternatives", () => {
    const { content } = LogprobMetrics.choiceMetrics(known)
    // (1.5 ln 2 + ln 2) / 2 = 1.25 ln 2 = 0.86643397569993163677…
    expectClose(content.meanEntropy, 0.8664339756999316)
    expectClose(content.meanMargin, 0.125)
  })

  it("has no value, never 0, when there are no tokens", () => {
    for (const content of [null, []]) {
      const measured = firstChoice(withLogprobs(content))
      expect(LogprobMetrics.perplexity(measured)).toStrictEqual(Option.none())
      const metrics = LogprobMetrics.choiceMetrics(measured).content
      expect(metrics.tokens).toBe(0)
      expect(metrics.perplexity).toStrictEqual(Option.none())
      expect(metrics.lowestProbability).toStrictEqual(Option.none())
      expect(metrics.meanEntropy).toStrictEqual(Option.none())
      expect(metrics.meanMargin).toStrictEqual(Option.none())
      expect(metrics.jointLogprob).toBe(0)
    }
    expect(LogprobMetrics.perplexity(firstChoice(completion()))).toStrictEqual(Option.none())
  })

  it("keeps refusal logprobs apart from content logprobs", () => {
    const measured = firstChoice(withLogprobs([token(-0.1)], [token(-2), token(-2)]))
    const { content, refusal } = LogprobMetrics.choiceMetrics(measured)
    expectClose(content.perplexity, Math.exp(0.1))
    expectClose(refusal.perplexity, Math.exp(2))
    expect(refusal.tokens).toBe(2)
    expectClose(LogprobMetrics.perplexity(measured), Math.exp(0.1))
  })

  it("measures every choice of a completion", () => {
    const twoChoices = completion({
      choices: [
        choice({ index: 0, logprobs: { content: [token(-1)] } }),
        choice({ index: 1, logprobs: { content: [token(-2)] } })
      ]
    })
    const measured = LogprobMetrics.completionMetrics(twoChoices)
    expect(measured.map((m) => m.index)).toStrictEqual([0, 1])
    expect(measured.map((m) => m.content.jointLogprob)).toStrictEqual([-1, -2])
  })
})

describe("placeholder policies", () => {
  const mixed = firstChoice(withLogprobs([token(-0.5), token(-9999), token(null), token(-1e30), token(-1)]))

  it("excludes placeholders by default, and says how many", () => {
    const { content } = LogprobMetrics.choiceMetrics(mixed)
    expect(content.tokens).toBe(2)
    expect(content.placeholders).toStrictEqual({ excluded: 3, clamped: 0, kept: 0 })
    // exp(1.5 / 2) = 2.11700001661267466854…
    expectClose(content.perplexity, 2.1170000166126748)
    expectClose(content.lowestProbability, Math.exp(-1))
  })

  it("clamps placeholders to the floor", () => {
    const options = { placeholders: LogprobMetrics.clamp(-20) }
    const { content } = LogprobMetrics.choiceMetrics(mixed, options)
    expect(content.tokens).toBe(5)
    expect(content.placeholders).toStrictEqual({ excluded: 0, clamped: 3, kept: 0 })
    expect(content.jointLogprob).toBe(-61.5)
    expectClose(content.perplexity, Math.exp(61.5 / 5))
    expectClose(LogprobMetrics.perplexity(mixed, options), Math.exp(61.5 / 5))
  })

  it("keeps placeholder numbers as given, excluding what is not a number", () => {
    const { content } = LogprobMetrics.choiceMetrics(mixed, { placeholders: LogprobMetrics.keep() })
    expect(content.tokens).toBe(4)
    expect(content.placeholders).toStrictEqual({ excluded: 1, clamped: 0, kept: 2 })
    expect(content.perplexity).toStrictEqual(Option.some(Number.POSITIVE_INFINITY))
    expect(content.lowestProbability).toStrictEqual(Option.some(0))
  })

  it("takes the placeholder threshold from the policy", () => {
    const measured = firstChoice(withLogprobs([token(-150), token(-1)]))
    expect(LogprobMetrics.choiceMetrics(measured).content.tokens).toBe(2)
    const { content } = LogprobMetrics.choiceMetrics(measured, {
      placeholders: LogprobMetrics.exclude({ threshold: -100 })
    })
    expect(content.tokens).toBe(1)
    expect(content.placeholders.excluded).toBe(1)
  })

  it("treats values that are not finite as placeholders under every policy", () => {
    const base = firstChoice(withLogprobs([token(-1)]))
    const tokens = [Number.NaN, Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY].map((logprob) => ({
      ...base.logprobs!.content![0],
      logprob
    }))
    const odd: ChatCompletion.Choice = { ...base, logprobs: { content: [...tokens, base.logprobs!.content![0]] } }
    expect(LogprobMetrics.choiceMetrics(odd).content.placeholders).toStrictEqual({ excluded: 3, clamped: 0, kept: 0 })
    expect(LogprobMetrics.choiceMetrics(odd, { placeholders: LogprobMetrics.keep() }).content.placeholders)
      .toStrictEqual({ excluded: 3, clamped: 0, kept: 0 })
    const clamped = LogprobMetrics.choiceMetrics(odd, { placeholders: LogprobMetrics.clamp(-10) }).content
    expect(clamped.placeholders).toStrictEqual({ excluded: 0, clamped: 3, kept: 0 })
    expect(clamped.jointLogprob).toBe(-31)
  })

  it("counts positive logprobs (rounding noise) as probability 1", () => {
    const measured = firstChoice(withLogprobs([token(1e-9), token(2e-9)]))
    expect(LogprobMetrics.perplexity(measured)).toStrictEqual(Option.some(1))
    expect(LogprobMetrics.choiceMetrics(measured).content.placeholders).toStrictEqual({
      excluded: 0,
      clamped: 0,
      kept: 0
    })
  })

  it("leaves placeholder alternatives out of the entropy", () => {
    const measured = firstChoice(withLogprobs([token(-0.1, [Math.log(0.5), Math.log(0.5), -9999, null])]))
    expectClose(LogprobMetrics.choiceMetrics(measured).content.meanEntropy, Math.LN2)
  })

  it("rejects a clamp floor that is not a finite logprob", () => {
    expect(() => LogprobMetrics.clamp(1)).toThrow()
    expect(() => LogprobMetrics.clamp(Number.NEGATIVE_INFINITY)).toThrow()
  })
})

describe("as an Effect", () => {
  it.effect("succeeds with the perplexity, or fails with NoContentTokens", () =>
    Effect.gen(function*() {
      const value = yield* LogprobMetrics.perplexityOrFail(firstChoice(withLogprobs([token(-0.1), token(-0.3)])))
      expectClose(Option.some(value), Math.exp(0.2))
      const error = yield* Effect.flip(
        LogprobMetrics.perplexityOrFail(firstChoice(withLogprobs([token(-9999), token(null)])))
      )
      expect(error).toStrictEqual(
        new LogprobMetrics.NoContentTokens({ index: 0, placeholders: { excluded: 2, clamped: 0, kept: 0 } })
      )
      expect(error.message).toBe("Choice 0 has no content token logprobs to measure (2 excluded)")
      const recovered = yield* LogprobMetrics.perplexityOrFail(firstChoice(completion())).pipe(
        Effect.catchTag("NoContentTokens", () => Effect.succeed(-1))
      )
      expect(recovered).toBe(-1)
    }))
})

describe("aggregates", () => {
  const one = withLogprobs([token(-1)])
  const three = withLogprobs([token(-0.1), token(-0.1), token(-0.1)], [token(-3)])

  it("weights by tokens, not by choices", () => {
    const summary = LogprobMetrics.summarize([one, three])
    expect(summary.choices).toBe(2)
    expect(summary.content.tokens).toBe(4)
    const metrics = LogprobMetrics.metrics(summary.content)
    // exp(1.3 / 4) = 1.38403120000…, where the mean of the two perplexities would be (e + e^0.1) / 2 ≈ 1.911
    expectClose(metrics.perplexity, Math.exp(1.3 / 4))
    expectClose(metrics.lowestProbability, Math.exp(-1))
    expectClose(LogprobMetrics.metrics(summary.refusal).perplexity, Math.exp(3))
    expect(summary.refusal.choices).toBe(1)
  })

  it("sums each choice's logprobs exactly, so that shards merge to the same total", () => {
    const summary = LogprobMetrics.summarize([one, three])
    // One choice sums to -1, the other to the double nearest -0.3, whose shortest decimal is -0.30000000000000004.
    expect(summary.content.logprobSum).toStrictEqual(BigDecimal.unsafeFromString("-1.30000000000000004"))
  })

  it("sums huge kept placeholders exactly where a float sum overflows", () => {
    const huge = withLogprobs([token(-1e308), token(-1e308)])
    const options = { placeholders: LogprobMetrics.keep() }
    expect(LogprobMetrics.choiceMetrics(firstChoice(huge), options).content.jointLogprob).toBe(Number.NEGATIVE_INFINITY)
    const summary = LogprobMetrics.summarize([huge], options)
    expect(BigDecimal.equals(summary.content.logprobSum, BigDecimal.unsafeFromString("-2e308"))).toBe(true)
    expect(summary.content.placeholders.kept).toBe(2)
  })

  it("encodes to JSON and decodes back", () => {
    const summary = LogprobMetrics.summarize([one, three, completion()])
    const codec = Schema.parseJson(LogprobMetrics.LogprobSummary)
    const json = Schema.encodeSync(codec)(summary)
    expect(JSON.parse(json).content.logprobSum).toBe("-1.30000000000000004")
    expect(JSON.parse(json).refusal.lowestLogprob).toBe(-3)
    expect(Schema.decodeUnknownSync(codec)(json)).toStrictEqual(summary)
    expect(Schema.decodeUnknownSync(codec)(Schema.encodeSync(codec)(LogprobMetrics.empty))).toStrictEqual(
      LogprobMetrics.empty
    )
  })

  it.effect("summarizes a stream with a sink", () =>
    Effect.gen(function*() {
      const all = [one, three, completion(), three, one]
      const summary = yield* Stream.fromIterable(all).pipe(Stream.rechunk(2), Stream.run(LogprobMetrics.sink()))
      expect(summary).toStrictEqual(LogprobMetrics.summarize(all))
      expect(summary.choices).toBe(5)
      expect(summary.content.choices).toBe(4)
    }))
})

const tokenLogprob = Arbitrary.make(Logprobs.TokenLogprob)
const policy = FastCheck.constantFrom(LogprobMetrics.exclude(), LogprobMetrics.clamp(-20), LogprobMetrics.keep())

const choiceOf = (
  content: ReadonlyArray<Logprobs.TokenLogprob>,
  refusal: ReadonlyArray<Logprobs.TokenLogprob> = []
): ChatCompletion.Choice => ({
  index: 0,
  finish_reason: "stop",
  message: { role: "assistant" },
  logprobs: { content, refusal }
})

const completionOf = (choices: ReadonlyArray<ChatCompletion.Choice>): ChatCompletion.ChatCompletion => ({
  ...completion(),
  choices
})

// Realistic logprobs (placeholders and nulls included), so that sums stay finite and summaries are comparable.
const realisticLogprob = FastCheck.oneof(
  FastCheck.double({ min: -30, max: 0, noNaN: true }),
  FastCheck.constantFrom(-9999, null, 0)
)
const realisticToken = FastCheck.record({
  logprob: realisticLogprob,
  top: FastCheck.array(realisticLogprob, { maxLength: 5 })
}).map(({ logprob, top }) => Schema.decodeUnknownSync(Logprobs.TokenLogprob)(token(logprob, top)))
const completions = FastCheck.array(
  FastCheck.array(
    FastCheck.tuple(
      FastCheck.array(realisticToken, { maxLength: 8 }),
      FastCheck.array(realisticToken, { maxLength: 2 })
    )
      .map(([content, refusal]) => choiceOf(content, refusal)),
    { maxLength: 2 }
  ).map(completionOf),
  { maxLength: 6 }
)
const summaries = completions.map((cs) => LogprobMetrics.summarize(cs))

describe("properties", () => {
  it.prop(
    "perplexity is at least 1, or none",
    { tokens: FastCheck.array(tokenLogprob), policy },
    ({ policy, tokens }) => {
      const measured = choiceOf(tokens)
      const value = LogprobMetrics.perplexity(measured, { placeholders: policy })
      if (Option.isSome(value)) expect(value.value).toBeGreaterThanOrEqual(1)
      const { content } = LogprobMetrics.choiceMetrics(measured, { placeholders: policy })
      expect(content.perplexity).toStrictEqual(value)
      const { clamped, excluded, kept } = content.placeholders
      expect(content.tokens + excluded).toBe(tokens.length)
      expect(clamped + kept).toBeLessThanOrEqual(content.tokens)
    }
  )

  it.prop(
    "entropy is between 0 and ln of the number of alternatives (at most 5 here), margin between 0 and 1",
    { tokens: FastCheck.array(realisticToken) },
    ({ tokens }) => {
      const { content } = LogprobMetrics.choiceMetrics(choiceOf(tokens))
      for (const entropy of Option.toArray(content.meanEntropy)) {
        expect(entropy).toBeGreaterThanOrEqual(0)
        expect(entropy).toBeLessThanOrEqual(Math.log(5) + 1e-12)
      }
      for (const margin of Option.toArray(content.meanMargin)) {
        expect(margin).toBeGreaterThanOrEqual(0)
        expect(margin).toBeLessThanOrEqual(1)
      }
    }
  )

  it.prop(
    "merge is associative with empty as identity",
    { a: summaries, b: summaries, c: summaries },
    ({ a, b, c }) => {
      expect(LogprobMetrics.merge(a, LogprobMetrics.merge(b, c))).toStrictEqual(
        LogprobMetrics.merge(LogprobMetrics.merge(a, b), c)
      )
      expect(LogprobMetrics.merge(a, LogprobMetrics.empty)).toStrictEqual(a)
      expect(LogprobMetrics.merge(LogprobMetrics.empty, a)).toStrictEqual(a)
    }
  )

  it.prop(
    "merging the summaries of any partition gives the summary of the whole",
    { all: completions, shards: FastCheck.array(FastCheck.nat(2), { minLength: 6, maxLength: 6 }) },
    ({ all, shards }) => {
      const parts = [0, 1, 2].map((shard) => all.filter((_, i) => shards[i] === shard))
      const merged = parts.map((part) => LogprobMetrics.summarize(part)).reduce(
        (a, b) => LogprobMetrics.merge(a, b),
        LogprobMetrics.empty
      )
      expect(merged).toStrictEqual(LogprobMetrics.summarize(all))
    }
  )
})
