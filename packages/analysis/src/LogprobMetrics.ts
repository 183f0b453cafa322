/**
 * Perplexity and companion measures of a choice's token log probabilities: joint log-probability, lowest token
 * probability, mean entropy of the top alternatives and mean margin between the top two. Content and refusal tokens
 * are measured apart. Placeholders (`-9999` for "not in the top 20", `null`, huge negatives, non-finite values) are
 * handled by an explicit {@link PlaceholderPolicy}, and every result reports how many tokens the policy touched.
 *
 * `LogprobSummary` aggregates many completions' tokens and merges like a cost summary.
 *
 * @since 0.1.0
 */
import type { ChatCompletion } from "@objectiveai-effect/domain"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import * as AnalysisError from "./AnalysisError.js"
import { measureTokens, noTokens, perplexityOf, type Tally, tally } from "./internal/logprobTally.js"
import * as Internal from "./internal/placeholders.js"

/**
 * The upstream's placeholder for a token outside the top 20; logprobs at or below it are placeholders by default.
 *
 * @since 0.1.0
 * @category constants
 */
export const defaultThreshold = -9999

/**
 * Placeholders (logprobs at or below `threshold`) and values that are not finite numbers (`null`, `NaN`, infinities)
 * are left out of the measures.
 *
 * @since 0.1.0
 * @category schemas
 */
export const Exclude = Schema.TaggedStruct("Exclude", { threshold: Schema.Number })
/**
 * @since 0.1.0
 * @category models
 */
export interface Exclude extends Schema.Schema.Type<typeof Exclude> {}

/**
 * Placeholders and non-finite values count as `floor`, a finite logprob at most 0: a token outside the top 20 had at
 * most the probability of the last of them, so a floor near that bounds its effect.
 *
 * @since 0.1.0
 * @category schemas
 */
export const Clamp = Schema.TaggedStruct("Clamp", {
  threshold: Schema.Number,
  floor: Schema.Number.pipe(Schema.finite(), Schema.nonPositive())
})
/**
 * @since 0.1.0
 * @category models
 */
export interface Clamp extends Schema.Schema.Type<typeof Clamp> {}

/**
 * Placeholders count as given (a `-9999` weighs in as `-9999`); values that are not finite numbers cannot be kept
 * and are excluded.
 *
 * @since 0.1.0
 * @category schemas
 */
export const Keep = Schema.TaggedStruct("Keep", { threshold: Schema.Number })
/**
 * @since 0.1.0
 * @category models
 */
export interface Keep extends Schema.Schema.Type<typeof Keep> {}

/**
 * What to do with placeholder and non-finite logprobs. In every policy a positive logprob (rounding noise: a
 * probability cannot exceed 1) counts as 0, and alternatives in `top_logprobs` that are placeholders are left out of
 * the entropy and margin (their probability is negligible).
 *
 * @since 0.1.0
 * @category schemas
 */
export const PlaceholderPolicy = Schema.Union(Exclude, Clamp, Keep).annotations({ identifier: "PlaceholderPolicy" })
/**
 * @since 0.1.0
 * @category models
 */
export type PlaceholderPolicy = Schema.Schema.Type<typeof PlaceholderPolicy>

/**
 * The {@link Exclude} policy; the default.
 *
 * @since 0.1.0
 * @category constructors
 */
export const exclude = (options?: { readonly threshold?: number | undefined }): PlaceholderPolicy =>
  Exclude.make({ threshold: options?.threshold ?? defaultThreshold })

/**
 * The {@link Clamp} policy, counting placeholders as `floor`; throws if `floor` is not a finite number at most 0.
 *
 * @example
 * ```ts
 * import type { ChatCompletion } from "@objectiveai-effect/domain"
 * import { LogprobMetrics } from "@objectiveai-effect/analysis"
 *
 * const clampedPerplexity = (choice: ChatCompletion.Choice) =>
 *   LogprobMetrics.perplexity(choice, { placeholders: LogprobMetrics.clamp(-20) })
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const clamp = (floor: number, options?: { readonly threshold?: number | undefined }): PlaceholderPolicy =>
  Clamp.make({ threshold: options?.threshold ?? defaultThreshold, floor })

/**
 * The {@link Keep} policy.
 *
 * @since 0.1.0
 * @category constructors
 */
export const keep = (options?: { readonly threshold?: number | undefined }): PlaceholderPolicy =>
  Keep.make({ threshold: options?.threshold ?? defaultThreshold })

