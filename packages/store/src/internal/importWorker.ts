/**
 * The import's worker thread: it reads and decodes chunks of a file's lines and derives their rows (`lineDecoder.ts`)
 * while the main thread writes earlier ones (see `workerPool.ts`). A request is `{ id, range }` (a file's `Range` of bytes);
 * the answer `{ id, chunk }`.
 */
import { parentPort } from "node:worker_threads"
import { decodeRange, type Range } from "./lineDecoder.js"

parentPort?.on("message", ({ id, range }: { readonly id: number; readonly range: Range }) => {
  parentPort!.postMessage({ id, chunk: decodeRange(range) })
})
