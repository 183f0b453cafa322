import { describe, expect, layer } from "@effect/vitest"
import * as Receiver from "@objectiveai-effect/testing/OtlpReceiver"
import * as Server from "@objectiveai-effect/testing/ScriptedServer"
import { tempDir } from "@objectiveai-effect/testing/StoreEngines"
import * as Effect from "effect/Effect"
import * as path from "node:path"
import { against, apiKey, cli, expectOneLine, testData, TestServer } from "./support.js"

// Spawning the bundled executable and a server: slower than the default on a loaded machine.
const slow = 60_000

const keyless = (receiver: Receiver.Receiver) => {
  expect(receiver.requests.length).toBeGreaterThan(0)
  for (const request of receiver.requests) expect(request.body.includes(apiKey)).toBe(false)
}

layer(TestServer, { timeout: slow })("the command line exports its spans over OTLP/HTTP", (it) => {
  it.scoped("retrieve sends its span before it exits, as service objectiveai", () =>
    Effect.gen(function*() {
      const receiver = yield* Receiver.make()
      const id = testData[0].response.id
      const run = yield* cli(["retrieve", id, ...yield* against], {
        env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url }
      })
      expect(run.code, run.stderr).toBe(0)
      const spans = receiver.spans.filter((span) => span.name === "ObjectiveAiClient.retrieve")
      expect(spans).toHaveLength(1)
      expect(spans[0].serviceName).toBe("objectiveai")
      expect(spans[0].attributes).toMatchObject({ "http.response.status_code": 200, "objectiveai.attempts": 1 })
      expect(spans[0].attributes["objectiveai.request_id"]).toBeTypeOf("string")
      keyless(receiver)
    }))

  it.scoped("sync loses no span at exit: one per completion it retrieved, with OTEL_SERVICE_NAME", () =>
    Effect.gen(function*() {
      const receiver = yield* Receiver.make()
      const database = path.join(yield* tempDir, "synced.db")
      const run = yield* cli(["sync", "--database", database, ...yield* against], {
        env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_SERVICE_NAME: "nightly-sync" }
      })
      expect(run.code, run.stderr).toBe(0)
      const retrieved = new Set(
        receiver.spans.filter((span) => span.name === "ObjectiveAiClient.retrieve").map((span) =>
          span.attributes["url.path"]
        )
      )
      expect(retrieved.size).toBe(testData.length)
      expect(receiver.spans.some((span) => span.name === "ObjectiveAiClient.list")).toBe(true)
      expect(new Set(receiver.spans.map((span) => span.serviceName))).toStrictEqual(new Set(["nightly-sync"]))
      keyless(receiver)
    }))

  it.scoped("Ctrl-C: the spans of the finished calls and of the interrupted ones arrive before the command exits", () =>
    Effect.gen(function*() {
      const receiver = yield* Receiver.make()
      const ids = [testData[0].response.id, testData[1].response.id]
      const listed = ids.map((id) => ({ id, preview: null, created: "2025-01-01T00:00:00Z" }))
      let interrupt = () => {}
      // Pages list two ids, and their retrieves are never answered: the sync waits until it is interrupted.
      const server = yield* Server.make((request) =>
        request.url.startsWith("/chat/completions?")
          ? Server.json(200, { data: request.url.includes("offset=0") ? listed : [] })
          : () => interrupt()
      )
      const database = path.join(yield* tempDir, "interrupted.db")
      const run = yield* cli(["sync", "--database", database, "--base-url", server.url, "--api-key", apiKey], {
        env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url },
        started: (child) => {
          // Once, as a person presses Ctrl-C once: the second retrieve may hang before the first signal is handled.
          interrupt = () => {
            interrupt = () => {}
            child.kill("SIGINT")
          }
        }
      })
      expect(run.code, run.stderr).toBe(130)
      const list = receiver.spans.filter((span) => span.name === "ObjectiveAiClient.list")
      expect(list.length).toBeGreaterThan(0)
      expect(list[0].attributes["http.response.status_code"]).toBe(200)
      const retrieves = receiver.spans.filter((span) => span.name === "ObjectiveAiClient.retrieve")
      expect(retrieves.length).toBeGreaterThan(0)
      for (const span of retrieves) {
        expect(ids.map((id) => `/chat/completions/${id}`)).toContain(span.attributes["url.path"])
        expect(span.status.message).toContain("interrupted")
      }
      keyless(receiver)
    }))

  it.scoped("a collector on a closed port costs the command nothing: it succeeds", () =>
    Effect.gen(function*() {
      const port = yield* Server.freePort
      const run = yield* cli(["retrieve", testData[1].response.id, ...yield* against], {
        env: { OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}` }
      })
      expect(run.code, run.stderr).toBe(0)
      expect(run.stdout).toContain(testData[1].response.id)
    }))

  it.scoped("a collector that never answers costs the command nothing: it succeeds and exits", () =>
    Effect.gen(function*() {
      const receiver = yield* Receiver.make({ answer: false })
      const run = yield* cli(["retrieve", testData[2].response.id, ...yield* against], {
        env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url }
      })
      expect(run.code, run.stderr).toBe(0)
      expect(run.stdout).toContain(testData[2].response.id)
      // The span was on its way when the command ended: the export was tried, and given up at the shutdown timeout.
      expect(receiver.requests).toHaveLength(1)
    }))
})

describe("the command line's OpenTelemetry variables", () => {
  layer(TestServer, { timeout: slow })((it) => {
    it.scoped("a malformed OTEL_EXPORTER_OTLP_HEADERS is one usage line naming it, never its value", () =>
      Effect.gen(function*() {
        const secret = "Basic-c2VjcmV0LXRva2Vu"
        const run = yield* cli(["retrieve", testData[0].response.id, ...yield* against], {
          env: { OTEL_EXPORTER_OTLP_ENDPOINT: "http://127.0.0.1:4318", OTEL_EXPORTER_OTLP_HEADERS: secret }
        })
        expectOneLine(run, 2, /^objectiveai: OpenTelemetry export: .*OTEL_EXPORTER_OTLP_HEADERS.*key=value/)
        expect(run.stderr).not.toContain(secret)
      }))
  })
})
