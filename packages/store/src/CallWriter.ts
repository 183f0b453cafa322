/**
 * Where captured calls, and a sync's completions, are written: for a store another connection can open (a SQLite
 * file, a PostgreSQL database: its `sharedLocation`), a worker thread with a connection of its own derives the
 * figures, encodes the bodies and runs the statements, so that none of it (about 0.1 ms of CPU a call into a store of
 * 20,000 to 30,000, an eighth of a local `create`) runs on the application's thread; for any other store (in-memory
 * SQLite, a store on the application's own `SqlClient`, a service that wraps a store's writes) the store's own
 * `putCalls` and `put`, on the calling thread. A worker that cannot start or stops is said once in the log, and its
 * batches are written on the calling thread from then on.
 *
 * @since 0.2.0
 */
import type { StoredChatCompletion } from "@objectiveai-effect/domain"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import type * as Scope from "effect/Scope"
import * as WorkerThreads from "node:worker_threads"
import type * as CompletionStore from "./CompletionStore.js"
import type * as Database from "./Database.js"
import * as Body from "./internal/body.js"
import * as Protocol from "./internal/captureProtocol.js"
import * as WorkerPool from "./internal/workerPool.js"
import type * as StoreError from "./StoreError.js"

/**
 * A writer of captured calls, and the thread it writes on.
 *
 * @since 0.2.0
 * @category models
 */
export interface CallWriter {
  /** `CompletionStore.Service.putCalls`, on {@link CallWriter.thread}. */
  readonly putCalls: (calls: ReadonlyArray<CompletionStore.CapturedCall>) => Effect.Effect<void, StoreError.StoreError>
  /**
   * `CompletionStore.Service.put` (a sync's completions), on {@link CallWriter.thread}: the ids it stored. They cross
   * as the texts they are stored as.
   */
  readonly put: (
    completions: ReadonlyArray<StoredChatCompletion.StoredChatCompletion>
  ) => Effect.Effect<ReadonlyArray<string>, StoreError.StoreError>
  /** `"worker"` while a worker thread writes, `"caller"` when the calling thread does. */
  readonly thread: Effect.Effect<"worker" | "caller">
}

/**
 * How the writer starts its worker.
 *
 * @since 0.2.0
 * @category models
 */
export interface Options {
  /**
   * Starts the worker thread with the database as its `workerData`: the store's `internal/captureWorker.js` beside
   * this module by default (a bundle ships it at that path beside itself).
   */
  readonly spawnWorker?: ((workerData: unknown) => WorkerThreads.Worker) | undefined
  /** What the log's warning names as the writer's user when its thread stops: `capture` by default. */
  readonly label?: string | undefined
}

// Beside this module once built (and beside a bundle that ships it there). Run from the TypeScript sources (under
// vitest, say), the worker is the package's build: a worker thread starts outside the loader that reads the sources.
const captureWorkerUrl = import.meta.url.endsWith(".ts")
  ? new URL("../dist/internal/captureWorker.js", import.meta.url)
  : new URL("./internal/captureWorker.js", import.meta.url)

const spawnCaptureWorker = (workerData: unknown): WorkerThreads.Worker =>
  new WorkerThreads.Worker(captureWorkerUrl, { workerData })

class WorkerStopped {
  constructor(readonly reason: string) {}
}

/**
 * The writer of a store: on a worker thread when the store has a `sharedLocation`, started and its store opened
 * before this completes, and ended when the scope closes (after the batches it was given are written); else on the
 * calling thread.
 *
 * @since 0.2.0
 * @category constructors
 */
export const make = (
  store: CompletionStore.Service,
  options: Options = {}
): Effect.Effect<CallWriter, never, Scope.Scope> =>
  Effect.gen(function*() {
    const onCaller: CallWriter = { putCalls: store.putCalls, put: store.put, thread: Effect.succeed("caller") }
    if (Option.isNone(store.sharedLocation)) return onCaller
    const location: Database.Location = store.sharedLocation.value
    const spawn = options.spawnWorker ?? spawnCaptureWorker
    const stopped = (reason: string) =>
      Effect.logWarning(
        `${
          options.label ?? "capture"
        }: the writer thread stopped (${reason}); batches are written on the application's thread from now on`
      )
    const started = yield* WorkerPool.make<Protocol.WriteInput, Protocol.WriteOutput, WorkerStopped>(
      1,
      () => spawn(Protocol.workerDataOf(location)),
      (reason) => new WorkerStopped(reason)
    ).pipe(Effect.either)
    if (Either.isLeft(started)) return yield* Effect.as(stopped(started.left.reason), onCaller)
    const pool = started.right
    // Ready once its store is open (a store that fails to open is tried again by each batch, which logs it); a
    // worker that cannot start leaves the calling thread to write from the start.
    const ready = yield* Effect.either(pool.run({ _tag: "Calls", calls: [] }))
    if (Either.isLeft(ready)) return yield* Effect.as(stopped(ready.left.reason), onCaller)
    let failed = false
    // A batch the worker was given when it stopped may have been written: `put` and `putCalls` skip what is stored
    // already.
    const onWorker = <A>(
      input: () => Protocol.WriteInput,
      here: Effect.Effect<A, StoreError.StoreError>,
      fromIds: (ids: ReadonlyArray<string>) => A
    ): Effect.Effect<A, StoreError.StoreError> =>
      Effect.suspend(() =>
        failed ? here : pool.run(input()).pipe(
          Effect.flatMap((output) =>
            Either.match(Protocol.decodeWritten(output), {
              onLeft: Effect.fail,
              onRight: (ids) => Effect.succeed(fromIds(ids))
            })
          ),
          Effect.catchIf((error): error is WorkerStopped => error instanceof WorkerStopped, (error) =>
            Effect.suspend(() => {
              const first = !failed
              failed = true
              return Effect.zipRight(first ? stopped(error.reason) : Effect.void, here)
            }))
        )
      )
    return {
      putCalls: (calls) =>
        onWorker(() => ({ _tag: "Calls", calls: calls.map(Protocol.toWire) }), store.putCalls(calls), () => undefined),
      put: (completions) =>
        onWorker(
          () => ({
            _tag: "Put",
            bodies: completions.map((completion) => ({ id: completion.response.id, text: Body.encode(completion) }))
          }),
          store.put(completions),
          (ids) => ids
        ),
      thread: Effect.sync(() => (failed ? "caller" : "worker"))
    }
  })
