import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import { describe, expect, it } from "@effect/vitest"
import * as Server from "@objectiveai-effect/testing/ScriptedServer"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import { ObjectiveAiError } from "../src/index.js"
import { completionId, stored } from "./support/fixtures.js"
import * as Harness from "./support/harness.js"

const id = completionId(3)
const ok = Server.json(200, stored(id, 40))

describe("connection failures", () => {
  it.scoped("connection refused is retried and ends in a TransportError that was never sent", () =>
    Effect.gen(function*() {
      const port = yield* Server.freePort
      const h = yield* Harness.make(Server.sequence(ok), { port })
      const error = Harness.failureOf(yield* h.run(h.client.retrieve(id)))
      expect(error).toBeInstanceOf(ObjectiveAiError.TransportError)
      expect(error).toMatchObject({ code: "ECONNREFUSED", neverSent: true, attempts: 4, status: undefined })
      expect(h.delays).toHaveLength(3)
      expect(h.server.requests).toHaveLength(0)
    }))

  it.scoped("connection refused through fetch is classified the same way", () =>
    Effect.gen(function*() {
      const port = yield* Server.freePort
      const h = yield* Harness.make(Server.sequence(ok), { port, transport: FetchHttpClient.layer })
      const error = Harness.failureOf(yield* h.run(h.client.retrieve(id)))
      expect(error).toMatchObject({ _tag: "TransportError", code: "ECONNREFUSED", neverSent: true, attempts: 4 })
      expect(error.message).toContain("fetch failed")
    }))

  it.scoped("a reset before the headers is retried", () =>
    Effect.gen(function*() {
      const h = yield* Harness.make(Server.sequence(Server.reset, ok))
      Harness.successOf(yield* h.run(h.client.retrieve(id)))
      expect(h.server.requests).toHaveLength(2)
      expect(h.logs.map((log) => log.annotations.reason)).toEqual(["ECONNRESET"])
    }))

  it.scoped("a reset in the middle of the body is retried", () =>
    Effect.gen(function*() {
      const h = yield* Harness.make(Server.sequence(Server.resetMidBody(stored(id, 40)), ok))
      Harness.successOf(yield* h.run(h.client.retrieve(id)))
      expect(h.server.requests).toHaveLength(2)
    }))

  it.scoped("resets in the middle of every body end in a TransportError after the headers", () =>
    Effect.gen(function*() {
      const h = yield* Harness.make(Server.sequence(Server.resetMidBody(stored(id, 40))))
      const error = Harness.failureOf(yield* h.run(h.client.retrieve(id)))
      expect(error).toMatchObject({ _tag: "TransportError", status: 200, neverSent: false, attempts: 4 })
      expect(h.server.requests).toHaveLength(4)
    }))

  it.scoped("a body cut short of its content-length is retried", () =>
    Effect.gen(function*() {
      const h = yield* Harness.make(Server.sequence(Server.truncated(stored(id, 40)), ok))
      const completion = Harness.successOf(yield* h.run(h.client.retrieve(id)))
      expect(completion.response.choices[0].logprobs?.content).toHaveLength(40)
      expect(h.server.requests).toHaveLength(2)
    }))
})

