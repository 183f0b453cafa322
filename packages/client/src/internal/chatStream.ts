/**
 * The chat-completion stream on top of server-sent events: each event's data is a chunk, `[DONE]` ends the stream,
 * and every way the stream can go wrong after it started is a typed error carrying the completion merged so far.
 * Independent of HTTP: it reads any stream of events or bytes.
 */
import { type ChatCompletion, ChatCompletionChunk, ErrorBody, Json } from "@objectiveai-effect/domain"
import * as Cause from "effect/Cause"
import * as Channel from "effect/Channel"
import * as Chunk from "effect/Chunk"
import * as Either from "effect/Either"
import { dual } from "effect/Function"
import * as Option from "effect/Option"
import * as ParseResult from "effect/ParseResult"
import * as Predicate from "effect/Predicate"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import {
  StreamDeadlineError,
  StreamEventTooLargeError,
  StreamIdleTimeoutError,
  StreamInvalidChunkError,
  StreamMidstreamError,
  StreamTruncatedError
} from "../StreamError.js"
import * as Sse from "./sse.js"

/** Options of {@link decode} and {@link decodeBytes}. */
export interface DecodeOptions {
  /**
   * Merge chunks as they pass so that errors carry the partial completion; on by default. Turn it off for a stream
   * consumed without merging whose memory must stay flat however long it runs; errors then carry `None`.
   */
  readonly keepPartial?: boolean | undefined
}

/** The errors the chunk decoder itself raises. */
export type ChunkDecodeError = StreamMidstreamError | StreamTruncatedError | StreamInvalidChunkError

const decodeChunk = Schema.decodeEither(ChatCompletionChunk.ChatCompletionChunkFromJson)
const decodeErrorBody = Schema.decodeEither(Json.parseJson(ErrorBody.ErrorBody))

/** The OpenRouter error a chunk carries: top-level, or on a choice that finished with `"error"`. */
const chunkError = (chunk: ChatCompletionChunk.ChatCompletionChunk): ErrorBody.OpenRouterErrorBody | undefined => {
  if (chunk.error != null) return { error: chunk.error }
  for (const choice of chunk.choices) {
    if (choice.finish_reason === "error" && choice.error != null) return { error: choice.error }
  }
  return undefined
}

// Errors are built here without validation (the `true` argument): every part comes from decoded data, and checking a
// long partial completion again would walk every token.
type PartialCompletion = () => Option.Option<ChatCompletion.ChatCompletion>

// Errors raised below this layer have no partial completion (see StreamError.ts); this layer has it.
const withPartial = <E>(error: E, partial: PartialCompletion): E => {
  if (error instanceof StreamEventTooLargeError && Option.isNone(error.partial)) {
    return new StreamEventTooLargeError({ ...error, partial: partial() }, true) as E
  }
  if (error instanceof StreamIdleTimeoutError && Option.isNone(error.partial)) {
    return new StreamIdleTimeoutError({ ...error, partial: partial() }, true) as E
  }
  if (error instanceof StreamDeadlineError && Option.isNone(error.partial)) {
    return new StreamDeadlineError({ ...error, partial: partial() }, true) as E
  }
  if (error instanceof StreamTruncatedError && Option.isNone(error.partial)) {
    return new StreamTruncatedError({ ...error, partial: partial() }, true) as E
  }
  return error
}

const midstreamError = (body: ErrorBody.ErrorBody, partial: PartialCompletion): StreamMidstreamError => {
  const status = ErrorBody.status(body)
  return new StreamMidstreamError({ ...(status === undefined ? {} : { status }), body, partial: partial() }, true)
}

/** Data that is not a chunk is either an ObjectiveAI or OpenRouter error body sent as an event, or invalid. */
const notAChunk = (
  data: string,
  error: ParseResult.ParseError,
  partial: PartialCompletion
): StreamMidstreamError | StreamInvalidChunkError =>
  Either.match(decodeErrorBody(data), {
    onRight: (body) => midstreamError(body, partial),
    onLeft: () =>
      new StreamInvalidChunkError(
        { data, issue: ParseResult.TreeFormatter.formatErrorSync(error), partial: partial() },
        true
      )
  })

const chunkDecoder = <E>(
  keepPartial: boolean
): Channel.Channel<
  Chunk.Chunk<ChatCompletionChunk.ChatCompletionChunk>,
  Chunk.Chunk<Sse.SseEvent>,
  E | ChunkDecodeError,
  E,
  void,
  unknown
