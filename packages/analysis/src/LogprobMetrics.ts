/**
 * Perplexity and companion measures of a choice's token log probabilities: joint log-probability, lowest token
 * probability, mean entropy of the top alternatives and mean margin between the top two. Content and refusal tokens
 * are measured apart. Placeholders (`-9999` for "not in the top 20", `null`, huge negatives, non-finite values) are
 * handled by an explicit {@link PlaceholderPolicy}, and every result reports how many tokens the policy touched.
 *
 * A {@link LogprobSummary} aggregates many completions, token-weighted, and merges like a cost summary: exactly,
 * associatively, with {@link empty} as identity.
 *
 * @since 0.1.0
 */
import type { ChatCompletion, Logprobs } from "@objectiveai-effect/domain"
import * as BigDecimal from "effect/BigDecimal"
import type * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import { dual } from "effect/Function"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import * as Sink from "effect/Sink"
import * as Decimal from "./internal/decimal.js"

/**
 * The upstream's placeholder for a token outside the top 20; logprobs at or below it are placeholders by default.
 *
 * @since 0.1.0
 */
export const defaultThreshold = -9999

/**
 * Placeholders (logprobs at or below `threshold`) and values that are not finite numbers (`null`, `NaN`, infinities)
 * are left out of the measures.
 *
 * @since 0.1.0
 */
export const Exclude = Schema.TaggedStruct("Exclude", { threshold: Schema.Number })
/** @since 0.1.0 */
export interface Exclude extends Schema.Schema.Type<typeof Exclude> {}

/**
 * Placeholders and non-finite values count as `floor`, a finite logprob at most 0: a token outside the top 20 had at
 * most the probability of the last of them, so a floor near that bounds its effect.
 *
 * @since 0.1.0
 */
export const Clamp = Schema.TaggedStruct("Clamp", {
  threshold: Schema.Number,
  floor: Schema.Number.pipe(Schema.finite(), Schema.nonPositive())
})
/** @since 0.1.0 */
export interface Clamp extends Schema.Schema.Type<typeof Clamp> {}

/**
 * Placeholders count as given (a `-9999` weighs in as `-9999`); values that are not finite numbers cannot be kept
 * and are excluded.
 *
 * @since 0.1.0
 */
export const Keep = Schema.TaggedStruct("Keep", { threshold: Schema.Number })
/** @since 0.1.0 */
export interface Keep extends Schema.Schema.Type<typeof Keep> {}

/**
 * What to do with placeholder and non-finite logprobs. In every policy a positive logprob (rounding noise: a
 * probability cannot exceed 1) counts as 0, and alternatives in `top_logprobs` that are placeholders are left out of
 * the entropy and margin (their probability is negligible).
 *
 * @since 0.1.0
 */
export const PlaceholderPolicy = Schema.Union(Exclude, Clamp, Keep).annotations({ identifier: "PlaceholderPolicy" })
/** @since 0.1.0 */
export type PlaceholderPolicy = Schema.Schema.Type<typeof PlaceholderPolicy>

/**
 * The {@link Exclude} policy; the default.
 *
 * @since 0.1.0
 */
export const exclude = (options?: { readonly threshold?: number | undefined }): PlaceholderPolicy =>
  Exclude.make({ threshold: options?.threshold ?? defaultThreshold })

/**
 * The {@link Clamp} policy, counting placeholders as `floor`; throws if `floor` is not a finite number at most 0.
 *
 * @example
 * ```ts
 * import { LogprobMetrics } from "@objectiveai-effect/analysis"
 *
 * LogprobMetrics.perplexity(choice, { placeholders: LogprobMetrics.clamp(-20) })
 * ```
 *
 * @since 0.1.0
 */
export const clamp = (floor: number, options?: { readonly threshold?: number | undefined }): PlaceholderPolicy =>
  Clamp.make({ threshold: options?.threshold ?? defaultThreshold, floor })

/**
 * The {@link Keep} policy.
 *
 * @since 0.1.0
 */
