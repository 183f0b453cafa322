/**
 * A store of the sample data set for the dashboard's tests: the committed sample completions stored through `put`
 * into a SQLite file of its own, removed when the scope closes.
 */
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as FileSystem from "@effect/platform/FileSystem"
import { SampleData } from "@objectiveai-effect/server"
import { CompletionStore, Database } from "@objectiveai-effect/store"
import { capturedCall } from "@objectiveai-effect/testing/CapturedCalls"
import * as Effect from "effect/Effect"
import * as path from "node:path"

/** The sample completions the tests store. */
export const sample = Array.from(SampleData.generate())

/** A new SQLite store file holding {@link sample}, and its path. */
export const sampleStore = Effect.gen(function*() {
  const fs = yield* FileSystem.FileSystem
  const dir = yield* fs.makeTempDirectoryScoped({ prefix: "objectiveai-dashboard-" })
  const filename = path.join(dir, "completions.sqlite")
  yield* Effect.flatMap(CompletionStore.CompletionStore, (store) => store.put(sample)).pipe(
    Effect.provide(CompletionStore.layer(Database.Location.Sqlite({ filename })))
  )
  return filename
}).pipe(Effect.provide(NodeFileSystem.layer))

/** The tag of the `i`th sample completion's captured call: a third are `search`, the rest `chat`. */
export const featureOf = (i: number): string => i % 3 === 0 ? "search" : "chat"

/** The failed calls {@link taggedStore} captures: tagged `search`, of the first sample completion's model. */
export const failedSearches = 3

/**
 * A new SQLite store file holding {@link sample} as captured calls tagged by {@link featureOf}, beside
 * {@link failedSearches} calls that failed, and its path.
 */
export const taggedStore = Effect.gen(function*() {
  const fs = yield* FileSystem.FileSystem
  const dir = yield* fs.makeTempDirectoryScoped({ prefix: "objectiveai-dashboard-" })
  const filename = path.join(dir, "completions.sqlite")
  const calls: Array<CompletionStore.CapturedCall> = [
    ...sample.map((stored, i) => ({
      ...capturedCall(`call-${i}`, { startedAt: stored.response.created * 1000, request: stored.request }),
      completion: stored.response,
      tags: { feature: featureOf(i) }
    })),
    ...Array.from({ length: failedSearches }, (_, i) => ({
      ...capturedCall(`failed-${i}`, { startedAt: sample[0].response.created * 1000, request: sample[0].request }),
      outcome: "RateLimitedError",
      status: 429,
      tags: { feature: "search" }
    }))
  ]
  yield* Effect.flatMap(CompletionStore.CompletionStore, (store) => store.putCalls(calls)).pipe(
    Effect.provide(CompletionStore.layer(Database.Location.Sqlite({ filename })))
  )
  return filename
}).pipe(Effect.provide(NodeFileSystem.layer))