> =>
  Channel.suspend(() => {
    const merged = keepPartial ? ChatCompletionChunk.accumulator() : undefined
    const partial: PartialCompletion = () => merged === undefined ? Option.none() : merged.completion()
    let finished = false
    const loop: Channel.Channel<
      Chunk.Chunk<ChatCompletionChunk.ChatCompletionChunk>,
      Chunk.Chunk<Sse.SseEvent>,
      E | ChunkDecodeError,
      E,
      void,
      unknown
    > = Channel.readWithCause({
      onInput: (events: Chunk.Chunk<Sse.SseEvent>) => {
        const chunks: Array<ChatCompletionChunk.ChatCompletionChunk> = []
        let next: Channel.Channel<never, unknown, ChunkDecodeError, unknown, void, unknown> | undefined
        for (const event of events) {
          if (event.data === "[DONE]") {
            next = Channel.void
            break
          }
          const decoded = decodeChunk(event.data)
          if (Either.isLeft(decoded)) {
            next = Channel.fail(notAChunk(event.data, decoded.left, partial))
            break
          }
          const chunk = decoded.right
          merged?.add(chunk)
          const body = chunkError(chunk)
          if (body !== undefined) {
            next = Channel.fail(midstreamError(body, partial))
            break
          }
          finished ||= chunk.choices.some((choice) => choice.finish_reason != null)
          chunks.push(chunk)
        }
        const emitted = chunks.length === 0 ? Channel.void : Channel.write(Chunk.unsafeFromArray(chunks))
        return Channel.flatMap(emitted, () => next ?? loop)
      },
      onFailure: (cause) => Channel.failCause(Cause.map(cause, (error) => withPartial(error, partial))),
      onDone: (end) => {
        const endedMidEvent = Sse.isSseEnd(end) && end.endedMidEvent
        return finished && !endedMidEvent
          ? Channel.void
          : Channel.fail(new StreamTruncatedError({ endedMidEvent, partial: partial() }, true))
      }
    })
    return loop
  })

/**
 * Decodes server-sent events into chunks, up to `data: [DONE]` (nothing after it is read). The usage-only chunk with
 * `choices: []` is delivered like any other. The stream fails with
 * - `StreamMidstreamError` for an error event or a chunk carrying an `error` (that chunk is merged into the partial,
 *   not delivered),
 * - `StreamInvalidChunkError` for data that is neither,
 * - `StreamTruncatedError` when the events end without `[DONE]` and no choice has a finish reason, or, when the
 *   events come straight from `Sse.decode`, the bytes stopped inside an event.
 *
 * An upstream `StreamEventTooLargeError`, `StreamIdleTimeoutError` or `StreamTruncatedError` without a partial
 * completion gets the one merged here.
 */
export const decode: {
  (options?: DecodeOptions): <E, R>(
    events: Stream.Stream<Sse.SseEvent, E, R>
  ) => Stream.Stream<ChatCompletionChunk.ChatCompletionChunk, E | ChunkDecodeError, R>
  <E, R>(
    events: Stream.Stream<Sse.SseEvent, E, R>,
    options?: DecodeOptions
  ): Stream.Stream<ChatCompletionChunk.ChatCompletionChunk, E | ChunkDecodeError, R>
} = dual(
  (args) => Predicate.hasProperty(args[0], Stream.StreamTypeId),
  <E, R>(
    events: Stream.Stream<Sse.SseEvent, E, R>,
    options?: DecodeOptions
  ): Stream.Stream<ChatCompletionChunk.ChatCompletionChunk, E | ChunkDecodeError, R> =>
    Stream.pipeThroughChannel(events, chunkDecoder<E>(options?.keepPartial ?? true))
)

/**
 * Decodes a response body into chunks: {@link decode} directly on `Sse.decode`, so that an event cut off by the end
 * of the body counts as truncation. This is the entry point for an HTTP response's `stream`; apply an idle timeout
 * to the bytes before it.
 *
 * @example
 * ```ts
 * const chunks = response.stream.pipe(
 *   Stream.timeoutFail(() => new StreamIdleTimeoutError({ idleTimeout }), idleTimeout),
 *   decodeBytes()
 * )
 * ```
 */
export const decodeBytes: {
  (options?: DecodeOptions & Sse.DecodeOptions): <E, R>(
    bytes: Stream.Stream<Uint8Array, E, R>
  ) => Stream.Stream<ChatCompletionChunk.ChatCompletionChunk, E | StreamEventTooLargeError | ChunkDecodeError, R>
  <E, R>(
    bytes: Stream.Stream<Uint8Array, E, R>,
    options?: DecodeOptions & Sse.DecodeOptions
  ): Stream.Stream<ChatCompletionChunk.ChatCompletionChunk, E | StreamEventTooLargeError | ChunkDecodeError, R>
} = dual(
  (args) => Predicate.hasProperty(args[0], Stream.StreamTypeId),
  <E, R>(
    bytes: Stream.Stream<Uint8Array, E, R>,
    options?: DecodeOptions & Sse.DecodeOptions
  ): Stream.Stream<ChatCompletionChunk.ChatCompletionChunk, E | StreamEventTooLargeError | ChunkDecodeError, R> =>
    decode(Sse.decode(bytes, options), options)
)
