import { describe, expect, it } from "@effect/vitest"
import * as Server from "@objectiveai-effect/testing/ScriptedServer"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as FastCheck from "effect/FastCheck"
import { ObjectiveAiError, RetryPolicy } from "../src/index.js"
import { completionId, openRouterCurrentError, openRouterError, stored } from "./support/fixtures.js"
import * as Harness from "./support/harness.js"

const id = completionId(2)
const ok = Server.json(200, stored(id))

describe("server hints raise the next delay", () => {
  it.scoped("Retry-After in seconds", () =>
    Effect.gen(function*() {
      const h = yield* Harness.make(Server.sequence(Server.json(429, "{}", { "retry-after": "7" }), ok))
      Harness.successOf(yield* h.run(h.client.retrieve(id)))
      expect(h.delays).toEqual([7000])
      expect(h.server.requests).toHaveLength(2)
    }))

  it.scoped("Retry-After as an HTTP date, measured on the Effect clock", () =>
    Effect.gen(function*() {
      // The TestClock starts at the epoch, so this date is 9 s from the client's now.
      const date = new Date(9_000).toUTCString()
      const h = yield* Harness.make(Server.sequence(Server.json(503, "{}", { "retry-after": date }), ok))
      Harness.successOf(yield* h.run(h.client.retrieve(id)))
      expect(h.delays).toEqual([9000])
      expect(h.server.requests).toHaveLength(2)
    }))

  it.scoped("retry-after-ms", () =>
    Effect.gen(function*() {
      const h = yield* Harness.make(Server.sequence(Server.json(429, "{}", { "retry-after-ms": "2500" }), ok))
      Harness.successOf(yield* h.run(h.client.retrieve(id)))
      expect(h.delays).toEqual([2500])
      expect(h.server.requests).toHaveLength(2)
    }))

  it.scoped("availability.retry_after in an OpenRouter error body", () =>
    Effect.gen(function*() {
      const body = openRouterError(503, "No provider", { availability: { retryable: true, retry_after: 4 } })
      const h = yield* Harness.make(Server.sequence(Server.json(503, body), ok))
      Harness.successOf(yield* h.run(h.client.retrieve(id)))
      expect(h.delays).toEqual([4000])
      expect(h.server.requests).toHaveLength(2)
    }))

  it.scoped("availability.retry_after directly under error, in OpenRouter's newer envelope, with no header", () =>
    Effect.gen(function*() {
      const body = openRouterCurrentError(429, "Rate limit exceeded", { retryable: true, retry_after: 40 })
      const h = yield* Harness.make(Server.sequence(Server.json(429, body), ok), {
        retryPolicy: { maxRetryAfter: "1 minute" },
        timeouts: { read: { total: "5 minutes" } }
      })
      Harness.successOf(yield* h.run(h.client.retrieve(id)))
      expect(h.delays).toEqual([40_000])
      expect(h.server.requests).toHaveLength(2)
    }))

  it.scoped("a 200 body in the newer envelope naming 429 waits for its hint and retries like a 429", () =>
    Effect.gen(function*() {
      const body = openRouterCurrentError(429, "Rate limit exceeded", { retry_after: 40 })
      const h = yield* Harness.make(Server.sequence(Server.json(200, body), ok), {
        retryPolicy: { maxRetryAfter: "1 minute" },
        timeouts: { read: { total: "5 minutes" } }
      })
      Harness.successOf(yield* h.run(h.client.retrieve(id)))
      expect(h.delays).toEqual([40_000])
      expect(h.logs.map((log) => log.annotations.reason)).toEqual(["HTTP 429"])
      expect(h.server.requests).toHaveLength(2)
    }))

  it.scoped("the longest of several hints wins; an unreadable one is ignored", () =>
    Effect.gen(function*() {
      const h = yield* Harness.make(Server.sequence(
        Server.json(429, "{}", { "retry-after": "3", "retry-after-ms": "1200" }),
        Server.json(429, "{}", { "retry-after": "soon" }),
        ok
      ))
      Harness.successOf(yield* h.run(h.client.retrieve(id)))
      expect(h.delays[0]).toBe(3000)
      expect(h.delays[1]).toBeGreaterThanOrEqual(500)
      expect(h.delays[1]).toBeLessThanOrEqual(1000)
      expect(h.server.requests).toHaveLength(3)
    }))

  it.scoped("a hint shorter than the backoff does not shorten it", () =>
    Effect.gen(function*() {
      const h = yield* Harness.make(Server.sequence(Server.json(429, "{}", { "retry-after": "0" }), ok))
      Harness.successOf(yield* h.run(h.client.retrieve(id)))
      expect(h.delays[0]).toBeGreaterThanOrEqual(250)
      expect(h.server.requests).toHaveLength(2)
    }))
})

