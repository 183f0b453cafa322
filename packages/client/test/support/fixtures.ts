/**
 * Realistic bodies as the API sends them: OpenRouter's extras, `null`s, token logprobs with top alternatives, and a
 * stored request whose `seed` is beyond 2^53. Shared by the tests and the benchmarks.
 */

/** A seed `JSON.parse` would round: 2^60 + 1. */
export const bigSeed = 2n ** 60n + 1n

/** A `chat.completion` of `tokens` content tokens, each with logprobs and five alternatives. */
export const completion = (id: string, tokens = 8) => {
  const content = Array.from({ length: tokens }, (_, i) => {
    const token = i % 7 === 0 ? " the" : `tok${i}`
    return {
      token,
      bytes: Array.from(Buffer.from(token, "utf8")),
      logprob: -0.0123 * (i + 1),
      top_logprobs: Array.from({ length: 5 }, (_, j) => ({
        token: `${token}~${j}`,
        bytes: j === 4 ? null : Array.from(Buffer.from(`${token}~${j}`, "utf8")),
        logprob: j === 4 ? -9999 : -0.0123 * (i + 1) - j * 0.731
      }))
    }
  })
  return {
    id,
    object: "chat.completion",
    created: 1732550000,
    model: "openai/gpt-4o-mini",
    provider: "OpenAI",
    system_fingerprint: null,
    service_tier: "default",
    choices: [{
      index: 0,
      finish_reason: "stop",
      native_finish_reason: "stop",
      message: {
        role: "assistant",
        content: content.map((part) => part.token).join(""),
        refusal: null,
        reasoning: null,
        annotations: [{ type: "url_citation", url_citation: { url: "https://example.com" } }]
      },
      logprobs: { content, refusal: null }
    }],
    usage: {
      prompt_tokens: 21,
      completion_tokens: tokens,
      total_tokens: 21 + tokens,
      cost: 0.0000315,
      is_byok: false,
      prompt_tokens_details: { cached_tokens: 0, audio_tokens: null },
      completion_tokens_details: { reasoning_tokens: 0 },
      cost_details: { upstream_inference_cost: null, upstream_upstream_inference_cost: 0.0000315 }
    }
  }
}

/** The body of `GET /chat/completions/{id}`: the stored request (with {@link bigSeed} unless told) and its completion. */
export const stored = (id: string, tokens = 8, seed: number | bigint = bigSeed) => ({
  request: {
    model: "openai/gpt-4o-mini",
    messages: [
      { role: "system", content: "You are terse." },
      { role: "user", content: "Say something." }
    ],
    logprobs: true,
    top_logprobs: 5,
    seed,
    temperature: 0.7
  },
  response: completion(id, tokens)
})

/** A completion id of the current shape. */
export const completionId = (n: number) => `chtcpl-${n.toString(16).padStart(32, "0")}-1732550000`

/** OpenRouter's error body. */
export const openRouterError = (code: number | string, message: string, metadata?: object) => ({
  error: metadata === undefined ? { code, message } : { code, message, metadata }
})

/** OpenRouter's newer error body: no `code`, the status in `http_status`, the availability beside it. */
export const openRouterCurrentError = (
  httpStatus: number,
  message: string,
  availability?: { readonly retryable?: boolean; readonly retry_after?: number }
) => ({
  error: {
    message,
    http_status: httpStatus,
    error_type: httpStatus === 429 ? "rate_limit_exceeded" : "provider_error",
    ...(availability === undefined ? {} : { availability: { code: "unavailable", ...availability } }),
    metadata: { previous_errors: [{ http_status: 503, message: "No capacity" }] }
  }
})
