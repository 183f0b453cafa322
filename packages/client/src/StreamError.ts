/**
 * The ways a streamed chat completion can fail after its response has started. Every one of them carries the
 * completion merged from the chunks received before the failure, because content, cost and usage already streamed
 * still matter to the caller. Every one carries {@link TypeId}, so {@link isStreamError} tells them from another
 * library's error that happens to share a `_tag`.
 *
 * @since 0.1.0
 */
import { ChatCompletion, ErrorBody } from "@objectiveai-effect/domain"
import * as Duration from "effect/Duration"
import * as Option from "effect/Option"
import * as Predicate from "effect/Predicate"
import * as Schema from "effect/Schema"

/**
 * The brand every stream error carries.
 *
 * @since 0.1.0
 * @category type ids
 */
export const TypeId: unique symbol = Symbol.for("@objectiveai-effect/client/StreamError")

/**
 * @since 0.1.0
 * @category type ids
 */
export type TypeId = typeof TypeId

// Errors raised below the chunk decoder (by the SSE decoder, an idle timeout on the bytes, a transport failure) cannot
// know what was merged: they are built without a partial, and the chunk decoder fills it in as they pass.
const partial = Schema.optionalWith(Schema.OptionFromSelf(ChatCompletion.ChatCompletion), {
  default: () => Option.none()
}).annotations({ description: "The completion merged from the chunks received before the failure." })

/**
 * The server reported an error in the middle of the stream, as an ObjectiveAI `{ code, message }` event or as an
 * OpenRouter chunk with an `error` (top-level, or on a choice that finished with `"error"`).
 *
 * @since 0.1.0
 * @category errors
 */
export class StreamMidstreamError extends Schema.TaggedError<StreamMidstreamError>()("StreamMidstreamError", {
  status: Schema.optionalWith(Schema.Number, { exact: true }).annotations({
    description: "The HTTP status the error body names, where it names one."
  }),
  body: ErrorBody.ErrorBody,
  partial
}) {
  /** @since 0.1.0 */
  readonly [TypeId]: TypeId = TypeId

  override get message(): string {
    return `The stream failed${this.status === undefined ? "" : ` with status ${this.status}`}: ${
      ErrorBody.message(this.body)
    }`
  }
}

/**
 * The stream ended before `data: [DONE]` while the completion was unfinished: no choice had a finish reason, or the
 * input stopped inside an event. A connection lost while the body streamed is reported this way too, finished or not.
 *
 * @since 0.1.0
 * @category errors
 */
export class StreamTruncatedError extends Schema.TaggedError<StreamTruncatedError>()("StreamTruncatedError", {
  endedMidEvent: Schema.Boolean.annotations({
    description: "Whether the bytes stopped inside an event, which was therefore lost."
  }),
  partial
}) {
  /** @since 0.1.0 */
  readonly [TypeId]: TypeId = TypeId

  override get message(): string {
    return `The stream ended before [DONE]${this.endedMidEvent ? " inside an event" : " with no finish reason"}`
  }
}

/**
 * One event (its pending line plus the data gathered so far) outgrew the decoder's maximum size; decoding stopped
 * rather than buffering without bound.
 *
 * @since 0.1.0
 * @category errors
 */
export class StreamEventTooLargeError extends Schema.TaggedError<StreamEventTooLargeError>()(
  "StreamEventTooLargeError",
  {
    maxEventSize: Schema.Number.annotations({ description: "The limit, in UTF-8 bytes." }),
    partial
  }
) {
  /** @since 0.1.0 */
  readonly [TypeId]: TypeId = TypeId

  override get message(): string {
    return `A server-sent event exceeded the maximum size of ${this.maxEventSize} bytes`
  }
}

/**
 * An event's data is not a chunk the schema accepts, nor an error body.
 *
 * @since 0.1.0
 * @category errors
 */
export class StreamInvalidChunkError extends Schema.TaggedError<StreamInvalidChunkError>()(
  "StreamInvalidChunkError",
  {
    data: Schema.String.annotations({ description: "The event's data, as received." }),
    issue: Schema.String.annotations({ description: "Why the chunk schema rejected it." }),
    partial
  }
) {
  /** @since 0.1.0 */
  readonly [TypeId]: TypeId = TypeId

  override get message(): string {
    return `Invalid chat completion chunk: ${this.issue}`
  }
}

/**
 * Nothing arrived for longer than the allowed idle time between events.
 *
 * @since 0.1.0
 * @category errors
 */
export class StreamIdleTimeoutError extends Schema.TaggedError<StreamIdleTimeoutError>()("StreamIdleTimeoutError", {
  idleTimeout: Schema.DurationFromSelf,
  partial
}) {
  /** @since 0.1.0 */
  readonly [TypeId]: TypeId = TypeId

  override get message(): string {
    return `The stream sent nothing for ${Duration.format(this.idleTimeout)}`
  }
}

/**
 * The stream was still running at its overall deadline (`StreamOptions.timeout`, or the client's `timeouts.stream`):
 * a server trickling a byte at a time never trips the idle timeout, and this bounds it.
 *
 * @since 0.1.0
 * @category errors
 */
export class StreamDeadlineError extends Schema.TaggedError<StreamDeadlineError>()("StreamDeadlineError", {
  timeout: Schema.DurationFromSelf,
  partial
}) {
  /** @since 0.1.0 */
  readonly [TypeId]: TypeId = TypeId

  override get message(): string {
    return `The stream was not over within ${Duration.format(this.timeout)}`
  }
}

/**
 * Any failure of a streamed completion after its response started, as a schema (for sending errors over the wire)
 * and as the union type.
 *
 * @since 0.1.0
 * @category schemas
 */
export const StreamError = Schema.Union(
  StreamMidstreamError,
  StreamTruncatedError,
  StreamEventTooLargeError,
  StreamInvalidChunkError,
  StreamIdleTimeoutError,
  StreamDeadlineError
)

/**
 * @since 0.1.0
 * @category models
 */
export type StreamError = Schema.Schema.Type<typeof StreamError>

/**
 * Whether a value is a stream error, by its brand rather than its tag.
 *
 * @since 0.1.0
 * @category guards
 */
export const isStreamError = (u: unknown): u is StreamError => Predicate.hasProperty(u, TypeId)
