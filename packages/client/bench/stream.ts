/**
 * Streaming benchmarks, printed as `name: value unit`:
 * - merge: a 20,000-chunk completion (content and logprobs in every chunk) streamed from a local server, parsed and
 *   merged by ours (`stream` run into `collect`, errors keeping the partial completion as by default) next to the
 *   `openai` npm client's `chat.completions.stream` (iterated, then `finalChatCompletion()`), on the same bytes, in
 *   alternating rounds;
 * - heap: the peak heap growth while a 200,000-chunk stream is consumed without merging (`keepPartial: false`),
 *   sampled after a full collection every 10,000 chunks: what the stream keeps. The same run without collections is
 *   printed next to it, with the `openai` client's on the same bytes: V8 promotes much of our pipeline's short-lived
 *   garbage to the old generation and frees it at its next full collection, so that figure follows the collector's
 *   schedule rather than what is held.
 */
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { ObjectiveAiClient } from "@objectiveai-effect/client"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as ManagedRuntime from "effect/ManagedRuntime"
import * as Redacted from "effect/Redacted"
import * as Stream from "effect/Stream"
import { fork } from "node:child_process"
import { once } from "node:events"
import { setFlagsFromString } from "node:v8"
import { runInNewContext } from "node:vm"
import OpenAI from "openai"

const apiKey = "sk-bench"
const mergeChunks = 20_000
const heapChunks = 200_000
const rounds = 5
const params = {
  model: "openai/gpt-4o-mini",
  messages: [{ role: "user" as const, content: "Count." }],
  logprobs: true,
  top_logprobs: 5
}

setFlagsFromString("--expose-gc")
const gc = runInNewContext("gc") as () => void

const print = (name: string, value: string | number | boolean, unit = "") =>
  console.log(`${name}: ${value}${unit === "" ? "" : ` ${unit}`}`)

const time = async (run: () => Promise<unknown>): Promise<number> => {
  const start = performance.now()
  await run()
  return performance.now() - start
}

const heapUsed = async () => {
  // Twice, with a turn of the event loop between, so that finalizers of the first collection run before the second.
  gc()
  await new Promise((resolve) => setTimeout(resolve, 50))
  gc()
  return process.memoryUsage().heapUsed
}

/** A client of the server's `count`-chunk stream. */
const clientRuntime = (baseUrl: string, count: number) =>
  ManagedRuntime.make(
    ObjectiveAiClient.layer({ apiKey: Redacted.make(apiKey), baseUrl: `${baseUrl}/${count}` }).pipe(
      Layer.provide(NodeHttpClient.layerUndici)
    )
  )

const tokenLogprobs = (completion: { readonly choices: ReadonlyArray<unknown> }) =>
  (completion.choices[0] as { logprobs?: { content?: ReadonlyArray<unknown> | null } | null } | undefined)
    ?.logprobs?.content?.length ?? 0

// A run that lost a token or the usage is no result. The openai client's `finalChatCompletion()` holds the first
// chunk's logprobs twice (it copies them into the new choice, then appends them), so it may count one more.
const check = (
  who: string,
  completion: { readonly choices: ReadonlyArray<unknown>; readonly usage?: unknown },
  extra = 0
) => {
  const tokens = tokenLogprobs(completion)
  if (tokens !== mergeChunks + extra || completion.usage == null) {
    throw new Error(`${who} merged ${tokens} of ${mergeChunks} token logprobs, usage ${String(completion.usage)}`)
  }
}

