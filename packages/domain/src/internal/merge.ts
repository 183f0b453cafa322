import * as Option from "effect/Option"
import type * as ChatCompletion from "../ChatCompletion.js"
import type * as ChatCompletionChunk from "../ChatCompletionChunk.js"
import type * as CompletionId from "../CompletionId.js"
import type * as CompletionUsage from "../CompletionUsage.js"
import type * as ErrorBody from "../ErrorBody.js"
import type * as Logprobs from "../Logprobs.js"

interface ToolCallState {
  id: string | undefined
  type: string | undefined
  name: string | undefined
  arguments: string
}

interface ChoiceState {
  readonly index: number
  content: string | undefined
  refusal: string | undefined
  reasoning: string | undefined
  finishReason: ChatCompletion.FinishReason | null
  nativeFinishReason: string | undefined
  error: ErrorBody.OpenRouterError | undefined
  readonly toolCalls: Map<number, ToolCallState>
  readonly annotations: Array<ChatCompletion.Annotation>
  readonly reasoningDetails: Array<ChatCompletion.ReasoningDetail>
  readonly images: Array<ChatCompletion.Image>
  contentLogprobs: Array<Logprobs.TokenLogprob> | undefined
  refusalLogprobs: Array<Logprobs.TokenLogprob> | undefined
}

const newChoice = (index: number): ChoiceState => ({
  index,
  content: undefined,
  refusal: undefined,
  reasoning: undefined,
  finishReason: null,
  nativeFinishReason: undefined,
  error: undefined,
  toolCalls: new Map(),
  annotations: [],
  reasoningDetails: [],
  images: [],
  contentLogprobs: undefined,
  refusalLogprobs: undefined
})

const append = (
  target: Array<Logprobs.TokenLogprob> | undefined,
  source: ReadonlyArray<Logprobs.TokenLogprob> | null | undefined
): Array<Logprobs.TokenLogprob> | undefined => {
  if (source == null) return target
  const out = target ?? []
  for (let i = 0; i < source.length; i++) out.push(source[i])
  return out
}

const concat = (target: string | undefined, piece: string | null | undefined): string | undefined =>
  piece == null ? target : target === undefined ? piece : target + piece

export class ChunkAccumulator implements ChatCompletionChunk.Accumulator {
  private count = 0
  private id: CompletionId.CompletionId | undefined
  private created = 0
  private model = ""
  private serviceTier: ChatCompletion.ServiceTier | undefined
  private systemFingerprint: string | undefined
  private provider: string | undefined
  private usage: CompletionUsage.CompletionUsage | undefined
  private readonly choices = new Map<number, ChoiceState>()

  readonly chunks = (): number => this.count

  readonly add = (chunk: ChatCompletionChunk.ChatCompletionChunk): void => {
    if (this.count++ === 0) {
      this.id = chunk.id
      this.created = chunk.created
      this.model = chunk.model
    }
    if (chunk.service_tier != null) this.serviceTier = chunk.service_tier
    if (chunk.system_fingerprint != null) this.systemFingerprint = chunk.system_fingerprint
    if (chunk.provider != null) this.provider = chunk.provider
    if (chunk.usage != null) this.usage = chunk.usage
    for (const choice of chunk.choices) this.addChoice(choice, chunk.error ?? undefined)
  }

