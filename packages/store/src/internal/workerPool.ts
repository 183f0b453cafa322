/**
 * The store's worker threads (an import's decoders, capture's writer), on `node:worker_threads` directly.
 * `@effect/platform`'s worker pool respawns a worker that fails, every second and for ever, logging a warning each
 * time, and waits for ever for a worker that fails before it is ready (a missing or broken worker module): an import
 * must stop instead, with the worker's error in one line, and capture must go back to writing on its own thread. The
 * protocol is one message each way per batch, `{ id, input }` and `{ id, output }`, so the pool is small: each batch
 * goes to the worker with the fewest batches pending, and any worker's error or exit fails every pending batch and
 * every later one.
 */
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import type * as Scope from "effect/Scope"
import type * as WorkerThreads from "node:worker_threads"

/** Worker threads that each turn an `I` into an `O`. */
export interface WorkerPool<I, O, E> {
  /** The output of `input`, from a worker thread; fails once any worker has failed. */
  readonly run: (input: I) => Effect.Effect<O, E>
}

/** Starts `size` workers, ended (terminated) when the scope closes; `failed` makes the error of a worker's failure. */
export const make = <I, O, E>(
  size: number,
  spawn: (id: number) => WorkerThreads.Worker,
  failed: (reason: string, cause: unknown) => E
): Effect.Effect<WorkerPool<I, O, E>, E, Scope.Scope> =>
  Effect.gen(function*() {
    const workerFailed = (cause: unknown) =>
      failed((cause instanceof Error ? cause.message : String(cause)).split("\n")[0], cause)
    const failure = yield* Deferred.make<never, E>()
    let closing = false
    let nextId = 0
    const workers = yield* Effect.forEach(Array.from({ length: size }, (_, id) => id), (id) =>
      Effect.acquireRelease(
        Effect.try({ try: () => spawn(id), catch: workerFailed }).pipe(Effect.map((worker) => {
          const pending = new Map<number, (output: O) => void>()
          const fail = (cause: unknown) => Deferred.unsafeDone(failure, Exit.fail(workerFailed(cause)))
          worker.on("message", ({ id, output }: { readonly id: number; readonly output: O }) => {
            const resume = pending.get(id)
            pending.delete(id)
            resume?.(output)
          })
          worker.on("error", fail)
          worker.on("messageerror", fail)
          worker.on("exit", (code) => {
            if (!closing) fail(`it exited with code ${code}`)
          })
          return { worker, pending }
        })),
        ({ worker }) =>
          Effect.promise(() => {
            closing = true
            return worker.terminate()
          })
      ))
    const run: WorkerPool<I, O, E>["run"] = (input) => {
      const least = workers.reduce((a, b) => (b.pending.size < a.pending.size ? b : a))
      const answer = Effect.async<O>((resume) => {
        const id = nextId++
        least.pending.set(id, (output) => resume(Effect.succeed(output)))
        least.worker.postMessage({ id, input })
        return Effect.sync(() => least.pending.delete(id))
      })
      // The loser is interrupted, also when the caller runs uninterruptibly (capture writes a batch so).
      return Effect.raceFirst(Effect.interruptible(answer), Effect.interruptible(Deferred.await(failure)))
    }
    return { run }
  })
