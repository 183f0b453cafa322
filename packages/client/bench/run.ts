/**
 * Client benchmarks, printed as `name: value unit`:
 * - throughput: 5,000 retrieves at concurrency 32 from a local server, ours (validating every body) next to the
 *   `openai` npm client's `chat.completions.retrieve` (validating none) on the same server in the same run;
 * - soak: 10,000 retrieves at concurrency 32 with 30% transient faults injected (429 with Retry-After 0–1 s,
 *   500/502/503, connection resets): counts, whether every one succeeded, open sockets and heap before and after.
 */
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import type * as HttpClient from "@effect/platform/HttpClient"
import { ObjectiveAiClient } from "@objectiveai-effect/client"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as ManagedRuntime from "effect/ManagedRuntime"
import * as Redacted from "effect/Redacted"
import { type ChildProcess, fork } from "node:child_process"
import { once } from "node:events"
import { setFlagsFromString } from "node:v8"
import { runInNewContext } from "node:vm"
import OpenAI from "openai"
import { completionId } from "../test/support/fixtures.js"
import type { Command, Stats } from "./server.js"

const apiKey = "sk-bench"
const concurrency = 32
const throughputCount = 5_000
const rounds = 5
const soakCount = 10_000

setFlagsFromString("--expose-gc")
const gc = runInNewContext("gc") as () => void

const print = (name: string, value: string | number | boolean, unit = "") =>
  console.log(`${name}: ${value}${unit === "" ? "" : ` ${unit}`}`)

const ask = <A>(child: ChildProcess, command: Command): Promise<A> => {
  const answer = once(child, "message").then(([message]) => message as A)
  child.send(command)
  return answer
}

/** Runs `task` over `count` ids with `concurrency` in flight, as a promise pool. */
const pool = async (count: number, task: (id: string) => Promise<unknown>): Promise<void> => {
  let next = 0
  const worker = async () => {
    while (next < count) await task(completionId(next++))
  }
  await Promise.all(Array.from({ length: concurrency }, worker))
}

/** The same pool as fibers: `concurrency` workers, each retrieving the next id until none is left. */
const retrieveAll = (count: number, onResult: (ok: boolean) => void) =>
  Effect.flatMap(ObjectiveAiClient.ObjectiveAiClient, (client) => {
    let next = 0
    const worker: Effect.Effect<void> = Effect.suspend(() =>
      next < count
        ? client.retrieve(completionId(next++)).pipe(
          Effect.match({ onFailure: () => onResult(false), onSuccess: () => onResult(true) }),
          Effect.zipRight(worker)
        )
        : Effect.void
    )
    return Effect.all(Array.from({ length: concurrency }, () => worker), { concurrency: "unbounded", discard: true })
  })

const clientRuntime = (
  baseUrl: string,
  transport: Layer.Layer<HttpClient.HttpClient>,
  options: Partial<ObjectiveAiClient.Options> = {}
) =>
  ManagedRuntime.make(
    ObjectiveAiClient.layer({ apiKey: Redacted.make(apiKey), baseUrl, ...options }).pipe(Layer.provide(transport))
  )

const time = async (run: () => Promise<unknown>): Promise<number> => {
  const start = performance.now()
  await run()
  return performance.now() - start
}

const openSockets = () => process.getActiveResourcesInfo().filter((name) => name === "TCPSocketWrap").length

const heapMegabytes = async () => {
  // Twice, with a turn of the event loop between, so that finalizers of the first collection run before the second.
  gc()
  await new Promise((resolve) => setTimeout(resolve, 50))
  gc()
  return process.memoryUsage().heapUsed / 2 ** 20
}

const throughput = async (baseUrl: string) => {
  const ours = clientRuntime(baseUrl, NodeHttpClient.layerUndici)
  const oursFetch = clientRuntime(baseUrl, FetchHttpClient.layer)
  const openai = new OpenAI({ baseURL: baseUrl, apiKey })
  const runOurs = (runtime: typeof ours) => async () => {
    let failed = 0
    await runtime.runPromise(retrieveAll(throughputCount, (ok) => {
      if (!ok) failed++
    }))
    if (failed > 0) throw new Error(`${failed} retrieves failed`)
  }
  const runOpenAi = () => pool(throughputCount, (id) => openai.chat.completions.retrieve(id))

  // Warm the JIT and the connection pools of all three before measuring.
  await runOurs(ours)()
  await runOurs(oursFetch)()
  await runOpenAi()

  // Alternate the clients round by round so that drift in the machine's load hits all of them alike.
  const totals = { ours: 0, oursFetch: 0, openai: 0 }
  for (let round = 0; round < rounds; round++) {
    totals.ours += await time(runOurs(ours))
    totals.openai += await time(runOpenAi)
    totals.oursFetch += await time(runOurs(oursFetch))
  }
  await ours.dispose()
  await oursFetch.dispose()

  const perRun = (total: number) => total / rounds
  print("client.retrieve.vs_openai_node", `${(totals.ours / totals.openai).toFixed(2)}x`)
  print("client.retrieve.ours_undici", perRun(totals.ours).toFixed(0), `ms per ${throughputCount}`)
  print("client.retrieve.openai_node", perRun(totals.openai).toFixed(0), `ms per ${throughputCount}`)
  print("client.retrieve.ours_undici_rate", (throughputCount / perRun(totals.ours) * 1000).toFixed(0), "req/s")
  print("client.retrieve.openai_node_rate", (throughputCount / perRun(totals.openai) * 1000).toFixed(0), "req/s")
  print("client.retrieve.fetch.vs_openai_node", `${(totals.oursFetch / totals.openai).toFixed(2)}x`)
  print("client.retrieve.ours_fetch", perRun(totals.oursFetch).toFixed(0), `ms per ${throughputCount}`)
}

