/**
 * The import's worker thread: it decodes chunks of a file's lines and derives their rows (`lineDecoder.ts`) while the
 * main thread writes earlier ones (see `workerPool.ts`). A request is `{ id, bytes, first }`; the answer
 * `{ id, chunk }`.
 */
import { parentPort } from "node:worker_threads"
import { decodeChunk } from "./lineDecoder.js"

parentPort?.on(
  "message",
  ({ bytes, first, id }: { readonly id: number; readonly bytes: Uint8Array; readonly first: boolean }) => {
    parentPort!.postMessage({ id, chunk: decodeChunk(bytes, first) })
  }
)
