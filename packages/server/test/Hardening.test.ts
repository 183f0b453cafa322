import { describe, expect, layer } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as net from "node:net"
import { ObjectiveAiServer, SampleData } from "../src/index.js"
import { apiKey, body, chatRequest, declaredError, request, requestIdPattern } from "./support.js"

const maxBodySize = 1024 * 1024
const headersTimeout = 500
const requestTimeout = 1000

/** What came back on a raw connection before the server closed it. */
interface RawReply {
  readonly status: number
  readonly headers: string
  readonly body: unknown
}

const parseReply = (text: string): RawReply => {
  const [head = "", rest = ""] = text.split("\r\n\r\n", 2) as [string?, string?]
  return {
    status: Number(head.split(" ")[1]),
    headers: head.toLowerCase(),
    body: rest === "" ? undefined : JSON.parse(rest)
  }
}

/**
 * Opens a raw connection, lets `talk` write to it (it may keep writing until the server answers), and reads until
 * the server closes the connection.
 */
const raw = (talk: (socket: net.Socket, answered: () => boolean) => void) =>
  Effect.flatMap(ObjectiveAiServer.ObjectiveAiServer, ({ port }) =>
    Effect.async<RawReply>((resume) => {
      const socket = net.connect(port, "127.0.0.1")
      let received = ""
      socket.setEncoding("utf8")
      socket.on("data", (data: string) => received += data)
      // The server may close while the client still writes: the reply read so far is what counts.
      socket.on("error", () => {})
      socket.on("close", () => resume(Effect.succeed(parseReply(received))))
      socket.on("connect", () => talk(socket, () => received.length > 0))
      return Effect.sync(() => socket.destroy())
    }))

const expectErrorBody = (reply: RawReply, status: number) => {
  expect(reply.status).toBe(status)
  expect(reply.headers).toContain("content-type: application/json")
  expect(reply.headers).toMatch(/x-request-id: req_[0-9a-f]{32}/)
  expect(reply.body).toEqual({ code: status, message: expect.any(String) })
  expect(declaredError(reply.body).code).toBe(status)
}

/** The server still answers an ordinary request. */
const stillAnswers = Effect.gen(function*() {
  const reply = yield* request("/chat/completions?count=1")
  expect(reply.status).toBe(200)
  expect(reply.headers.get("x-request-id")).toMatch(requestIdPattern)
  expect((body(reply) as { data: Array<unknown> }).data).toHaveLength(1)
})

const postHead = (extra: string) =>
  `POST /chat/completions HTTP/1.1\r\nhost: localhost\r\nauthorization: Bearer ${apiKey}\r\n`
  + `content-type: application/json\r\n${extra}\r\n`

describe("a server under bad input", () => {
  layer(ObjectiveAiServer.layer({
    apiKeys: [apiKey],
    completions: SampleData.generate({ seed: 2, count: 2 }),
    maxBodySize,
    headersTimeout,
    requestTimeout
  }))("", (it) => {
    it.effect("refuses a declared 300 MB body with 413 and the error body, having read almost none of it", () =>
      Effect.gen(function*() {
        let sent = 0
        const reply = yield* raw((socket, answered) => {
          socket.write(postHead(`content-length: ${300 * 1024 * 1024}\r\n`))
          const chunk = Buffer.alloc(64 * 1024, 32)
          // Keeps sending until the answer comes: it must come long before 300 MB have gone.
          const pump = () => {
            if (answered() || socket.destroyed || sent > 64 * 1024 * 1024) return
            sent += chunk.length
            if (socket.write(chunk)) setImmediate(pump)
            else socket.once("drain", pump)
          }
          pump()
        })
        expectErrorBody(reply, 413)
        expect(reply.body).toMatchObject({ message: expect.stringContaining(String(maxBodySize)) })
        expect(sent).toBeLessThan(64 * 1024 * 1024)
        yield* stillAnswers
      }))

    it.effect("refuses a chunked body with 413 once it passes the limit", () =>
      Effect.gen(function*() {
        let sent = 0
        const reply = yield* raw((socket, answered) => {
          socket.write(postHead("transfer-encoding: chunked\r\n"))
          const piece = Buffer.alloc(64 * 1024, 32)
          const pump = () => {
            if (answered() || socket.destroyed || sent > 16 * maxBodySize) return
            sent += piece.length
            socket.write(`${piece.length.toString(16)}\r\n`)
            socket.write(piece)
            if (socket.write("\r\n")) setImmediate(pump)
            else socket.once("drain", pump)
          }
          pump()
        })
        expectErrorBody(reply, 413)
        expect(sent).toBeGreaterThan(maxBodySize)
        expect(sent).toBeLessThan(16 * maxBodySize)
        yield* stillAnswers
      }))

    it.effect("creates from a body just within the limit", () =>
      Effect.gen(function*() {
        const padded = {
          ...chatRequest,
          messages: [...chatRequest.messages, { role: "user", content: "x".repeat(maxBodySize - 4096) }]
        }
        const reply = yield* request("/chat/completions", { body: padded })
        expect(reply.status, reply.text).toBe(200)
      }))

    it.effect("answers headers that never finish with 408 and the error body, and closes the connection", () =>
      Effect.gen(function*() {
        const reply = yield* raw((socket) => socket.write("GET /chat/completions HTTP/1.1\r\nhost: localhost\r\n"))
        expectErrorBody(reply, 408)
        yield* stillAnswers
      }))

    it.effect("answers headers over Node's limit with 431 and the error body, and closes the connection", () =>
      Effect.gen(function*() {
        const reply = yield* raw((socket) =>
          socket.write(
            `GET /chat/completions HTTP/1.1\r\nhost: localhost\r\nx-padding: ${"x".repeat(64 * 1024)}\r\n\r\n`
          )
        )
        expectErrorBody(reply, 431)
        yield* stillAnswers
      }))

    it.effect("answers a body that stops arriving with 408 and the error body", () =>
      Effect.gen(function*() {
        const reply = yield* raw((socket) => socket.write(`${postHead("content-length: 1000\r\n")}{"model":`))
        expectErrorBody(reply, 408)
        yield* stillAnswers
      }))

    it.effect(
      "keeps answering with 300 idle connections open, and closes them after the headers timeout",
      () =>
        Effect.gen(function*() {
          const { port } = yield* ObjectiveAiServer.ObjectiveAiServer
          const sockets = Array.from(
            { length: 300 },
            () => net.connect(port, "127.0.0.1").on("error", () => {}).resume()
          )
          const closed = sockets.map((socket) => new Promise<void>((resolve) => socket.on("close", () => resolve())))
          yield* Effect.promise(() =>
            Promise.all(sockets.map((socket) => new Promise((resolve) => socket.on("connect", resolve))))
          )
          yield* stillAnswers
          // Each idle connection is closed by the server, not by this test.
          yield* Effect.promise(() => Promise.all(closed))
          yield* stillAnswers
        }),
      { timeout: 20 * headersTimeout }
    )
  })
})
