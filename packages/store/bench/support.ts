/**
 * What the store's benchmark and the ingest package's share, on the built packages: the `name: value unit` line, a
 * timer, and a store on a SQLite file. The ingest package's benchmark imports it, as its package builds on the store.
 */
import { CompletionStore, Database } from "@objectiveai-effect/store"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"

/** Prints one figure as `name: value unit`, a ratio (`unit` "x") as `name: 1.23x`. */
export const print = (name: string, value: number, unit: string) =>
  Effect.sync(() =>
    console.log(unit === "x" ? `${name}: ${value.toFixed(2)}x` : `${name}: ${value.toFixed(2)} ${unit}`)
  )

/** Runs `effect`, with the seconds it took. */
export const timed = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.gen(function*() {
    const start = performance.now()
    const value = yield* effect
    return [value, (performance.now() - start) / 1000] as const
  })

/** The store on a SQLite file, open until the scope closes. */
export const openStore = (filename: string) =>
  Effect.map(
    Layer.build(CompletionStore.layer(Database.Location.Sqlite({ filename }))),
    Context.get(CompletionStore.CompletionStore)
  )