describe("answers that are not what the API promises", () => {
  it.scoped("invalid JSON is an InvalidResponseError with the raw text, not retried", () =>
    Effect.gen(function*() {
      const h = yield* Harness.make(Server.sequence(Server.json(200, "{\"request\": {"), ok))
      const error = Harness.failureOf(yield* h.run(h.client.retrieve(id)))
      expect(error).toBeInstanceOf(ObjectiveAiError.InvalidResponseError)
      expect(error).toMatchObject({ status: 200, attempts: 1, bodyText: "{\"request\": {" })
      expect(error).toHaveProperty("issue", expect.stringMatching(/invalid JSON/i))
      expect(h.server.requests).toHaveLength(1)
    }))

  it.scoped("a body that fails the schema names the field, not retried", () =>
    Effect.gen(function*() {
      const body = stored(id)
      const broken = { ...body, response: { ...body.response, created: "yesterday" } }
      const h = yield* Harness.make(Server.sequence(Server.json(200, broken), ok))
      const error = Harness.failureOf(yield* h.run(h.client.retrieve(id)))
      expect(error).toBeInstanceOf(ObjectiveAiError.InvalidResponseError)
      expect(error).toHaveProperty("issue", expect.stringContaining("created"))
      expect(error).toHaveProperty("bodyText", expect.stringContaining("\"yesterday\""))
      expect(h.server.requests).toHaveLength(1)
    }))

  it.scoped("a status outside 2xx/4xx/5xx is an InvalidResponseError", () =>
    Effect.gen(function*() {
      const h = yield* Harness.make(Server.sequence(Server.json(302, "", { location: "/elsewhere" })))
      const error = Harness.failureOf(yield* h.run(h.client.retrieve(id)))
      expect(error).toMatchObject({ _tag: "InvalidResponseError", status: 302, attempts: 1 })
      expect(h.server.requests).toHaveLength(1)
    }))
})

// A timed-out attempt lets go of its connection by aborting the request; the server sees the close within moments
// of real time (the TestClock does not move here).
const awaitConnectionClosed = (server: Server.ScriptedServer, index: number) =>
  Effect.gen(function*() {
    for (let turn = 0; turn < 200; turn++) {
      if (server.connectionClosed(index)) return
      yield* Effect.promise(() => new Promise((resolve) => setTimeout(resolve, 10)))
    }
    return yield* Effect.dieMessage(`the connection of request ${index} is still open`)
  })

const transports = [
  { name: "undici", layer: NodeHttpClient.layerUndici },
  { name: "node:http", layer: NodeHttpClient.layer },
  { name: "fetch", layer: FetchHttpClient.layer }
] as const

