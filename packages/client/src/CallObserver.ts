/**
 * What records calls as they happen (capture into a store, say) sees of each `create` and `stream` call of
 * `ObjectiveAiClient`: one {@link CallRecord} per call, with the request as sent, the answer, the outcome, the
 * attempts, the timings and the call's `CallTags`. The client reads the optional {@link CallObserver} service when a
 * call starts: provided beside the client (or anything built on it, such as the `@effect/ai` provider), every call
 * below it is observed; absent, a call costs one context lookup more.
 *
 * @example
 * ```ts
 * import { Console, Effect, Layer } from "effect"
 * import { CallObserver } from "@objectiveai-effect/client"
 *
 * // Each call as one line on the console: its model, outcome and duration.
 * const PrintCalls = Layer.succeed(CallObserver.CallObserver, {
 *   record: (call) => Console.log(`${call.request.model}: ${call.outcome._tag} in ${call.duration} ms`)
 * })
 * ```
 *
 * @since 0.1.0
 */
import type { ChatCompletion, ChatCompletionCreateParams } from "@objectiveai-effect/domain"
import * as Context from "effect/Context"
import * as Data from "effect/Data"
import type * as Effect from "effect/Effect"
import type * as Option from "effect/Option"
import type * as CallTags from "./CallTags.js"

/**
 * How a call ended: `Success`, `Failure` with the client error's tag, the status and request id of the answer that
 * failed it (when there was one) and its message, or `Interrupted` when the caller stopped it (an interrupted fiber,
 * a stream its consumer stopped reading).
 *
 * @since 0.1.0
 * @category models
 */
export type Outcome = Data.TaggedEnum<{
  Success: {}
  Failure: {
    readonly error: string
    readonly status: number | undefined
    readonly requestId: string | undefined
    readonly message: string
  }
  Interrupted: {}
}>

/**
 * Constructors, guards and `$match` for {@link Outcome}.
 *
 * @since 0.1.0
 * @category constructors
 */
export const Outcome = Data.taggedEnum<Outcome>()

/**
 * One `create` or `stream` call, as it ended. Times are in milliseconds on the `Clock`: `startedAt` since the Unix
 * epoch, the others since the call started.
 *
 * @since 0.1.0
 * @category models
 */
export interface CallRecord {
  readonly operation: "create" | "stream"
  /**
   * The request body as sent (a stream's with `stream: true` and its `stream_options`), or the parameters as given
   * when they were refused before anything was sent.
   */
  readonly request: ChatCompletionCreateParams.ChatCompletionCreateParams
  /** `request` as the JSON text sent; absent when nothing was sent. */
  readonly requestJson?: string | undefined
  /** The answer: a stream's merged chunks; for a stream that failed midway, the completion merged until then. */
  readonly completion: Option.Option<ChatCompletion.ChatCompletion>
  /**
   * A create's `completion` as the JSON text received (what it was decoded from, losslessly); absent for a stream,
   * whose completion was merged from its chunks. A recorder that keeps the answer can keep this text as it is.
   */
  readonly completionJson?: string | undefined
  readonly outcome: Outcome
  /** Requests sent: 0 for parameters refused before sending, more than 1 when the client retried. */
  readonly attempts: number
  /** The request id of the answer the call read (or that failed it). */
  readonly requestId: string | undefined
  readonly startedAt: number
  /** Until the headers of the answer the call read arrived. */
  readonly timeToFirstByte: Option.Option<number>
  /** Until a stream's first chunk; `None` for a create, or a stream that ended before any chunk. */
  readonly timeToFirstChunk: Option.Option<number>
  /** Until the answer was read whole (a stream's last chunk), or the call failed. */
  readonly duration: number
  /** The `CallTags` of the fiber that made the call. */
  readonly tags: CallTags.CallTags
}

/**
 * The observer's operation: called once per call, when it ends, in the caller's fiber. It must neither fail nor
 * wait (hand the record on to a queue), since the caller waits for it.
 *
 * @since 0.1.0
 * @category models
 */
export interface Service {
  readonly record: (call: CallRecord) => Effect.Effect<void>
}

/**
 * The optional service the client reports each call to.
 *
 * @since 0.1.0
 * @category tags
 */
export class CallObserver extends Context.Tag("@objectiveai-effect/client/CallObserver")<CallObserver, Service>() {}
