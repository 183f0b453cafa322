import * as NodeContext from "@effect/platform-node/NodeContext"
import { describe, expect, it } from "@effect/vitest"
import { ChatCompletionChunk, ChatCompletionList, StoredChatCompletion } from "@objectiveai-effect/domain"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import * as fs from "node:fs"
import * as path from "node:path"
import { ObjectiveAiServer, SampleData, ServedCompletions } from "../src/index.js"
import { apiKey, body, chatRequest, chunksOf, decodeCompletion, request, tempDir, transcript } from "./support.js"

const decodeStored = Schema.decodeUnknownSync(StoredChatCompletion.StoredChatCompletionFromJson)
const decodeList = Schema.decodeUnknownSync(ChatCompletionList.ChatCompletionList)

const loaded = Array.from(SampleData.generate({ count: 20, seed: 3 }))
const creates = 120

/** Creates one completion, unary or streamed, and retrieves it right away; returns the id and the answer. */
const createAndRetrieve = (i: number) =>
  Effect.gen(function*() {
    const payload = { ...chatRequest, seed: i, ...(i % 2 === 0 ? {} : { stream: true }) }
    const reply = yield* request("/chat/completions", { body: payload })
    expect(reply.status).toBe(200)
    const completion = i % 2 === 0
      ? decodeCompletion(body(reply))
      : Option.getOrThrow(ChatCompletionChunk.merge(chunksOf(transcript(reply.text))))
    const stored = yield* request(`/chat/completions/${completion.id}`)
    expect(stored.status).toBe(200)
    const { usage, ...response } = decodeStored(stored.text).response
    // A streamed answer merges without the keys the stored completion holds as `null`.
    expect(i % 2 === 0 ? { ...response, usage } : response).toStrictEqual(completion)
    return completion.id as string
  })

/** Reads of completions that were there from the start, interleaved with the creates. */
const readLoaded = (i: number) =>
  Effect.gen(function*() {
    const sample = loaded[i % loaded.length]
    const reply = yield* request(`/chat/completions/${sample.response.id}`)
    expect(decodeStored(reply.text)).toEqual(sample)
    const page = yield* request(`/chat/completions?count=5&offset=${i % 10}`)
    expect(decodeList(body(page)).data).toHaveLength(5)
  })

const listAll = Effect.gen(function*() {
  const ids: Array<string> = []
  for (let offset = 0;; offset += 50) {
    const page = decodeList(body(yield* request(`/chat/completions?count=50&offset=${offset}`))).data
    ids.push(...page.map((item) => item.id))
    if (page.length < 50) return ids
  }
})

describe("concurrent creates and retrieves", () => {
  it.scoped("keep every completion exactly once, in memory and in the data file", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const dataFile = path.join(dir, "completions.jsonl")
      fs.writeFileSync(dataFile, loaded.map((completion) => `${ServedCompletions.toJsonLine(completion)}\n`).join(""))

      const createdIds = yield* Effect.gen(function*() {
        const work = Array.from({ length: creates }, (_, i) => i)
        const [ids] = yield* Effect.all([
          Effect.forEach(work, createAndRetrieve, { concurrency: 40 }),
          Effect.forEach(work, readLoaded, { concurrency: 20 })
        ], { concurrency: 2 })
        const listed = yield* listAll
        expect(listed).toHaveLength(loaded.length + creates)
        expect(new Set(listed).size).toBe(listed.length)
        expect(new Set(listed)).toEqual(new Set([...loaded.map((completion) => completion.response.id), ...ids]))
        return ids
      }).pipe(Effect.provide(ObjectiveAiServer.layer({ dataFile, apiKeys: [apiKey] })))

      expect(new Set(createdIds).size).toBe(creates)
      const lines = fs.readFileSync(dataFile, "utf8").split("\n")
      expect(lines.pop()).toBe("")
      expect(lines).toHaveLength(loaded.length + creates)
      const fileIds = lines.map((line) => decodeStored(line).response.id as string)
      expect(new Set(fileIds).size).toBe(fileIds.length)
      expect(fileIds.slice(loaded.length).sort()).toEqual([...createdIds].sort())

      const reloaded = yield* ServedCompletions.make({ dataFile }).pipe(Effect.provide(NodeContext.layer))
      expect(yield* reloaded.size).toBe(loaded.length + creates)
    }), { timeout: 120_000 })
})
