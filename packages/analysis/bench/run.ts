/**
 * Perplexity over a million tokens of decoded completions, next to a hand-written loop over the same objects; and
 * exact cost totals grouped by model × provider × day over 100,000 completions, next to a hand-written float loop.
 * Each figure is the median of timed runs after a warm-up, the two contenders taking turns within each round so that
 * drift and GC hit them alike.
 */
import { ChatCompletion } from "@objectiveai-effect/domain"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import { Cost, LogprobMetrics } from "../src/index.js"

const decode = Schema.decodeUnknownSync(ChatCompletion.ChatCompletion)

// A fixed-seed generator, so that every run measures the same data.
let seed = 42
const random = () => {
  seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648
  return seed / 2_147_483_648
}
const pick = <A>(values: ReadonlyArray<A>): A => values[Math.floor(random() * values.length)]

const median = (values: ReadonlyArray<number>): number => {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
}

// Results are kept here so that no run can be optimised away.
const results: Array<unknown> = []

/** Median milliseconds of each contender, taking turns, after `warmUp` untimed rounds. */
const race = <Names extends string>(
  contenders: Record<Names, () => unknown>,
  rounds: number,
  warmUp: number
): Record<Names, number> => {
  const names = Object.keys(contenders) as Array<Names>
  const samples = Object.fromEntries(names.map((name) => [name, [] as Array<number>])) as Record<Names, Array<number>>
  for (let round = 0; round < warmUp + rounds; round++) {
    for (let k = 0; k < names.length; k++) {
      const name = names[(round + k) % names.length]
      const start = performance.now()
      results[0] = contenders[name]()
      const elapsed = performance.now() - start
      if (round >= warmUp) samples[name].push(elapsed)
    }
  }
  return Object.fromEntries(names.map((name) => [name, median(samples[name])])) as Record<Names, number>
}

const ms = (value: number) => value.toFixed(value < 10 ? 2 : 0)

// Perplexity: 1,000 completions of 1,000 content tokens, each with two top alternatives; one token in a hundred is
// the -9999 placeholder and one in a thousand is null, as the wire sends them.
const tokensPerChoice = 1_000
const logprobCompletions = Array.from({ length: 1_000 }, (_, i) =>
  decode({
    id: `chtcpl-${i}`,
    object: "chat.completion",
    created: 1_764_028_800,
    model: "m",
    choices: [{
      index: 0,
      finish_reason: "stop",
      message: { role: "assistant", content: "…" },
      logprobs: {
        content: Array.from({ length: tokensPerChoice }, () => {
          const roll = random()
          const logprob = roll < 0.01 ? -9999 : roll < 0.011 ? null : -5 * random() ** 3
          return {
            token: "t",
            bytes: null,
            logprob,
            top_logprobs: [{ token: "a", bytes: null, logprob: -0.1 }, { token: "b", bytes: null, logprob: -2.5 }]
          }
        })
      }
    }]
  }))

const perplexityLoop = (): number => {
  let total = 0
  for (const completion of logprobCompletions) {
    for (const choice of completion.choices) {
      const content = choice.logprobs?.content
      if (content == null) continue
      let sum = 0
      let count = 0
      for (let i = 0; i < content.length; i++) {
        const logprob = content[i].logprob
        if (logprob !== null && logprob > -9999) {
          sum += logprob
          count++
        }
      }
      if (count > 0) total += Math.exp(-sum / count)
    }
  }
  return total
}

const perplexityOurs = (): number => {
  let total = 0
  for (const completion of logprobCompletions) {
    for (const choice of completion.choices) {
      const value = LogprobMetrics.perplexity(choice)
      if (Option.isSome(value)) total += value.value
    }
  }
  return total
}

