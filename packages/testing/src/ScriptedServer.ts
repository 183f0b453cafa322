/**
 * A real HTTP server on 127.0.0.1 (port 0) that answers each request as a script says, records every request it
 * sees, and reports the requests it leaves hanging so that a test can move its clock past the client's timeout.
 */
import { Json } from "@objectiveai-effect/domain"
import * as Effect from "effect/Effect"
import * as Queue from "effect/Queue"
import type * as Scope from "effect/Scope"
import * as http from "node:http"
import type { AddressInfo, Socket } from "node:net"

export interface Recorded {
  readonly method: string
  readonly url: string
  readonly headers: http.IncomingHttpHeaders
  readonly body: string
}

/** What the server does with one request. */
export type Reply = (response: http.ServerResponse, request: http.IncomingMessage) => void

/** Picks the reply to the `index`-th request (from 0). */
export type Script = (request: Recorded, index: number) => Reply

export interface ScriptedServer {
  readonly url: string
  readonly port: number
  readonly requests: ReadonlyArray<Recorded>
  /** One element per request answered with {@link hang} or {@link stallMidBody}. */
  readonly hung: Queue.Dequeue<Recorded>
  /** Whether the connection that carried the `index`-th request (from 0) has closed. */
  readonly connectionClosed: (index: number) => boolean
  /** Waits (up to 5 s of real time, else dies) for the connection that carried the `index`-th request to close. */
  readonly awaitClosed: (index: number) => Effect.Effect<void>
}

/** A complete answer: `body` is sent as is when it is a string, else written with the lossless `Json.stringify`. */
export const json = (status: number, body: unknown, headers: http.OutgoingHttpHeaders = {}): Reply => (response) => {
  const text = typeof body === "string" ? body : Json.stringify(body)
  response.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text),
    ...headers
  })
  response.end(text)
}

/** A complete answer sent chunked, in two writes, without a `content-length`. */
export const chunked = (status: number, body: unknown): Reply => (response) => {
  const text = typeof body === "string" ? body : Json.stringify(body)
  response.writeHead(status, { "content-type": "application/json" })
  response.write(text.slice(0, text.length >> 1))
  response.end(text.slice(text.length >> 1))
}

// Replies that leave the request hanging, for the harness to move its clock past the client's timeout.
const hanging = new WeakSet<Reply>()

/** Never answers: the headers never arrive. */
export const hang: Reply = () => {}
hanging.add(hang)

/** Resets the connection (TCP RST) before any byte of the answer. */
export const reset: Reply = (_response, request) => {
  request.socket.resetAndDestroy()
}

// Half the body goes out and reaches the client before the connection is cut, so that the client has seen the
// headers: the failure is in the middle of the body, not before it.
const cutMidBody = (body: unknown, cut: (request: http.IncomingMessage) => void): Reply => (response, request) => {
  const text = typeof body === "string" ? body : Json.stringify(body)
  response.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(text) })
  response.write(text.slice(0, text.length >> 1), () => setTimeout(() => cut(request), 20))
}

/** Sends the headers and half the body, then resets the connection. */
export const resetMidBody = (body: unknown): Reply => cutMidBody(body, (request) => request.socket.resetAndDestroy())

/** Sends the headers (with the full `content-length`) and half the body, then closes the connection cleanly. */
export const truncated = (body: unknown): Reply => cutMidBody(body, (request) => request.socket.end())

/** Sends the headers (with the full `content-length`) and half the body, then nothing more. */
export const stallMidBody = (body: unknown): Reply => {
  const reply = cutMidBody(body, () => {})
  hanging.add(reply)
  return reply
}

/**
 * Sends `size` bytes of body with `status`, declared in a `content-length` or chunked without one, as fast as the
 * client takes them, and stops when the connection closes; `sent()` is how many bytes went out.
 */
export const flood = (status: number, size: number, options: { readonly contentLength: boolean }) => {
  let sent = 0
  const piece = Buffer.alloc(64 * 1024, " ")
  const reply: Reply = (response, request) => {
    response.writeHead(status, {
      "content-type": "application/json",
      "x-request-id": "req-flood",
      ...(options.contentLength ? { "content-length": size } : {})
    })
    const pump = () => {
      while (sent < size && !request.socket.destroyed) {
        const bytes = piece.subarray(0, Math.min(piece.length, size - sent))
        sent += bytes.length
        if (!response.write(bytes)) return void response.once("drain", pump)
      }
      if (sent >= size) response.end()
    }
    pump()
  }
  return { reply, sent: () => sent }
}

/** The `i`-th request gets the `i`-th reply; requests past the end get the last. */
export const sequence = (...replies: ReadonlyArray<Reply>): Script => (_request, index) =>
  replies[Math.min(index, replies.length - 1)]

/** A port nothing listens on: connecting to it is refused. */
export const freePort: Effect.Effect<number> = Effect.async<number>((resume) => {
  const probe = http.createServer()
  probe.listen(0, "127.0.0.1", () => {
    const { port } = probe.address() as AddressInfo
    probe.close(() => resume(Effect.succeed(port)))
  })
})

/** Starts the server (on `port`, or any free one) for the scope's lifetime. */
export const make = (script: Script, port = 0): Effect.Effect<ScriptedServer, never, Scope.Scope> =>
  Effect.gen(function*() {
    const hung = yield* Queue.unbounded<Recorded>()
    const requests: Array<Recorded> = []
    const sockets: Array<Socket> = []
    const server = http.createServer((request, response) => {
      const chunks: Array<Buffer> = []
      request.on("data", (chunk: Buffer) => chunks.push(chunk))
      request.on("end", () => {
        const recorded: Recorded = {
          method: request.method ?? "",
          url: request.url ?? "",
          headers: request.headers,
          body: Buffer.concat(chunks).toString("utf8")
        }
        const reply = script(recorded, requests.length)
        requests.push(recorded)
        sockets.push(request.socket)
        if (hanging.has(reply)) Queue.unsafeOffer(hung, recorded)
        reply(response, request)
      })
    })
    yield* Effect.acquireRelease(
      Effect.async<void>((resume) => {
        server.listen(port, "127.0.0.1", () => resume(Effect.void))
      }),
      () =>
        Effect.async<void>((resume) => {
          server.closeAllConnections()
          server.close(() => resume(Effect.void))
        })
    )
    const address = server.address() as AddressInfo
    return {
      url: `http://127.0.0.1:${address.port}`,
      port: address.port,
      requests,
      hung,
      connectionClosed: (index) => sockets[index]?.closed === true,
      awaitClosed: (index) =>
        Effect.async<void>((resume) => {
          const socket = sockets[index]
          if (socket === undefined) return resume(Effect.dieMessage(`no request ${index} was made`))
          if (socket.closed) return resume(Effect.void)
          const timer = setTimeout(() => resume(Effect.dieMessage(`connection ${index} still open after 5 s`)), 5000)
          socket.once("close", () => {
            clearTimeout(timer)
            resume(Effect.void)
          })
        })
    }
  })

/**
 * A server to start on `port` part-way through a test (after a refused connection, say), and the servers it started,
 * so the test can count the requests each one saw.
 */
export const startLater = (script: Script, port: number) => {
  const started: Array<ScriptedServer> = []
  const start = Effect.map(make(script, port), (server) => {
    started.push(server)
  })
  return { started, start }
}