describe("timeouts", () => {
  for (const transport of transports) {
    it.scoped(`through ${transport.name}, headers that never arrive time out and the connection is closed`, () =>
      Effect.gen(function*() {
        const h = yield* Harness.make(Server.sequence(Server.hang), {
          transport: transport.layer,
          retryPolicy: { maxAttempts: 1 }
        })
        const error = Harness.failureOf(yield* h.run(h.client.retrieve(id)))
        expect(error).toMatchObject({ _tag: "TimeoutError", timeout: "attempt", attempts: 1 })
        expect(h.server.requests).toHaveLength(1)
        yield* awaitConnectionClosed(h.server, 0)
      }))

    it.scoped(`through ${transport.name}, a body that stalls half-way times out and the connection is closed`, () =>
      Effect.gen(function*() {
        const h = yield* Harness.make(Server.sequence(Server.stallMidBody(stored(id, 40))), {
          transport: transport.layer,
          retryPolicy: { maxAttempts: 1 }
        })
        const error = Harness.failureOf(yield* h.run(h.client.retrieve(id)))
        expect(error).toMatchObject({ _tag: "TimeoutError", timeout: "attempt", status: 200, attempts: 1 })
        expect(h.server.requests).toHaveLength(1)
        yield* awaitConnectionClosed(h.server, 0)
      }))
  }

  it.scoped("the deadline holds for every request the caller's middleware sends: a redirect to a hanging path", () =>
    Effect.gen(function*() {
      const h = yield* Harness.make(
        Server.sequence(Server.json(302, "", { location: `/elsewhere/${id}` }), Server.hang),
        {
          retryPolicy: { maxAttempts: 1 },
          transformClient: (client) =>
            client.pipe(
              HttpClient.mapRequest(HttpClientRequest.setHeader("x-title", "rewritten")),
              HttpClient.followRedirects()
            )
        }
      )
      const error = Harness.failureOf(yield* h.run(h.client.retrieve(id)))
      expect(error).toMatchObject({ _tag: "TimeoutError", timeout: "attempt", attempts: 1 })
      expect(h.server.requests.map((request) => [request.url, request.headers["x-title"]])).toEqual([
        [`/chat/completions/${id}`, "rewritten"],
        [`/elsewhere/${id}`, "rewritten"]
      ])
      yield* awaitConnectionClosed(h.server, 1)
    }))

  it.scoped("a body that stalls half-way is retried after the attempt timeout, and the retry succeeds", () =>
    Effect.gen(function*() {
      const h = yield* Harness.make(Server.sequence(Server.stallMidBody(stored(id, 40)), ok))
      expect(Harness.successOf(yield* h.run(h.client.retrieve(id))).response.id).toBe(id)
      expect(h.server.requests).toHaveLength(2)
      expect(h.logs.map((log) => log.annotations.reason)).toEqual(["no answer within 20s"])
    }))

  it.live("on the live clock the deadline is a real timer: a hanging request times out and is aborted", () =>
    Effect.gen(function*() {
      const h = yield* Harness.make(Server.sequence(Server.hang), {
        retryPolicy: { maxAttempts: 1 },
        timeouts: { read: { attempt: "50 millis" } }
      })
      const error = Harness.failureOf(yield* Effect.exit(h.client.retrieve(id)))
      expect(error).toMatchObject({ _tag: "TimeoutError", timeout: "attempt", after: Duration.millis(50) })
      yield* awaitConnectionClosed(h.server, 0)
    }).pipe(Effect.scoped))

  it.live("on the live clock a deadline beyond what a timer holds is no deadline, not an immediate one", () =>
    Effect.gen(function*() {
      const h = yield* Harness.make(Server.sequence(ok), {
        timeouts: { read: { attempt: Duration.days(30), total: Duration.infinity } }
      })
      expect((yield* h.client.retrieve(id)).response.id).toBe(id)
    }).pipe(Effect.scoped))

  it.scoped("headers that never arrive time the attempt out, and the retry succeeds", () =>
    Effect.gen(function*() {
      const h = yield* Harness.make(Server.sequence(Server.hang, ok))
      Harness.successOf(yield* h.run(h.client.retrieve(id)))
      expect(h.server.requests).toHaveLength(2)
      expect(h.logs.map((log) => log.annotations.reason)).toEqual(["no answer within 20s"])
    }))

  it.scoped("with one attempt allowed, a hanging answer is a TimeoutError of the attempt", () =>
    Effect.gen(function*() {
      const h = yield* Harness.make(Server.sequence(Server.hang), { retryPolicy: { maxAttempts: 1 } })
      const error = Harness.failureOf(yield* h.run(h.client.retrieve(id)))
      expect(error).toBeInstanceOf(ObjectiveAiError.TimeoutError)
      expect(error).toMatchObject({ timeout: "attempt", after: Duration.seconds(20), attempts: 1 })
      expect(h.server.requests).toHaveLength(1)
    }))

  it.scoped("answers that never come end in a TimeoutError of the whole call at its budget", () =>
    Effect.gen(function*() {
      // Attempts time out at 20 s and ~40.5 s; the third is cut by the 45 s total.
      const h = yield* Harness.make(Server.sequence(Server.hang))
      const error = Harness.failureOf(yield* h.run(h.client.retrieve(id)))
      expect(error).toBeInstanceOf(ObjectiveAiError.TimeoutError)
      expect(error).toMatchObject({ timeout: "total", after: Duration.seconds(45), attempts: 3 })
      expect(h.server.requests).toHaveLength(3)
    }))

  it.scoped("timeouts are configurable", () =>
    Effect.gen(function*() {
      const h = yield* Harness.make(Server.sequence(Server.hang), {
        timeouts: { read: { attempt: "2 seconds", total: "3 seconds" } }
      })
      const error = Harness.failureOf(yield* h.run(h.client.retrieve(id)))
      expect(error).toMatchObject({ _tag: "TimeoutError", timeout: "total", after: Duration.seconds(3) })
      expect(h.server.requests).toHaveLength(2)
    }))
})
