/**
 * A zod 4 schema equivalent to `ChatCompletion.ChatCompletion`, the peer of the decode benchmark: loose objects (unknown
 * keys kept), `nullish` where our schema accepts absent or `null`, and open enums as a union of the known values and
 * any string. It checks the same values ours checks, so the two do the same work.
 */
import * as z from "zod"

const open = <const Values extends readonly [string, ...Array<string>]>(...values: Values) =>
  z.union([z.enum(values), z.string()])

const bytes = z.array(z.number()).nullish()

const TopLogprob = z.looseObject({ token: z.string(), bytes, logprob: z.number().nullish() })

const TokenLogprob = z.looseObject({
  token: z.string(),
  bytes,
  logprob: z.number().nullable(),
  top_logprobs: z.array(TopLogprob)
})

const ChoiceLogprobs = z.looseObject({
  content: z.array(TokenLogprob).nullish(),
  refusal: z.array(TokenLogprob).nullish()
})

const UrlCitation = z.looseObject({
  url: z.string(),
  title: z.string().nullish(),
  start_index: z.number().nullish(),
  end_index: z.number().nullish(),
  content: z.string().nullish()
})

const Annotation = z.looseObject({ type: open("url_citation").nullish(), url_citation: UrlCitation.nullish() })

const Audio = z.looseObject({ id: z.string(), data: z.string(), expires_at: z.number(), transcript: z.string() })

const Image = z.looseObject({ type: open("image_url"), image_url: z.looseObject({ url: z.string() }) })

const MessageToolCall = z.looseObject({
  id: z.string(),
  type: open("function"),
  function: z.looseObject({ name: z.string(), arguments: z.string() })
})

const ReasoningDetail = z.looseObject({
  type: open("reasoning.text", "reasoning.summary", "reasoning.encrypted"),
  text: z.string().nullish(),
  summary: z.string().nullish(),
  data: z.string().nullish(),
  signature: z.string().nullish(),
  id: z.string().nullish(),
  format: z.string().nullish(),
  index: z.number().nullish()
})

const Availability = z.looseObject({ retryable: z.boolean().nullish(), retry_after: z.number().nullish() })

const OpenRouterError = z.looseObject({
  code: z.union([z.number(), z.string()]).nullish(),
  message: z.string(),
  metadata: z.looseObject({
    raw: z.json().nullish(),
    provider_name: z.string().nullish(),
    error_type: z.string().nullish(),
    availability: Availability.nullish()
  }).nullish()
})

const Message = z.looseObject({
  role: open("assistant"),
  content: z.string().nullish(),
  refusal: z.string().nullish(),
  annotations: z.array(Annotation).nullish(),
  audio: Audio.nullish(),
  tool_calls: z.array(MessageToolCall).nullish(),
  reasoning: z.string().nullish(),
  reasoning_details: z.array(ReasoningDetail).nullish(),
  images: z.array(Image).nullish()
})

const Choice = z.looseObject({
  message: Message,
  finish_reason: open("stop", "length", "tool_calls", "content_filter", "error").nullable(),
  native_finish_reason: z.string().nullish(),
  index: z.number(),
  logprobs: ChoiceLogprobs.nullish(),
  error: OpenRouterError.nullish()
})

const count = z.number().nullish()

const Usage = z.looseObject({
  completion_tokens: z.number(),
  prompt_tokens: z.number(),
  total_tokens: z.number(),
  completion_tokens_details: z.looseObject({
    accepted_prediction_tokens: count,
    rejected_prediction_tokens: count,
    audio_tokens: count,
    reasoning_tokens: count,
    image_tokens: count
  }).nullish(),
  prompt_tokens_details: z.looseObject({
    audio_tokens: count,
    cached_tokens: count,
    cache_write_tokens: count,
    video_tokens: count,
    image_tokens: count
  }).nullish(),
  cost: count,
  cost_details: z.looseObject({
    upstream_inference_cost: count,
    upstream_upstream_inference_cost: count,
    upstream_inference_prompt_cost: count,
    upstream_inference_completions_cost: count
  }).nullish(),
  is_byok: z.boolean().nullish()
})

/** The completion, as zod users would write it. */
export const ChatCompletion = z.looseObject({
  id: z.string().min(1),
  choices: z.array(Choice),
  created: z.number(),
  model: z.string(),
  object: z.literal("chat.completion"),
  service_tier: open("auto", "default", "flex").nullish(),
  system_fingerprint: z.string().nullish(),
  usage: Usage.nullish(),
  provider: z.string().nullish()
})
