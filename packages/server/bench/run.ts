/**
 * Server benchmarks, printed as `name: value unit`:
 * - the seeded sample generator and the JSONL store load, over 5,000 completions;
 * - `ServedCompletions.add` past the retention (10,000 creates, each dropping the oldest, all in one second as a busy
 *   server's are) next to the 10,000 adds that filled it, in the same run: their ratio is the cost of the dropping;
 * - 5,000 retrieves at concurrency 32 from the server, next to a bare `node:http` server answering the same JSON
 *   from a `Map` in the same run (the floor of any server on Node), and their ratio;
 * - 2,000 creates at concurrency 32, unary and streamed;
 * - the median time to a 400 for bodies nested 5,000 and 100,000 levels deep, next to a plain create's.
 */
import * as NodeContext from "@effect/platform-node/NodeContext"
import * as Effect from "effect/Effect"
import * as ManagedRuntime from "effect/ManagedRuntime"
import * as fs from "node:fs"
import * as http from "node:http"
import type { AddressInfo } from "node:net"
import * as os from "node:os"
import * as path from "node:path"
import { ObjectiveAiServer, SampleData, ServedCompletions } from "../src/index.js"

const apiKey = "sk-bench"
const storedCount = 5_000
const retrieveCount = 5_000
const createCount = 2_000
const concurrency = 32

const print = (name: string, value: string | number) => console.log(`${name}: ${value}`)

const perSecond = (count: number, millis: number) => Math.round(count / (millis / 1000))

const timed = async (task: () => Promise<unknown>): Promise<number> => {
  const start = performance.now()
  await task()
  return performance.now() - start
}

/** Runs `task` for indices 0…count-1 with `concurrency` in flight. */
const pool = async (count: number, task: (index: number) => Promise<void>): Promise<void> => {
  let next = 0
  const worker = async () => {
    while (next < count) await task(next++)
  }
  await Promise.all(Array.from({ length: concurrency }, worker))
}

const fetchOk = async (url: string, init?: RequestInit): Promise<void> => {
  const response = await fetch(url, init)
  await response.arrayBuffer()
  if (response.status !== 200) throw new Error(`${url}: ${response.status}`)
}

