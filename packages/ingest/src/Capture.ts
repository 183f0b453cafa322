/**
 * `Capture`: every `create` and `stream` call an application makes through `ObjectiveAiClient` (and so through the
 * `@effect/ai` provider built on it) recorded in a completion store as it happens, failed calls included, with the
 * call's `CallTags`. Provide {@link layer} beside the client: it is the client's `CallObserver`.
 *
 * It never slows or breaks a call. A call's record goes into a bounded queue (an offer that never waits) and a
 * background fiber writes the queue in batches; a full queue drops records, counts them and says so once in the log;
 * a batch the store fails to write is retried and logged, never surfaced to the caller. When the layer's scope closes
 * (an application shutting down, Ctrl-C in a command-line tool) everything queued is written before it returns.
 *
 * The batches are written by the store's `CallWriter`: for a store opened by `CompletionStore.layer` on a SQLite file
 * or a PostgreSQL database, a worker thread with a connection of its own derives the figures, encodes the bodies and
 * runs the statements, off the application's thread; an in-memory SQLite store, or a store given as a service of the
 * application's own (`CompletionStore.layerSqlClient`, a wrapper), is written on the application's thread.
 *
 * @example
 * ```ts
 * import { NodeHttpClient } from "@effect/platform-node"
 * import { CallTags, ObjectiveAiClient } from "@objectiveai-effect/client"
 * import { Capture } from "@objectiveai-effect/ingest"
 * import { CompletionStore, Database } from "@objectiveai-effect/store"
 * import { Effect, Layer } from "effect"
 *
 * const summarize = (text: string) =>
 *   Effect.flatMap(ObjectiveAiClient.ObjectiveAiClient, (client) =>
 *     client.create({ model: "openai/gpt-4o-mini", messages: [{ role: "user", content: `Summarize: ${text}` }] })
 *   ).pipe(CallTags.tagged({ feature: "summary" }))
 *
 * const MainLive = Layer.mergeAll(
 *   ObjectiveAiClient.layerConfig().pipe(Layer.provide(NodeHttpClient.layerUndici)),
 *   Capture.layer().pipe(Layer.provide(CompletionStore.layer(Database.fromString("completions.sqlite"))))
 * )
 * export const main = summarize("…").pipe(CallTags.tagged({ user: "u-42" }), Effect.provide(MainLive))
 * ```
 *
 * @since 0.2.0
 */
import { CallObserver } from "@objectiveai-effect/client"
import { CallWriter, CompletionStore, type StoreError } from "@objectiveai-effect/store"
import * as Chunk from "effect/Chunk"
import * as Config from "effect/Config"
import type * as ConfigError from "effect/ConfigError"
import * as Context from "effect/Context"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Queue from "effect/Queue"
import * as Schedule from "effect/Schedule"
import type * as Scope from "effect/Scope"

/**
 * How capture queues and writes.
 *
 * @since 0.2.0
 * @category models
 */
export interface Options {
  /** Records the queue holds before it drops new ones; {@link defaultCapacity} by default. */
  readonly capacity?: number | undefined
  /** Records written per batch, at most; {@link defaultBatchSize} by default. */
  readonly batchSize?: number | undefined
  /**
   * How long the writer waits for a batch to fill once a record came, unless a flush or the scope's close asks for
   * everything now; by default {@link defaultWriterThreadLinger} while a writer thread writes the store, else
   * {@link defaultLinger}.
   */
  readonly linger?: Duration.DurationInput | undefined
  /**
   * When to try a batch the store failed to write again, stepped with each failure; when it is done the batch is
   * given up (counted as `lost` and logged). {@link defaultRetry} by default.
   */
  readonly retry?: Schedule.Schedule<unknown, StoreError.StoreError> | undefined
  /** Starts the writer thread (see `CallWriter`); the store's own worker module by default. */
  readonly spawnWorker?: CallWriter.Options["spawnWorker"]
}

