/**
 * The benchmarks' server, run as a child process so that its work does not share the clients' event loop. It
 * answers `GET /chat/completions/{id}` with a realistic stored completion (48 content tokens with logprobs and five
 * alternatives each; `BENCH_TOKENS` sets another count) and, when told, injects transient faults into a share of the
 * answers. The parent talks to it
 * over IPC: `{ faultRate }` to set the fault share, `"stats"` for the counts.
 */
import { Json } from "@objectiveai-effect/domain"
import * as http from "node:http"
import type { AddressInfo, Socket } from "node:net"
import { stored } from "../test/support/fixtures.js"

export interface Stats {
  readonly requests: number
  readonly faults: Readonly<Record<string, number>>
  readonly openConnections: number
}

export type Command = { readonly faultRate: number } | "stats" | "reset-stats"

// Every answer has the same shape and size; only the id differs, so the text is built once around a placeholder.
const template = Json.stringify(stored("__ID__", Number(process.env.BENCH_TOKENS ?? 48), 42))
const [head, tail] = template.split("__ID__")

let faultRate = 0
let requests = 0
let faults: Record<string, number> = {}
const sockets = new Set<Socket>()

const fault = (request: http.IncomingMessage, response: http.ServerResponse): boolean => {
  if (Math.random() >= faultRate) return false
  const pick = Math.random()
  const kind = pick < 0.35 ? "429" : pick < 0.5 ? "500" : pick < 0.65 ? "502" : pick < 0.8 ? "503" : "reset"
  faults[kind] = (faults[kind] ?? 0) + 1
  if (kind === "reset") {
    request.socket.resetAndDestroy()
    return true
  }
  const body = `{"code":${kind},"message":"injected"}`
  const headers: http.OutgoingHttpHeaders = { "content-type": "application/json", "content-length": body.length }
  // A Retry-After of 0 or 1 s, as whole seconds, as the header allows.
  if (kind === "429") headers["retry-after"] = String(Math.round(Math.random()))
  response.writeHead(Number(kind), headers)
  response.end(body)
  return true
}

const server = http.createServer((request, response) => {
  requests++
  request.resume()
  request.on("end", () => {
    if (fault(request, response)) return
    const id = decodeURIComponent(request.url?.split("/").pop() ?? "")
    const body = head + id + tail
    response.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(body) })
    response.end(body)
  })
})
server.keepAliveTimeout = 60_000
server.on("connection", (socket) => {
  sockets.add(socket)
  socket.on("close", () => sockets.delete(socket))
})

process.on("message", (command: Command) => {
  if (command === "stats") {
    process.send?.({ requests, faults, openConnections: sockets.size } satisfies Stats)
  } else if (command === "reset-stats") {
    requests = 0
    faults = {}
    process.send?.("ok")
  } else {
    faultRate = command.faultRate
    process.send?.("ok")
  }
})
process.on("disconnect", () => process.exit(0))

server.listen(0, "127.0.0.1", () => {
  process.send?.({ port: (server.address() as AddressInfo).port, bodyBytes: Buffer.byteLength(template) })
})
