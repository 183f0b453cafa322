import { describe, expect, it } from "@effect/vitest"
import type { ChatCompletionCreateParams } from "@objectiveai-effect/domain"
import * as Server from "@objectiveai-effect/testing/ScriptedServer"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Schedule from "effect/Schedule"
import { ObjectiveAiError, RetryPolicy } from "../src/index.js"
import { completion, completionId, stored } from "./support/fixtures.js"
import * as Harness from "./support/harness.js"

const id = completionId(12)
const ok = Server.json(200, stored(id))
const params: ChatCompletionCreateParams.ChatCompletionCreateParams = {
  model: "openai/gpt-4o-mini",
  messages: [{ role: "user", content: "Hello" }]
}

const everySecond = (retries: number) => Schedule.spaced("1 second").pipe(Schedule.intersect(Schedule.recurs(retries)))

describe("a retry policy from a Schedule", () => {
  it.scoped("spaced and recurs: exactly the schedule's delays and as many retries as it allows", () =>
    Effect.gen(function*() {
      const h = yield* Harness.make(Server.sequence(Server.json(503, "{}")), {
        retryPolicy: { schedule: everySecond(3) }
      })
      const error = Harness.failureOf(yield* h.run(h.client.retrieve(id)))
      expect(error).toMatchObject({ _tag: "ServerError", status: 503, attempts: 4 })
      expect(h.delays).toEqual([1000, 1000, 1000])
      expect(h.server.requests).toHaveLength(4)
    }))

  it.scoped("exponential: the delays grow as the schedule says, with no jitter of the client's", () =>
    Effect.gen(function*() {
      const h = yield* Harness.make(Server.sequence(Server.json(502, "{}"), Server.json(502, "{}"), ok), {
        retryPolicy: { schedule: Schedule.exponential("100 millis", 3).pipe(Schedule.intersect(Schedule.recurs(5))) }
      })
      Harness.successOf(yield* h.run(h.client.retrieve(id)))
      expect(h.delays).toEqual([100, 300])
      expect(h.server.requests).toHaveLength(3)
    }))

  it.scoped("the schedule is fed the error: whileInput retries rate limits only", () =>
    Effect.gen(function*() {
      const schedule = everySecond(5).pipe(
        Schedule.whileInput((error: ObjectiveAiError.ObjectiveAiError) => error._tag === "RateLimitedError")
      )
      const h = yield* Harness.make(
        Server.sequence(Server.json(429, "{}"), Server.json(503, "{}"), ok),
        { retryPolicy: { schedule } }
      )
      const error = Harness.failureOf(yield* h.run(h.client.retrieve(id)))
      expect(error).toMatchObject({ _tag: "ServerError", status: 503, attempts: 2 })
      expect(h.delays).toEqual([1000])
    }))

  it.scoped("a Retry-After hint longer than the schedule's delay raises it", () =>
    Effect.gen(function*() {
      const h = yield* Harness.make(
        Server.sequence(Server.json(429, "{}", { "retry-after": "5" }), Server.json(503, "{}"), ok),
        { retryPolicy: { schedule: everySecond(3) } }
      )
      Harness.successOf(yield* h.run(h.client.retrieve(id)))
      expect(h.delays).toEqual([5000, 1000])
      expect(h.server.requests).toHaveLength(3)
    }))

  it.scoped("a hint beyond maxRetryAfter fails at once with RateLimitedError, whatever the schedule allows", () =>
    Effect.gen(function*() {
      const h = yield* Harness.make(Server.sequence(Server.json(503, "{}", { "retry-after": "60" }), ok), {
        retryPolicy: { schedule: everySecond(10), maxRetryAfter: "30 seconds" }
      })
      const error = Harness.failureOf(yield* h.run(h.client.retrieve(id)))
      expect(error).toBeInstanceOf(ObjectiveAiError.RateLimitedError)
      expect(error).toMatchObject({ status: 503, attempts: 1 })
      expect(error).toHaveProperty("retryAfter", Duration.seconds(60))
      expect(h.delays).toEqual([])
      expect(h.server.requests).toHaveLength(1)
    }))

  it.scoped("the total timeout still bounds a schedule that would go on", () =>
    Effect.gen(function*() {
      const h = yield* Harness.make(Server.sequence(Server.json(503, "{}")), {
        retryPolicy: { schedule: Schedule.spaced("20 seconds") },
        timeouts: { read: { total: "45 seconds" } }
      })
      const error = Harness.failureOf(yield* h.run(h.client.retrieve(id)))
      expect(error).toMatchObject({ _tag: "ServerError", attempts: 3 })
      expect(h.delays).toEqual([20_000, 20_000])
      expect(h.server.requests).toHaveLength(3)
    }))

  it.scoped("a maxAttempts given beside the schedule bounds it", () =>
    Effect.gen(function*() {
      const h = yield* Harness.make(Server.sequence(Server.json(503, "{}")), {
        retryPolicy: { schedule: everySecond(10), maxAttempts: 2 }
      })
      const error = Harness.failureOf(yield* h.run(h.client.retrieve(id)))
      expect(error).toMatchObject({ _tag: "ServerError", attempts: 2 })
      expect(h.delays).toEqual([1000])
    }))

  it.scoped("a create that reached the server is not retried, whatever the schedule", () =>
    Effect.gen(function*() {
      const h = yield* Harness.make(Server.sequence(Server.json(503, "{}"), Server.json(200, completion(id))), {
        retryPolicy: { schedule: everySecond(3) }
      })
      const error = Harness.failureOf(yield* h.run(h.client.create(params)))
      expect(error).toMatchObject({ _tag: "ServerError", attempts: 1 })
      expect(h.delays).toEqual([])
      expect(h.server.requests).toHaveLength(1)
    }))

  it.scoped("a create that never reached the server is retried on the schedule", () =>
    Effect.gen(function*() {
      const port = yield* Server.freePort
      const h = yield* Harness.make(Server.sequence(ok), { port, retryPolicy: { schedule: everySecond(2) } })
      const error = Harness.failureOf(yield* h.run(h.client.create(params)))
      expect(error).toMatchObject({ _tag: "TransportError", neverSent: true, attempts: 3 })
      expect(h.delays).toEqual([1000, 1000])
    }))
})

describe("RetryPolicy.backoffSchedule", () => {
  it.effect("is the default backoff: doubling from initialDelay up to maxDelay, jittered into its upper half", () =>
    Effect.gen(function*() {
      const policy = { maxAttempts: 6, initialDelay: Duration.seconds(1), maxDelay: Duration.seconds(4) }
      const delays = yield* Schedule.run(Schedule.delays(RetryPolicy.backoffSchedule(policy)), 0, Array(10).fill(0))
      // Schedule.run ends with the output of the step that stopped the schedule: five retries, then done.
      const millis = Array.from(delays, Duration.toMillis).slice(0, -1)
      expect(millis).toHaveLength(5)
      const nominal = [1000, 2000, 4000, 4000, 4000]
      millis.forEach((delay, i) => {
        expect(delay).toBeGreaterThanOrEqual(nominal[i] / 2)
        expect(delay).toBeLessThan(nominal[i])
      })
    }))
})
