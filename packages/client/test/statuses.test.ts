import { describe, expect, it } from "@effect/vitest"
import * as Server from "@objectiveai-effect/testing/ScriptedServer"
import * as Effect from "effect/Effect"
import { ObjectiveAiError } from "../src/index.js"
import { bigSeed, completionId, openRouterCurrentError, openRouterError, stored } from "./support/fixtures.js"
import * as Harness from "./support/harness.js"

const id = completionId(1)
const path = `/chat/completions/${id}`

describe("retrieve", () => {
  it.scoped("sends GET with the bearer key and decodes the stored completion losslessly", () =>
    Effect.gen(function*() {
      const h = yield* Harness.make(Server.sequence(Server.json(200, stored(id, 3))), {
        headers: { "x-title": "tests", "http-referer": "https://example.com" }
      })
      const completion = Harness.successOf(yield* h.run(h.client.retrieve(id)))

      expect(completion.response.id).toBe(id)
      expect(completion.request.seed).toBe(bigSeed)
      expect(completion.response.choices[0].logprobs?.content).toHaveLength(3)
      expect(h.server.requests).toHaveLength(1)
      const [request] = h.server.requests
      expect(request.method).toBe("GET")
      expect(request.url).toBe(path)
      expect(request.headers.authorization).toBe(`Bearer ${Harness.apiKey}`)
      expect(request.headers.accept).toBe("application/json")
      expect(request.headers["user-agent"]).toBe("objectiveai-effect")
      expect(request.headers["x-title"]).toBe("tests")
      expect(request.headers["http-referer"]).toBe("https://example.com")
      expect(h.delays).toEqual([])
    }))

  it.scoped("escapes the id into one path segment", () =>
    Effect.gen(function*() {
      const h = yield* Harness.make(Server.sequence(Server.json(200, stored("a/b?c", 1))))
      Harness.successOf(yield* h.run(h.client.retrieve("a/b?c")))
      expect(h.server.requests.map((request) => request.url)).toEqual(["/chat/completions/a%2Fb%3Fc"])
    }))

  it("isObjectiveAiError tells the family from other errors", () => {
    expect(ObjectiveAiError.isObjectiveAiError(new Error("other"))).toBe(false)
    expect(ObjectiveAiError.isObjectiveAiError({ _tag: "NotFoundError" })).toBe(false)
  })

  it.scoped("refuses an empty id without sending anything", () =>
    Effect.gen(function*() {
      const h = yield* Harness.make(Server.sequence(Server.json(200, stored(id))))
      const error = Harness.failureOf(yield* h.run(h.client.retrieve("")))
      expect(error._tag).toBe("InvalidRequestError")
      expect(error.attempts).toBe(0)
      expect(h.server.requests).toHaveLength(0)
    }))
})

const retryable = [
  { status: 408, tag: "TimeoutError" },
  { status: 429, tag: "RateLimitedError" },
  { status: 500, tag: "ServerError" },
  { status: 502, tag: "ServerError" },
  { status: 503, tag: "ServerError" },
  { status: 504, tag: "ServerError" }
] as const

describe("retryable statuses", () => {
  it.scoped.each(retryable)("$status is retried, and the retry succeeds", ({ status }) =>
    Effect.gen(function*() {
      const h = yield* Harness.make(Server.sequence(
        Server.json(status, { code: status, message: { kind: "upstream", error: "try again" } }),
        Server.json(200, stored(id))
      ))
      const completion = Harness.successOf(yield* h.run(h.client.retrieve(id)))
      expect(completion.response.id).toBe(id)
      expect(h.server.requests).toHaveLength(2)
      const retries = h.logs.filter((log) => log.annotations.reason === `HTTP ${status}`)
      expect(retries).toHaveLength(1)
      expect(retries[0].level).toBe("DEBUG")
      expect(h.delays[0]).toBeGreaterThanOrEqual(250)
      expect(h.delays[0]).toBeLessThanOrEqual(500)
    }))

  it.scoped.each(retryable)(
    "$status on every attempt ends in $tag after 4 attempts",
    ({ status, tag }) =>
      Effect.gen(function*() {
        const h = yield* Harness.make(Server.sequence(
          Server.json(status, openRouterError(status, "still failing"), { "x-request-id": "req-42" })
        ))
        const error = Harness.failureOf(yield* h.run(h.client.retrieve(id)))
        expect(error._tag).toBe(tag)
        expect(error).toMatchObject({ status, attempts: 4, requestId: "req-42", method: "GET", path })
        expect(error).toHaveProperty("body", openRouterError(status, "still failing"))
        expect(h.server.requests).toHaveLength(4)
        expect(h.delays).toHaveLength(3)
      })
  )

  it.scoped("a 200 body that is only a retryable error is retried like that status", () =>
    Effect.gen(function*() {
      const h = yield* Harness.make(Server.sequence(
        Server.json(200, openRouterError(502, "Provider returned error")),
        Server.json(200, stored(id))
      ))
      Harness.successOf(yield* h.run(h.client.retrieve(id)))
      expect(h.server.requests).toHaveLength(2)
      expect(h.logs.map((log) => log.annotations.reason)).toEqual(["HTTP 502"])
    }))

  it.scoped.each([429, 500, 502, 503, 504])(
    "a 200 body in OpenRouter's newer envelope whose http_status is %i is retried like that status",
    (status) =>
      Effect.gen(function*() {
        const h = yield* Harness.make(Server.sequence(
          Server.json(200, openRouterCurrentError(status, "Provider returned error")),
          Server.json(200, stored(id))
        ))
        Harness.successOf(yield* h.run(h.client.retrieve(id)))
        expect(h.server.requests).toHaveLength(2)
        expect(h.logs.map((log) => log.annotations.reason)).toEqual([`HTTP ${status}`])
      })
  )

  it.scoped("a 200 body that is only an ObjectiveAI error, every time, fails with the status it names", () =>
    Effect.gen(function*() {
      const h = yield* Harness.make(Server.sequence(Server.json(200, { code: 503, message: "no provider" })))
      const error = Harness.failureOf(yield* h.run(h.client.retrieve(id)))
      expect(error).toBeInstanceOf(ObjectiveAiError.ServerError)
      expect(error).toMatchObject({ status: 503, attempts: 4, body: { code: 503, message: "no provider" } })
      expect(h.server.requests).toHaveLength(4)
    }))
})