/**
 * The default {@link Options.capacity}: a few seconds of a busy application's calls, a few tens of megabytes.
 *
 * @since 0.2.0
 * @category constants
 */
export const defaultCapacity = 10_000

/**
 * The default {@link Options.batchSize}: one transaction per batch, of at most 500 records.
 *
 * @since 0.2.0
 * @category constants
 */
export const defaultBatchSize = 500

/**
 * The default {@link Options.linger} when the application's thread writes the store: 1 second. A commit costs the same
 * for one record as for hundreds (a batch of 10 took 0.55 ms of CPU a call, one of 500 0.12 ms), and on this thread
 * the application pays for it: fewer, fuller batches keep that cost low (in the capture benchmark on a loaded machine,
 * a commit per call put 2.34x on a local create, one per 100 ms 1.21x, one per second 1.12x). A flush, and the
 * scope's close, write at once.
 *
 * @since 0.2.0
 * @category constants
 */
export const defaultLinger: Duration.DurationInput = "1 second"

/**
 * The default {@link Options.linger} while a writer thread writes the store (see `CallWriter`): 250 milliseconds. Its
 * commits run off the application's thread, and waiting longer leaves more to write when a flush or the scope's close
 * asks for everything: in the capture benchmark (blocks of 2,500 local creates, each timed until its records are
 * written), 1.03x to 1.23x (mean 1.12x over eight runs) against 1.12x to 1.34x (mean 1.22x over seven) with a second,
 * and 1.07x to 1.17x (mean 1.12x over three) with 100 ms. Sending the writer thread a batch every 50 ms instead,
 * into a transaction it held open until the linger, halved the flush (31 to 15 ms) but cost more than it saved:
 * 1.08x against 1.01x (1.15x with a batch every 20 ms), then 1.12x and 1.08x against 1.07x and 1.06x for the same
 * change sending every 250 ms (three runs, side by side), the savepoint and statements of each batch taking more of
 * the second core.
 *
 * @since 0.2.0
 * @category constants
 */
export const defaultWriterThreadLinger: Duration.DurationInput = "250 millis"

/**
 * The default {@link Options.retry}: 5 more tries, 100 ms apart, then twice as long each time (about 3 seconds in
 * all), so that a store restarting is waited for and a store gone for good does not hold a shutdown long.
 *
 * @since 0.2.0
 * @category constants
 */
export const defaultRetry: Schedule.Schedule<unknown, StoreError.StoreError> = Schedule.exponential("100 millis").pipe(
  Schedule.intersect(Schedule.recurs(5))
)

/**
 * What capture did so far: calls `recorded` (offered to the queue), `written` to the store, `dropped` because the
 * queue was full, and `lost` in batches the store failed to write after every retry.
 *
 * @since 0.2.0
 * @category models
 */
export interface Stats {
  readonly recorded: number
  readonly written: number
  readonly dropped: number
  readonly lost: number
}

/**
 * The capture service: its counts, and a way to wait until every call recorded so far is written (or given up).
 *
 * @since 0.2.0
 * @category models
 */
export interface Service {
  readonly stats: Effect.Effect<Stats>
  /** Waits until every call recorded before it is written or given up. */
  readonly flush: Effect.Effect<void>
}

/**
 * The service tag.
 *
 * @since 0.2.0
 * @category tags
 */
export class Capture extends Context.Tag("@objectiveai-effect/ingest/Capture")<Capture, Service>() {}

let sequence = 0

// A call's id: unique among the calls of every process writing to one store (a random part), and ordered by when
// the call started within one process, for reading.
const callId = (call: CallObserver.CallRecord): string =>
  `call-${call.startedAt.toString(36)}-${(sequence++).toString(36)}-${crypto.randomUUID()}`

