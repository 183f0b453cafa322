/**
 * An API server that misbehaves as a test says, on 127.0.0.1: it lists the completions it holds and answers each
 * retrieve with the body `answer` picks (another completion's, say), or repeats its first page at every offset.
 */
import type { StoredChatCompletion } from "@objectiveai-effect/domain"
import { ServedCompletions } from "@objectiveai-effect/server"
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import * as http from "node:http"
import type { AddressInfo } from "node:net"

/** How the server misbehaves. */
export interface Behaviour {
  /** The completion whose body answers a retrieve of `id`; the one asked for by default. */
  answer?: ((id: string) => string) | undefined
  /** Every list request gets the first page, whatever its offset. */
  repeatPages?: boolean | undefined
  /** The error body a retrieve of an id the server does not hold gets; 404 by default. */
  unknown?: { readonly code: number; readonly message: string; readonly headers?: Record<string, string> } | undefined
}

/** The server's port, and the requests it saw (method and URL). */
export interface Hostile {
  readonly port: number
  readonly requests: Array<string>
}

const listItem = (completion: StoredChatCompletion.StoredChatCompletion) => ({
  id: completion.response.id,
  preview: null,
  created: new Date(completion.response.created * 1000).toISOString()
})

/** Serves `completions` (newest first as given) misbehaving as `behaviour` says, which may change between runs. */
export const serve = (
  completions: ReadonlyArray<StoredChatCompletion.StoredChatCompletion>,
  behaviour: Behaviour
): Effect.Effect<Hostile, never, Scope.Scope> =>
  Effect.gen(function*() {
    const byId = new Map(completions.map((completion) => [completion.response.id as string, completion]))
    const requests: Array<string> = []
    const server = http.createServer((request, response) => {
      requests.push(`${request.method} ${request.url}`)
      const url = new URL(request.url ?? "/", "http://localhost")
      const send = (status: number, body: string, headers: Record<string, string> = {}) => {
        response.writeHead(status, {
          "content-type": "application/json",
          "content-length": Buffer.byteLength(body),
          ...headers
        })
        response.end(body)
      }
      if (url.pathname === "/chat/completions") {
        const count = Number(url.searchParams.get("count") ?? 100)
        const offset = behaviour.repeatPages === true ? 0 : Number(url.searchParams.get("offset") ?? 0)
        return send(200, JSON.stringify({ data: completions.slice(offset, offset + count).map(listItem) }))
      }
      const id = decodeURIComponent(url.pathname.replace(/^\/chat\/completions\//, ""))
      const completion = byId.get(behaviour.answer?.(id) ?? id)
      const unknown = behaviour.unknown ?? { code: 404, message: "not found" }
      return completion === undefined
        ? send(unknown.code, JSON.stringify({ code: unknown.code, message: unknown.message }), unknown.headers)
        : send(200, ServedCompletions.toJsonLine(completion))
    })
    yield* Effect.acquireRelease(
      Effect.async<void>((resume) => void server.listen(0, "127.0.0.1", () => resume(Effect.void))),
      () =>
        Effect.async<void>((resume) => {
          server.closeAllConnections()
          server.close(() => resume(Effect.void))
        })
    )
    return { port: (server.address() as AddressInfo).port, requests }
  })
