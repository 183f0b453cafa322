import * as NodeContext from "@effect/platform-node/NodeContext"
import { describe, expect, it } from "@effect/vitest"
import type { StoredChatCompletion } from "@objectiveai-effect/domain"
import * as Effect from "effect/Effect"
import * as fs from "node:fs"
import * as path from "node:path"
import { SampleData, ServedCompletions } from "../src/index.js"
import { tempDir } from "./support.js"

const samples = Array.from(SampleData.generate({ count: 6, seed: 11 }))
const lines = samples.map(ServedCompletions.toJsonLine)

const load = (options: ServedCompletions.Options) =>
  ServedCompletions.make(options).pipe(Effect.provide(NodeContext.layer))

/** A data file in a fresh directory holding `text`. */
const dataFile = (text: string) =>
  Effect.map(tempDir, (dir) => {
    const file = path.join(dir, "completions.jsonl")
    fs.writeFileSync(file, text)
    return file
  })

const idsOf = (store: ServedCompletions.Service) =>
  Effect.map(store.list({ count: 1000, offset: 0 }), (page) => page.data.map((item) => item.id).sort())

const sortedIds = (completions: ReadonlyArray<StoredChatCompletion.StoredChatCompletion>) =>
  completions.map((completion) => completion.response.id as string).sort()

const loadError = (options: ServedCompletions.Options) =>
  Effect.flatMap(Effect.flip(load(options)), (error) =>
    error._tag === "DataFileError"
      ? Effect.succeed(error)
      : Effect.dieMessage(`expected a DataFileError, got ${error._tag}`))

