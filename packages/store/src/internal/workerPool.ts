/**
 * The import's worker threads, on `node:worker_threads` directly. `@effect/platform`'s worker pool respawns a worker
 * that fails, every second and for ever, logging a warning each time, and waits for ever for a worker that fails
 * before it is ready (a missing or broken worker module): an import must stop instead, with the worker's error in one
 * line. The protocol is one message each way per range of a file, so the pool is small: each range goes to the worker with
 * the fewest ranges pending, and any worker's error or exit fails every pending range and every later one.
 */
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import type * as Scope from "effect/Scope"
import type * as WorkerThreads from "node:worker_threads"
import * as StoreError from "../StoreError.js"
import type { DecodedChunk, Range } from "./lineDecoder.js"

/** The import's worker threads. */
export interface WorkerPool {
  /** The rows of each line starting in a range of a file, from a worker thread; fails once any worker has failed. */
  readonly decode: (range: Range) => Effect.Effect<DecodedChunk, StoreError.ImportWorkerFailed>
}

const workerFailed = (cause: unknown) =>
  new StoreError.ImportWorkerFailed({
    reason: (cause instanceof Error ? cause.message : String(cause)).split("\n")[0],
    cause
  })

/** Starts `size` workers, ended (terminated) when the scope closes. */
export const make = (
  size: number,
  spawn: (id: number) => WorkerThreads.Worker
): Effect.Effect<WorkerPool, StoreError.ImportWorkerFailed, Scope.Scope> =>
  Effect.gen(function*() {
    const failed = yield* Deferred.make<never, StoreError.ImportWorkerFailed>()
    let closing = false
    let nextId = 0
    const workers = yield* Effect.forEach(Array.from({ length: size }, (_, id) => id), (id) =>
      Effect.acquireRelease(
        Effect.try({ try: () => spawn(id), catch: workerFailed }).pipe(Effect.map((worker) => {
          const pending = new Map<number, (chunk: DecodedChunk) => void>()
          const fail = (cause: unknown) => Deferred.unsafeDone(failed, Exit.fail(workerFailed(cause)))
          worker.on("message", ({ chunk, id }: { readonly id: number; readonly chunk: DecodedChunk }) => {
            const resume = pending.get(id)
            pending.delete(id)
            resume?.(chunk)
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
    const decode: WorkerPool["decode"] = (range) => {
      const least = workers.reduce((a, b) => (b.pending.size < a.pending.size ? b : a))
      const answer = Effect.async<DecodedChunk>((resume) => {
        const id = nextId++
        least.pending.set(id, (chunk) => resume(Effect.succeed(chunk)))
        least.worker.postMessage({ id, range })
        return Effect.sync(() => least.pending.delete(id))
      })
      return Effect.raceFirst(answer, Deferred.await(failed))
    }
    return { decode }
  })
