/**
 * CallWriter: a store another connection can open is written by a worker thread through a store of its own, with the
 * same rows as the calling thread writes, and the errors of the worker's store come back typed; a store only its own
 * connection reaches is written on the calling thread.
 */
import { describe, expect, it } from "@effect/vitest"
import { CompletionId, StoredChatCompletion } from "@objectiveai-effect/domain"
import { capturedCall } from "@objectiveai-effect/testing/CapturedCalls"
import { engines, freshStore, openStore, sample, tempDir } from "@objectiveai-effect/testing/StoreEngines"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Schedule from "effect/Schedule"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import * as NodeFs from "node:fs"
import * as NodeOs from "node:os"
import * as path from "node:path"
import { CallWriter, CompletionStore, Database, StoreError } from "../src/index.js"
import { checkpointFrames, writerNice } from "../src/internal/captureProtocol.js"

const calls = sample.slice(0, 12).map((completion, n) =>
  capturedCall(`call-${n}`, {
    request: completion.request,
    completion: n % 3 === 0 ? undefined : completion.response,
    outcome: n % 3 === 0 ? "ServerError" : "Success",
    startedAt: 1_750_000_000_000 + n,
    tags: { feature: n % 2 === 0 ? "summary" : "chat" }
  })
)

const encodeStored = Schema.encodeSync(StoredChatCompletion.StoredChatCompletionFromJson)

const bodiesOf = (store: CompletionStore.Service) =>
  Effect.map(
    Stream.runCollect(store.bodies()),
    (chunk) => new Map(Array.from(chunk, (row) => [row.id, row.body]))
  )

for (const engine of engines) {
  describe(`CallWriter on ${engine.name}`, () => {
    it.scoped("a worker thread writes the rows the calling thread would, stored once", () =>
      Effect.gen(function*() {
        const byWorker = yield* freshStore(engine)
        const byCaller = yield* freshStore(engine)
        const writer = yield* CallWriter.make({
          ...byWorker,
          putCalls: () => Effect.die("written on the calling thread")
        })
        expect(yield* writer.thread).toBe("worker")
        yield* writer.putCalls(calls.slice(0, 8))
        // Again, and with more: what is stored stays, once.
        yield* writer.putCalls(calls)
        yield* byCaller.putCalls(calls)
        const [worker, caller] = yield* Effect.all([
          byWorker.report({ tag: "feature" }),
          byCaller.report({ tag: "feature" })
        ])
        expect(worker).toStrictEqual(caller)
        expect(worker.calls?.total.calls).toBe(calls.length)
        expect(worker.completions.retrieved).toBe(8)
      }))

    it.scoped("a worker thread puts completions as the calling thread would: the ids it stored, each once", () =>
      Effect.gen(function*() {
        const byWorker = yield* freshStore(engine)
        const byCaller = yield* freshStore(engine)
        const writer = yield* CallWriter.make({ ...byWorker, put: () => Effect.die("written on the calling thread") })
        expect(yield* writer.thread).toBe("worker")
        const first = yield* writer.put(sample.slice(0, 5))
        // Again, and with more: only the new ones are stored, and said.
        const second = yield* writer.put(sample.slice(0, 9))
        yield* byCaller.put(sample.slice(0, 9))
        expect([...first].sort()).toStrictEqual(sample.slice(0, 5).map((completion) => completion.response.id).sort())
        expect([...second].sort()).toStrictEqual(
          sample.slice(5, 9).map((completion) => completion.response.id).sort()
        )
        expect(yield* bodiesOf(byWorker)).toStrictEqual(yield* bodiesOf(byCaller))
        expect(yield* byWorker.report()).toStrictEqual(yield* byCaller.report())
      }))

    it.scoped("a completion put with the text it was received as is stored as that very text, on either thread", () =>
      Effect.gen(function*() {
        const byWorker = yield* freshStore(engine)
        const byCaller = yield* freshStore(engine)
        const writer = yield* CallWriter.make({ ...byWorker, put: () => Effect.die("written on the calling thread") })
        // Spaced out as no encoding is: the store keeps these bytes only if it stores the text as given.
        const texts = new Map(
          sample.slice(0, 6).map((completion) => [
            completion.response.id as string,
            encodeStored(completion).replace("{\"request\":", "{ \"request\": ")
          ])
        )
        // With a line break after each, which is not kept: a body is stored trimmed, as the import stores a line.
        const received = () =>
          sample.slice(0, 6).map((completion) =>
            CompletionStore.received(structuredClone(completion), `${texts.get(completion.response.id)!}\n`)
          )
        yield* writer.put(received())
        yield* byCaller.put(received())
        expect(yield* bodiesOf(byWorker)).toStrictEqual(texts)
        expect(yield* bodiesOf(byCaller)).toStrictEqual(texts)
        expect(yield* byWorker.report()).toStrictEqual(yield* byCaller.report())
      }))
  })
}