const final = [
  { status: 400, tag: "BadRequestError" },
  { status: 401, tag: "UnauthorizedError" },
  { status: 402, tag: "InsufficientCreditsError" },
  { status: 403, tag: "ForbiddenError" },
  { status: 404, tag: "NotFoundError" },
  { status: 422, tag: "BadRequestError" },
  { status: 501, tag: "ServerError" }
] as const

describe("statuses that are never retried", () => {
  it.scoped.each(final)("$status fails at once with $tag", ({ status, tag }) =>
    Effect.gen(function*() {
      const body = { code: status, message: { kind: "objectiveai", error: `status ${status}` } }
      const h = yield* Harness.make(Server.sequence(
        Server.json(status, body, { "x-request-id": "req-7", "retry-after": "1" }),
        Server.json(200, stored(id))
      ))
      const error = Harness.failureOf(yield* h.run(h.client.retrieve(id)))
      expect(error._tag).toBe(tag)
      expect(ObjectiveAiError.isObjectiveAiError(error)).toBe(true)
      expect(error).toMatchObject({ status, attempts: 1, requestId: "req-7", body })
      expect(error.message).toContain(`HTTP ${status}`)
      expect(h.server.requests).toHaveLength(1)
      expect(h.delays).toEqual([])
    }))

  it.scoped("a 200 body that is only a 400 error is a bad request, not retried", () =>
    Effect.gen(function*() {
      const h = yield* Harness.make(Server.sequence(Server.json(200, openRouterError("400", "bad model"))))
      const error = Harness.failureOf(yield* h.run(h.client.retrieve(id)))
      expect(error).toBeInstanceOf(ObjectiveAiError.BadRequestError)
      expect(error).toMatchObject({ status: 400, attempts: 1 })
      expect(h.server.requests).toHaveLength(1)
    }))

  it.scoped.each(
    [
      { status: 400, tag: "BadRequestError" },
      { status: 402, tag: "InsufficientCreditsError" },
      { status: 404, tag: "NotFoundError" }
    ] as const
  )(
    "a 200 body in the newer envelope whose http_status is $status is $tag, not retried",
    ({ status, tag }) =>
      Effect.gen(function*() {
        const body = openRouterCurrentError(status, "refused")
        const h = yield* Harness.make(Server.sequence(Server.json(200, body), Server.json(200, stored(id))))
        const error = Harness.failureOf(yield* h.run(h.client.retrieve(id)))
        expect(error._tag).toBe(tag)
        expect(error).toMatchObject({ status, attempts: 1, body })
        expect(h.server.requests).toHaveLength(1)
        expect(h.delays).toEqual([])
      })
  )

  it.scoped("an error status with a body that is not JSON keeps the status and no body", () =>
    Effect.gen(function*() {
      const h = yield* Harness.make(Server.sequence(Server.json(404, "<html>Not Found</html>")))
      const error = Harness.failureOf(yield* h.run(h.client.retrieve(id)))
      expect(error).toBeInstanceOf(ObjectiveAiError.NotFoundError)
      expect(error).toMatchObject({ status: 404, attempts: 1, body: undefined })
      expect(h.server.requests).toHaveLength(1)
    }))
})