describe("hints the policy will not wait for", () => {
  it.scoped("a hint beyond the cap fails at once with RateLimitedError carrying it", () =>
    Effect.gen(function*() {
      const h = yield* Harness.make(Server.sequence(Server.json(429, "{}", { "retry-after": "120" }), ok))
      const error = Harness.failureOf(yield* h.run(h.client.retrieve(id)))
      expect(error).toBeInstanceOf(ObjectiveAiError.RateLimitedError)
      expect(error).toMatchObject({ status: 429, attempts: 1, retryAfter: Duration.seconds(120) })
      expect(error.message).toContain("retry after 2m")
      expect(h.server.requests).toHaveLength(1)
      expect(h.delays).toEqual([])
    }))

  it.scoped("a 429 body in the newer envelope asking for 40 s, over the 30 s cap, fails at once", () =>
    Effect.gen(function*() {
      const body = openRouterCurrentError(429, "Rate limit exceeded", { retryable: true, retry_after: 40 })
      for (const status of [429, 200]) {
        const h = yield* Harness.make(Server.sequence(Server.json(status, body), ok))
        const error = Harness.failureOf(yield* h.run(h.client.retrieve(id)))
        expect(error).toBeInstanceOf(ObjectiveAiError.RateLimitedError)
        expect(error).toMatchObject({ status: 429, attempts: 1, body, retryAfter: Duration.seconds(40) })
        expect(h.server.requests).toHaveLength(1)
        expect(h.delays).toEqual([])
      }
    }))

  it.scoped("a 503 asking for an hour is a RateLimitedError too, with its status and body", () =>
    Effect.gen(function*() {
      const body = openRouterError(503, "down for maintenance")
      const h = yield* Harness.make(Server.sequence(Server.json(503, body, { "retry-after": "3600" }), ok))
      const error = Harness.failureOf(yield* h.run(h.client.retrieve(id)))
      expect(error).toBeInstanceOf(ObjectiveAiError.RateLimitedError)
      expect(error).toMatchObject({ status: 503, attempts: 1, body, retryAfter: Duration.hours(1) })
      // Its message names what happened: an unavailable server, not a rate limit.
      expect(error.message).toContain("unavailable, retry after 1h (HTTP 503)")
      expect(error.message).not.toContain("rate limited")
      expect(h.server.requests).toHaveLength(1)
    }))

  it.scoped("the cap is configurable (with a total timeout that leaves room for the wait)", () =>
    Effect.gen(function*() {
      const h = yield* Harness.make(Server.sequence(Server.json(429, "{}", { "retry-after": "120" }), ok), {
        retryPolicy: { maxRetryAfter: "3 minutes" },
        timeouts: { read: { total: "5 minutes" } }
      })
      Harness.successOf(yield* h.run(h.client.retrieve(id)))
      expect(h.delays).toEqual([120_000])
      expect(h.server.requests).toHaveLength(2)
    }))

  it.scoped("a hint within the cap that would overrun the total timeout fails at once", () =>
    Effect.gen(function*() {
      // 25 s + 25 s passes the 45 s read budget: the second hint is not waited for.
      const h = yield* Harness.make(Server.sequence(Server.json(429, "{}", { "retry-after": "25" })))
      const error = Harness.failureOf(yield* h.run(h.client.retrieve(id)))
      expect(error).toBeInstanceOf(ObjectiveAiError.RateLimitedError)
      expect(error).toMatchObject({ attempts: 2, retryAfter: Duration.seconds(25) })
      expect(h.delays).toEqual([25_000])
      expect(h.server.requests).toHaveLength(2)
    }))
})

describe("backoff", () => {
  it.scoped("grows exponentially with jitter and stops at maxAttempts", () =>
    Effect.gen(function*() {
      const h = yield* Harness.make(Server.sequence(Server.json(500, "{}")), {
        retryPolicy: { maxAttempts: 6, maxDelay: "5 seconds" }
      })
      const error = Harness.failureOf(yield* h.run(h.client.retrieve(id)))
      expect(error).toMatchObject({ _tag: "ServerError", attempts: 6 })
      expect(h.server.requests).toHaveLength(6)
      const ceilings = [500, 1000, 2000, 4000, 5000]
      expect(h.delays).toHaveLength(ceilings.length)
      h.delays.forEach((delay, i) => {
        expect(delay).toBeGreaterThanOrEqual(ceilings[i] / 2)
        expect(delay).toBeLessThanOrEqual(ceilings[i])
      })
    }))

  it.scoped("maxAttempts 1 means no retry", () =>
    Effect.gen(function*() {
      const h = yield* Harness.make(Server.sequence(Server.json(503, "{}"), ok), { retryPolicy: { maxAttempts: 1 } })
      const error = Harness.failureOf(yield* h.run(h.client.retrieve(id)))
      expect(error).toMatchObject({ _tag: "ServerError", attempts: 1 })
      expect(h.server.requests).toHaveLength(1)
    }))

  it.prop(
    "RetryPolicy.backoff stays within the upper half of the capped exponential",
    [FastCheck.integer({ min: 1, max: 40 }), FastCheck.double({ min: 0, max: 1, maxExcluded: true, noNaN: true })],
    ([attempt, jitter]) => {
      const delay = Duration.toMillis(RetryPolicy.backoff(RetryPolicy.defaults, attempt, jitter))
      const ceiling = Math.min(8000, 500 * 2 ** (attempt - 1))
      return delay >= Math.floor(ceiling / 2) && delay <= ceiling && Number.isInteger(delay)
    }
  )
})
