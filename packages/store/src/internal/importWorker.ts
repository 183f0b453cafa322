/**
 * The import's worker thread: it decodes batches of lines and derives their rows (`lineDecoder.ts`) while the main
 * thread writes earlier batches (see `workerPool.ts`). A batch's texts are the input; the answer its lines.
 */
import { parentPort } from "node:worker_threads"
import { decodeTexts } from "./lineDecoder.js"

parentPort?.on("message", ({ id, input }: { readonly id: number; readonly input: ReadonlyArray<string> }) => {
  parentPort!.postMessage({ id, output: decodeTexts(input) })
})
