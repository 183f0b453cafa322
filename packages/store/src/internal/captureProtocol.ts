/**
 * What the store's writer thread (`captureWorker.ts`) and `CallWriter` exchange, as structured-clone data: the
 * database in `workerData` (its location in plain text: a `Redacted` does not cross threads), a batch in (captured
 * calls, or completions to `put` as their JSON texts), and the ids it stored or the store's error, encoded, out.
 */
import * as Either from "effect/Either"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import type * as CompletionStore from "../CompletionStore.js"
import * as Database from "../Database.js"
import * as StoreError from "../StoreError.js"
import * as Body from "./body.js"

/** The writer thread's nice value on Linux, where it can have its own (see `captureWorker.ts`). */
export const writerNice = 10

/**
 * The pages of the write-ahead log not yet in the database file at which the writer thread copies them once it is idle
 * (see `captureWorker.ts`): below SQLite's own 1,000, at which the commit that passes them copies them.
 */
export const checkpointFrames = 700

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

/**
 * A captured call as it crosses to the worker: a call with the JSON texts of its request and completion goes without
 * their objects, rebuilt by the worker from the texts, since copying an object graph to another thread (a structured
 * clone) cost the application's thread several times what copying its text does.
 */
export type WireCall =
  | CompletionStore.CapturedCall
  | Omit<CompletionStore.CapturedCall, "request" | "completion"> & {
    readonly request: undefined
    readonly completion: undefined
    readonly requestJson: string
    readonly completionJson: string
  }

/**
 * A batch: captured calls for `putCalls`, or completions for `put` as the texts they are stored as (a string crosses
 * threads far cheaper than an object graph).
 */
export type WriteInput =
  | { readonly _tag: "Calls"; readonly calls: ReadonlyArray<WireCall> }
  | { readonly _tag: "Put"; readonly bodies: ReadonlyArray<{ readonly id: string; readonly text: string }> }

/** A call as it crosses: without the objects its texts stand for. */
export const toWire = (call: CompletionStore.CapturedCall): WireCall =>
  call.completion === undefined || call.requestJson === undefined || call.completionJson === undefined
    ? call
    : {
      ...call,
      request: undefined,
      completion: undefined,
      requestJson: call.requestJson,
      completionJson: call.completionJson
    }

/** A call that crossed, its objects decoded from its texts; the reason in one line when they do not decode. */
export const fromWire = (call: WireCall): Either.Either<CompletionStore.CapturedCall, string> =>
  call.request !== undefined
    ? Either.right(call)
    : Either.map(
      Body.decodeTexts(call.requestJson, call.completionJson),
      (stored) => ({ ...call, request: stored.request, completion: stored.response })
    )

const Written = Schema.Either({
  right: Schema.Array(Schema.String),
  left: StoreError.StoreError
})

/** A batch's answer. */
export type WriteOutput = typeof Written.Encoded

/** The answer of a batch from the ids it stored (none for calls), or the store's error. */
export const encodeWritten = Schema.encodeSync(Written)

/** The ids a batch stored, or the store's error, from its answer. */
export const decodeWritten = Schema.decodeSync(Written)
