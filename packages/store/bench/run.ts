/**
 * The store's benchmarks, on the built packages, each beside its peer in the same run:
 *
 * - `store.sync.vs_retrieve_many`: syncing 20,000 completions from the local server into a new SQLite store, over a
 *   bare `retrieveMany` of the same ids (target: at most 1.3x).
 * - `store.report.200k_s`, `store.report.200k_peak_rss_mb`: the built CLI's `report --database` over a SQLite store
 *   of 200,000 completions seeded directly (targets: under 60 s, under 300 MB), and `store.report.vs_row_scan`, over
 *   a bare loop that reads the same rows with better-sqlite3 and `JSON.parse`s them (target: at most 2x).
 * - `store.rollup.vs_fold`: the SQL cost rollups the report runs (by model, provider and day) over the same store,
 *   against `Cost.summarize` folding the same completions held in memory.
 *
 * Run with `pnpm bench` from packages/store, after `pnpm build` at the root. `STORE_BENCH_SYNC` and
 * `STORE_BENCH_REPORT` change the sizes.
 */
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Cost } from "@objectiveai-effect/analysis"
import { ObjectiveAiClient } from "@objectiveai-effect/client"
import type { ChatCompletion } from "@objectiveai-effect/domain"
import { ObjectiveAiServer, SampleData } from "@objectiveai-effect/server"
import { CompletionStore, Database, Sync } from "@objectiveai-effect/store"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Stream from "effect/Stream"
import { spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"

const syncCount = Number(process.env.STORE_BENCH_SYNC ?? 20_000)
const reportCount = Number(process.env.STORE_BENCH_REPORT ?? 200_000)
const apiKey = "bench-key"
const concurrency = 16
const packageDir = fileURLToPath(new URL("..", import.meta.url))
const cliBin = fileURLToPath(new URL("../../cli/dist/bin.js", import.meta.url))
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "objectiveai-store-bench-"))

const print = (name: string, value: number, unit: string) =>
  Effect.sync(() =>
    console.log(unit === "x" ? `${name}: ${value.toFixed(2)}x` : `${name}: ${value.toFixed(2)} ${unit}`)
  )

const timed = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.gen(function*() {
    const start = performance.now()
    const value = yield* effect
    return [value, (performance.now() - start) / 1000] as const
  })

const openStore = (filename: string) =>
  Effect.map(
    Layer.build(CompletionStore.layer(Database.Location.Sqlite({ filename }))),
    Context.get(CompletionStore.CompletionStore)
  )

const syncBench = Effect.gen(function*() {
  const completions = Array.from(SampleData.generate({ count: syncCount, seed: "store-bench" }))
  const { url } = yield* Layer.build(ObjectiveAiServer.layer({ completions, apiKeys: [apiKey] })).pipe(
    Effect.map(Context.get(ObjectiveAiServer.ObjectiveAiServer))
  )
  const client = yield* Layer.build(
    ObjectiveAiClient.layer({ apiKey: Redacted.make(apiKey), baseUrl: url }).pipe(
      Layer.provide(NodeHttpClient.layerUndici)
    )
  ).pipe(Effect.map(Context.get(ObjectiveAiClient.ObjectiveAiClient)))
  const ids = Array.from(yield* Stream.runCollect(Stream.map(client.list(), (item) => item.id)))
  // Warm both paths (connections, JIT) before either is timed.
  yield* Stream.runDrain(client.retrieveMany(ids.slice(0, 500), { concurrency }))
  const [, bare] = yield* timed(Stream.runDrain(client.retrieveMany(ids, { concurrency, unordered: true })))
  const store = yield* openStore(path.join(dir, "sync.sqlite"))
  const [summary, synced] = yield* timed(
    Sync.sync({ concurrency }).pipe(
      Effect.provideService(CompletionStore.CompletionStore, store),
      Effect.provideService(ObjectiveAiClient.ObjectiveAiClient, client)
    )
  )
  if (summary.stored !== syncCount) return yield* Effect.dieMessage(`synced ${summary.stored} of ${syncCount}`)
  yield* print("store.retrieve_many.20k_s", bare, "s")
  yield* print("store.sync.20k_s", synced, "s")
  yield* print("store.sync.vs_retrieve_many", synced / bare, "x")
})

/** Runs a command under GNU time: its wall time and peak resident set. */
const measure = (command: ReadonlyArray<string>, cwd: string) => {
  const result = spawnSync("/usr/bin/time", ["-v", ...command], {
    cwd,
    encoding: "utf8",
    maxBuffer: 1024 * 1024 * 1024,
    stdio: ["ignore", "ignore", "pipe"]
  })
  if (result.status !== 0) throw new Error(`${command.join(" ")} failed: ${result.stderr}`)
  const rssKb = Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(result.stderr)?.[1])
  const wall = /Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (?:(\d+):)?(\d+):([\d.]+)/.exec(result.stderr)!
  const seconds = Number(wall[1] ?? 0) * 3600 + Number(wall[2]) * 60 + Number(wall[3])
  return { seconds, rssMb: rssKb / 1024 }
}

const rowScan = `
const Database = require("better-sqlite3")
const db = new Database(process.argv[1], { readonly: true })
let rows = 0
for (const row of db.prepare("SELECT body FROM objectiveai_completions").iterate()) {
  JSON.parse(row.body)
  rows++
}
if (rows === 0) process.exit(1)
`

const reportBench = Effect.gen(function*() {
  const file = path.join(dir, "report.sqlite")
  const seeded = yield* Effect.scoped(Effect.gen(function*() {
    const store = yield* openStore(file)
    const [, seconds] = yield* timed(
      Stream.fromIterable(SampleData.generate({ count: reportCount, seed: "store-report-bench" })).pipe(
        Stream.grouped(1000),
        Stream.runForEach((chunk) => store.put(Array.from(chunk)))
      )
    )
    return seconds
  }))
  yield* print("store.seed.200k_s", seeded, "s")

  const report = measure([process.execPath, cliBin, "report", "--database", file, "--format", "json"], packageDir)
  const scan = measure([process.execPath, "-e", rowScan, file], packageDir)
  yield* print("store.report.200k_s", report.seconds, "s")
  yield* print("store.report.200k_peak_rss_mb", report.rssMb, "MB")
  yield* print("store.row_scan.200k_s", scan.seconds, "s")
  yield* print("store.report.vs_row_scan", report.seconds / scan.seconds, "x")

  yield* Effect.scoped(Effect.gen(function*() {
    const store = yield* openStore(file)
    const dimensions = ["model", "provider", "day"] as const
    const [, sql] = yield* timed(Effect.forEach(dimensions, (by) => store.rollup({ by })))
    // The fold's input held in memory: the fields `Cost.summarize` reads of each completion.
    const completions: Array<ChatCompletion.ChatCompletion> = []
    yield* Stream.runForEach(store.stream(), ({ response }) =>
      Effect.sync(() => {
        completions.push(
          { ...response, choices: [] }
        )
      }))
    const [, fold] = yield* timed(
      Effect.sync(() => dimensions.map((by) => Cost.summarize(completions, { by })))
    )
    yield* print("store.rollup.200k_s", sql, "s")
    yield* print("store.fold.200k_s", fold, "s")
    yield* print("store.rollup.vs_fold", sql / fold, "x")
  }))
})

Effect.gen(function*() {
  yield* Effect.scoped(syncBench)
  yield* reportBench
}).pipe(
  Effect.ensuring(Effect.sync(() => fs.rmSync(dir, { recursive: true, force: true }))),
  NodeRuntime.runMain
)
