import { describe, expect, it } from "@effect/vitest"
import * as Server from "@objectiveai-effect/testing/ScriptedServer"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import * as Stream from "effect/Stream"
import * as util from "node:util"
import { completionId, stored } from "./support/fixtures.js"
import * as Harness from "./support/harness.js"

describe("an API key no header can carry", () => {
  for (const [what, key] of [["a line break", "sk-test\nkey"], ["a space", "sk test"], ["a NUL", "sk\u0000"]]) {
    it.scoped(`with ${what}: every call fails at once with InvalidRequestError, nothing sent, the key not shown`, () =>
      Effect.gen(function*() {
        const h = yield* Harness.make(() => Server.json(200, stored(completionId(1))), { apiKey: Redacted.make(key) })
        const calls = [
          h.client.retrieve(completionId(1)),
          Stream.runDrain(h.client.list()),
          h.client.create({ model: "openai/gpt-4o-mini", messages: [{ role: "user", content: "Hi" }] })
        ]
        for (const call of calls) {
          const error = Harness.failureOf(yield* h.run(call))
          expect(error._tag).toBe("InvalidRequestError")
          expect(error.attempts).toBe(0)
          expect(error.message).toContain("the API key holds a space, a line break or another character")
          expect(error.message).not.toContain(key)
        }
        expect(h.server.requests).toHaveLength(0)
      }))
  }
})

describe("credentials in the base URL", () => {
  const secret = "base-url-S3cret"
  it.scoped.each([
    { name: "a reset", script: Server.sequence(Server.reset) },
    { name: "invalid JSON", script: Server.sequence(Server.json(200, "nope")) },
    { name: "a refused connection", script: Server.sequence(Server.reset), refused: true }
  ])("are in no error, log or span after $name", ({ refused, script }) =>
    Effect.gen(function*() {
      const port = refused === true ? yield* Server.freePort : (yield* Server.make(script)).port
      const h = yield* Harness.make(script, {
        port,
        baseUrl: `http://robot:${secret}@127.0.0.1:${port}`,
        retryPolicy: { maxAttempts: 2 }
      })
      const error = Harness.failureOf(yield* h.run(h.client.retrieve(completionId(1))))
      const renderings = [error.message, String(error), JSON.stringify(error), util.inspect(error, { depth: 10 })]
      for (const text of renderings) expect(text).not.toContain(secret)
      for (const log of h.logs) expect(log.line).not.toContain(secret)
      for (const span of h.spans) {
        for (const value of span.attributes.values()) expect(String(value)).not.toContain(secret)
      }
    }))
})
