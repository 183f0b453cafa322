import * as AiError from "@effect/ai/AiError"
import type * as Response from "@effect/ai/Response"
import * as Tool from "@effect/ai/Tool"
import type { ChatCompletion, ChatCompletionChunk, CompletionUsage, Logprobs } from "@objectiveai-effect/domain"
import * as DateTime from "effect/DateTime"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"

const moduleName = "ObjectiveAiLanguageModel"

const finishReasons: Record<string, Response.FinishReason> = {
  stop: "stop",
  length: "length",
  tool_calls: "tool-calls",
  function_call: "tool-calls",
  content_filter: "content-filter",
  error: "error"
}

/** @effect/ai's finish reason for the API's; `unknown` for none or one it does not know. */
export const finishReason = (reason: string | null | undefined): Response.FinishReason =>
  (reason == null ? undefined : finishReasons[reason]) ?? "unknown"

/**
 * What the finish part's `objectiveai` metadata holds: a type literal, not an interface, so that it has the implicit
 * index signature `@effect/ai`'s `ProviderMetadata` asks of every provider's entry (an interface fails with TS2411 in a
 * consumer that checks declaration files).
 */
export type FinishMetadata = {
  /** The completion's id, to retrieve it later. */
  readonly completionId: string
  /** The upstream provider that served it. */
  readonly provider: string | undefined
  readonly systemFingerprint: string | undefined
  /** The provider's own finish reason. */
  readonly nativeFinishReason: string | undefined
  /** The model's refusal, when it refused. */
  readonly refusal: string | undefined
  /** The API's usage object as it came: tokens and their details, `cost`, `cost_details`, `is_byok`. */
  readonly usage: CompletionUsage.CompletionUsage | undefined
  /** `usage.cost`: what the call was charged, in credits. */
  readonly cost: number | undefined
  /** The token logprobs, with `logprobs: true` in the config. */
  readonly logprobs: Logprobs.ChoiceLogprobs | undefined
}

const usageOf = (usage: CompletionUsage.CompletionUsage | null | undefined): typeof Response.Usage.Encoded => ({
  inputTokens: usage?.prompt_tokens,
  outputTokens: usage?.completion_tokens,
  totalTokens: usage?.total_tokens,
  reasoningTokens: usage?.completion_tokens_details?.reasoning_tokens ?? undefined,
  cachedInputTokens: usage?.prompt_tokens_details?.cached_tokens ?? undefined
})

const finishPart = (
  reason: Response.FinishReason,
  metadata: FinishMetadata
): Response.FinishPartEncoded => ({
  type: "finish",
  reason,
  usage: usageOf(metadata.usage),
  metadata: { objectiveai: { ...metadata } }
})

const metadataPart = (completion: { readonly id: string; readonly model: string; readonly created: number }) => ({
  type: "response-metadata" as const,
  id: completion.id,
  modelId: completion.model,
  timestamp: DateTime.formatIso(DateTime.unsafeMake(completion.created * 1000))
})

const parseParams = (name: string, text: string) =>
  Effect.try({
    // Arguments the model left empty mean no arguments.
    try: () => text.trim().length === 0 ? {} : Tool.unsafeSecureJsonParse(text),
    catch: (cause) =>
      new AiError.MalformedOutput({
        module: moduleName,
        method: "makeResponse",
        description: `The arguments of the call of tool '${name}' are not JSON: ${text}`,
        cause
      })
  })

// Source and file parts are the same whole parts in a response and in a stream.
const sourceParts = (annotations: ChatCompletion.ChatCompletionMessage["annotations"]) =>
  (annotations ?? []).flatMap((annotation): Array<Response.UrlSourcePartEncoded> => {
    const citation = annotation.url_citation
    return citation == null ? [] : [{
      type: "source",
      sourceType: "url",
      id: citation.url,
      url: citation.url,
      title: citation.title ?? citation.url
    }]
  })

const imageParts = (images: ChatCompletion.ChatCompletionMessage["images"]) =>
  (images ?? []).map((image): Response.FilePartEncoded => {
    const match = /^data:([^;,]+)(?:;base64)?,(.*)$/s.exec(image.image_url.url)
    return { type: "file", mediaType: match?.[1] ?? "image/png", data: match?.[2] ?? image.image_url.url }
  })

/** The parts of a unary completion: its first choice. */
export const fromCompletion = Effect.fnUntraced(function*(completion: ChatCompletion.ChatCompletion) {
  const choice = completion.choices[0]
  if (choice === undefined) {
    return yield* new AiError.MalformedOutput({
      module: moduleName,
      method: "makeResponse",
      description: `Completion ${completion.id} has no choice`
    })
  }
  const { message } = choice
  const parts: Array<Response.PartEncoded> = [metadataPart(completion)]
  if (message.reasoning != null && message.reasoning.length > 0) {
    parts.push({ type: "reasoning", text: message.reasoning })
  } else {
    for (const detail of message.reasoning_details ?? []) {
      const text = detail.text ?? detail.summary
      if (text != null && text.length > 0) parts.push({ type: "reasoning", text })
    }
  }
  if (message.content != null && message.content.length > 0) parts.push({ type: "text", text: message.content })
  for (const call of message.tool_calls ?? []) {
    parts.push({
      type: "tool-call",
      id: call.id,
      name: call.function.name,
      params: yield* parseParams(call.function.name, call.function.arguments)
    })
  }
  parts.push(...sourceParts(message.annotations), ...imageParts(message.images))
  parts.push(finishPart(finishReason(choice.finish_reason), {
    completionId: completion.id,
    provider: completion.provider ?? undefined,
    systemFingerprint: completion.system_fingerprint ?? undefined,
    nativeFinishReason: choice.native_finish_reason ?? undefined,
    refusal: message.refusal ?? undefined,
    usage: completion.usage ?? undefined,
    cost: completion.usage?.cost ?? undefined,
    logprobs: choice.logprobs ?? undefined
  }))
  return parts
})

