import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import { describe, expect, it } from "@effect/vitest"
import { ChatCompletion, Json } from "@objectiveai-effect/domain"
import { encodeStored, engines, freshStore, sample, tempDir } from "@objectiveai-effect/testing/StoreEngines"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import { execFileSync } from "node:child_process"
import * as fs from "node:fs"
import * as path from "node:path"
import { Worker } from "node:worker_threads"
import { CompletionStore, Import, StoreError } from "../src/index.js"

const encodeResponse = Schema.encodeSync(Json.parseJson(ChatCompletion.ChatCompletion))

const bodiesOf = (store: CompletionStore.Service) =>
  Effect.map(Stream.runCollect(store.bodies()), (chunk) => new Map(Array.from(chunk, (row) => [row.id, row.body])))

const importFiles = (
  store: CompletionStore.Service,
  files: ReadonlyArray<string>,
  options: Pick<Import.Options, "workers" | "spawnWorker"> = {}
) =>
  Effect.gen(function*() {
    const bad: Array<Import.BadLine> = []
    const summary = yield* Import.fromFiles(files, {
      batchSize: 7,
      ...options,
      onBadLine: (line) => Effect.sync(() => void bad.push(line))
    }).pipe(Effect.provideService(CompletionStore.CompletionStore, store), Effect.provide(NodeFileSystem.layer))
    return { summary, bad }
  })

// The import's worker, made to exit with code 7 when it is sent its second batch.
const spawnFailingWorker = () =>
  new Worker(
    `const { parentPort } = require("node:worker_threads")
    let batches = 0
    parentPort.on("message", () => { if (++batches === 2) process.exit(7) })
    import(${JSON.stringify(new URL("../dist/internal/importWorker.js", import.meta.url).href)})`,
    { eval: true }
  )

