/**
 * The cost of a call's span, printed as `name: value unit`: `create` against the local server (in a child process)
 * with `Telemetry.layerOtlp` exporting every span to a local OTLP/HTTP sink, over the same creates without it, in
 * alternating rounds of the same run: the wall-time ratio with the default protobuf (target: at most 1.05x) and with
 * `http/json`, and the ratio of this process's CPU time with the CPU each exported span costs. Without the layer the
 * client still makes its span and its attributes (for Effect's own tracer); the ratios are what exporting them adds.
 */
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { ObjectiveAiClient, Telemetry } from "@objectiveai-effect/client"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as ManagedRuntime from "effect/ManagedRuntime"
import * as Redacted from "effect/Redacted"
import { fork } from "node:child_process"
import { once } from "node:events"
import type { Ready } from "./spanServer.js"

const creates = 1_000
const concurrency = 16
const rounds = 9

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
  const [{ apiKey, apiUrl, otlpUrl }] = await once(servers, "message") as [Ready]
  try {
    const client = ObjectiveAiClient.layer({ apiKey: Redacted.make(apiKey), baseUrl: apiUrl })
    const exportingAs = (protocol: Telemetry.Protocol) =>
      ManagedRuntime.make(
        Layer.merge(client, Telemetry.layerOtlp({ endpoint: otlpUrl, serviceName: "span-bench", protocol })).pipe(
          Layer.provide(NodeHttpClient.layerUndici)
        )
      )
    const arms = [
      { name: "plain", runtime: ManagedRuntime.make(client.pipe(Layer.provide(NodeHttpClient.layerUndici))) },
      { name: "protobuf", runtime: exportingAs("http/protobuf") },
      { name: "json", runtime: exportingAs("http/json") }
    ] as const
    // Warm the JIT, the connection pools and the server's model before measuring.
    for (const arm of arms) await arm.runtime.runPromise(createAll)

    // The arms take turns round by round, each round starting with the next one, so that drift in the machine's load
    // and whatever the first of a round pays for the others hit all of them alike.
    const totals = { plain: { wall: 0, cpu: 0 }, protobuf: { wall: 0, cpu: 0 }, json: { wall: 0, cpu: 0 } }
    for (let round = 0; round < rounds; round++) {
      for (let turn = 0; turn < arms.length; turn++) {
        const arm = arms[(round + turn) % arms.length]
        const measured = await measure(() => arm.runtime.runPromise(createAll))
        totals[arm.name].wall += measured.wall
        totals[arm.name].cpu += measured.cpu
      }
    }
    // Disposing flushes what is queued: every span has reached the sink once this returns.
    for (const arm of arms) await arm.runtime.dispose()
    servers.send("stats")
    const [stats] = await once(servers, "message") as [{ exports: number; exportedBytes: number }]

    const perCreate = (total: number) => (total / rounds / creates).toFixed(3)
    const ratio = (total: number, base: number) => `${(total / base).toFixed(3)}x`
    const cpuPerSpan = (total: number) => ((total - totals.plain.cpu) / rounds / creates * 1000).toFixed(1)
    print("client.create.span_overhead", ratio(totals.protobuf.wall, totals.plain.wall))
    print("client.create.span_overhead.json", ratio(totals.json.wall, totals.plain.wall))
    print("client.create.span_overhead.without_export", perCreate(totals.plain.wall), "ms per create")
    print("client.create.span_overhead.with_export", perCreate(totals.protobuf.wall), "ms per create")
    print("client.create.span_overhead.with_json_export", perCreate(totals.json.wall), "ms per create")
    // The client process's CPU alone, which the load of other processes on the machine moves far less than wall time.
    print("client.create.span_overhead.cpu", ratio(totals.protobuf.cpu, totals.plain.cpu))
    print("client.create.span_overhead.json_cpu", ratio(totals.json.cpu, totals.plain.cpu))
    print("client.create.span_overhead.cpu_per_span", cpuPerSpan(totals.protobuf.cpu), "µs")
    print("client.create.span_overhead.json_cpu_per_span", cpuPerSpan(totals.json.cpu), "µs")
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