const soak = async (server: ChildProcess, baseUrl: string) => {
  await ask(server, "reset-stats")
  // The server's count sees every connection, idle keep-alive ones included; the throughput phase's fetch-based
  // clients share Node's global pool, which may still hold its sockets, so this is the level to return to.
  const serverConnectionsBefore = (await ask<Stats>(server, "stats")).openConnections
  const socketsBefore = openSockets()
  const heapBefore = await heapMegabytes()
  // More attempts than the default: at 30% faults, 12 attempts leave a 1 in 2 million chance per retrieve of
  // exhausting them; the backoff starts low and the server's own 0–1 s hints still hold.
  const runtime = clientRuntime(baseUrl, NodeHttpClient.layerUndici, {
    retryPolicy: { maxAttempts: 12, initialDelay: Duration.millis(50), maxDelay: Duration.seconds(1) }
  })
  await ask(server, { faultRate: 0.3 })
  const start = performance.now()
  // Counts only: holding 10,000 completions would hide whether the client itself lets go of memory.
  const outcome = { succeeded: 0, failed: 0 }
  const finished = await runtime.runPromise(
    retrieveAll(soakCount, (ok) => {
      if (ok) outcome.succeeded++
      else outcome.failed++
    }).pipe(
      Effect.timeout(Duration.minutes(5)),
      Effect.as(true),
      Effect.catchTag("TimeoutException", () => Effect.succeed(false))
    )
  )
  const elapsed = performance.now() - start
  await ask(server, { faultRate: 0 })
  await runtime.dispose()
  const stats = await ask<Stats>(server, "stats")
  // The server closes its side of each connection as the client's agent closes its own.
  await new Promise((resolve) => setTimeout(resolve, 200))
  const socketsAfter = openSockets()
  const heapAfter = await heapMegabytes()
  const serverConnections = (await ask<Stats>(server, "stats")).openConnections

  const faults = Object.values(stats.faults).reduce((a, b) => a + b, 0)
  print("client.soak.retrieves", soakCount)
  print("client.soak.succeeded", outcome.succeeded)
  print("client.soak.failed", outcome.failed)
  print("client.soak.finished_within_5_minutes", finished)
  print("client.soak.all_succeeded", finished && outcome.succeeded === soakCount)
  print("client.soak.server_requests", stats.requests)
  print("client.soak.faults_injected", faults)
  for (const [kind, count] of Object.entries(stats.faults).sort()) print(`client.soak.faults.${kind}`, count)
  print("client.soak.fault_share", (faults / stats.requests * 100).toFixed(1), "%")
  print("client.soak.duration", (elapsed / 1000).toFixed(1), "s")
  print("client.soak.open_sockets_before", socketsBefore)
  print("client.soak.open_sockets_after", socketsAfter)
  print("client.soak.server_open_connections_before", serverConnectionsBefore)
  print("client.soak.server_open_connections_after", serverConnections)
  print("client.soak.heap_before", heapBefore.toFixed(1), "MB")
  print("client.soak.heap_after", heapAfter.toFixed(1), "MB")
}

const main = async () => {
  const server = fork(new URL("./server.ts", import.meta.url), { stdio: ["ignore", "inherit", "inherit", "ipc"] })
  const [{ bodyBytes, port }] = await once(server, "message") as [{ port: number; bodyBytes: number }]
  const baseUrl = `http://127.0.0.1:${port}`
  print("client.retrieve.body_size", (bodyBytes / 1024).toFixed(1), "KiB")
  try {
    await throughput(baseUrl)
    await soak(server, baseUrl)
  } finally {
    server.disconnect()
  }
}

main().catch((error) => {
  console.error(error)
  process.exitCode = 1
})