describe("ServedCompletions", () => {
  it.effect("loads the committed sample data: every line a stored completion", () =>
    Effect.gen(function*() {
      const file = path.join(__dirname, "..", "data", "sample.jsonl")
      const store = yield* load({ dataFile: file })
      const expected = fs.readFileSync(file, "utf8").trimEnd().split("\n")
      expect(yield* store.size).toBe(expected.length)
      for (const line of [expected[0], expected[expected.length - 1]]) {
        const id = (JSON.parse(line) as { response: { id: string } }).response.id
        expect(yield* store.getJson(id)).toBe(line)
      }
    }))

  it.scoped("loads blank lines and CRLF line ends, and serves each completion as stored", () =>
    Effect.gen(function*() {
      const file = yield* dataFile(`\n${lines[0]}\r\n\r\n${lines[1]}\n   \n${lines[2]}`)
      const store = yield* load({ dataFile: file })
      expect(yield* idsOf(store)).toEqual(sortedIds(samples.slice(0, 3)))
      expect(yield* store.get(samples[1].response.id)).toEqual(samples[1])
      expect(yield* store.getJson(samples[2].response.id)).toBe(lines[2])
    }))

  it.scoped("fails on a bad line with the file and its line number", () =>
    Effect.gen(function*() {
      const notACompletion = `${lines[0]}\n\n${lines[1]}\n{"request":{"model":"m"},"response":{}}\n${lines[2]}\n`
      const file = yield* dataFile(notACompletion)
      const error = yield* loadError({ dataFile: file })
      expect(error._tag).toBe("DataFileError")
      expect(error).toMatchObject({ path: file, line: 4 })
      expect(error.message).toMatch(new RegExp(`^${file}:4: `))
      expect(error.message).toContain("request.messages: is missing")
      expect(error.message).not.toContain("\n")

      const truncated = yield* dataFile(`${lines[0]}\n${lines[1].slice(0, 100)}\n`)
      const jsonError = yield* loadError({ dataFile: truncated })
      expect(jsonError).toMatchObject({ _tag: "DataFileError", line: 2 })
      expect(jsonError.message).toContain("Invalid JSON")
    }))

  it.scoped("fails on a duplicate id, naming both lines, and on a missing file", () =>
    Effect.gen(function*() {
      const file = yield* dataFile(`${lines[0]}\n${lines[1]}\n${lines[0]}\n`)
      const error = yield* loadError({ dataFile: file })
      expect(error).toMatchObject({ _tag: "DataFileError", line: 3 })
      expect(error.message).toContain(`duplicate id ${samples[0].response.id} (first on line 1)`)

      const missing = yield* loadError({ dataFile: path.join(path.dirname(file), "nope.jsonl") })
      expect(missing.line).toBeUndefined()
      expect(missing.message).toMatch(/nope\.jsonl: file not found$/)
    }))

  it.effect("serves in-memory completions, refusing two with one id", () =>
    Effect.gen(function*() {
      const store = yield* load({ completions: samples })
      expect(yield* idsOf(store)).toEqual(sortedIds(samples))
      const error = yield* Effect.flip(load({ completions: [samples[0], samples[1], samples[0]] }))
      expect(error).toMatchObject({ _tag: "DuplicateCompletion", id: samples[0].response.id })
    }))

  it.scoped("appends added completions to the file, after a newline the file lacked, and reloads them", () =>
    Effect.gen(function*() {
      const file = yield* dataFile(`${lines[0]}\n${lines[1]}`)
      const store = yield* load({ dataFile: file, completions: [samples[5]] })
      yield* store.add(samples[2])
      yield* store.add(samples[3])
      expect(fs.readFileSync(file, "utf8")).toBe(`${lines[0]}\n${lines[1]}\n${lines[2]}\n${lines[3]}\n`)
      expect(yield* store.get(samples[3].response.id)).toEqual(samples[3])

      const duplicate = yield* Effect.flip(store.add(samples[2]))
      expect(duplicate).toMatchObject({ _tag: "DuplicateCompletion", id: samples[2].response.id })
      expect(yield* Effect.flip(store.add(samples[5]))).toMatchObject({ _tag: "DuplicateCompletion" })
      expect(fs.readFileSync(file, "utf8").split("\n")).toHaveLength(5)

      const reloaded = yield* load({ dataFile: file })
      expect(yield* idsOf(reloaded)).toEqual(sortedIds(samples.slice(0, 4)))
    }))

  it.scoped("reports a data file it cannot append to", () =>
    Effect.gen(function*() {
      const file = yield* dataFile(`${lines[0]}\n`)
      const store = yield* load({ dataFile: file })
      // A directory where the file was: appending fails, and the temporary directory is still there to remove.
      fs.rmSync(file)
      fs.mkdirSync(file)
      const error = yield* Effect.flip(store.add(samples[1]))
      expect(error).toMatchObject({ _tag: "DataFileError", path: file })
      expect(error.message).toContain("cannot append")
      expect(yield* store.size).toBe(1)
    }))

  it.effect("lists newest first, and the later added first among equal times", () =>
    Effect.gen(function*() {
      const at = (completion: StoredChatCompletion.StoredChatCompletion, created: number) => ({
        ...completion,
        response: { ...completion.response, created }
      })
      const store = yield* load({ completions: [at(samples[0], 100), at(samples[1], 300), at(samples[2], 200)] })
      yield* store.add(at(samples[3], 200))
      yield* store.add(at(samples[4], 50))
      const page = yield* store.list({ count: 10, offset: 0 })
      expect(page.data.map((item) => item.id)).toEqual(
        [1, 3, 2, 0, 4].map((i) => samples[i].response.id)
      )
      expect(page.data.map((item) => item.created)).toEqual([
        "1970-01-01T00:05:00Z",
        "1970-01-01T00:03:20Z",
        "1970-01-01T00:03:20Z",
        "1970-01-01T00:01:40Z",
        "1970-01-01T00:00:50Z"
      ])
      expect((yield* store.list({ count: 2, offset: 3 })).data.map((item) => item.id)).toEqual(
        [0, 4].map((i) => samples[i].response.id)
      )
    }))

  it.effect("answers an unknown id with CompletionNotFound", () =>
    Effect.gen(function*() {
      const store = yield* load({})
      expect(yield* Effect.flip(store.get("missing"))).toMatchObject({ _tag: "CompletionNotFound", id: "missing" })
      expect(yield* Effect.flip(store.getJson("missing"))).toMatchObject({ _tag: "CompletionNotFound" })
    }))
})