interface PendingCall {
  readonly id: string
  readonly name: string
  params: string
}

/**
 * The parts of a stream of chunks, read from the first choice: text and reasoning as start/delta/end, tool calls as
 * params start/delta then the call once its choice finishes, and the finish part (usage and cost from the last chunk
 * that had them) when the stream ends.
 */
export const fromChunks = <E>(
  chunks: Stream.Stream<ChatCompletionChunk.ChatCompletionChunk, E>
): Stream.Stream<Response.StreamPartEncoded, E | AiError.MalformedOutput> =>
  Stream.suspend(() => {
    let nextId = 0
    let activeText: string | undefined
    let activeReasoning: string | undefined
    let head: ChatCompletionChunk.ChatCompletionChunk | undefined
    let reason: string | null | undefined
    let nativeReason: string | undefined
    let usage: CompletionUsage.CompletionUsage | undefined
    let refusal: string | undefined
    const content: Array<Logprobs.TokenLogprob> = []
    const refusalLogprobs: Array<Logprobs.TokenLogprob> = []
    let sawLogprobs = false
    const calls = new Map<number, PendingCall>()

    const closeText = (parts: Array<Response.StreamPartEncoded>) => {
      if (activeText !== undefined) parts.push({ type: "text-end", id: activeText })
      activeText = undefined
    }
    const closeReasoning = (parts: Array<Response.StreamPartEncoded>) => {
      if (activeReasoning !== undefined) parts.push({ type: "reasoning-end", id: activeReasoning })
      activeReasoning = undefined
    }
    const flushCalls = Effect.fnUntraced(function*(parts: Array<Response.StreamPartEncoded>) {
      for (const call of calls.values()) {
        parts.push({ type: "tool-params-end", id: call.id })
        parts.push({
          type: "tool-call",
          id: call.id,
          name: call.name,
          params: yield* parseParams(call.name, call.params)
        })
      }
      calls.clear()
    })

    const onChunk = Effect.fnUntraced(function*(chunk: ChatCompletionChunk.ChatCompletionChunk) {
      const parts: Array<Response.StreamPartEncoded> = []
      if (head === undefined) {
        head = chunk
        parts.push(metadataPart(chunk))
      }
      if (chunk.usage != null) usage = chunk.usage
      const choice = chunk.choices.find((candidate) => candidate.index === 0)
      if (choice === undefined) return parts
      const delta = choice.delta
      if (delta.reasoning != null && delta.reasoning.length > 0) {
        closeText(parts)
        if (activeReasoning === undefined) {
          activeReasoning = String(nextId++)
          parts.push({ type: "reasoning-start", id: activeReasoning })
        }
        parts.push({ type: "reasoning-delta", id: activeReasoning, delta: delta.reasoning })
      }
      if (delta.content != null && delta.content.length > 0) {
        closeReasoning(parts)
        if (activeText === undefined) {
          activeText = String(nextId++)
          parts.push({ type: "text-start", id: activeText })
        }
        parts.push({ type: "text-delta", id: activeText, delta: delta.content })
      }
      if (delta.refusal != null) refusal = (refusal ?? "") + delta.refusal
      for (const fragment of delta.tool_calls ?? []) {
        let call = calls.get(fragment.index)
        if (call === undefined) {
          call = {
            id: fragment.id ?? `call_${fragment.index}`,
            name: fragment.function?.name ?? "",
            params: ""
          }
          calls.set(fragment.index, call)
          parts.push({ type: "tool-params-start", id: call.id, name: call.name })
        }
        const piece = fragment.function?.arguments ?? ""
        if (piece.length > 0) {
          call.params += piece
          parts.push({ type: "tool-params-delta", id: call.id, delta: piece })
        }
      }
      parts.push(...sourceParts(delta.annotations), ...imageParts(delta.images))
      if (choice.logprobs != null) {
        sawLogprobs = true
        content.push(...(choice.logprobs.content ?? []))
        refusalLogprobs.push(...(choice.logprobs.refusal ?? []))
      }
      if (choice.native_finish_reason != null) nativeReason = choice.native_finish_reason
      if (choice.finish_reason != null) {
        reason = choice.finish_reason
        closeReasoning(parts)
        closeText(parts)
        yield* flushCalls(parts)
      }
      return parts
    })

    const onEnd = Effect.gen(function*() {
      const parts: Array<Response.StreamPartEncoded> = []
      closeReasoning(parts)
      closeText(parts)
      yield* flushCalls(parts)
      if (head !== undefined) {
        parts.push(finishPart(finishReason(reason), {
          completionId: head.id,
          provider: head.provider ?? undefined,
          systemFingerprint: head.system_fingerprint ?? undefined,
          nativeFinishReason: nativeReason,
          refusal,
          usage,
          cost: usage?.cost ?? undefined,
          logprobs: sawLogprobs ? { content, refusal: refusalLogprobs } : undefined
        }))
      }
      return parts
    })

    return chunks.pipe(
      Stream.mapEffect(onChunk),
      Stream.concat(Stream.fromEffect(onEnd)),
      Stream.flattenIterables
    )
  })