for (const engine of engines) {
  describe(`Import on ${engine.name}`, () => {
    it.scoped("stores every good line exactly, reports each bad one with its file and line, and is idempotent", () =>
      Effect.gen(function*() {
        const dir = yield* tempDir
        const full = sample.slice(0, 20)
        const bare = sample[20]
        const wrapped = sample[21]
        const spaced = sample[22]
        const lines = [
          ...full.slice(0, 10).map((completion) => encodeStored(completion)),
          "",
          encodeResponse(bare.response),
          `{"response":${encodeResponse(wrapped.response)}}`,
          "{ not json",
          encodeStored(full[0]).replace(/"choices":\[/, "\"choices\":3,\"was\":["),
          "[1, 2]",
          ...full.slice(10).map((completion) => encodeStored(completion)),
          // Already stored above: skipped and counted.
          encodeStored(full[3]),
          // Spaced out as another tool may write it: stored as it came, spaces and all.
          `  ${encodeStored(spaced).replace(/^\{/, "{ ").replace(/,"response":/, ", \"response\" : ")}  `
        ]
        const file = path.join(dir, "completions.jsonl")
        fs.writeFileSync(file, lines.join("\r\n") + "\n")
        const store = yield* freshStore(engine)
        const first = yield* importFiles(store, [file])
        expect(first.summary).toEqual({ lines: lines.length - 1, stored: 23, alreadyStored: 1, bad: 3 })
        expect(first.bad.map(({ file, line }) => `${path.basename(file)}:${line}`)).toEqual([
          "completions.jsonl:14",
          "completions.jsonl:15",
          "completions.jsonl:16"
        ])
        expect(first.bad[0].reason).toMatch(/^not JSON: /)
        expect(first.bad[1].reason).toBe(
          "response.choices: Expected An array of choices returned by the model., actual 3"
        )
        for (const bad of first.bad) expect(bad.reason).not.toContain("\n")

        const bodies = yield* bodiesOf(store)
        for (const completion of full) expect(bodies.get(completion.response.id)).toBe(encodeStored(completion))
        expect(bodies.get(spaced.response.id)).toBe(lines[lines.length - 1].trim())
        expect(bodies.get(spaced.response.id)).toContain(`, "response" : {`)
        expect(bodies.get(bare.response.id)).toBe(`{"response":${encodeResponse(bare.response)}}`)
        expect(bodies.get(wrapped.response.id)).toBe(`{"response":${encodeResponse(wrapped.response)}}`)
        const decoded = yield* Stream.runCollect(store.stream())
        const withoutRequest = Array.from(decoded).filter((stored) => stored.request === Import.unknownRequest)
        expect(withoutRequest.map((stored) => stored.response.id).sort()).toEqual(
          [bare.response.id, wrapped.response.id].sort()
        )

        const again = yield* importFiles(store, [file])
        expect(again.summary).toEqual({ lines: lines.length - 1, stored: 0, alreadyStored: 24, bad: 3 })
        expect(yield* store.count()).toBe(23)
      }))

    it.scoped("worker threads store what this thread stores: the same bodies, counts and report", () =>
      Effect.gen(function*() {
        const dir = yield* tempDir
        // 250 lines: the workers' batches of 100 and the transactions of 7 end mid-file, a duplicate id sits in the
        // same batch as its first line and another in a later one, and a bad line comes between.
        const lines = sample.slice(0, 246).map((completion) => encodeStored(completion))
        lines.splice(6, 0, lines[5])
        lines.splice(150, 0, "{ not json")
        lines.push(lines[0], lines[120])
        const file = path.join(dir, "completions.jsonl")
        fs.writeFileSync(file, lines.join("\n") + "\n")
        const threaded = yield* freshStore(engine)
        const here = yield* freshStore(engine)
        const withWorkers = yield* importFiles(threaded, [file], { workers: 2 })
        const withoutWorkers = yield* importFiles(here, [file], { workers: 0 })
        expect(withWorkers.summary).toEqual({ lines: 250, stored: 246, alreadyStored: 3, bad: 1 })
        expect(withWorkers).toEqual(withoutWorkers)
        expect(withWorkers.bad.map(({ line }) => line)).toEqual([151])
        expect(yield* bodiesOf(threaded)).toEqual(yield* bodiesOf(here))
        expect(yield* threaded.report()).toEqual(yield* here.report())
        expect(yield* threaded.rollup({ by: ["model", "provider", "day"] })).toEqual(
          yield* here.rollup({ by: ["model", "provider", "day"] })
        )
      }))

    it.scoped("worker threads split the files into lines as this thread does, whatever the ranges they read", () =>
      Effect.gen(function*() {
        const dir = yield* tempDir
        // A byte order mark opening the file (dropped) and one mid-file (kept, so the line is bad), lines longer than a
        // worker's range of bytes (256 KiB), one of them of characters of two, three and four bytes, a lone carriage return, and a last
        // line without its end, cut in its last character (dropped); the second file is numbered from 1 again.
        const long = encodeStored(sample[2]).replace(/^\{/, `{ ${" ".repeat(300_000)}`)
        const first = [
          `\uFEFF${encodeStored(sample[0])}`,
          long,
          `"${"é漢字😀".repeat(30_000)}`,
          "{ not \r json",
          `\uFEFF${encodeStored(sample[3])}`,
          "",
          "{\"é漢字😀\":1}",
          encodeStored(sample[4])
        ]
        const second = [encodeStored(sample[5]), "[1]", encodeStored(sample[6])]
        const files = [path.join(dir, "first.jsonl"), path.join(dir, "second.jsonl")]
        // The first two of the four bytes of 😀.
        fs.writeFileSync(files[0], Buffer.concat([Buffer.from(first.join("\n")), Buffer.from([0xf0, 0x9f])]))
        fs.writeFileSync(files[1], second.join("\r\n") + "\r\n")
        const threaded = yield* freshStore(engine)
        const here = yield* freshStore(engine)
        const withWorkers = yield* importFiles(threaded, files, { workers: 1 })
        const withoutWorkers = yield* importFiles(here, files, { workers: 0 })
        expect(withWorkers.summary).toEqual({ lines: 10, stored: 5, alreadyStored: 0, bad: 5 })
        expect(withWorkers.bad.map(({ file, line }) => `${path.basename(file)}:${line}`)).toEqual([
          "first.jsonl:3",
          "first.jsonl:4",
          "first.jsonl:5",
          "first.jsonl:7",
          "second.jsonl:2"
        ])
        expect(withWorkers).toEqual(withoutWorkers)
        const bodies = yield* bodiesOf(threaded)
        expect(bodies).toEqual(yield* bodiesOf(here))
        expect(bodies.get(sample[0].response.id)).toBe(encodeStored(sample[0]))
        expect(bodies.get(sample[2].response.id)).toBe(long)
        expect(bodies.get(sample[4].response.id)).toBe(encodeStored(sample[4]))

        // The workers read a file by ranges of its bytes: a pipe cannot be read so, and fails naming it.
        const pipe = path.join(dir, "pipe.jsonl")
        execFileSync("mkfifo", [pipe])
        const failure = yield* Effect.flip(importFiles(yield* freshStore(engine), [pipe], { workers: 1 }))
        expect(failure.message).toBe(`InvalidData: FileSystem.stat (${pipe}): not a regular file`)
      }))

    it.scoped("a worker thread that fails ends the import with its error in one line, every batch stored whole", () =>
      Effect.gen(function*() {
        const dir = yield* tempDir
        const file = path.join(dir, "completions.jsonl")
        fs.writeFileSync(file, sample.map((completion) => encodeStored(completion)).join("\n") + "\n")
        const store = yield* freshStore(engine)
        const failure = yield* Effect.flip(importFiles(store, [file], { spawnWorker: spawnFailingWorker }))
        expect(failure).toBeInstanceOf(StoreError.ImportWorkerFailed)
        expect(failure.message).toBe("an import worker thread failed: it exited with code 7")
        expect((yield* store.count()) % 7).toBe(0)
        const missing = yield* Effect.flip(importFiles(store, [file], { spawnWorker: () => new Worker("/nowhere.js") }))
        expect(missing.message).toMatch(/^an import worker thread failed: Cannot find module '\/nowhere\.js'$/)
      }))

    it.scoped("an export's lines import into another store as the same bodies, a seed beyond 2^53 included", () =>
      Effect.gen(function*() {
        const dir = yield* tempDir
        const source = yield* freshStore(engine)
        const completions = sample.slice(0, 50).map((completion, i) =>
          i === 0 ? { ...completion, request: { ...completion.request, seed: 2n ** 64n + 1n } } : completion
        )
        yield* source.put(completions)
        const exported = Array.from((yield* bodiesOf(source)).values())
        const file = path.join(dir, "export.jsonl")
        fs.writeFileSync(file, exported.join("\n") + "\n")
        const target = yield* freshStore(engine)
        const { summary } = yield* importFiles(target, [file])
        expect(summary).toEqual({ lines: 50, stored: 50, alreadyStored: 0, bad: 0 })
        expect(yield* bodiesOf(target)).toEqual(yield* bodiesOf(source))
        expect(exported.join("\n")).toContain(`"seed":${2n ** 64n + 1n}`)
      }))
  })
}
