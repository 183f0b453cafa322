/**
 * The ingest package's benchmark, on the built packages: `store.sync.vs_retrieve_many`, syncing 20,000 completions
 * from the local server into a new SQLite store, over a bare `retrieveMany` of the same ids in the same run (target:
 * at most 1.3x). Run with `pnpm bench` from packages/ingest, after `pnpm build` at the root; `STORE_BENCH_SYNC`
 * changes the size.
 */
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { ObjectiveAiClient } from "@objectiveai-effect/client"
import { Sync } from "@objectiveai-effect/ingest"
import { ObjectiveAiServer, SampleData } from "@objectiveai-effect/server"
import { CompletionStore } from "@objectiveai-effect/store"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Stream from "effect/Stream"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { openStore, print, timed } from "../../store/bench/support.js"

const syncCount = Number(process.env.STORE_BENCH_SYNC ?? 20_000)
const apiKey = "bench-key"
const concurrency = 16
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "objectiveai-ingest-bench-"))

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

Effect.scoped(syncBench).pipe(
  Effect.ensuring(Effect.sync(() => fs.rmSync(dir, { recursive: true, force: true }))),
  NodeRuntime.runMain
)
