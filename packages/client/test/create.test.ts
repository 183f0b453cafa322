import { describe, expect, it } from "@effect/vitest"
import type { ChatCompletionCreateParams } from "@objectiveai-effect/domain"
import * as Server from "@objectiveai-effect/testing/ScriptedServer"
import * as Effect from "effect/Effect"
import { ObjectiveAiError } from "../src/index.js"
import { bigSeed, completion, completionId } from "./support/fixtures.js"
import * as Harness from "./support/harness.js"

const id = completionId(4)
const ok = Server.json(200, completion(id, 5))
const params: ChatCompletionCreateParams.ChatCompletionCreateParams = {
  model: "openai/gpt-4o-mini",
  messages: [{ role: "user", content: "Hello" }],
  seed: bigSeed,
  logprobs: true,
  top_logprobs: 5
}

describe("create", () => {
  it.scoped("POSTs the validated params as JSON, the big seed digit for digit, and decodes the completion", () =>
    Effect.gen(function*() {
      const h = yield* Harness.make(Server.sequence(ok))
      const result = Harness.successOf(yield* h.run(h.client.create(params)))
      expect(result.id).toBe(id)
      expect(result.choices[0].logprobs?.content).toHaveLength(5)
      expect(h.server.requests).toHaveLength(1)
      const [request] = h.server.requests
      expect(request.method).toBe("POST")
      expect(request.url).toBe("/chat/completions")
      expect(request.headers["content-type"]).toBe("application/json")
      expect(request.headers.authorization).toBe(`Bearer ${Harness.apiKey}`)
      expect(request.body).toContain(`"seed":${bigSeed}`)
      expect(JSON.parse(request.body)).toMatchObject({ model: params.model, messages: params.messages })
    }))

  it.scoped("refuses invalid params, naming every broken rule, without sending anything", () =>
    Effect.gen(function*() {
      const h = yield* Harness.make(Server.sequence(ok))
      // A key the API does not document is sent through, but a likely typo of one it does is refused.
      const invalid = { ...params, temperature: 5, max_token: 10 } as unknown as typeof params
      const error = Harness.failureOf(yield* h.run(h.client.create(invalid)))
      expect(error).toBeInstanceOf(ObjectiveAiError.InvalidRequestError)
      // One line per problem, naming the path and the rule: the text the local server's 400 gives.
      expect(error).toHaveProperty(
        "issue",
        "temperature: must be between 0 and 2, got 5\nmax_token: \"max_token\" is not a documented key and looks like a typo"
          + " of \"max_tokens\" (other undocumented keys are sent as they are)"
      )
      expect(error.attempts).toBe(0)
      expect(h.server.requests).toHaveLength(0)
    }))

  it.scoped("refuses stream: true, which is stream()'s to send", () =>
    Effect.gen(function*() {
      const h = yield* Harness.make(Server.sequence(ok))
      const error = Harness.failureOf(yield* h.run(h.client.create({ ...params, stream: true })))
      expect(error).toMatchObject({ _tag: "InvalidRequestError", attempts: 0 })
      expect(h.server.requests).toHaveLength(0)
    }))
})

describe("create is not retried once it may have reached the server", () => {
  it.scoped.each([
    { name: "a 503", reply: Server.json(503, { code: 503, message: "busy" }), tag: "ServerError" },
    { name: "a 429", reply: Server.json(429, "{}", { "retry-after": "1" }), tag: "RateLimitedError" },
    { name: "a reset before the headers", reply: Server.reset, tag: "TransportError" },
    { name: "a reset in the middle of the body", reply: Server.resetMidBody(completion(id, 40)), tag: "TransportError" }
  ])("$name fails at once", ({ reply, tag }) =>
    Effect.gen(function*() {
      const h = yield* Harness.make(Server.sequence(reply, ok))
      const error = Harness.failureOf(yield* h.run(h.client.create(params)))
      expect(error._tag).toBe(tag)
      expect(error.attempts).toBe(1)
      expect(h.server.requests).toHaveLength(1)
      expect(h.delays).toEqual([])
    }))

  it.scoped("a hanging create times out after its own (long) attempt timeout, not retried", () =>
    Effect.gen(function*() {
      const h = yield* Harness.make(Server.sequence(Server.hang, ok), {
        // The harness moves the clock by the read attempt timeout; make create's the same for this test.
        timeouts: { create: { attempt: "20 seconds" } }
      })
      const error = Harness.failureOf(yield* h.run(h.client.create(params)))
      expect(error).toMatchObject({ _tag: "TimeoutError", timeout: "attempt", attempts: 1 })
      expect(h.server.requests).toHaveLength(1)
    }))

  it.scoped("with retryCreate, a 503 is retried like a read", () =>
    Effect.gen(function*() {
      const h = yield* Harness.make(Server.sequence(Server.json(503, "{}"), ok), { retryPolicy: { retryCreate: true } })
      Harness.successOf(yield* h.run(h.client.create(params)))
      expect(h.server.requests).toHaveLength(2)
      expect(h.delays).toHaveLength(1)
    }))
})

describe("create is retried when it surely never reached the server", () => {
  it.scoped("connection refused, then the server comes up: one request arrives, once", () =>
    Effect.gen(function*() {
      const port = yield* Server.freePort
      const h = yield* Harness.make(Server.sequence(ok), { port })
      const later = Server.startLater(Server.sequence(ok), port)
      const result = Harness.successOf(yield* h.run(h.client.create(params), later.start))
      expect(result.id).toBe(id)
      expect(later.started).toHaveLength(1)
      expect(later.started[0].requests).toHaveLength(1)
      expect(h.logs.map((log) => log.annotations.reason)).toEqual(["ECONNREFUSED"])
    }))
})