/**
 * Options of every measure: the placeholder policy, {@link exclude} by default.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  readonly placeholders?: PlaceholderPolicy | undefined
}

/**
 * The policy of a measure given none: placeholders at or below {@link defaultThreshold} are excluded.
 *
 * @since 0.1.0
 * @category constants
 */
export const defaultPolicy: PlaceholderPolicy = exclude()

/**
 * How many placeholder or non-finite tokens the policy left out, clamped, or kept as given.
 *
 * @since 0.1.0
 * @category schemas
 */
export const Placeholders = Internal.Placeholders
/**
 * @since 0.1.0
 * @category models
 */
export interface Placeholders extends Schema.Schema.Type<typeof Placeholders> {}

/**
 * The measures of a run of tokens. `perplexity` is `exp(-mean logprob)`, at least 1, and `None` without tokens, as
 * are the lowest probability and the means; `jointLogprob` is the sum (0 for no tokens). Entropy is in nats, over
 * each position's valid top alternatives renormalised to sum to 1; margin is the probability of the most likely
 * alternative minus that of the second, over positions with at least two.
 *
 * @since 0.1.0
 * @category models
 */
export interface TokenMetrics {
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
 * @category models
 */
export interface ChoiceMetrics {
  readonly index: number
  readonly content: TokenMetrics
  readonly refusal: TokenMetrics
}

const policyOf = (options: Options | undefined): PlaceholderPolicy => options?.placeholders ?? defaultPolicy

const tallyContent = (choice: ChatCompletion.Choice, options: Options | undefined): Tally =>
  tally(choice.logprobs?.content ?? noTokens, policyOf(options), false)

/**
 * The perplexity of a choice's content tokens, `exp(-mean logprob)`: `None` if no token is left to measure (no
 * logprobs, or only excluded placeholders). This is the fast path; {@link ofChoice} gives every measure.
 *
 * @example
 * ```ts
 * import type { ChatCompletion } from "@objectiveai-effect/domain"
 * import { LogprobMetrics } from "@objectiveai-effect/analysis"
 *
 * const firstPerplexity = (completion: ChatCompletion.ChatCompletion) =>
 *   LogprobMetrics.perplexity(completion.choices[0]) // Option<number>
 * ```
 *
 * @since 0.1.0
 * @category metrics
 */
export const perplexity = (choice: ChatCompletion.Choice, options?: Options): Option.Option<number> => {
  const counted = tallyContent(choice, options)
  return perplexityOf(counted.tokens, counted.sum)
}

/**
 * The perplexity of a choice's content tokens, failing with {@link AnalysisError.NoContentTokens} when there is none.
 *
 * @since 0.1.0
 * @category metrics
 */
export const perplexityOrFail = (
  choice: ChatCompletion.Choice,
  options?: Options
): Effect.Effect<number, AnalysisError.NoContentTokens> => {
  const counted = tallyContent(choice, options)
  return Option.match(perplexityOf(counted.tokens, counted.sum), {
    onNone: () =>
      Effect.fail(new AnalysisError.NoContentTokens({ index: choice.index, placeholders: counted.placeholders })),
    onSome: Effect.succeed
  })
}

/**
 * Every measure of a choice, for its content tokens and, apart, its refusal tokens.
 *
 * @example
 * ```ts
 * import { Option } from "effect"
 * import type { ChatCompletion } from "@objectiveai-effect/domain"
 * import { LogprobMetrics } from "@objectiveai-effect/analysis"
 *
 * const describe = (choice: ChatCompletion.Choice) => {
 *   const { content } = LogprobMetrics.ofChoice(choice)
 *   return { perplexity: Option.getOrNull(content.perplexity), excluded: content.placeholders.excluded }
 * }
 * ```
 *
 * @since 0.1.0
 * @category metrics
 */
export const ofChoice = (choice: ChatCompletion.Choice, options?: Options): ChoiceMetrics => {
  const policy = policyOf(options)
  return {
    index: choice.index,
    content: measureTokens(choice.logprobs?.content ?? noTokens, policy),
    refusal: measureTokens(choice.logprobs?.refusal ?? noTokens, policy)
  }
}

/**
 * The measures of every choice of a completion.
 *
 * @since 0.1.0
 * @category metrics
 */
export const ofCompletion = (
  completion: ChatCompletion.ChatCompletion,
  options?: Options
): ReadonlyArray<ChoiceMetrics> => completion.choices.map((choice) => ofChoice(choice, options))