const merge = async (baseUrl: string) => {
  const ours = clientRuntime(baseUrl, mergeChunks)
  const openai = new OpenAI({ baseURL: `${baseUrl}/${mergeChunks}`, apiKey })
  const runOurs = async () =>
    check(
      "ours",
      await ours.runPromise(
        Effect.flatMap(
          ObjectiveAiClient.ObjectiveAiClient,
          (client) => Stream.run(client.stream(params), ObjectiveAiClient.collect)
        )
      )
    )
  const runOpenAi = async () => {
    const stream = openai.chat.completions.stream({ ...params, stream_options: { include_usage: true } })
    for await (const chunk of stream) void chunk
    check("openai", await stream.finalChatCompletion(), 1)
  }

  // Warm the JIT, the server's cached body and both connection pools before measuring.
  for (let i = 0; i < 2; i++) {
    await runOurs()
    await runOpenAi()
  }
  // Alternate the clients round by round so that drift in the machine's load hits both alike.
  const totals = { ours: 0, openai: 0 }
  for (let round = 0; round < rounds; round++) {
    totals.ours += await time(runOurs)
    totals.openai += await time(runOpenAi)
  }
  await ours.dispose()

  print("stream.merge.vs_openai_node", `${(totals.ours / totals.openai).toFixed(2)}x`)
  print("stream.merge.ours", (totals.ours / rounds).toFixed(0), `ms per ${mergeChunks} chunks`)
  print("stream.merge.openai_node", (totals.openai / rounds).toFixed(0), `ms per ${mergeChunks} chunks`)
  print("stream.merge.ours_per_chunk", (totals.ours / rounds / mergeChunks * 1000).toFixed(1), "µs")
}

/**
 * Consumes the server's 200,000-chunk stream without merging, sampling the heap once per read of the body. With
 * `collect`, each sample follows a full collection, so the growth is what the stream holds on to; without, it is the
 * heap as the run left it, garbage not yet collected included.
 */
const consumeLong = async (baseUrl: string, collectGarbage: boolean) => {
  const runtime = clientRuntime(baseUrl, heapChunks)
  const client = await runtime.runPromise(ObjectiveAiClient.ObjectiveAiClient)
  const before = await heapUsed()
  let peak = before
  let chunks = 0
  let nextSample = 0
  const start = performance.now()
  await runtime.runPromise(
    Stream.runForEachChunk(client.stream(params, { keepPartial: false }), (read) =>
      Effect.sync(() => {
        chunks += Chunk.size(read)
        if (collectGarbage) {
          if (chunks < nextSample) return
          nextSample += 10_000
          gc()
        }
        peak = Math.max(peak, process.memoryUsage().heapUsed)
      }))
  )
  const elapsed = performance.now() - start
  await runtime.dispose()
  // The content chunks, the finish and the usage-only chunk.
  if (chunks !== heapChunks + 2) throw new Error(`consumed ${chunks} of ${heapChunks + 2} chunks`)
  return { growth: (peak - before) / 2 ** 20, before: before / 2 ** 20, elapsed }
}

const openAiHeapGrowth = async (baseUrl: string) => {
  const openai = new OpenAI({ baseURL: `${baseUrl}/${heapChunks}`, apiKey })
  const before = await heapUsed()
  let peak = before
  const stream = await openai.chat.completions.create({ ...params, stream: true })
  for await (const chunk of stream) {
    void chunk
    peak = Math.max(peak, process.memoryUsage().heapUsed)
  }
  return (peak - before) / 2 ** 20
}

const heap = async (baseUrl: string) => {
  const retained = await consumeLong(baseUrl, true)
  const uncollected = await consumeLong(baseUrl, false)
  const openAiUncollected = await openAiHeapGrowth(baseUrl)
  print("stream.200k.heap_growth_mb", retained.growth.toFixed(1), "MB")
  print("stream.200k.heap_flat", retained.growth < 50)
  print("stream.200k.heap_growth_uncollected_mb", uncollected.growth.toFixed(1), "MB")
  print("stream.200k.openai_node_heap_growth_uncollected_mb", openAiUncollected.toFixed(1), "MB")
  print("stream.200k.heap_before", retained.before.toFixed(1), "MB")
  print("stream.200k.duration", (uncollected.elapsed / 1000).toFixed(1), "s")
}

const main = async () => {
  const server = fork(new URL("./streamServer.ts", import.meta.url), { stdio: ["ignore", "inherit", "inherit", "ipc"] })
  const [{ port }] = await once(server, "message") as [{ port: number }]
  const baseUrl = `http://127.0.0.1:${port}`
  try {
    await merge(baseUrl)
    await heap(baseUrl)
  } finally {
    server.disconnect()
  }
}

main().catch((error) => {
  console.error(error)
  process.exitCode = 1
})