describe("CallWriter", () => {
  it.scoped("the worker's store errors come back typed", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const store = yield* openStore(Database.Location.Sqlite({ filename: path.join(dir, "calls.sqlite") }))
      // The worker opens another file, which is not a SQLite database.
      const notSqlite = path.join(dir, "not.sqlite")
      yield* Effect.promise(() => import("node:fs/promises").then((fs) => fs.writeFile(notSqlite, "plain text")))
      const writer = yield* CallWriter.make({
        ...store,
        sharedLocation: Option.some(Database.Location.Sqlite({ filename: notSqlite }))
      })
      const error = yield* Effect.flip(writer.putCalls(calls))
      expect(error).toBeInstanceOf(StoreError.CorruptDatabase)
      expect(error.message).toBe(`${notSqlite} is not a usable SQLite database: its header is not SQLite's`)
    }))

  it.scoped.runIf(process.platform === "linux")(
    "the writer thread gives way to the application's: it alone runs at a lower priority, on Linux",
    () =>
      Effect.gen(function*() {
        // Each thread's nice value, from /proc (field 19 of a thread's stat, the 17th after its name).
        const niceOfThreads = () =>
          NodeFs.readdirSync("/proc/self/task").map((thread) => {
            const stat = NodeFs.readFileSync(`/proc/self/task/${thread}/stat`, "utf8")
            return Number(stat.slice(stat.lastIndexOf(") ") + 2).split(" ")[16])
          })
        const lowered = (nices: ReadonlyArray<number>) => nices.filter((nice) => nice === writerNice).length
        const before = niceOfThreads()
        const dir = yield* tempDir
        const store = yield* openStore(Database.Location.Sqlite({ filename: path.join(dir, "calls.sqlite") }))
        const writer = yield* CallWriter.make(store)
        expect(yield* writer.thread).toBe("worker")
        expect(lowered(niceOfThreads())).toBe(lowered(before) + 1)
        // The application's own priority is left as it was.
        expect(NodeOs.getPriority()).toBe(0)
        yield* writer.putCalls(calls)
        expect((yield* store.report()).calls?.total.calls).toBe(calls.length)
      })
  )

  it.scopedLive("the writer thread copies the write-ahead log into the database file once it holds enough and is idle", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const filename = path.join(dir, "calls.sqlite")
      const store = yield* openStore(Database.Location.Sqlite({ filename }))
      const writer = yield* CallWriter.make(store)
      // The wal-index (`-shm`, sqlite.org/walformat.html): the last frame in the log (`mxFrame`, at byte 16 of its
      // header) and the last one copied into the database file (`nBackfill`, at byte 96), in the machine's byte order.
      const frames = Effect.sync(() => {
        const index = NodeFs.readFileSync(`${filename}-shm`)
        const read = NodeOs.endianness() === "LE" ? index.readUInt32LE.bind(index) : index.readUInt32BE.bind(index)
        return { logged: read(16), copied: read(96) }
      })
      const copiedOnceIdle = frames.pipe(
        Effect.filterOrFail((now) => now.copied === now.logged),
        Effect.retry(Schedule.spaced("20 millis").pipe(Schedule.upTo("5 seconds"))),
        Effect.orElse(() => frames)
      )
      // A small batch stays in the log: copying it at once would copy again the pages the next batches rewrite.
      yield* writer.putCalls(calls)
      const few = yield* frames
      expect(few.logged).toBeGreaterThan(0)
      expect(few.logged).toBeLessThan(checkpointFrames)
      yield* Effect.sleep("300 millis")
      expect(yield* frames).toStrictEqual(few)
      // More batches take the log past the mark: it is copied once the writer is idle, none left to a commit.
      let batch = 0
      while ((yield* frames).logged < checkpointFrames) {
        const round = batch++
        yield* writer.putCalls(calls.map((call) => ({
          ...call,
          id: `${call.id}-${round}`,
          completion: call.completion === undefined
            ? undefined
            : { ...call.completion, id: CompletionId.make(`${call.completion.id}-${round}`) }
        })))
      }
      const logged = (yield* frames).logged
      expect(logged).toBeLessThan(1_000)
      expect(yield* copiedOnceIdle).toStrictEqual({ logged, copied: logged })
      expect((yield* store.report()).calls?.total.calls).toBe(calls.length * (batch + 1))
    }))

  it.scoped("a store only its connection reaches is written on the calling thread", () =>
    Effect.gen(function*() {
      const memory = yield* openStore(Database.Location.Sqlite({ filename: ":memory:" }))
      expect(memory.sharedLocation).toStrictEqual(Option.none())
      const writer = yield* CallWriter.make(memory)
      expect(yield* writer.thread).toBe("caller")
      yield* writer.putCalls(calls)
      expect((yield* memory.report()).calls?.total.calls).toBe(calls.length)

      const dir = yield* tempDir
      const location = Database.Location.Sqlite({ filename: path.join(dir, "calls.sqlite") })
      expect((yield* openStore(location)).sharedLocation).toStrictEqual(Option.some(location))
      const readOnly = yield* openStore(location, { readOnly: true })
      expect(readOnly.sharedLocation).toStrictEqual(Option.none())
    }))
})
