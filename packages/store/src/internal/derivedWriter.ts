/**
 * The store's write path below `put`: rows already derived (by the import's worker threads) written as `put` writes
 * a completion's. It is kept beside the service `CompletionStore.make` built, rather than on it, so that the service
 * keeps one public way in, `put`.
 */
import type * as Effect from "effect/Effect"
import type * as StoreError from "../StoreError.js"
import type { Derived } from "./row.js"

/** Stores the rows of completions not stored yet, as `put` does; the ids this call stored. */
export type PutDerived = (
  derived: ReadonlyArray<Derived>
) => Effect.Effect<ReadonlyArray<string>, StoreError.StoreError>

const writers = new WeakMap<object, PutDerived>()

/** Keeps a store's writer of derived rows. */
export const register = <S extends object>(store: S, putDerived: PutDerived): S => {
  writers.set(store, putDerived)
  return store
}

/** A store's writer of derived rows, when the store is one `CompletionStore.make` built. */
export const get = (store: object): PutDerived | undefined => writers.get(store)
