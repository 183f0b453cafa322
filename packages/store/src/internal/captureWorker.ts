/**
 * The store's writer thread (see `CallWriter.ts`): it stores batches of captured calls, and of synced completions,
 * through a store of its own on the same database, so that deriving the figures, encoding the bodies and running the
 * statements (85 to 106 µs of CPU a call in batches of 300 into a store of 20,000 to 30,000 calls, against a local
 * `create` of 0.8 to 0.9 ms) take nothing from the application's thread.
 * The database is the worker's `workerData`; a batch is the input, the answer the ids it stored or the store's error,
 * encoded.
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Scope from "effect/Scope"
import * as NodeFs from "node:fs"
import * as NodeOs from "node:os"
import { parentPort, workerData } from "node:worker_threads"
import * as CompletionStore from "../CompletionStore.js"
import * as StoreError from "../StoreError.js"
import * as Body from "./body.js"
import * as CapturedRow from "./capturedRow.js"
import {
  type CaptureWorkerData,
  checkpointFrames,
  encodeWritten,
  fromWire,
  locationOf,
  type WriteInput,
  writerNice
} from "./captureProtocol.js"
import * as DerivedWriter from "./derivedWriter.js"

// This thread gives way to the application's: on Linux a priority is a thread's own (`setpriority` on its thread
// id), so the writer alone runs at nice 10 and takes a core only when the application's threads leave it one. In the
// capture benchmark with 4 blocks (2 cores, the local server in the application's thread), `capture.create.overhead`
// went from 0.98x-1.19x (mean 1.07x over five runs) to 0.94x-1.10x (mean 1.02x over six), within that benchmark's
// noise. A lower priority does not do better: the idle policy (`SCHED_IDLE`, set with `chrt` for the trial) gave 1.04x
// and 1.09x against 1.04x and 1.04x at nice 10 (two runs, side by side). What this thread costs the application
// follows how long it works, not what it does: a thread that only spun 150 µs a call, about as long as this one works,
// cost as much as this one (1.02x against 1.02x, a thread that answered at once 0.97x; one run), about half of it the
// wait for the last batch at the end of each block.
// Read synchronously, once, as the thread starts. Elsewhere there is no /proc/thread-self and the priority, the
// process's, is left alone.
try {
  const threadId = Number(NodeFs.readlinkSync("/proc/thread-self").split("/").pop())
  if (Number.isSafeInteger(threadId) && threadId > 0) NodeOs.setPriority(threadId, writerNice)
} catch {
  // Not Linux, or a priority this system does not let a thread lower: the writer runs at the process's.
}

const data = workerData as CaptureWorkerData
const scope = Effect.runSync(Scope.make())
// The store and its writers of derived rows, which every store `CompletionStore.layer` builds keeps.
const open = Layer.buildWithScope(CompletionStore.layer(locationOf(data)), scope).pipe(
  Effect.map(Context.get(CompletionStore.CompletionStore)),
  Effect.flatMap((store) => {
    const writers = DerivedWriter.get(store)
    return writers === undefined
      ? Effect.dieMessage("the store CompletionStore.layer built keeps no writers of derived rows")
      : Effect.succeed({ store, writers })
  })
)
// Opened by the first batch; a store that failed to open is opened again by the next one (the writer retries).
let opened: Effect.Effect.Success<typeof open> | undefined

// The pages of the write-ahead log not yet copied into the database file, from its wal-index (the `-shm` file,
// sqlite.org/walformat.html: the last frame in the log, `mxFrame`, at byte 16 of its header, and the last one copied,
// `nBackfill`, at byte 96, in the machine's byte order), which SQLite's API does not give; undefined for PostgreSQL, or
// when it cannot be read. Read synchronously between batches, on this thread: 100 bytes of a file SQLite keeps mapped.
const walIndex = data._tag === "Sqlite" ? `${data.location}-shm` : undefined
const walIndexHeader = Buffer.alloc(100)
const readHeader = NodeOs.endianness() === "LE"
  ? (at: number) => walIndexHeader.readUInt32LE(at)
  : (at: number) => walIndexHeader.readUInt32BE(at)
const uncopiedFrames = (): number | undefined => {
  if (walIndex === undefined) return undefined
  try {
    const fd = NodeFs.openSync(walIndex, "r")
    try {
      if (NodeFs.readSync(fd, walIndexHeader, 0, 100, 0) < 100) return undefined
    } finally {
      NodeFs.closeSync(fd)
    }
  } catch {
    return undefined
  }
  return readHeader(16) - readHeader(96)
}

// Completions `put` stores, from the texts they are stored as: decoded by the thread that sent them, they fail here
// only if they were not what it encoded.
const completionsOf = (bodies: Extract<WriteInput, { readonly _tag: "Put" }>["bodies"]) =>
  Effect.forEach(bodies, ({ id, text }) =>
    Either.match(Body.decode(text), {
      onLeft: (reason) => Effect.fail(new StoreError.InvalidStoredBody({ id, reason })),
      onRight: Effect.succeed
    }))

// An empty batch of calls opens the store only: the writer sends one as it starts, so that the first batch waits for
// nothing. Each call of a batch is decoded and turned into its rows at once (see `capturedRow.ts`).
const write = (input: WriteInput) =>
  Effect.gen(function*() {
    opened ??= yield* open
    const { store, writers } = opened
    if (input._tag === "Put") return yield* store.put(yield* completionsOf(input.bodies))
    const rows: Array<CapturedRow.CapturedRow> = []
    for (const call of input.calls) {
      // The texts were decoded by the client that received them: they fail here only if they were not what it sent.
      const decoded = fromWire(call)
      if (Either.isLeft(decoded)) {
        return yield* new StoreError.InvalidStoredBody({ id: call.id, reason: decoded.left })
      }
      rows.push(CapturedRow.fromCall(decoded.right))
    }
    if (rows.length > 0) yield* writers.putCapturedRows(rows)
    return []
  })

// The write-ahead log is copied into the database file once it holds `checkpointFrames` pages not copied yet and no
// batch came within `checkpointAfter`, instead of inside the commit of the batch that takes the log past SQLite's
// 1,000 pages: such a commit took about 33 ms against about 5 ms for the others (capture benchmark, batches of about
// 300 calls), and a flush waits for the batch it falls in. With it, `capture.create.flush_ms` went from 44 to 47 ms to
// 25 to 30 ms (two runs, the two kinds side by side). Copying after every batch instead copied again the pages that
// each batch rewrites (the ends of the indexes, and the leaves of the figures' index by id, which takes each
// completion at a random place: 204 of the 382 pages one batch of 300 calls wrote into a store of 24,000). Writing
// 24,000 captured calls in batches of 290, the copies took 32 to 57 µs a call after each batch and 26 to 34 µs at 700
// pages (every second batch); in the capture benchmark the writer thread's CPU went from 223 to 312 ms (median 263,
// eight runs) to 229 to 233 ms a block of 2,500 calls (three runs). A checkpoint that fails is left to the next one, or
// to SQLite's own.
const checkpointAfter = 20
let idle: ReturnType<typeof setTimeout> | undefined

const checkpoint = () => {
  idle = undefined
  if (opened !== undefined) void Effect.runPromise(Effect.ignore(opened.writers.checkpoint))
}

parentPort?.on("message", ({ id, input }: { readonly id: number; readonly input: WriteInput }) => {
  clearTimeout(idle)
  void Effect.runPromise(Effect.either(write(input))).then((written) => {
    parentPort!.postMessage({ id, output: encodeWritten(written) })
    clearTimeout(idle)
    const pending = uncopiedFrames()
    idle = pending === undefined || pending >= checkpointFrames ? setTimeout(checkpoint, checkpointAfter) : undefined
  })
})
