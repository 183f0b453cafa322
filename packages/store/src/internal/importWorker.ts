/**
 * The import's worker thread: it decodes batches of lines and derives their rows (`lineDecoder.ts`) while the main
 * thread writes earlier batches (see `workerPool.ts`). A batch is `{ id, texts }`; the answer `{ id, lines }`.
 */
import { parentPort } from "node:worker_threads"
import { decodeTexts } from "./lineDecoder.js"

parentPort?.on("message", ({ id, texts }: { readonly id: number; readonly texts: ReadonlyArray<string> }) => {
  parentPort!.postMessage({ id, lines: decodeTexts(texts) })
})