// A call as the store keeps it.
const toCaptured = (call: CallObserver.CallRecord): CompletionStore.CapturedCall => {
  const outcome = call.outcome
  const answer = Option.getOrUndefined(call.completion)
  return {
    id: callId(call),
    operation: call.operation,
    request: call.request,
    completion: outcome._tag === "Success" ? answer : undefined,
    partial: outcome._tag === "Success" ? undefined : answer,
    outcome: outcome._tag === "Failure" ? outcome.error : outcome._tag,
    status: outcome._tag === "Failure" ? outcome.status : undefined,
    requestId: call.requestId,
    message: outcome._tag === "Failure" ? outcome.message : undefined,
    attempts: call.attempts,
    startedAt: call.startedAt,
    timeToFirstByte: Option.getOrUndefined(call.timeToFirstByte),
    timeToFirstChunk: Option.getOrUndefined(call.timeToFirstChunk),
    duration: call.duration,
    tags: call.tags,
    // The texts the client sent and received: the store keeps them as they are, encoding nothing again.
    requestJson: call.requestJson,
    completionJson: outcome._tag === "Success" ? call.completionJson : undefined
  }
}

/**
 * Starts capturing into the store: the `CallObserver` that queues each call's record, and the {@link Service}. The
 * writer runs until the scope closes, which writes whatever is queued before it completes.
 *
 * @since 0.2.0
 * @category constructors
 */
export const make = (
  options: Options = {}
): Effect.Effect<
  { readonly observer: CallObserver.Service; readonly capture: Service },
  never,
  CompletionStore.CompletionStore | Scope.Scope
> =>
  Effect.gen(function*() {
    const callWriter = yield* CallWriter.make(yield* CompletionStore.CompletionStore, {
      spawnWorker: options.spawnWorker
    })
    const capacity = Math.max(1, Math.floor(options.capacity ?? defaultCapacity))
    const batchSize = Math.max(1, Math.floor(options.batchSize ?? defaultBatchSize))
    const retry = options.retry ?? defaultRetry
    const queue = yield* Queue.dropping<CallObserver.CallRecord>(capacity)
    // Offered by a flush: a lingering writer writes what it has at once.
    const hurry = yield* Queue.sliding<void>(1)
    let recorded = 0
    let written = 0
    let dropped = 0
    let lost = 0
    let closed = false
    // Flushes waiting for the calls recorded before them: each resolves once that many are settled.
    let waiting: Array<{ readonly until: number; readonly done: Deferred.Deferred<void> }> = []

    const settle = (count: number, outcome: "written" | "lost") =>
      Effect.suspend(() => {
        if (outcome === "written") written += count
        else lost += count
        const settled = written + lost + dropped
        const ready = waiting.filter((flush) => flush.until <= settled)
        waiting = waiting.filter((flush) => flush.until > settled)
        return Effect.forEach(ready, (flush) => Deferred.succeed(flush.done, undefined), { discard: true })
      })

    // Every batch settles, whatever happens to it: a flush (and so the scope's close) waits for nothing forever.
    const write = (records: Chunk.Chunk<CallObserver.CallRecord>) =>
      Effect.suspend(() => {
        const calls = Chunk.toReadonlyArray(records).map(toCaptured)
        return callWriter.putCalls(calls).pipe(
          Effect.tapError((error) =>
            Effect.logWarning(`capture: storing ${calls.length} calls failed, retrying: ${error.message}`)
          ),
          Effect.retry(retry)
        )
      }).pipe(
        Effect.matchCauseEffect({
          onFailure: (cause) =>
            Effect.zipRight(
              Effect.logError(`capture: ${records.length} calls lost, the store kept failing`, cause),
              settle(records.length, "lost")
            ),
          onSuccess: () => settle(records.length, "written")
        })
      )

    // Never interrupted while it waits for records: a record handed to a waiting take that is then interrupted would
    // be lost. The scope's close stops it once everything recorded is settled and it waits on an empty queue.
    // The thread is read at each batch: a writer thread that stops leaves the calling thread to write from then on.
    const lingering = Effect.flatMap(callWriter.thread, (thread) => {
      const linger = Duration.decode(
        options.linger ?? (thread === "worker" ? defaultWriterThreadLinger : defaultLinger)
      )
      return Duration.isZero(linger)
        ? Effect.void
        : Effect.raceFirst(Effect.sleep(linger), Queue.take(hurry)).pipe(Effect.zipRight(Queue.takeAll(hurry)))
    })
    const nextBatch = Effect.flatMap(Queue.takeBetween(queue, 1, batchSize), (first) =>
      first.length >= batchSize ? Effect.succeed(first) : lingering.pipe(
        Effect.zipRight(Queue.takeUpTo(queue, batchSize - first.length)),
        Effect.map((rest) =>
          Chunk.appendAll(first, rest)
        )
      ))
    const writer = yield* Effect.forkDaemon(Effect.forever(
      Effect.flatMap(nextBatch, (records) => Effect.uninterruptible(write(records)))
    ))

    const drop = Effect.suspend(() => {
      dropped++
      return Effect.zipRight(
        dropped === 1
          ? Effect.logWarning(
            `capture: the queue of ${capacity} calls is full: calls are dropped until the store catches up (counted in Capture.stats)`
          )
          : Effect.void,
        settle(0, "written")
      )
    })

    // Offered in the calling fiber's step, without an effect of its own: the queue never waits, and each step of an
    // effect would cost every call.
    const observer: CallObserver.Service = {
      record: (call) =>
        Effect.suspend(() => {
          recorded++
          return !closed && Queue.unsafeOffer(queue, call) ? Effect.void : drop
        })
    }

    const capture: Service = {
      stats: Effect.sync(() => ({ recorded, written, dropped, lost })),
      flush: Effect.suspend(() => {
        if (written + lost + dropped >= recorded) return Effect.void
        return Effect.flatMap(Deferred.make<void>(), (done) => {
          waiting.push({ until: recorded, done })
          return Effect.zipRight(Queue.offer(hurry, undefined), Deferred.await(done))
        })
      })
    }

    // Calls recorded from here on are dropped; those before are written (or given up) before the scope is closed.
    yield* Effect.addFinalizer(() =>
      Effect.gen(function*() {
        closed = true
        yield* capture.flush
        yield* Fiber.interrupt(writer)
        if (dropped > 0) {
          yield* Effect.logWarning(`capture: ${dropped} calls were dropped in all, the queue of ${capacity} being full`)
        }
      })
    )
    return { observer, capture }
  })

