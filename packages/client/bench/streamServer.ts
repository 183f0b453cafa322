/**
 * The streaming benchmark's server, run as a child process so that its work and its buffers stay out of the measured
 * process. `POST /<count>/chat/completions` answers with a streamed completion of `count` content chunks, each with
 * its token's logprobs and five alternatives, then the finish, the usage-only chunk and `[DONE]`, with a keep-alive
 * comment every 1,000 chunks. It reports its port over IPC.
 */
import * as http from "node:http"
import type { AddressInfo } from "node:net"

const tokenLogprob = (token: string, logprob: number) => ({
  token,
  bytes: Array.from(Buffer.from(token, "utf8")),
  logprob,
  top_logprobs: Array.from({ length: 5 }, (_, j) => ({
    token: `${token}~${j}`,
    bytes: Array.from(Buffer.from(`${token}~${j}`, "utf8")),
    logprob: logprob - j * 0.731
  }))
})

const head = { id: "gen-bench", object: "chat.completion.chunk", created: 1732550000, model: "openai/gpt-4o-mini" }

const event = (value: unknown) => `data: ${JSON.stringify(value)}\n\n`

const contentEvent = (i: number) => {
  const token = i % 7 === 0 ? " the" : ` tok${i % 1000}`
  return event({
    ...head,
    provider: "OpenAI",
    system_fingerprint: null,
    choices: [{
      index: 0,
      delta: i === 0 ? { role: "assistant", content: token } : { content: token },
      finish_reason: null,
      native_finish_reason: null,
      logprobs: { content: [tokenLogprob(token, -0.0123 * (1 + i % 50))], refusal: null }
    }]
  })
}

const ending = (count: number) =>
  event({ ...head, choices: [{ index: 0, delta: {}, finish_reason: "stop", native_finish_reason: "stop" }] }) +
  event({
    ...head,
    choices: [],
    usage: { prompt_tokens: 21, completion_tokens: count, total_tokens: 21 + count, cost: 0.0000006 * count }
  }) +
  "data: [DONE]\n\n"

/** The body in pieces of 1,000 chunks, built as they are sent so that a long stream never sits in memory whole. */
function* body(count: number): Generator<string> {
  for (let from = 0; from < count; from += 1_000) {
    let piece = ": OPENROUTER PROCESSING\n\n"
    for (let i = from; i < Math.min(count, from + 1_000); i++) piece += contentEvent(i)
    yield piece
  }
  yield ending(count)
}

// A client that hangs up never drains the socket: stop waiting then too.
const drained = (response: http.ServerResponse) =>
  new Promise<void>((resolve) => {
    const done = () => {
      response.off("drain", done).off("close", done)
      resolve()
    }
    response.on("drain", done).on("close", done)
  })

// The timed runs all ask for the same count: build its body once.
const cache = new Map<number, ReadonlyArray<Buffer>>()
const cacheLimit = 50_000

const server = http.createServer((request, response) => {
  request.resume()
  request.on("end", async () => {
    const count = Number(request.url?.split("/")[1])
    if (!Number.isSafeInteger(count) || count <= 0) {
      response.writeHead(404).end()
      return
    }
    response.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" })
    let pieces: Iterable<Buffer | string> | undefined = cache.get(count)
    if (pieces === undefined && count <= cacheLimit) {
      const built = Array.from(body(count), (piece) => Buffer.from(piece))
      cache.set(count, built)
      pieces = built
    }
    for (const piece of pieces ?? body(count)) {
      if (!response.write(piece)) await drained(response)
      if (response.destroyed) return
    }
    response.end()
  })
})
server.keepAliveTimeout = 60_000

process.on("disconnect", () => process.exit(0))

server.listen(0, "127.0.0.1", () => {
  process.send?.({ port: (server.address() as AddressInfo).port })
})
