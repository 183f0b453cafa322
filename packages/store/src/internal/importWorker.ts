/**
 * The import's worker thread: it reads and decodes ranges of a file's lines and derives their rows (`lineDecoder.ts`)
 * while the main thread writes earlier ones (see `workerPool.ts`). A task's input is a file's `Range` of bytes; its
 * output the range's `DecodedChunk`.
 */
import { parentPort } from "node:worker_threads"
import { decodeRange, type Range } from "./lineDecoder.js"

// No error made here is ever shown with its stack: a bad line goes back as its reason, in one line. Many sample
// completions have a tool-call problem, each an error of the analysis package, and building those errors (their
// stacks, mostly) took 107 ms of the worker's 9.5 s in a profile of 20,000 sample completions.
Error.stackTraceLimit = 0

parentPort?.on("message", ({ id, input }: { readonly id: number; readonly input: Range }) => {
  parentPort!.postMessage({ id, output: decodeRange(input) })
})
