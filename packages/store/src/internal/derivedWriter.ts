/**
 * The store's write paths below `put` and `putCalls`: rows already derived (by the import's worker threads, by
 * capture's writer thread as it decodes each call) written as `put` and `putCalls` write them. They are kept beside the
 * service `CompletionStore.make` built, rather than on it, so that the service keeps its public ways in.
 */
import type * as Effect from "effect/Effect"
import type * as StoreError from "../StoreError.js"
import type { CapturedRow } from "./capturedRow.js"
import type { Derived } from "./row.js"

/** Stores the rows of completions not stored yet, as `put` does; the ids this call stored. */
export type PutDerived = (
  derived: ReadonlyArray<Derived>
) => Effect.Effect<ReadonlyArray<string>, StoreError.StoreError>

/** Stores the rows of captured calls not stored yet, as `putCalls` does. */
export type PutCapturedRows = (rows: ReadonlyArray<CapturedRow>) => Effect.Effect<void, StoreError.StoreError>

/** A store's writers of derived rows. */
export interface Writers {
  readonly putDerived: PutDerived
  readonly putCapturedRows: PutCapturedRows
  /**
   * Copies what the write-ahead log holds into the database file, without waiting for readers or writers (SQLite's
   * passive checkpoint); nothing on PostgreSQL. For a writer to run while it is idle, rather than leave SQLite to run
   * it inside the commit of whichever batch takes the log past 1,000 pages.
   */
  readonly checkpoint: Effect.Effect<void, StoreError.StoreError>
}

const writers = new WeakMap<object, Writers>()

/** Keeps a store's writers of derived rows. */
export const register = <S extends object>(store: S, of: Writers): S => {
  writers.set(store, of)
  return store
}

/** A store's writers of derived rows, when the store is one `CompletionStore.make` built. */
export const get = (store: object): Writers | undefined => writers.get(store)
