/**
 * The cost of a call's span, printed as `name: value unit`: `create` against the local server (in a child process)
 * with `Telemetry.layerOtlp` exporting every span to a local OTLP/HTTP sink, over the same creates without it, in
 * alternating rounds of the same run: the wall-time ratio (target: at most 1.05x), and the ratio of this process's
 * CPU time with the CPU each exported span costs. Without the layer the client still makes its span and its
 * attributes (for Effect's own tracer); the ratios are what exporting them adds.
 */
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { ObjectiveAiClient, Telemetry } from "@objectiveai-effect/client"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as ManagedRuntime from "effect/ManagedRuntime"
import * as Redacted from "effect/Redacted"
import { fork } from "node:child_process"
import { once } from "node:events"
import { apiKey, type Ready } from "./spanServer.js"

const creates = 1_000
const concurrency = 16
const rounds = 10

const print = (name: string, value: string | number, unit = "") =>
  console.log(`${name}: ${value}${unit === "" ? "" : ` ${unit}`}`)

const createAll = Effect.flatMap(ObjectiveAiClient.ObjectiveAiClient, (client) => {
  let next = 0
  // Each create asks for another seed, so that the server's answers vary as real traffic does.
  const worker: Effect.Effect<void, unknown> = Effect.suspend(() =>
    next < creates
      ? client.create({
        model: "openai/gpt-4o-mini",
        messages: [{ role: "user", content: "Explain vector clocks in two sentences" }],
        seed: next++,
        max_tokens: 64
      }).pipe(Effect.zipRight(worker))
      : Effect.void
  )
  return Effect.all(Array.from({ length: concurrency }, () => worker), { concurrency: "unbounded", discard: true })
})

/** The wall time of a run, and the CPU time this process spent in it (the servers' is in their own process). */
const measure = async (run: () => Promise<unknown>): Promise<{ wall: number; cpu: number }> => {
  const cpu = process.cpuUsage()
  const start = performance.now()
  await run()
  const wall = performance.now() - start
  const spent = process.cpuUsage(cpu)
  return { wall, cpu: (spent.user + spent.system) / 1000 }
}

const main = async () => {
  const servers = fork(new URL("./spanServer.ts", import.meta.url), { stdio: ["ignore", "inherit", "inherit", "ipc"] })
  const [{ apiUrl, otlpUrl }] = await once(servers, "message") as [Ready]
  try {
    const client = ObjectiveAiClient.layer({ apiKey: Redacted.make(apiKey), baseUrl: apiUrl })
    const plain = ManagedRuntime.make(client.pipe(Layer.provide(NodeHttpClient.layerUndici)))
    const exporting = ManagedRuntime.make(
      Layer.merge(client, Telemetry.layerOtlp({ endpoint: otlpUrl, serviceName: "span-bench" })).pipe(
        Layer.provide(NodeHttpClient.layerUndici)
      )
    )
    // Warm the JIT, the connection pools and the server's model before measuring.
    await plain.runPromise(createAll)
    await exporting.runPromise(createAll)

    // Alternate the two round by round, each going first every other round, so that drift in the machine's load and
    // whatever the first of a pair pays for the second hit both alike.
    const totals = { plain: { wall: 0, cpu: 0 }, exporting: { wall: 0, cpu: 0 } }
    const add = (total: { wall: number; cpu: number }, round: { wall: number; cpu: number }) => {
      total.wall += round.wall
      total.cpu += round.cpu
    }
    for (let round = 0; round < rounds; round++) {
      const pair = [["plain", plain], ["exporting", exporting]] as const
      for (const [name, runtime] of round % 2 === 0 ? pair : [...pair].reverse()) {
        add(totals[name], await measure(() => runtime.runPromise(createAll)))
      }
    }
    await plain.dispose()
    // Disposing flushes what is queued: every span has reached the sink once this returns.
    await exporting.dispose()
    servers.send("stats")
    const [stats] = await once(servers, "message") as [{ exports: number; exportedBytes: number }]

    const perCreate = (total: number) => total / rounds / creates
    print("client.create.span_overhead", `${(totals.exporting.wall / totals.plain.wall).toFixed(3)}x`)
    print("client.create.span_overhead.without_export", perCreate(totals.plain.wall).toFixed(3), "ms per create")
    print("client.create.span_overhead.with_export", perCreate(totals.exporting.wall).toFixed(3), "ms per create")
    // The client process's CPU alone, which the load of other processes on the machine moves far less than wall time.
    print("client.create.span_overhead.cpu", `${(totals.exporting.cpu / totals.plain.cpu).toFixed(3)}x`)
    print(
      "client.create.span_overhead.cpu_per_span",
      ((totals.exporting.cpu - totals.plain.cpu) / rounds / creates * 1000).toFixed(1),
      "µs"
    )
    print("client.create.span_overhead.export_requests", stats.exports)
    print("client.create.span_overhead.exported", (stats.exportedBytes / 2 ** 20).toFixed(1), "MiB")
  } finally {
    servers.disconnect()
  }
}

main().catch((error) => {
  console.error(error)
  process.exitCode = 1
})
