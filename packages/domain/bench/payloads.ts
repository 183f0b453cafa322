/**
 * Deterministic `chat.completion` bodies of three sizes, as JSON text, for the decode benchmark: the same seed gives
 * the same bytes on every machine, so runs compare.
 */

/** A small, fast PRNG (mulberry32): deterministic and good enough to vary tokens and numbers. */
const random = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296
}

const vocabulary = [
  " the",
  " model",
  " answer",
  "Hello",
  "!",
  " How",
  " can",
  " I",
  " assist",
  " you",
  " today",
  "?",
  "\n",
  " café",
  " naïve",
  " 🙂",
  " 42",
  ",",
  " response",
  " token"
]

const encoder = new TextEncoder()

const topLogprob = (next: () => number, rank: number) => {
  const token = vocabulary[Math.floor(next() * vocabulary.length)]
  // Upstreams mark "not in the top 20" with -9999 and sometimes send `bytes: null`; keep a few of each.
  const placeholder = next() < 0.02
  return {
    token,
    logprob: placeholder ? -9999 : -(rank + next()) * 1.7320508,
    bytes: next() < 0.05 ? null : Array.from(encoder.encode(token))
  }
}

const tokenLogprobs = (next: () => number, tokens: number, topLogprobs: number) =>
  Array.from({ length: tokens }, () => {
    const top = Array.from({ length: topLogprobs }, (_, rank) => topLogprob(next, rank))
    const chosen = top[0] ?? topLogprob(next, 0)
    return { token: chosen.token, logprob: chosen.logprob, bytes: chosen.bytes, top_logprobs: top }
  })

/** The sizes benchmarked: tokens of logprobs and alternatives per token. */
export const sizes = {
  small: { tokens: 0, topLogprobs: 0 },
  medium: { tokens: 500, topLogprobs: 5 },
  large: { tokens: 8_000, topLogprobs: 5 }
} as const

/** The name of a benchmarked size. */
export type Size = keyof typeof sizes

/** The JSON text of a completion of the given size, as an OpenRouter-backed ObjectiveAI response looks. */
export const completionText = (size: Size): string => {
  const { tokens, topLogprobs } = sizes[size]
  const next = random(0x5eed)
  const logprobs = tokens === 0 ? null : { content: tokenLogprobs(next, tokens, topLogprobs), refusal: null }
  const content = logprobs === null
    ? "Hello! How can I assist you today?"
    : logprobs.content.map((token) => token.token).join("")
  return JSON.stringify({
    id: "chtcpl-5f0c3d2e9b8a4c1d7e6f5a4b3c2d1e0f-1764000000",
    object: "chat.completion",
    created: 1764000000,
    model: "openai/gpt-4o-mini",
    provider: "OpenAI",
    system_fingerprint: "fp_0ba0d124f1",
    service_tier: null,
    choices: [{
      index: 0,
      message: { role: "assistant", content, refusal: null, reasoning: null, tool_calls: null },
      logprobs,
      finish_reason: "stop",
      native_finish_reason: "stop"
    }],
    usage: {
      prompt_tokens: 9,
      completion_tokens: Math.max(tokens, 9),
      total_tokens: Math.max(tokens, 9) + 9,
      completion_tokens_details: { reasoning_tokens: 0, accepted_prediction_tokens: null },
      prompt_tokens_details: { cached_tokens: 0, audio_tokens: null },
      cost: 0.0000123,
      is_byok: false,
      cost_details: { upstream_inference_cost: null, upstream_upstream_inference_cost: 0.0000123 }
    }
  })
}
