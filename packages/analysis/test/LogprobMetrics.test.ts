import { addEqualityTesters, describe, expect, it } from "@effect/vitest"
import { AnalysisError, LogprobMetrics } from "@objectiveai-effect/analysis"
import type { ChatCompletion } from "@objectiveai-effect/domain"
import { Logprobs } from "@objectiveai-effect/domain"
import * as Arbitrary from "effect/Arbitrary"
import * as Effect from "effect/Effect"
import * as FastCheck from "effect/FastCheck"
import * as Option from "effect/Option"
import { choice, completion, token, withLogprobs } from "./fixtures.js"
import { choiceOf, expectClose, firstChoice, realisticToken } from "./logprobs.js"

addEqualityTesters()

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
    const { content } = LogprobMetrics.ofChoice(known)
    expect(content.tokens).toBe(3)
    expectClose(content.perplexity, 1.2214027581601698)
    expect(content.jointLogprob).toBeCloseTo(-0.6, 12)
    expectClose(content.lowestProbability, 0.7408182206817179)
  })

  it("computes the mean renormalised entropy and the mean margin of the top alternatives", () => {
    const { content } = LogprobMetrics.ofChoice(known)
    // (1.5 ln 2 + ln 2) / 2 = 1.25 ln 2 = 0.86643397569993163677…
    expectClose(content.meanEntropy, 0.8664339756999316)
    expectClose(content.meanMargin, 0.125)
  })

  it("has no value, never 0, when there are no tokens", () => {
    for (const content of [null, []]) {
      const measured = firstChoice(withLogprobs(content))
      expect(LogprobMetrics.perplexity(measured)).toStrictEqual(Option.none())
      const metrics = LogprobMetrics.ofChoice(measured).content
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
    const { content, refusal } = LogprobMetrics.ofChoice(measured)
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
    const measured = LogprobMetrics.ofCompletion(twoChoices)
    expect(measured.map((m) => m.index)).toStrictEqual([0, 1])
    expect(measured.map((m) => m.content.jointLogprob)).toStrictEqual([-1, -2])
  })
})

describe("placeholder policies", () => {
  const mixed = firstChoice(withLogprobs([token(-0.5), token(-9999), token(null), token(-1e30), token(-1)]))

  it("excludes placeholders by default, and says how many", () => {
    const { content } = LogprobMetrics.ofChoice(mixed)
    expect(content.tokens).toBe(2)
    expect(content.placeholders).toStrictEqual({ excluded: 3, clamped: 0, kept: 0 })
    // exp(1.5 / 2) = 2.11700001661267466854…
    expectClose(content.perplexity, 2.1170000166126748)
    expectClose(content.lowestProbability, Math.exp(-1))
  })

  it("clamps placeholders to the floor", () => {
    const options = { placeholders: LogprobMetrics.clamp(-20) }
    const { content } = LogprobMetrics.ofChoice(mixed, options)
    expect(content.tokens).toBe(5)
    expect(content.placeholders).toStrictEqual({ excluded: 0, clamped: 3, kept: 0 })
    expect(content.jointLogprob).toBe(-61.5)
    expectClose(content.perplexity, Math.exp(61.5 / 5))
    expectClose(LogprobMetrics.perplexity(mixed, options), Math.exp(61.5 / 5))
  })

  it("keeps placeholder numbers as given, excluding what is not a number", () => {
    const { content } = LogprobMetrics.ofChoice(mixed, { placeholders: LogprobMetrics.keep() })
    expect(content.tokens).toBe(4)
    expect(content.placeholders).toStrictEqual({ excluded: 1, clamped: 0, kept: 2 })
    expect(content.perplexity).toStrictEqual(Option.some(Number.POSITIVE_INFINITY))
    expect(content.lowestProbability).toStrictEqual(Option.some(0))
  })

  it("takes the placeholder threshold from the policy", () => {
    const measured = firstChoice(withLogprobs([token(-150), token(-1)]))
    expect(LogprobMetrics.ofChoice(measured).content.tokens).toBe(2)
    const { content } = LogprobMetrics.ofChoice(measured, {
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
    expect(LogprobMetrics.ofChoice(odd).content.placeholders).toStrictEqual({ excluded: 3, clamped: 0, kept: 0 })
    expect(LogprobMetrics.ofChoice(odd, { placeholders: LogprobMetrics.keep() }).content.placeholders)
      .toStrictEqual({ excluded: 3, clamped: 0, kept: 0 })
    const clamped = LogprobMetrics.ofChoice(odd, { placeholders: LogprobMetrics.clamp(-10) }).content
    expect(clamped.placeholders).toStrictEqual({ excluded: 0, clamped: 3, kept: 0 })
    expect(clamped.jointLogprob).toBe(-31)
  })

  it("counts positive logprobs (rounding noise) as probability 1", () => {
    const measured = firstChoice(withLogprobs([token(1e-9), token(2e-9)]))
    expect(LogprobMetrics.perplexity(measured)).toStrictEqual(Option.some(1))
    expect(LogprobMetrics.ofChoice(measured).content.placeholders).toStrictEqual({
      excluded: 0,
      clamped: 0,
      kept: 0
    })
  })

  it("leaves placeholder alternatives out of the entropy", () => {
    const measured = firstChoice(withLogprobs([token(-0.1, [Math.log(0.5), Math.log(0.5), -9999, null])]))
    expectClose(LogprobMetrics.ofChoice(measured).content.meanEntropy, Math.LN2)
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
        new AnalysisError.NoContentTokens({ index: 0, placeholders: { excluded: 2, clamped: 0, kept: 0 } })
      )
      expect(error.message).toBe("Choice 0 has no content token logprobs to measure (2 excluded)")
      const recovered = yield* LogprobMetrics.perplexityOrFail(firstChoice(completion())).pipe(
        Effect.catchTag("NoContentTokens", () => Effect.succeed(-1))
      )
      expect(recovered).toBe(-1)
    }))
})

const tokenLogprob = Arbitrary.make(Logprobs.TokenLogprob)
const policy = FastCheck.constantFrom(LogprobMetrics.exclude(), LogprobMetrics.clamp(-20), LogprobMetrics.keep())

describe("properties", () => {
  it.prop(
    "perplexity is at least 1, or none",
    { tokens: FastCheck.array(tokenLogprob), policy },
    ({ policy, tokens }) => {
      const measured = choiceOf(tokens)
      const value = LogprobMetrics.perplexity(measured, { placeholders: policy })
      if (Option.isSome(value)) expect(value.value).toBeGreaterThanOrEqual(1)
      const { content } = LogprobMetrics.ofChoice(measured, { placeholders: policy })
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
      const { content } = LogprobMetrics.ofChoice(choiceOf(tokens))
      // A position has an entropy with one valid alternative and a margin with two: each mean exists exactly then.
      const valid = tokens.map((token) =>
        token.top_logprobs.filter(({ logprob }) => typeof logprob === "number" && logprob > -9999).length
      )
      expect(Option.isSome(content.meanEntropy)).toBe(valid.some((count) => count >= 1))
      expect(Option.isSome(content.meanMargin)).toBe(valid.some((count) => count >= 2))
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
})
