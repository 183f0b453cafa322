import { createServer, type IncomingMessage, type Server, STATUS_CODES } from "node:http"
import type { Socket } from "node:net"
import type { Duplex } from "node:stream"
import * as Responses from "./responses.js"

/** The declared error for what Node refuses before a request reaches the app. */
const refusal = (
  error: Error & { readonly code?: string }
): { readonly status: Responses.ErrorStatus; readonly message: string } => {
  switch (error.code) {
    case "ERR_HTTP_REQUEST_TIMEOUT":
      return { status: 408, message: "the request was not sent in time" }
    case "HPE_HEADER_OVERFLOW":
      return { status: 431, message: "the request headers are too large" }
    default:
      return { status: 400, message: `malformed request: ${error.code ?? error.message}` }
  }
}

/** Connections that have carried a request: once answered, a later refusal has no one waiting for it. */
const carriedRequest = new WeakSet<Duplex>()

/**
 * Answers a client Node refuses (too slow, malformed) with the API's error body and closes its connection; Node's
 * own answer would carry no body. Nothing is written once a response has started, or after one was given.
 */
const answerClientError = (error: Error & { readonly code?: string }, socket: Duplex): void => {
  // `_httpMessage` is the response in flight on this socket, as Node's own handler checks it.
  const inFlight = (socket as Duplex & { readonly _httpMessage?: { readonly headersSent?: boolean } | null })
    ._httpMessage
  const waiting = inFlight == null ? !carriedRequest.has(socket) : inFlight.headersSent !== true
  if (error.code === "ECONNRESET" || !socket.writable || !waiting) {
    socket.destroy()
  } else {
    const { message, status } = refusal(error)
    const body = Responses.errorJson(status, message)
    socket.end(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\ncontent-type: application/json\r\ncontent-length: ${
        Buffer.byteLength(body)
      }\r\n${Responses.requestIdHeader}: ${Responses.requestId()}\r\nconnection: close\r\n\r\n${body}`
    )
  }
}

/**
 * A Node HTTP server that times out slow clients: headers must arrive within `headersTimeout` milliseconds (a
 * connection that sends nothing is closed after as long), the whole request within `requestTimeout`.
 */
export const make = (timeouts: { readonly headersTimeout: number; readonly requestTimeout: number }): Server => {
  const server = createServer({
    headersTimeout: timeouts.headersTimeout,
    requestTimeout: Math.max(timeouts.requestTimeout, timeouts.headersTimeout),
    // How often Node looks for expired requests; its default of 30 s would let a short timeout run far over.
    connectionsCheckingInterval: Math.max(50, Math.min(1000, Math.floor(timeouts.headersTimeout / 4)))
  })
  server.on("clientError", answerClientError)
  // Node's headers timeout starts with a request's first byte: a connection that sends nothing is closed here
  // instead (after Node had its chance to answer a request begun too slowly), so idle connections cannot pile up.
  server.on("connection", (socket: Socket) => {
    const idle = setTimeout(() => {
      if (socket.bytesRead === 0) socket.destroy()
    }, 2 * timeouts.headersTimeout).unref()
    socket.once("close", () => clearTimeout(idle))
  })
  server.on("request", (request: IncomingMessage) => carriedRequest.add(request.socket))
  return server
}