if (perplexityOurs() !== perplexityLoop()) throw new Error("The perplexity contenders disagree")
const perplexity = race({ ours: perplexityOurs, loop: perplexityLoop }, 31, 10)
console.log(`analysis.perplexity.1m_tokens_ms: ${ms(perplexity.ours)} ms`)
console.log(`analysis.perplexity.loop_ms: ${ms(perplexity.loop)} ms`)
console.log(`analysis.perplexity.vs_loop: ${(perplexity.ours / perplexity.loop).toFixed(2)}x`)

// Cost: 100,000 completions over 20 models, 8 providers and 90 days. A gateway prices tokens in decimal, so most
// amounts are short decimals (`0.0123475`); one in ten is the float artefact of pricing in binary (`0.0030850000000000005`,
// 17 significant digits), which takes the slow path. One in ten is bring-your-own-key; one in fifty reports no cost.
const models = Array.from({ length: 20 }, (_, i) => ({
  name: `vendor-${i % 5}/model-${i}`,
  // Prices in billionths of a credit per token.
  input: pick([150, 600, 2_500, 3_000, 15_000]),
  output: pick([600, 2_400, 10_000, 15_000, 75_000])
}))
const providers = ["OpenAI", "Anthropic", "Google", "Azure", "Together", "Fireworks", "DeepInfra", "Groq"]
const costCompletions = Array.from({ length: 100_000 }, (_, i) => {
  const model = pick(models)
  const prompt = Math.floor(random() * 20_000)
  const generated = Math.floor(random() * 2_000)
  const nanos = prompt * model.input + generated * model.output
  const amount = (share: number) =>
    random() < 0.1
      ? (prompt * model.input * 1e-9 + generated * model.output * 1e-9) * share
      : Math.round(nanos * share) / 1e9
  const byok = random() < 0.1
  return decode({
    id: `chtcpl-${i}`,
    object: "chat.completion",
    created: 1_764_028_800 - Math.floor(random() * 90 * 86_400),
    model: model.name,
    provider: pick(providers),
    choices: [],
    usage: {
      prompt_tokens: prompt,
      completion_tokens: generated,
      total_tokens: prompt + generated,
      prompt_tokens_details: { cached_tokens: Math.floor(prompt * random() * 0.5) },
      completion_tokens_details: { reasoning_tokens: Math.floor(generated * random() * 0.3) },
      cost: random() < 0.02 ? null : amount(byok ? 0.05 : 1),
      is_byok: byok,
      cost_details: {
        upstream_inference_cost: amount(byok ? 0.05 : 0.95),
        upstream_upstream_inference_cost: byok ? amount(1) : 0
      }
    }
  })
})

const costOptions: Cost.Options = { by: ["model", "provider", "day"] }

/** The same grouping and sums with float accumulators and a compound string key: fast, and inexact. */
const costLoop = () => {
  const groups = new Map<string, { cost: number; upstream: number; byok: number; prompt: number; unpriced: number }>()
  for (const completion of costCompletions) {
    const key = `${completion.model}\u0000${completion.provider}\u0000${Math.floor(completion.created / 86_400)}`
    let group = groups.get(key)
    if (group === undefined) {
      group = { cost: 0, upstream: 0, byok: 0, prompt: 0, unpriced: 0 }
      groups.set(key, group)
    }
    const usage = completion.usage
    if (usage?.cost == null) group.unpriced++
    else group.cost += usage.cost
    group.upstream += usage?.cost_details?.upstream_inference_cost ?? 0
    group.byok += usage?.cost_details?.upstream_upstream_inference_cost ?? 0
    group.prompt += usage?.prompt_tokens ?? 0
  }
  return groups
}

const costOurs = () => Cost.summarize(costCompletions, costOptions)

if (costOurs().groups.length !== costLoop().size) throw new Error("The cost contenders disagree on the groups")
const cost = race({ ours: costOurs, loop: costLoop }, 15, 5)
console.log(`analysis.cost.100k_ms: ${ms(cost.ours)} ms`)
console.log(`analysis.cost.float_loop_ms: ${ms(cost.loop)} ms`)
console.log(`analysis.cost.vs_float_loop: ${(cost.ours / cost.loop).toFixed(2)}x`)
