import type { ChatCompletion } from "@objectiveai-effect/domain"
import type * as BigDecimal from "effect/BigDecimal"
import type { Totals } from "../Cost.js"
import * as Decimal from "./decimal.js"

// A row holds one group's totals as doubles in one Float64Array: counts, token sums, and for each amount a scale and
// an exact count of units at that scale. A row spans two cache lines; objects would box every double apart.
const completions = 0
const unpriced = 1
const byok = 2
const tokens = 3
const tokenFields = 7
const amounts = tokens + tokenFields
const amountFields = 3
const stride = amounts + 2 * amountFields

const cost = 0
const upstreamInferenceCost = 1
const upstreamUpstreamInferenceCost = 2

const isAmount = (value: number | null | undefined): value is number =>
  typeof value === "number" && Number.isFinite(value)

const count = (value: number | null | undefined): number => isAmount(value) ? value : 0

/**
 * The totals of the groups of one summarize call, built in place. An amount that does not fit its row's units (16 or
 * more significant digits, or a sum past 2^53 units) goes to an exact {@link Decimal.DecimalSum} beside the row.
 */
export class TotalsTable {
  private data = new Float64Array(stride * 64)
  private rows = 0
  private readonly overflow: Array<Decimal.DecimalSum | undefined> = []

  /** A new, empty row. */
  addRow(): number {
    if ((this.rows + 1) * stride > this.data.length) {
      const grown = new Float64Array(this.data.length * 2)
      grown.set(this.data)
      this.data = grown
    }
    const at = this.rows * stride
    // A scale of -1 marks an amount that has no units yet.
    for (let amount = 0; amount < amountFields; amount++) this.data[at + amounts + 2 * amount] = -1
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
    if (isAmount(usage.cost)) this.addAmount(row, cost, usage.cost)
    else data[at + unpriced]++
    if (usage.is_byok === true) data[at + byok]++
    const details = usage.cost_details
    if (details != null) {
      if (isAmount(details.upstream_inference_cost)) {
        this.addAmount(row, upstreamInferenceCost, details.upstream_inference_cost)
      }
      if (isAmount(details.upstream_upstream_inference_cost)) {
        this.addAmount(row, upstreamUpstreamInferenceCost, details.upstream_upstream_inference_cost)
      }
    }
    data[at + tokens] += count(usage.prompt_tokens)
    data[at + tokens + 1] += count(usage.completion_tokens)
    const prompt = usage.prompt_tokens_details
    if (prompt != null) {
      data[at + tokens + 2] += count(prompt.cached_tokens)
      data[at + tokens + 3] += count(prompt.cache_write_tokens)
      data[at + tokens + 5] += count(prompt.audio_tokens)
    }
    const generated = usage.completion_tokens_details
    if (generated != null) {
      data[at + tokens + 4] += count(generated.reasoning_tokens)
      data[at + tokens + 6] += count(generated.audio_tokens)
    }
  }

  /** The totals of one row. */
  totals(row: number): Totals {
    const at = row * stride
    return this.toTotals(this.data, at, (amount) => {
      const overflow = this.overflow[row * amountFields + amount]
      const scale = this.data[at + amounts + 2 * amount]
      const units = this.data[at + amounts + 2 * amount + 1]
      if (overflow === undefined) return scale < 0 ? Decimal.zero : Decimal.fromUnits(units, scale)
      const sum = new Decimal.DecimalSum()
      sum.addSum(overflow)
      if (scale >= 0) sum.addUnits(units, scale)
      return sum.value()
    })
  }

  /** The totals of every row together. */
  total(): Totals {
    const counts = new Float64Array(amounts)
    const sums = Array.from({ length: amountFields }, () => new Decimal.DecimalSum())
    for (let row = 0; row < this.rows; row++) {
      const at = row * stride
      for (let field = 0; field < amounts; field++) counts[field] += this.data[at + field]
      for (let amount = 0; amount < amountFields; amount++) {
        const scale = this.data[at + amounts + 2 * amount]
        if (scale >= 0) sums[amount].addUnits(this.data[at + amounts + 2 * amount + 1], scale)
        const overflow = this.overflow[row * amountFields + amount]
        if (overflow !== undefined) sums[amount].addSum(overflow)
      }
    }
    return this.toTotals(counts, 0, (amount) => sums[amount].value())
  }

  private addAmount(row: number, amount: number, x: number): void {
    const data = this.data
    const at = row * stride + amounts + 2 * amount
    const scale = data[at]
    if (scale >= 0) {
      const next = data[at + 1] + Decimal.unitsAt(x, scale)
      if (Number.isSafeInteger(next)) {
        data[at + 1] = next
        return
      }
    }
    // The row's first amount, or one that needs a finer scale: move the row's units to it while they stay exact.
    const own = Decimal.scaleOf(x)
    if (own !== -1) {
      const finer = Math.max(own, scale)
      const next = (scale < 0 ? 0 : Decimal.shiftUnits(data[at + 1], finer - scale)) + Decimal.unitsAt(x, finer)
      if (Number.isSafeInteger(next)) {
        data[at] = finer
        data[at + 1] = next
        return
      }
    }
    const slot = row * amountFields + amount
    const overflow = this.overflow[slot] ?? new Decimal.DecimalSum()
    this.overflow[slot] = overflow
    overflow.add(x)
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
        prompt: counts[at + tokens],
        completion: counts[at + tokens + 1],
        cached: counts[at + tokens + 2],
        cacheWrite: counts[at + tokens + 3],
        reasoning: counts[at + tokens + 4],
        promptAudio: counts[at + tokens + 5],
        completionAudio: counts[at + tokens + 6]
      }
    }
  }
}
