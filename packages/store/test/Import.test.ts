import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import { describe, expect, it } from "@effect/vitest"
import { ChatCompletion, Json } from "@objectiveai-effect/domain"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import * as fs from "node:fs"
import * as path from "node:path"
import { CompletionStore, Import } from "../src/index.js"
import { encodeStored, engines, freshStore, sample, spawnImportWorker, tempDir } from "./support.js"

const encodeResponse = Schema.encodeSync(Json.parseJson(ChatCompletion.ChatCompletion))

const bodiesOf = (store: CompletionStore.Service) =>
  Effect.map(Stream.runCollect(store.bodies()), (chunk) => new Map(Array.from(chunk, (row) => [row.id, row.body])))

const importFiles = (store: CompletionStore.Service, files: ReadonlyArray<string>) =>
  Effect.gen(function*() {
    const bad: Array<Import.BadLine> = []
    const summary = yield* Import.fromFiles(files, {
      batchSize: 7,
      spawnWorker: spawnImportWorker,
      onBadLine: (line) => Effect.sync(() => void bad.push(line))
    }).pipe(Effect.provideService(CompletionStore.CompletionStore, store), Effect.provide(NodeFileSystem.layer))
    return { summary, bad }
  })

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
