/**
 * Messages that say what happened, and no more: a long `Retry-After` on a 503 is an unavailable server asked to wait
 * whole seconds, a key no header can carry is refused before anything is sent, and `--timeout` bounds a stream too.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import { Connection } from "../src/index.js"
import * as Hostile from "./hostile.js"
import { cli, expectOneLine, inProcess, testData } from "./support.js"

const slow = 60_000

describe("error lines", () => {
  it.effect(
    "a 503 asking for a longer wait than the policy makes: the server is unavailable, whole seconds",
    () =>
      Effect.gen(function*() {
        // An HTTP date: the wait it asks for is only known to the millisecond.
        const later = new Date(Date.now() + 10 * 60_000).toUTCString()
        const server = yield* Hostile.serve(testData.slice(0, 1), {
          unknown: { code: 503, message: "maintenance", headers: { "retry-after": later } }
        })
        // A process of its own, on the real clock the client measures the date against.
        const run = yield* cli([
          "retrieve",
          "chtcpl-gone",
          "--api-key",
          "k",
          "--base-url",
          `http://127.0.0.1:${server.port}`
        ])
        expectOneLine(
          run,
          1,
          /^objectiveai: the server is unavailable \(HTTP 503\), asked to retry after (9m 5\ds|10m|10m [0-5]s): maintenance$/
        )
      }).pipe(Effect.scoped),
    slow
  )

  it.effect(
    "an API key with a line break: refused before anything is sent, one line, exit 2, the key not shown",
    () =>
      Effect.gen(function*() {
        const server = yield* Hostile.serve(testData.slice(0, 1), {})
        const run = yield* inProcess([
          "retrieve",
          testData[0].response.id,
          "--api-key",
          "sk-first-half\nsk-second-half",
          "--base-url",
          `http://127.0.0.1:${server.port}`
        ])
        expectOneLine(
          run,
          2,
          /^objectiveai: invalid request: the API key holds a space, a line break or another character/
        )
        expect(run.stderr).not.toContain("half")
        expect(server.requests).toEqual([])
      }).pipe(Effect.scoped),
    slow
  )
})

describe("--timeout", () => {
  it("bounds a whole stream as it bounds a read call", () => {
    const options = Connection.clientOptions({
      apiKey: Redacted.make("k"),
      baseUrl: "http://127.0.0.1:1",
      timeout: Duration.seconds(5)
    })
    expect(options.timeouts?.stream).toStrictEqual(Duration.seconds(5))
    expect(options.timeouts?.read?.total).toStrictEqual(Duration.seconds(5))
  })
})