export const keep = (options?: { readonly threshold?: number | undefined }): PlaceholderPolicy =>
  Keep.make({ threshold: options?.threshold ?? defaultThreshold })

/**
 * Options of every measure: the placeholder policy, {@link exclude} by default.
 *
 * @since 0.1.0
 */
export interface Options {
  readonly placeholders?: PlaceholderPolicy | undefined
}

const defaultPolicy = exclude()

/**
 * How many placeholder or non-finite tokens the policy left out, clamped, or kept as given.
 *
 * @since 0.1.0
 */
export const Placeholders = Schema.Struct({
  excluded: Schema.NonNegativeInt,
  clamped: Schema.NonNegativeInt,
  kept: Schema.NonNegativeInt
}).annotations({ identifier: "Placeholders" })
/** @since 0.1.0 */
export interface Placeholders extends Schema.Schema.Type<typeof Placeholders> {}

/**
 * The measures of a run of tokens. `perplexity` is `exp(-mean logprob)`, at least 1, and `None` without tokens, as
 * are the lowest probability and the means; `jointLogprob` is the sum (0 for no tokens). Entropy is in nats, over
 * each position's valid top alternatives renormalised to sum to 1; margin is the probability of the most likely
 * alternative minus that of the second, over positions with at least two.
 *
 * @since 0.1.0
 */
export interface Metrics {
  readonly tokens: number
  readonly perplexity: Option.Option<number>
  readonly jointLogprob: number
  readonly lowestProbability: Option.Option<number>
  readonly meanEntropy: Option.Option<number>
  readonly meanMargin: Option.Option<number>
  readonly placeholders: Placeholders
}

/**
 * The measures of one choice, its refusal tokens kept apart from its content tokens.
 *
 * @since 0.1.0
 */
export interface ChoiceMetrics {
  readonly index: number
  readonly content: Metrics
  readonly refusal: Metrics
}

/** The tokens a policy let through, their sum and lowest value, and what it did to the rest. */
interface Tally {
  readonly tokens: number
  readonly sum: number
  readonly lowest: number
  readonly placeholders: Placeholders
}

/**
 * Tallies a run of tokens under a policy. The loop calls nothing, and tracks the lowest value only when asked: over a
 * million tokens each of those measurably separates it from a hand-written loop.
 */