/**
 * Capture into the application's `CompletionStore`: the `CallObserver` the client reports to, and {@link Capture}.
 *
 * @since 0.2.0
 * @category layers
 */
export const layer = (
  options?: Options
): Layer.Layer<Capture | CallObserver.CallObserver, never, CompletionStore.CompletionStore> =>
  Layer.scopedContext(
    Effect.map(make(options), ({ capture, observer }) =>
      Context.make(Capture, capture).pipe(Context.add(CallObserver.CallObserver, observer)))
  )

/**
 * {@link layer} with its capacity and batch size read from `Config`s; by default `OBJECTIVEAI_CAPTURE_CAPACITY` and
 * `OBJECTIVEAI_CAPTURE_BATCH_SIZE`, each optional.
 *
 * @since 0.2.0
 * @category layers
 */
export const layerConfig = (
  options: Config.Config.Wrap<Pick<Options, "capacity" | "batchSize">> = {
    capacity: Config.integer("OBJECTIVEAI_CAPTURE_CAPACITY").pipe(Config.withDefault(defaultCapacity)),
    batchSize: Config.integer("OBJECTIVEAI_CAPTURE_BATCH_SIZE").pipe(Config.withDefault(defaultBatchSize))
  }
): Layer.Layer<Capture | CallObserver.CallObserver, ConfigError.ConfigError, CompletionStore.CompletionStore> =>
  Layer.unwrapEffect(Effect.map(Config.unwrap(options), layer))
