import * as Headers from "@effect/platform/Headers"
import { describe, expect, it } from "@effect/vitest"
import * as Server from "@objectiveai-effect/testing/ScriptedServer"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as util from "node:util"
import type { ObjectiveAiError } from "../src/index.js"
import { completionId, stored } from "./support/fixtures.js"
import * as Harness from "./support/harness.js"

const id = completionId(5)
const ok = Server.json(200, stored(id))

// Every rendering of an error a program or a test runner might print.
const renderings = (error: ObjectiveAiError.ObjectiveAiError) => [
  error.message,
  String(error),
  JSON.stringify(error),
  util.inspect(error, { depth: 10 }),
  Cause.pretty(Cause.fail(error), { renderErrorCause: true })
]

const spanText = (h: Harness.Harness) =>
  h.spans.flatMap((span) => [...span.attributes].map(([key, value]) => `${span.name} ${key}=${String(value)}`))

describe("the API key never leaks", () => {
  it.scoped.each([
    { name: "401", script: Server.sequence(Server.json(401, { code: 401, message: "bad key" })) },
    { name: "429 beyond the cap", script: Server.sequence(Server.json(429, "{}", { "retry-after": "999" })) },
    { name: "503 exhausted", script: Server.sequence(Server.json(503, "{}")) },
    { name: "invalid JSON", script: Server.sequence(Server.json(200, "nope")) },
    { name: "schema failure", script: Server.sequence(Server.json(200, { request: {}, response: {} })) },
    { name: "a reset", script: Server.sequence(Server.reset) },
    { name: "a timeout", script: Server.sequence(Server.hang) }
  ])("in the error, the logs or the spans after $name", ({ script }) =>
    Effect.gen(function*() {
      const h = yield* Harness.make(script, { retryPolicy: { maxAttempts: 2 } })
      const error = Harness.failureOf(yield* h.run(h.client.retrieve(id)))

      // The key did travel, where it belongs.
      expect(h.server.requests.length).toBeGreaterThan(0)
      expect(h.server.requests[0].headers.authorization).toBe(`Bearer ${Harness.apiKey}`)

      for (const text of renderings(error)) expect(text).not.toContain(Harness.apiKey)
      for (const log of h.logs) expect(log.line).not.toContain(Harness.apiKey)
      expect(spanText(h).length).toBeGreaterThan(0)
      for (const text of spanText(h)) expect(text).not.toContain(Harness.apiKey)
    }))

  it.scoped("in spans even when the application un-redacts every header: the transport records none", () =>
    Effect.gen(function*() {
      const h = yield* Harness.make(Server.sequence(ok))
      Harness.successOf(yield* h.run(Effect.locally(h.client.retrieve(id), Headers.currentRedactedNames, [])))
      expect(h.spans.map((span) => span.name)).toEqual(["ObjectiveAiClient.retrieve"])
      for (const text of spanText(h)) expect(text).not.toContain(Harness.apiKey)
      expect(h.server.requests[0].headers.authorization).toBe(`Bearer ${Harness.apiKey}`)
    }))

  it.scoped("in an error found before sending", () =>
    Effect.gen(function*() {
      const h = yield* Harness.make(Server.sequence(ok))
      const error = Harness.failureOf(yield* h.run(h.client.retrieve("")))
      for (const text of renderings(error)) expect(text).not.toContain(Harness.apiKey)
      expect(h.server.requests).toHaveLength(0)
    }))
})

describe("spans and logs", () => {
  it.scoped("each call is a span with method, path, status and attempts", () =>
    Effect.gen(function*() {
      const h = yield* Harness.make(Server.sequence(Server.json(503, "{}"), ok))
      Harness.successOf(yield* h.run(h.client.retrieve(id)))
      const span = h.spans.find((span) => span.name === "ObjectiveAiClient.retrieve")
      expect(Object.fromEntries(span?.attributes ?? [])).toEqual({
        "http.request.method": "GET",
        "url.path": `/chat/completions/${id}`,
        "http.response.status_code": 200,
        "objectiveai.attempts": 2
      })
      // One span per call, not per attempt: the transport's own spans are off.
      expect(h.spans.map((span) => span.name)).toEqual(["ObjectiveAiClient.retrieve"])
      expect(h.server.requests).toHaveLength(2)
    }))

  it.scoped("a failed call's span has the last status", () =>
    Effect.gen(function*() {
      const h = yield* Harness.make(Server.sequence(Server.json(404, "{}")))
      Harness.failureOf(yield* h.run(h.client.retrieve(id)))
      const span = h.spans.find((span) => span.name === "ObjectiveAiClient.retrieve")
      expect(span?.attributes.get("http.response.status_code")).toBe(404)
      expect(span?.attributes.get("objectiveai.attempts")).toBe(1)
      expect(h.server.requests).toHaveLength(1)
    }))

  it.scoped("each retry logs at Debug with its reason, attempt and delay", () =>
    Effect.gen(function*() {
      const h = yield* Harness.make(Server.sequence(Server.json(502, "{}"), Server.reset, ok))
      Harness.successOf(yield* h.run(h.client.retrieve(id)))
      expect(h.logs.map((log) => [log.level, log.annotations.reason, log.annotations.attempt])).toEqual([
        ["DEBUG", "HTTP 502", 1],
        ["DEBUG", "ECONNRESET", 2]
      ])
      expect(h.logs.map((log) => log.annotations.delayMillis)).toEqual(h.delays)
      expect(h.logs[0].line).toContain(`in ${h.delays[0]}ms`)
      expect(h.server.requests).toHaveLength(3)
    }))
})