const tally = (tokens: ReadonlyArray<Logprobs.TokenLogprob>, policy: PlaceholderPolicy, withLowest: boolean): Tally => {
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
interface Alternatives {
  readonly entropySum: number
  readonly entropyPositions: number
  readonly marginSum: number
  readonly marginPositions: number
}

const isAlternative = (logprob: number | null | undefined, threshold: number): logprob is number =>
  typeof logprob === "number" && logprob > threshold && logprob < Infinity

const measureAlternatives = (tokens: ReadonlyArray<Logprobs.TokenLogprob>, threshold: number): Alternatives => {
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
const perplexityOf = (tokens: number, sum: number): Option.Option<number> =>
  tokens === 0 ? Option.none() : Option.some(Math.exp(-sum / tokens))

const toMetrics = (
  tally: Omit<Tally, "placeholders">,
  alternatives: Alternatives,
  placeholders: Placeholders
): Metrics => ({
  tokens: tally.tokens,
  perplexity: perplexityOf(tally.tokens, tally.sum),
  jointLogprob: tally.sum,
  lowestProbability: tally.tokens === 0 ? Option.none() : Option.some(Math.exp(tally.lowest)),
  meanEntropy: mean(alternatives.entropySum, alternatives.entropyPositions),
  meanMargin: mean(alternatives.marginSum, alternatives.marginPositions),
  placeholders
})

const noTokens: ReadonlyArray<Logprobs.TokenLogprob> = []

const policyOf = (options: Options | undefined): PlaceholderPolicy => options?.placeholders ?? defaultPolicy

const tallyContent = (choice: ChatCompletion.Choice, options: Options | undefined): Tally =>
  tally(choice.logprobs?.content ?? noTokens, policyOf(options), false)

const metricsOf = (tokens: ReadonlyArray<Logprobs.TokenLogprob>, policy: PlaceholderPolicy): Metrics => {
  const counted = tally(tokens, policy, true)
  return toMetrics(counted, measureAlternatives(tokens, policy.threshold), counted.placeholders)
}

/**
 * The perplexity of a choice's content tokens, `exp(-mean logprob)`: `None` if no token is left to measure (no
 * logprobs, or only excluded placeholders). This is the fast path; {@link choiceMetrics} gives every measure.
 *
 * @example
 * ```ts
 * import { LogprobMetrics } from "@objectiveai-effect/analysis"
 *
 * LogprobMetrics.perplexity(completion.choices[0]) // Option<number>
 * ```
 *
 * @since 0.1.0
 */
export const perplexity = (choice: ChatCompletion.Choice, options?: Options): Option.Option<number> => {
  const counted = tallyContent(choice, options)
  return perplexityOf(counted.tokens, counted.sum)
}

/**
 * Raised by {@link perplexityOrFail} for a choice with no content token to measure.
 *
 * @since 0.1.0
 */
export class NoContentTokens extends Schema.TaggedError<NoContentTokens>()("NoContentTokens", {
  index: Schema.Number,
  placeholders: Placeholders
}) {
  /** @since 0.1.0 */
  override get message(): string {
    return `Choice ${this.index} has no content token logprobs to measure (${this.placeholders.excluded} excluded)`
  }
}

/**
 * The perplexity of a choice's content tokens, failing with {@link NoContentTokens} when there is none.
 *
 * @since 0.1.0
 */
export const perplexityOrFail = (
  choice: ChatCompletion.Choice,
  options?: Options
): Effect.Effect<number, NoContentTokens> => {
  const counted = tallyContent(choice, options)
  return Option.match(perplexityOf(counted.tokens, counted.sum), {
    onNone: () => Effect.fail(new NoContentTokens({ index: choice.index, placeholders: counted.placeholders })),
    onSome: Effect.succeed
  })
}

/**
 * Every measure of a choice, for its content tokens and, apart, its refusal tokens.
 *
 * @example
 * ```ts
 * import { Option } from "effect"
 * import { LogprobMetrics } from "@objectiveai-effect/analysis"
 *
 * const { content } = LogprobMetrics.choiceMetrics(choice)
 * Option.getOrNull(content.perplexity)
 * content.placeholders.excluded // tokens the policy left out
 * ```
 *
 * @since 0.1.0
 */
export const choiceMetrics = (choice: ChatCompletion.Choice, options?: Options): ChoiceMetrics => {
  const policy = policyOf(options)
  return {
    index: choice.index,
    content: metricsOf(choice.logprobs?.content ?? noTokens, policy),
    refusal: metricsOf(choice.logprobs?.refusal ?? noTokens, policy)
  }
}

/**
 * The measures of every choice of a completion.
 *
 * @since 0.1.0
 */
export const completionMetrics = (
  completion: ChatCompletion.ChatCompletion,
  options?: Options
): ReadonlyArray<ChoiceMetrics> => completion.choices.map((choice) => choiceMetrics(choice, options))

/**
 * A count and an exact sum, for a mean that merges exactly.
 *
 * @since 0.1.0
 */
export const Mean = Schema.Struct({ count: Schema.NonNegativeInt, sum: Decimal.DecimalString }).annotations({
  identifier: "LogprobMean"
})
/** @since 0.1.0 */
export interface Mean extends Schema.Schema.Type<typeof Mean> {}

/**
 * The aggregate of content (or refusal) tokens over many choices. Sums are exact sums of each choice's sums, so
 * merging never depends on order; `choices` counts the choices that had at least one token measured.
 *
 * @since 0.1.0
 */
export const Section = Schema.Struct({
  choices: Schema.NonNegativeInt,
  tokens: Schema.NonNegativeInt,
  logprobSum: Decimal.DecimalString,
  lowestLogprob: Schema.OptionFromNullOr(Schema.Number),
  entropy: Mean,
  margin: Mean,
  placeholders: Placeholders
}).annotations({ identifier: "LogprobSection" })
/** @since 0.1.0 */
export interface Section extends Schema.Schema.Type<typeof Section> {}

/**
 * The token-weighted aggregate of many completions' logprobs, content and refusal apart. Read it with
 * {@link metrics}; merge shards with {@link merge}. Summaries built under different policies should not be merged.
 *
 * @since 0.1.0
 */
export const LogprobSummary = Schema.Struct({
  choices: Schema.NonNegativeInt.annotations({ description: "Choices seen, measured or not." }),
  content: Section,
  refusal: Section
}).annotations({ identifier: "LogprobSummary" })
/** @since 0.1.0 */
export interface LogprobSummary extends Schema.Schema.Type<typeof LogprobSummary> {}
/** @since 0.1.0 */
export interface LogprobSummaryEncoded extends Schema.Schema.Encoded<typeof LogprobSummary> {}

const emptyMean: Mean = { count: 0, sum: Decimal.zero }

const emptySection: Section = {
  choices: 0,
  tokens: 0,
  logprobSum: Decimal.zero,
  lowestLogprob: Option.none(),
  entropy: emptyMean,
  margin: emptyMean,
  placeholders: { excluded: 0, clamped: 0, kept: 0 }
}

/**
 * The summary of no completions: the identity of {@link merge}.
 *
 * @since 0.1.0
 */
export const empty: LogprobSummary = { choices: 0, content: emptySection, refusal: emptySection }

/** A section being built by one summarize call. */
class SectionBuilder {
  choices = 0
  tokens = 0
  readonly logprobSum = new Decimal.DecimalSum()
  lowest = Infinity
  entropyPositions = 0
  readonly entropySum = new Decimal.DecimalSum()
  marginPositions = 0
  readonly marginSum = new Decimal.DecimalSum()
  excluded = 0
  clamped = 0
  kept = 0

  add(tokens: ReadonlyArray<Logprobs.TokenLogprob>, policy: PlaceholderPolicy): void {
    const counted = tally(tokens, policy, true)
    if (counted.tokens > 0) this.choices++
    this.tokens += counted.tokens
    if (Number.isFinite(counted.sum)) this.logprobSum.add(counted.sum)
    else {
      // Only kept huge negatives overflow a choice's sum; then each token's value (a tally of one) is added exactly.
      for (const token of tokens) this.logprobSum.add(tally([token], policy, false).sum)
    }
    if (counted.lowest < this.lowest) this.lowest = counted.lowest
    const alternatives = measureAlternatives(tokens, policy.threshold)
    this.entropyPositions += alternatives.entropyPositions
    this.entropySum.add(alternatives.entropySum)
    this.marginPositions += alternatives.marginPositions
    this.marginSum.add(alternatives.marginSum)
    this.excluded += counted.placeholders.excluded
    this.clamped += counted.placeholders.clamped
    this.kept += counted.placeholders.kept
  }

  section(): Section {
    return {
      choices: this.choices,
      tokens: this.tokens,
      logprobSum: this.logprobSum.value(),
      lowestLogprob: this.tokens === 0 ? Option.none() : Option.some(this.lowest),
      entropy: { count: this.entropyPositions, sum: this.entropySum.value() },
      margin: { count: this.marginPositions, sum: this.marginSum.value() },
      placeholders: { excluded: this.excluded, clamped: this.clamped, kept: this.kept }
    }
  }
}

/**
 * The token-weighted summary of many completions' logprobs.
 *
 * @example
 * ```ts
 * import { LogprobMetrics } from "@objectiveai-effect/analysis"
 *
 * const summary = LogprobMetrics.summarize(completions)
 * LogprobMetrics.metrics(summary.content).perplexity // over every content token of every choice
 * ```
 *
 * @since 0.1.0
 */
export const summarize = (
  completions: Iterable<ChatCompletion.ChatCompletion>,
  options?: Options
): LogprobSummary => new Summarizer(policyOf(options)).addAll(completions).summary()

/** The state of one summary being built, owned by a summarize call or a sink run. */
class Summarizer {
  private readonly content = new SectionBuilder()
  private readonly refusal = new SectionBuilder()
  private choices = 0

  constructor(private readonly policy: PlaceholderPolicy) {}

  addAll(completions: Iterable<ChatCompletion.ChatCompletion>): this {
    for (const completion of completions) {
      for (const choice of completion.choices) {
        this.choices++
        this.content.add(choice.logprobs?.content ?? noTokens, this.policy)
        this.refusal.add(choice.logprobs?.refusal ?? noTokens, this.policy)
      }
    }
    return this
  }

  summary(): LogprobSummary {
    return { choices: this.choices, content: this.content.section(), refusal: this.refusal.section() }
  }
}

/**
 * The summary of one completion.
 *
 * @since 0.1.0
 */
export const fromCompletion = (completion: ChatCompletion.ChatCompletion, options?: Options): LogprobSummary =>
  summarize([completion], options)

const addMeans = (self: Mean, that: Mean): Mean => ({
  count: self.count + that.count,
  sum: Decimal.add(self.sum, that.sum)
})

const mergeSections = (self: Section, that: Section): Section => ({
  choices: self.choices + that.choices,
  tokens: self.tokens + that.tokens,
  logprobSum: Decimal.add(self.logprobSum, that.logprobSum),
  lowestLogprob: Option.isNone(self.lowestLogprob)
    ? that.lowestLogprob
    : Option.isNone(that.lowestLogprob)
    ? self.lowestLogprob
    : Option.some(Math.min(self.lowestLogprob.value, that.lowestLogprob.value)),
  entropy: addMeans(self.entropy, that.entropy),
  margin: addMeans(self.margin, that.margin),
  placeholders: {
    excluded: self.placeholders.excluded + that.placeholders.excluded,
    clamped: self.placeholders.clamped + that.placeholders.clamped,
    kept: self.placeholders.kept + that.placeholders.kept
  }
})

/**
 * Combines two summaries into the summary of both sets of completions. Associative, with {@link empty} as identity.
 *
 * @since 0.1.0
 */
export const merge: {
  (that: LogprobSummary): (self: LogprobSummary) => LogprobSummary
  (self: LogprobSummary, that: LogprobSummary): LogprobSummary
} = dual(2, (self: LogprobSummary, that: LogprobSummary): LogprobSummary => ({
  choices: self.choices + that.choices,
  content: mergeSections(self.content, that.content),
  refusal: mergeSections(self.refusal, that.refusal)
}))

/**
 * The measures of an aggregate section, token-weighted over every choice in it.
 *
 * @since 0.1.0
 */
export const metrics = (section: Section): Metrics =>
  toMetrics(
    {
      tokens: section.tokens,
      sum: BigDecimal.unsafeToNumber(section.logprobSum),
      lowest: Option.getOrElse(section.lowestLogprob, () => -Infinity)
    },
    {
      entropySum: BigDecimal.unsafeToNumber(section.entropy.sum),
      entropyPositions: section.entropy.count,
      marginSum: BigDecimal.unsafeToNumber(section.margin.sum),
      marginPositions: section.margin.count
    },
    section.placeholders
  )

/**
 * A sink that summarizes a stream of completions, however they are chunked, as {@link summarize} would all of them.
 *
 * @example
 * ```ts
 * import { Stream } from "effect"
 * import { LogprobMetrics } from "@objectiveai-effect/analysis"
 *
 * const summary = yield* Stream.run(completions, LogprobMetrics.sink())
 * ```
 *
 * @since 0.1.0
 */
export const sink = (options?: Options): Sink.Sink<LogprobSummary, ChatCompletion.ChatCompletion> =>
  Sink.suspend(() =>
    Sink.foldLeftChunks(
      new Summarizer(policyOf(options)),
      (summarizer, chunk: Chunk.Chunk<ChatCompletion.ChatCompletion>) => summarizer.addAll(chunk)
    ).pipe(
      Sink.map((summarizer) => summarizer.summary())
    )
  )