  /** `streamError` is the chunk's own `error`: OpenRouter reports a mid-stream failure there, not on the choice. */
  private addChoice(choice: ChatCompletionChunk.ChunkChoice, streamError: ErrorBody.OpenRouterError | undefined): void {
    let state = this.choices.get(choice.index)
    if (state === undefined) {
      state = newChoice(choice.index)
      this.choices.set(choice.index, state)
    }
    const delta = choice.delta
    state.content = concat(state.content, delta.content)
    state.refusal = concat(state.refusal, delta.refusal)
    state.reasoning = concat(state.reasoning, delta.reasoning)
    if (delta.annotations != null) state.annotations.push(...delta.annotations)
    if (delta.reasoning_details != null) state.reasoningDetails.push(...delta.reasoning_details)
    if (delta.images != null) state.images.push(...delta.images)
    if (delta.tool_calls != null) {
      for (const fragment of delta.tool_calls) {
        let call = state.toolCalls.get(fragment.index)
        if (call === undefined) {
          call = { id: undefined, type: undefined, name: undefined, arguments: "" }
          state.toolCalls.set(fragment.index, call)
        }
        call.id ??= fragment.id ?? undefined
        call.type ??= fragment.type ?? undefined
        call.name ??= fragment.function?.name ?? undefined
        const args = fragment.function?.arguments
        if (args != null) call.arguments += args
      }
    }
    if (choice.finish_reason != null) state.finishReason = choice.finish_reason
    if (choice.native_finish_reason != null) state.nativeFinishReason = choice.native_finish_reason
    if (choice.error != null) state.error = choice.error
    // Keep why the choice failed on the choice, where a completion carries it.
    else if (streamError !== undefined && choice.finish_reason === "error") state.error ??= streamError
    if (choice.logprobs != null) {
      state.contentLogprobs = append(state.contentLogprobs, choice.logprobs.content)
      state.refusalLogprobs = append(state.refusalLogprobs, choice.logprobs.refusal)
    }
  }

  readonly completion = (): Option.Option<ChatCompletion.ChatCompletion> => {
    if (this.id === undefined) return Option.none()
    const choices = Array.from(this.choices.values()).sort((a, b) => a.index - b.index).map(toChoice)
    return Option.some({
      id: this.id,
      object: "chat.completion",
      created: this.created,
      model: this.model,
      choices,
      ...(this.serviceTier === undefined ? {} : { service_tier: this.serviceTier }),
      ...(this.systemFingerprint === undefined ? {} : { system_fingerprint: this.systemFingerprint }),
      ...(this.provider === undefined ? {} : { provider: this.provider }),
      ...(this.usage === undefined ? {} : { usage: this.usage })
    })
  }
}

const toChoice = (state: ChoiceState): ChatCompletion.Choice => {
  const toolCalls = Array.from(state.toolCalls.entries()).sort(([a], [b]) => a - b).map((
    [index, call]
  ): ChatCompletion.MessageToolCall => ({
    // A call whose first fragment never arrived still gets a stable id, so callers can key results by it.
    id: call.id ?? `call_${index}`,
    type: call.type ?? "function",
    function: { name: call.name ?? "", arguments: call.arguments }
  }))
  const hasLogprobs = state.contentLogprobs !== undefined || state.refusalLogprobs !== undefined
  // The shape a unary answer has, so that a merged stream equals it: `content`, `refusal` and `logprobs` null where
  // nothing arrived, `reasoning` left out (ObjectiveAI's SDK declares it optional and never null), and both logprob
  // arrays present once either is.
  return {
    index: state.index,
    message: {
      role: "assistant",
      content: state.content ?? null,
      refusal: state.refusal ?? null,
      ...(state.reasoning === undefined ? {} : { reasoning: state.reasoning }),
      ...(toolCalls.length === 0 ? {} : { tool_calls: toolCalls }),
      ...(state.annotations.length === 0 ? {} : { annotations: [...state.annotations] }),
      ...(state.reasoningDetails.length === 0 ? {} : { reasoning_details: [...state.reasoningDetails] }),
      ...(state.images.length === 0 ? {} : { images: [...state.images] })
    },
    finish_reason: state.finishReason,
    ...(state.nativeFinishReason === undefined ? {} : { native_finish_reason: state.nativeFinishReason }),
    ...(state.error === undefined ? {} : { error: state.error }),
    logprobs: hasLogprobs
      ? {
        content: state.contentLogprobs === undefined ? [] : [...state.contentLogprobs],
        refusal: state.refusalLogprobs === undefined ? [] : [...state.refusalLogprobs]
      }
      : null
  }
}
