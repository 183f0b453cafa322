/**
 * Scripted event-stream answers for the scripted server: bytes written in the pieces a test chooses, with real
 * pauses or a test's signal between them, ended as a test chooses, and the moment the server sees the connection
 * close.
 */
import type { Reply } from "@objectiveai-effect/testing/ScriptedServer"
import * as Effect from "effect/Effect"
import type * as http from "node:http"

/** One step of an answer: bytes to write (flushed before the next step), a real pause, or a wait for a signal. */
export type Step = string | Uint8Array | { readonly pause: number } | { readonly until: Promise<void> }

/**
 * How the answer ends after its last step: `end` finishes the body properly, `close` closes the socket with the
 * chunked body unfinished, `reset` resets it (TCP RST), `hang` keeps it open.
 */
export type Ending = "end" | "close" | "reset" | "hang"

/** A signal a test sends to the server: `until` holds a step until `send` runs. */
export interface Signal {
  readonly until: Promise<void>
  readonly send: Effect.Effect<void>
}

export const signal = (): Signal => {
  let send!: () => void
  const until = new Promise<void>((resolve) => {
    send = resolve
  })
  return { until, send: Effect.sync(send) }
}

/** Resolves when the server side of a connection closed. */
export interface Closed {
  readonly onClose: (socket: http.IncomingMessage["socket"]) => void
  readonly closed: Effect.Effect<void>
}

export const closed = (): Closed => {
  const { until, send } = signal()
  return { onClose: (socket) => socket.once("close", () => Effect.runSync(send)), closed: Effect.promise(() => until) }
}

const write = (response: http.ServerResponse, bytes: string | Uint8Array) =>
  new Promise<void>((resolve, reject) => response.write(bytes, (error) => error == null ? resolve() : reject(error)))

/** A `200 text/event-stream` answer (chunked, as gateways send it) made of `steps`. */
export const reply = (
  steps: ReadonlyArray<Step>,
  options: {
    readonly ending?: Ending
    readonly onClose?: Closed["onClose"]
    readonly headers?: http.OutgoingHttpHeaders
  } = {}
): Reply =>
(response, request) => {
  options.onClose?.(request.socket)
  response.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", ...options.headers })
  response.flushHeaders()
  const run = async () => {
    for (const step of steps) {
      if (typeof step === "string" || step instanceof Uint8Array) await write(response, step)
      else if ("pause" in step) await new Promise((resolve) => setTimeout(resolve, step.pause))
      else await step.until
    }
    switch (options.ending ?? "end") {
      case "end":
        return response.end()
      case "close":
        return request.socket.end()
      case "reset":
        return request.socket.resetAndDestroy()
      case "hang":
        return
    }
  }
  // A client that hangs up mid-answer fails the pending write; that is the client's right, not a server error.
  run().catch(() => {})
}

/**
 * `whole` cut at the given positions, each piece its own write after a pause, so that the pieces leave as separate
 * TCP segments. Repeated cuts give empty pieces, which are nothing to send.
 */
export const split = (whole: Uint8Array, cuts: ReadonlyArray<number>): Array<Step> => {
  const sorted = [...cuts].sort((a, b) => a - b)
  return [...sorted, whole.length]
    .map((end, i) => whole.subarray(i === 0 ? 0 : sorted[i - 1], end))
    .filter((piece) => piece.length > 0)
    .flatMap((piece) => [{ pause: 1 }, piece])
}
