import type { Logprobs } from "@objectiveai-effect/domain"
import * as Option from "effect/Option"
import type { PlaceholderPolicy, Placeholders, TokenMetrics } from "../LogprobMetrics.js"

/** The tokens a policy let through, their sum and lowest value, and what it did to the rest. */
export interface Tally {
  readonly tokens: number
  readonly sum: number
  readonly lowest: number
  readonly placeholders: Placeholders
}

/**
 * Tallies a run of tokens under a policy. The loop calls nothing, and tracks the lowest value only when asked: over a
 * million tokens each of those measurably separates it from a hand-written loop.
 */
export const tally = (
  tokens: ReadonlyArray<Logprobs.TokenLogprob>,
  policy: PlaceholderPolicy,
  withLowest: boolean
): Tally => {
  const threshold = policy.threshold
  const floor = policy._tag === "Clamp" ? policy.floor : undefined
  const keep = policy._tag === "Keep"
  let count = 0
  let sum = 0
  let lowest = Infinity
  let excluded = 0
  let clamped = 0
  let kept = 0
  for (let i = 0; i < tokens.length; i++) {
    const logprob = tokens[i].logprob
    let value: number
    if (logprob !== null && logprob > threshold && logprob <= 0) value = logprob
    // A positive logprob is rounding noise: no probability exceeds 1.
    else if (logprob !== null && logprob > 0 && logprob < Infinity) value = 0
    else if (floor !== undefined) {
      value = floor
      clamped++
    } else if (keep && logprob !== null && Number.isFinite(logprob)) {
      value = logprob
      kept++
    } else {
      excluded++
      continue
    }
    count++
    sum += value
    if (withLowest) lowest = Math.min(lowest, value)
  }
  return { tokens: count, sum, lowest, placeholders: { excluded, clamped, kept } }
}

/** Entropy and margin sums over the positions whose top alternatives allow them. */
export interface Alternatives {
  readonly entropySum: number
  readonly entropyPositions: number
  readonly marginSum: number
  readonly marginPositions: number
}

const isAlternative = (logprob: number | null | undefined, threshold: number): logprob is number =>
  typeof logprob === "number" && logprob > threshold && logprob < Infinity

export const measureAlternatives = (tokens: ReadonlyArray<Logprobs.TokenLogprob>, threshold: number): Alternatives => {
  let entropySum = 0
  let entropyPositions = 0
  let marginSum = 0
  let marginPositions = 0
  for (let t = 0; t < tokens.length; t++) {
    const top = tokens[t].top_logprobs
    let first = -Infinity
    let second = -Infinity
    let valid = 0
    for (let i = 0; i < top.length; i++) {
      const logprob = top[i].logprob
      if (!isAlternative(logprob, threshold)) continue
      const value = Math.min(logprob, 0)
      valid++
      if (value > first) {
        second = first
        first = value
      } else if (value > second) second = value
    }
    if (valid === 0) continue
    // Shifting by the largest logprob keeps every exp in range; H = ln Z - Σ e·(l - max) / Z.
    let z = 0
    let weighted = 0
    for (let i = 0; i < top.length; i++) {
      const logprob = top[i].logprob
      if (!isAlternative(logprob, threshold)) continue
      const shifted = Math.min(logprob, 0) - first
      const e = Math.exp(shifted)
      z += e
      weighted += e * shifted
    }
    // A single alternative has entropy 0, which the subtraction may leave a rounding error below.
    entropySum += Math.max(0, Math.log(z) - weighted / z)
    entropyPositions++
    if (valid >= 2) {
      marginSum += Math.exp(first) - Math.exp(second)
      marginPositions++
    }
  }
  return { entropySum, entropyPositions, marginSum, marginPositions }
}

const mean = (sum: number, count: number): Option.Option<number> =>
  count === 0 ? Option.none() : Option.some(sum / count)

// Every measured logprob is at most 0, so the exponent is at least 0 and the perplexity at least 1.
export const perplexityOf = (tokens: number, sum: number): Option.Option<number> =>
  tokens === 0 ? Option.none() : Option.some(Math.exp(-sum / tokens))

/** The public measures from a tally and its alternatives. */
export const assembleTokenMetrics = (
  tally: Omit<Tally, "placeholders">,
  alternatives: Alternatives,
  placeholders: Placeholders
): TokenMetrics => ({
  tokens: tally.tokens,
  perplexity: perplexityOf(tally.tokens, tally.sum),
  jointLogprob: tally.sum,
  lowestProbability: tally.tokens === 0 ? Option.none() : Option.some(Math.exp(tally.lowest)),
  meanEntropy: mean(alternatives.entropySum, alternatives.entropyPositions),
  meanMargin: mean(alternatives.marginSum, alternatives.marginPositions),
  placeholders
})

/** No tokens: what a choice without logprobs is measured over. */
export const noTokens: ReadonlyArray<Logprobs.TokenLogprob> = []

/** Every measure of a run of tokens under a policy. */
export const measureTokens = (
  tokens: ReadonlyArray<Logprobs.TokenLogprob>,
  policy: PlaceholderPolicy
): TokenMetrics => {
  const counted = tally(tokens, policy, true)
  return assembleTokenMetrics(counted, measureAlternatives(tokens, policy.threshold), counted.placeholders)
}
