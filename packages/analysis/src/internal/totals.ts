import type { ChatCompletion } from "@objectiveai-effect/domain"
import type * as BigDecimal from "effect/BigDecimal"
import type { Totals } from "../Cost.js"
import * as Decimal from "./decimal.js"

// A row holds one group's counts and token sums as doubles in one Float64Array, at these offsets; objects would box
// every double apart.
const completions = 0
const unpriced = 1
const byok = 2
const promptTokens = 3
const completionTokens = 4
const cachedTokens = 5
const cacheWriteTokens = 6
const reasoningTokens = 7
const promptAudioTokens = 8
const completionAudioTokens = 9
const stride = 10

// Each row's amounts are exact sums, one per amount, at `row * amountFields + amount`.
const cost = 0
const upstreamInferenceCost = 1
const upstreamUpstreamInferenceCost = 2
const amountFields = 3

const isAmount = (value: number | null | undefined): value is number =>
  typeof value === "number" && Number.isFinite(value)

const count = (value: number | null | undefined): number => isAmount(value) ? value : 0

/** The totals of the groups of one summarize call, built in place. */
export class TotalsTable {
  private data = new Float64Array(stride * 64)
  private rows = 0
  private readonly amounts: Array<Decimal.DecimalSum> = []

  /** A new, empty row. */
  addRow(): number {
    if ((this.rows + 1) * stride > this.data.length) {
      const grown = new Float64Array(this.data.length * 2)
      grown.set(this.data)
      this.data = grown
    }
    for (let amount = 0; amount < amountFields; amount++) this.amounts.push(new Decimal.DecimalSum())
    return this.rows++
  }

  add(row: number, completion: ChatCompletion.ChatCompletion): void {
    const data = this.data
    const at = row * stride
    data[at + completions]++
    const usage = completion.usage
    if (usage == null) {
      data[at + unpriced]++
      return
    }
    const amounts = row * amountFields
    if (isAmount(usage.cost)) this.amounts[amounts + cost].add(usage.cost)
    else data[at + unpriced]++
    if (usage.is_byok === true) data[at + byok]++
    const details = usage.cost_details
    if (details != null) {
      if (isAmount(details.upstream_inference_cost)) {
        this.amounts[amounts + upstreamInferenceCost].add(details.upstream_inference_cost)
      }
      if (isAmount(details.upstream_upstream_inference_cost)) {
        this.amounts[amounts + upstreamUpstreamInferenceCost].add(details.upstream_upstream_inference_cost)
      }
    }
    data[at + promptTokens] += count(usage.prompt_tokens)
    data[at + completionTokens] += count(usage.completion_tokens)
    const prompt = usage.prompt_tokens_details
    if (prompt != null) {
      data[at + cachedTokens] += count(prompt.cached_tokens)
      data[at + cacheWriteTokens] += count(prompt.cache_write_tokens)
      data[at + promptAudioTokens] += count(prompt.audio_tokens)
    }
    const generated = usage.completion_tokens_details
    if (generated != null) {
      data[at + reasoningTokens] += count(generated.reasoning_tokens)
      data[at + completionAudioTokens] += count(generated.audio_tokens)
    }
  }

  /** The totals of one row. */
  totals(row: number): Totals {
    return this.toTotals(this.data, row * stride, (amount) => this.amounts[row * amountFields + amount].value())
  }

  /** The totals of every row together. */
  total(): Totals {
    const counts = new Float64Array(stride)
    const sums = Array.from({ length: amountFields }, () => new Decimal.DecimalSum())
    for (let row = 0; row < this.rows; row++) {
      for (let field = 0; field < stride; field++) counts[field] += this.data[row * stride + field]
      for (let amount = 0; amount < amountFields; amount++) {
        sums[amount].addSum(this.amounts[row * amountFields + amount])
      }
    }
    return this.toTotals(counts, 0, (amount) => sums[amount].value())
  }

  private toTotals(
    counts: Float64Array,
    at: number,
    amountOf: (amount: number) => BigDecimal.BigDecimal
  ): Totals {
    return {
      completions: counts[at + completions],
      unpriced: counts[at + unpriced],
      byok: counts[at + byok],
      cost: amountOf(cost),
      upstreamInferenceCost: amountOf(upstreamInferenceCost),
      upstreamUpstreamInferenceCost: amountOf(upstreamUpstreamInferenceCost),
      tokens: {
        prompt: counts[at + promptTokens],
        completion: counts[at + completionTokens],
        cached: counts[at + cachedTokens],
        cacheWrite: counts[at + cacheWriteTokens],
        reasoning: counts[at + reasoningTokens],
        promptAudio: counts[at + promptAudioTokens],
        completionAudio: counts[at + completionAudioTokens]
      }
    }
  }
}
