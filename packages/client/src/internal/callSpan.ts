/**
 * What a call's span carries beyond its method, path, status and attempts: for every call the request id of its
 * answer, or the tag and request id of its error, and the caller's tags; for a create or a stream the GenAI attributes
 * of its request and its answer (`Telemetry` builds them). A stream's answer is read from its chunks as they pass, or from the
 * partial completion of the error that ended it.
 */
import type { ChatCompletion, ChatCompletionChunk, ChatCompletionCreateParams } from "@objectiveai-effect/domain"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as FiberRef from "effect/FiberRef"
import * as Option from "effect/Option"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import type * as Tracer from "effect/Tracer"
import * as CallTags from "../CallTags.js"
import type { WithResponse } from "../ObjectiveAiClient.js"
import type * as ObjectiveAiError from "../ObjectiveAiError.js"
import type * as StreamError from "../StreamError.js"
import * as Telemetry from "../Telemetry.js"

/** What an operation adds to its span: at the start, in the caller's fiber, and once it has read its answer. */
export interface Annotation<A> {
  readonly start: (span: Tracer.Span) => Effect.Effect<void>
  readonly success: (span: Tracer.Span, value: A) => void
}

const requestId = "objectiveai.request_id"

// The span of the stream whose opening runs here: the open's attempts go on it too, since a trace's reader looks for
// them on the span around the whole stream, not only on the open's own.
const streamSpan = FiberRef.unsafeMake<Tracer.Span | undefined>(undefined)

/** Puts a call's attempts on the span of the stream it opens, when it opens one. */
export const streamAttempts = (attempts: number): Effect.Effect<void> =>
  Effect.map(FiberRef.get(streamSpan), (span) => span?.attribute("objectiveai.attempts", attempts))

const annotateRequest = (
  span: Tracer.Span,
  request: ChatCompletionCreateParams.ChatCompletionCreateParams
): Effect.Effect<void> =>
  Effect.map(CallTags.get, (tags) => {
    Telemetry.annotate(span, Telemetry.requestAttributes(request))
    Telemetry.annotate(span, Telemetry.tagAttributes(tags))
  })

// The error's own status is the HTTP status for a failed request, and the status an error event named for a stream
// that failed after its 200.
const annotateError = (span: Tracer.Span, error: ObjectiveAiError.ObjectiveAiError | StreamError.StreamError) => {
  span.attribute("error.type", error._tag)
  if ("status" in error && error.status !== undefined) span.attribute("objectiveai.error.status", error.status)
  if ("requestId" in error && error.requestId !== undefined) span.attribute(requestId, error.requestId)
}

/** The annotation of a retrieve or a list: the tags of the fiber that made it. */
export const tagged: Annotation<unknown> = {
  start: (span) => Effect.map(CallTags.get, (tags) => Telemetry.annotate(span, Telemetry.tagAttributes(tags))),
  success: () => {}
}

/** A create's annotation: its request and tags, then the completion it got. */
export const create = (
  request: ChatCompletionCreateParams.ChatCompletionCreateParams
): Annotation<ChatCompletion.ChatCompletion> => ({
  start: (span) => annotateRequest(span, request),
  success: (span, completion) => Telemetry.annotate(span, Telemetry.completionAttributes(completion))
})

/** Runs an annotation's start, if the operation has one. */
export const start = <A>(span: Tracer.Span, annotation: Annotation<A> | undefined): Effect.Effect<void> =>
  annotation === undefined ? Effect.void : annotation.start(span)

/** Annotates the outcome of a call: every call's part, then the operation's. */
export const end = <A>(
  span: Tracer.Span,
  exit: Exit.Exit<WithResponse<A>, ObjectiveAiError.ObjectiveAiError>,
  annotation: Annotation<A> | undefined
): void => {
  if (Exit.isSuccess(exit)) {
    if (exit.value.requestId !== undefined) span.attribute(requestId, exit.value.requestId)
    annotation?.success(span, exit.value.value)
  } else {
    Option.map(Cause.failureOption(exit.cause), (error) => annotateError(span, error))
  }
}

/**
 * The fields of the answer a stream's chunks make, kept as they pass without merging the content: the attributes of
 * a long stream cost no more memory than those of a short one.
 */
const streamedFields = () => {
  let id: string | undefined
  let model: string | undefined
  let provider: string | null | undefined
  let usage: ChatCompletionChunk.ChatCompletionChunk["usage"]
  const finishReasons = new Map<number, string | undefined>()
  return {
    add: (chunk: ChatCompletionChunk.ChatCompletionChunk): void => {
      id = chunk.id
      model = chunk.model
      if (chunk.provider != null) provider = chunk.provider
      if (chunk.usage != null) usage = chunk.usage
      for (const choice of chunk.choices) {
        finishReasons.set(choice.index, choice.finish_reason ?? finishReasons.get(choice.index))
      }
    },
    fields: (): Telemetry.ResponseFields => ({
      id,
      model,
      provider,
      usage,
      finishReasons: [...finishReasons.keys()].sort((a, b) => a - b).map((index) =>
        finishReasons.get(index) ?? "unknown"
      )
    })
  }
}

/**
 * A stream's annotation, on the span around it: its request and tags, then the attempts its opening made, and, when it
 * ends however it ends, the status and request id of its response and the answer its chunks made, or the error that ended it with the partial
 * completion the error carries.
 */
export const stream = (
  request: ChatCompletionCreateParams.ChatCompletionCreateParams,
  opened: Effect.Effect<
    WithResponse<Stream.Stream<ChatCompletionChunk.ChatCompletionChunk, StreamError.StreamError>>,
    ObjectiveAiError.ObjectiveAiError,
    Scope.Scope
  >
): Effect.Effect<
  Stream.Stream<ChatCompletionChunk.ChatCompletionChunk, StreamError.StreamError>,
  ObjectiveAiError.ObjectiveAiError,
  Scope.Scope
> =>
  Effect.flatMap(Effect.option(Effect.currentSpan), (current) => {
    if (Option.isNone(current)) return Effect.map(opened, (response) => response.value)
    const span = current.value
    const streamed = streamedFields()
    return annotateRequest(span, request).pipe(
      Effect.zipRight(Effect.addFinalizer((exit) =>
        Effect.sync(() => {
          // The scope closes with the stream's exit, whose only failures are the stream's own errors.
          const error = Exit.isFailure(exit)
            ? Cause.failureOption(
              exit.cause as Cause.Cause<ObjectiveAiError.ObjectiveAiError | StreamError.StreamError>
            )
            : Option.none()
          if (Option.isNone(error)) return Telemetry.annotate(span, Telemetry.responseAttributes(streamed.fields()))
          const partial = "partial" in error.value ? error.value.partial : Option.none()
          Telemetry.annotate(
            span,
            Option.isSome(partial)
              ? Telemetry.completionAttributes(partial.value)
              : Telemetry.responseAttributes(streamed.fields())
          )
          annotateError(span, error.value)
        })
      )),
      Effect.zipRight(Effect.locally(opened, streamSpan, span)),
      Effect.map((response) => {
        span.attribute("http.response.status_code", response.status)
        if (response.requestId !== undefined) span.attribute(requestId, response.requestId)
        return Stream.mapChunks(response.value, (chunks) => {
          for (const chunk of chunks) streamed.add(chunk)
          return chunks
        })
      })
    )
  })
