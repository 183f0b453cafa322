/**
 * The token-weighted aggregate of many completions' logprobs, content and refusal tokens apart: exact sums that merge
 * associatively with {@link empty} as identity, a Schema to carry a summary across processes, and a Sink. Read an
 * aggregate's measures with {@link toTokenMetrics}.
 *
 * @since 0.1.0
 */
import type { ChatCompletion, Logprobs } from "@objectiveai-effect/domain"
import * as BigDecimal from "effect/BigDecimal"
import type * as Chunk from "effect/Chunk"
import { dual } from "effect/Function"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import * as Sink from "effect/Sink"
import * as Decimal from "./internal/decimal.js"
import { assembleTokenMetrics, measureAlternatives, noTokens, tally } from "./internal/logprobTally.js"
import * as LogprobMetrics from "./LogprobMetrics.js"

/**
 * A count and an exact sum, for a mean that merges exactly.
 *
 * @since 0.1.0
 * @category schemas
 */
export const ExactMean = Schema.Struct({ count: Schema.NonNegativeInt, sum: Decimal.DecimalString }).annotations({
  identifier: "LogprobMean"
})
/**
 * @since 0.1.0
 * @category models
 */
export interface ExactMean extends Schema.Schema.Type<typeof ExactMean> {}

/**
 * The aggregate of content (or refusal) tokens over many choices. Sums are exact sums of each choice's sums, so
 * merging never depends on order; `choices` counts the choices that had at least one token measured.
 *
 * @since 0.1.0
 * @category schemas
 */
export const TokenAggregate = Schema.Struct({
  choices: Schema.NonNegativeInt,
  tokens: Schema.NonNegativeInt,
  logprobSum: Decimal.DecimalString,
  lowestLogprob: Schema.OptionFromNullOr(Schema.Number),
  entropy: ExactMean,
  margin: ExactMean,
  placeholders: LogprobMetrics.Placeholders
}).annotations({ identifier: "LogprobTokenAggregate" })
/**
 * @since 0.1.0
 * @category models
 */
export interface TokenAggregate extends Schema.Schema.Type<typeof TokenAggregate> {}

/**
 * The token-weighted aggregate of many completions' logprobs, content and refusal apart. Read it with
 * {@link toTokenMetrics}; merge shards with {@link merge}. Summaries built under different policies should not be merged.
 *
 * @since 0.1.0
 * @category schemas
 */
export const LogprobSummary = Schema.Struct({
  choices: Schema.NonNegativeInt.annotations({ description: "Choices seen, measured or not." }),
  content: TokenAggregate,
  refusal: TokenAggregate
}).annotations({ identifier: "LogprobSummary" })
/**
 * @since 0.1.0
 * @category models
 */
export interface LogprobSummary extends Schema.Schema.Type<typeof LogprobSummary> {}
/**
 * @since 0.1.0
 * @category models
 */
export interface LogprobSummaryEncoded extends Schema.Schema.Encoded<typeof LogprobSummary> {}

const emptyMean: ExactMean = { count: 0, sum: Decimal.zero }

const emptyAggregate: TokenAggregate = {
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
 * @category constructors
 */
export const empty: LogprobSummary = { choices: 0, content: emptyAggregate, refusal: emptyAggregate }

/** An aggregate being built by one summarize call. */
class AggregateBuilder {
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

  add(tokens: ReadonlyArray<Logprobs.TokenLogprob>, policy: LogprobMetrics.PlaceholderPolicy): void {
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

  aggregate(): TokenAggregate {
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
 * import type { ChatCompletion } from "@objectiveai-effect/domain"
 * import { LogprobSummary } from "@objectiveai-effect/analysis"
 *
 * // Over every content token of every choice.
 * const overallPerplexity = (completions: ReadonlyArray<ChatCompletion.ChatCompletion>) =>
 *   LogprobSummary.toTokenMetrics(LogprobSummary.summarize(completions).content).perplexity
 * ```
 *
 * @since 0.1.0
 * @category folding
 */
export const summarize = (
  completions: Iterable<ChatCompletion.ChatCompletion>,
  options?: LogprobMetrics.Options
): LogprobSummary => new Summarizer(options?.placeholders ?? LogprobMetrics.defaultPolicy).addAll(completions).summary()

/** The state of one summary being built, owned by a summarize call or a sink run. */
class Summarizer {
  private readonly content = new AggregateBuilder()
  private readonly refusal = new AggregateBuilder()
  private choices = 0

  constructor(private readonly policy: LogprobMetrics.PlaceholderPolicy) {}

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
    return { choices: this.choices, content: this.content.aggregate(), refusal: this.refusal.aggregate() }
  }
}

/**
 * The summary of one completion.
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromCompletion = (
  completion: ChatCompletion.ChatCompletion,
  options?: LogprobMetrics.Options
): LogprobSummary => summarize([completion], options)

const addMeans = (self: ExactMean, that: ExactMean): ExactMean => ({
  count: self.count + that.count,
  sum: Decimal.add(self.sum, that.sum)
})

const mergeAggregates = (self: TokenAggregate, that: TokenAggregate): TokenAggregate => ({
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
 * @category combinators
 */
export const merge: {
  (that: LogprobSummary): (self: LogprobSummary) => LogprobSummary
  (self: LogprobSummary, that: LogprobSummary): LogprobSummary
} = dual(2, (self: LogprobSummary, that: LogprobSummary): LogprobSummary => ({
  choices: self.choices + that.choices,
  content: mergeAggregates(self.content, that.content),
  refusal: mergeAggregates(self.refusal, that.refusal)
}))

/**
 * The measures of an aggregate, token-weighted over every choice in it: what `LogprobMetrics` gives for one choice.
 *
 * @since 0.1.0
 * @category getters
 */
export const toTokenMetrics = (aggregate: TokenAggregate): LogprobMetrics.TokenMetrics =>
  assembleTokenMetrics(
    {
      tokens: aggregate.tokens,
      sum: BigDecimal.unsafeToNumber(aggregate.logprobSum),
      lowest: Option.getOrElse(aggregate.lowestLogprob, () => -Infinity)
    },
    {
      entropySum: BigDecimal.unsafeToNumber(aggregate.entropy.sum),
      entropyPositions: aggregate.entropy.count,
      marginSum: BigDecimal.unsafeToNumber(aggregate.margin.sum),
      marginPositions: aggregate.margin.count
    },
    aggregate.placeholders
  )

/**
 * A sink that summarizes a stream of completions, however they are chunked, as {@link summarize} would all of them.
 *
 * @example
 * ```ts
 * import { Stream } from "effect"
 * import type { ChatCompletion } from "@objectiveai-effect/domain"
 * import { LogprobSummary } from "@objectiveai-effect/analysis"
 *
 * const summarizeStream = <E, R>(completions: Stream.Stream<ChatCompletion.ChatCompletion, E, R>) =>
 *   Stream.run(completions, LogprobSummary.sink())
 * ```
 *
 * @since 0.1.0
 * @category sinks
 */
export const sink = (options?: LogprobMetrics.Options): Sink.Sink<LogprobSummary, ChatCompletion.ChatCompletion> =>
  Sink.suspend(() =>
    Sink.foldLeftChunks(
      new Summarizer(options?.placeholders ?? LogprobMetrics.defaultPolicy),
      (summarizer, chunk: Chunk.Chunk<ChatCompletion.ChatCompletion>) => summarizer.addAll(chunk)
    ).pipe(
      Sink.map((summarizer) => summarizer.summary())
    )
  )