const main = async () => {
  const completions: Array<ReturnType<typeof SampleData.make>> = []
  const generateMillis = await timed(async () => {
    for (const completion of SampleData.generate({ count: storedCount, seed: 1 })) completions.push(completion)
  })
  print("server.sample_generate", `${perSecond(storedCount, generateMillis)} completions/s`)

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "objectiveai-server-bench-"))
  const dataFile = path.join(dir, "bench.jsonl")
  const lines = completions.map(ServedCompletions.toJsonLine)
  fs.writeFileSync(dataFile, lines.map((line) => `${line}\n`).join(""))
  const loadMillis = await timed(() =>
    Effect.runPromise(ServedCompletions.make({ dataFile }).pipe(Effect.provide(NodeContext.layer)))
  )
  print("server.jsonl_load", `${perSecond(storedCount, loadMillis)} completions/s`)

  // Adds of created completions, all of one second: the first 10,000 fill the retention, the next 10,000 each drop the
  // oldest.
  const retained = ServedCompletions.defaultRetention.count
  const adds = Array.from({ length: 2 * retained }, (_, i) => {
    const completion = completions[i % completions.length]
    return {
      ...completion,
      response: {
        ...completion.response,
        id: `${completion.response.id}-${i}` as typeof completion.response.id,
        created: 1_800_000_000
      }
    }
  })
  const served = await Effect.runPromise(ServedCompletions.make().pipe(Effect.provide(NodeContext.layer)))
  const addAll = (from: number) =>
    timed(() => Effect.runPromise(Effect.forEach(adds.slice(from, from + retained), served.add, { discard: true })))
  const fillMillis = await addAll(0)
  const pastMillis = await addAll(retained)
  print("server.add", `${((fillMillis / retained) * 1000).toFixed(1)} us`)
  print("server.add_past_retention", `${((pastMillis / retained) * 1000).toFixed(1)} us`)
  print("server.add_past_retention_vs_add", `${(pastMillis / fillMillis).toFixed(2)}x`)

  const runtime = ManagedRuntime.make(ObjectiveAiServer.layer({ dataFile, apiKeys: [apiKey] }))
  const { url } = await runtime.runPromise(ObjectiveAiServer.ObjectiveAiServer)
  const bodies = new Map(completions.map((completion, i) => [completion.response.id as string, lines[i]]))
  const peer = http.createServer((request, response) => {
    const body = bodies.get(decodeURIComponent((request.url ?? "").slice("/chat/completions/".length)))
    response.writeHead(body === undefined ? 404 : 200, { "content-type": "application/json" })
    response.end(body)
  })
  await new Promise<void>((resolve) => peer.listen(0, "127.0.0.1", resolve))
  const peerUrl = `http://127.0.0.1:${(peer.address() as AddressInfo).port}`

  const ids = completions.map((completion) => completion.response.id)
  const headers = { authorization: `Bearer ${apiKey}` }
  const retrieveFrom = (base: string) =>
    timed(() => pool(retrieveCount, (i) => fetchOk(`${base}/chat/completions/${ids[i % ids.length]}`, { headers })))
  // One warm-up round each, so that neither side pays for JIT compilation in the measured round.
  await retrieveFrom(url)
  await retrieveFrom(peerUrl)
  const serverRate = perSecond(retrieveCount, await retrieveFrom(url))
  const peerRate = perSecond(retrieveCount, await retrieveFrom(peerUrl))
  print("server.retrieve", `${serverRate} req/s`)
  print("node_http.retrieve", `${peerRate} req/s`)
  print("server.retrieve_vs_node_http", `${(serverRate / peerRate).toFixed(2)}x`)

  const create = (stream: boolean) =>
    timed(() =>
      pool(createCount, (i) =>
        fetchOk(`${url}/chat/completions`, {
          method: "POST",
          headers: { ...headers, "content-type": "application/json" },
          body: JSON.stringify({
            model: "openai/gpt-4o-mini",
            messages: [{ role: "user", content: `Benchmark question ${i} about caching strategies` }],
            logprobs: true,
            top_logprobs: 3,
            stream,
            ...(stream ? { stream_options: { include_usage: true } } : {})
          })
        }))
    )
  print("server.create", `${perSecond(createCount, await create(false))} req/s`)
  print("server.create_stream", `${perSecond(createCount, await create(true))} req/s`)

  // Hostile nesting: a 122 KB tool schema 5,000 objects deep (which held the event loop for 6 to 9 s before the
  // nesting bound) and 100,000 nested arrays (a 500 before it), each answered 400, next to a plain create answered 200.
  let schema = `{"type":"string"}`
  for (let i = 0; i < 5_000; i++) schema = `{"type":"object","properties":{"a":${schema}}}`
  const nestedSchema = `{"model":"openai/gpt-4o-mini","messages":[{"role":"user","content":"call it"}],`
    + `"tools":[{"type":"function","function":{"name":"deep","parameters":${schema}}}]}`
  const nestedArrays = "[".repeat(100_000) + "]".repeat(100_000)
  const plain = JSON.stringify({ model: "openai/gpt-4o-mini", messages: [{ role: "user", content: "Hi" }] })
  const medianMillis = async (body: string, status: number) => {
    const times: Array<number> = []
    for (let i = 0; i < 41; i++) {
      times.push(
        await timed(async () => {
          const response = await fetch(`${url}/chat/completions`, {
            method: "POST",
            headers: { ...headers, "content-type": "application/json" },
            body
          })
          await response.arrayBuffer()
          if (response.status !== status) throw new Error(`expected ${status}, got ${response.status}`)
        })
      )
    }
    return times.sort((a, b) => a - b)[20]
  }
  const plainMillis = await medianMillis(plain, 200)
  const schemaMillis = await medianMillis(nestedSchema, 400)
  const arraysMillis = await medianMillis(nestedArrays, 400)
  print("server.create_plain_median", `${plainMillis.toFixed(2)} ms`)
  print("server.create_nested_schema_5000_median", `${schemaMillis.toFixed(2)} ms`)
  print("server.create_nested_arrays_100000_median", `${arraysMillis.toFixed(2)} ms`)
  print("server.create_nested_schema_5000_vs_plain", `${(schemaMillis / plainMillis).toFixed(2)}x`)

  await runtime.dispose()
  await new Promise((resolve) => peer.close(resolve))
  fs.rmSync(dir, { recursive: true, force: true })
}

main().catch((error) => {
  console.error(error)
  process.exit(1)
})
