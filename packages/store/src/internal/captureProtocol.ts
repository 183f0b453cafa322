/**
 * What capture's writer thread (`captureWorker.ts`) and `CallWriter` exchange, as structured-clone data: the
 * database in `workerData` (its location in plain text: a `Redacted` does not cross threads), a batch of captured
 * calls in, and whether it was written or the store's error, encoded, out.
 */
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import type * as CompletionStore from "../CompletionStore.js"
import * as Database from "../Database.js"
import * as StoreError from "../StoreError.js"

/** The worker's `workerData`. */
export interface CaptureWorkerData {
  readonly _tag: Database.Location["_tag"]
  readonly location: string
}

/** The data of a database's location. */
export const workerDataOf = (location: Database.Location): CaptureWorkerData =>
  location._tag === "Sqlite"
    ? { _tag: "Sqlite", location: location.filename }
    : { _tag: "Postgres", location: Redacted.value(location.url) }

/** The location of the worker's data. */
export const locationOf = (data: CaptureWorkerData): Database.Location =>
  data._tag === "Sqlite"
    ? Database.Location.Sqlite({ filename: data.location })
    : Database.Location.Postgres({ url: Redacted.make(data.location) })

/** A batch. */
export type WriteInput = ReadonlyArray<CompletionStore.CapturedCall>

const Written = Schema.Either({
  right: Schema.Void,
  left: StoreError.StoreError
})

/** A batch's answer. */
export type WriteOutput = typeof Written.Encoded

/** The answer of a batch from whether it was written. */
export const encodeWritten = Schema.encodeSync(Written)

/** Whether a batch was written, from its answer. */
export const decodeWritten = Schema.decodeSync(Written)
