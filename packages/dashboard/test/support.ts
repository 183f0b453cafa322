/**
 * A store of the sample data set for the dashboard's tests: the committed sample completions stored through `put`
 * into a SQLite file of its own, removed when the scope closes.
 */
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as FileSystem from "@effect/platform/FileSystem"
import { SampleData } from "@objectiveai-effect/server"
import { CompletionStore, Database } from "@objectiveai-effect/store"
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
