/**
 * The span benchmark's servers, in a child process so that their work does not share the client's event loop: the
 * local ObjectiveAI server (`@objectiveai-effect/server`, its deterministic model answering every create) and an
 * OTLP/HTTP sink that reads each export and answers 200, counting the requests. The parent reads their URLs from the
 * first IPC message (with the key the server accepts) and `"stats"` for the sink's count. Run it, never import it.
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { ObjectiveAiServer } from "@objectiveai-effect/server"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as http from "node:http"
import type { AddressInfo } from "node:net"

const apiKey = "sk-bench-span"

export interface Ready {
  readonly apiKey: string
  readonly apiUrl: string
  readonly otlpUrl: string
}

let exports = 0
let exportedBytes = 0
const sink = http.createServer((request, response) => {
  exports++
  request.on("data", (part: Buffer) => (exportedBytes += part.length))
  request.on("end", () => {
    response.writeHead(200, { "content-type": "application/x-protobuf" })
    response.end()
  })
})

process.on("message", (command: "stats") => {
  if (command === "stats") process.send?.({ exports, exportedBytes })
})
process.on("disconnect", () => process.exit(0))

Effect.gen(function*() {
  const { url } = yield* ObjectiveAiServer.ObjectiveAiServer
  yield* Effect.async<void>((resume) => {
    sink.listen(0, "127.0.0.1", () => resume(Effect.void))
  })
  const otlpUrl = `http://127.0.0.1:${(sink.address() as AddressInfo).port}`
  process.send?.({ apiKey, apiUrl: url, otlpUrl } satisfies Ready)
  return yield* Effect.never
}).pipe(
  Effect.provide(ObjectiveAiServer.layer({ apiKeys: [apiKey], seed: "span-bench" }).pipe(Layer.orDie)),
  NodeRuntime.runMain
)
