import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { describe, expect, it, layer } from "@effect/vitest"
import type { ChatCompletion } from "@objectiveai-effect/domain"
import { ObjectiveAiServer } from "@objectiveai-effect/server"
import * as Testing from "@objectiveai-effect/server/Testing"
import * as Receiver from "@objectiveai-effect/testing/OtlpReceiver"
import * as Server from "@objectiveai-effect/testing/ScriptedServer"
import * as Cause from "effect/Cause"
import * as Chunk from "effect/Chunk"
import * as Clock from "effect/Clock"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as TestClock from "effect/TestClock"
import { CallTags, ObjectiveAiClient, StreamError, Telemetry } from "../src/index.js"
import { completion, completionId } from "./support/fixtures.js"
import * as Sse from "./support/sse.js"
import { content, openRouterMidstreamError, sse, usage } from "./support/transcripts.js"

const params = {
  model: "openai/gpt-4o-mini",
  messages: [{ role: "user" as const, content: "Explain vector clocks" }],
  temperature: 0.5,
  top_p: 0.9,
  max_tokens: 64,
  stop: ["\n\n"],
  seed: 7
}

const tags = { user: "u-42", feature: "summary" }

const exporting = (receiver: Receiver.Receiver, options: Partial<Telemetry.OtlpOptions> = {}) =>
  Telemetry.layerOtlp({ endpoint: receiver.url, serviceName: "telemetry-test", ...options }).pipe(
    Layer.provide(NodeHttpClient.layerUndici)
  )

const spanNamed = (receiver: Receiver.Receiver, name: string) => {
  const spans = receiver.spans.filter((span) => span.name === name)
  expect(spans).toHaveLength(1)
  return spans[0]
}

// Every string the receiver was sent, decoded and raw: the key must be in none of them.
const expectNoKey = (receiver: Receiver.Receiver, key: string) => {
  expect(receiver.requests.length).toBeGreaterThan(0)
  for (const request of receiver.requests) {
    expect(request.body.includes(key)).toBe(false)
    expect(JSON.stringify(request.headers)).not.toContain(key)
  }
  for (const span of receiver.spans) expect(JSON.stringify(span)).not.toContain(key)
}

const requestAttributes = {
  "gen_ai.operation.name": "chat",
  "gen_ai.system": "objectiveai",
  "gen_ai.request.model": "openai/gpt-4o-mini",
  "gen_ai.request.temperature": 0.5,
  "gen_ai.request.top_p": 0.9,
  "gen_ai.request.max_tokens": 64,
  "gen_ai.request.stop_sequences": ["\n\n"],
  "gen_ai.request.seed": 7,
  "objectiveai.tag.user": "u-42",
  "objectiveai.tag.feature": "summary"
}

// What a span says of the completion a call answered with (the local server's answers are never BYOK).
const answerAttributes = (answer: ChatCompletion.ChatCompletion) => ({
  "gen_ai.response.id": answer.id,
  "gen_ai.response.model": answer.model,
  "gen_ai.response.finish_reasons": answer.choices.map((choice) => choice.finish_reason),
  "gen_ai.response.provider": answer.provider,
  "gen_ai.usage.input_tokens": answer.usage?.prompt_tokens,
  "gen_ai.usage.output_tokens": answer.usage?.completion_tokens,
  "gen_ai.usage.cost": answer.usage?.cost,
  "gen_ai.usage.is_byok": false
})

describe("Telemetry: spans over OTLP/HTTP against the local server", () => {
  layer(Testing.layer({ server: { seed: "client-tests" } }))((it) => {
    it.scoped("a create is one client span with the GenAI attributes, the answer's usage, cost and provider, and its tags", () =>
      Effect.gen(function*() {
        const receiver = yield* Receiver.make()
        const client = yield* ObjectiveAiClient.ObjectiveAiClient
        const answer = yield* client.createWithResponse(params).pipe(
          CallTags.tagged(tags),
          Effect.provide(exporting(receiver))
        )
        // Released with the provide: what was queued has been sent before it returned.
        const span = spanNamed(receiver, "ObjectiveAiClient.create")
        const completion = answer.value
        expect(span.kind).toBe(3)
        expect(span.serviceName).toBe("telemetry-test")
        expect(span.status.code).not.toBe(2)
        expect(span.attributes).toStrictEqual({
          ...requestAttributes,
          "http.request.method": "POST",
          "url.path": "/chat/completions",
          "http.response.status_code": 200,
          "objectiveai.attempts": 1,
          "objectiveai.request_id": answer.requestId,
          ...answerAttributes(completion)
        })
        expect(answer.requestId).toBeTypeOf("string")
        expect(completion.provider).toBeTypeOf("string")
        expect(completion.usage?.cost).toBeGreaterThan(0)
        expect(receiver.requests.every((request) => request.path === "/v1/traces")).toBe(true)
        expect(receiver.requests[0].contentType).toBe("application/x-protobuf")
        expectNoKey(receiver, Testing.apiKey)
      }))

    it.scoped("a retrieve's span and a list's carry the caller's tags", () =>
      Effect.gen(function*() {
        const receiver = yield* Receiver.make()
        const client = yield* ObjectiveAiClient.ObjectiveAiClient
        const created = yield* client.create(params)
        yield* Effect.gen(function*() {
          yield* client.retrieve(created.id)
          yield* Stream.runDrain(Stream.take(client.list({ pageSize: 2 }), 2))
        }).pipe(CallTags.tagged(tags), Effect.provide(exporting(receiver)))
        for (const name of ["ObjectiveAiClient.retrieve", "ObjectiveAiClient.list"]) {
          expect(spanNamed(receiver, name).attributes).toMatchObject({
            "objectiveai.tag.user": "u-42",
            "objectiveai.tag.feature": "summary"
          })
        }
      }))

    it.scoped("a stream is one span around its opening, with the attributes of the completion its chunks made", () =>
      Effect.gen(function*() {
        const receiver = yield* Receiver.make()
        const client = yield* ObjectiveAiClient.ObjectiveAiClient
        const completion = yield* client.stream(params).pipe(
          Stream.run(ObjectiveAiClient.collect),
          CallTags.tagged(tags),
          Effect.provide(exporting(receiver))
        )
        const span = spanNamed(receiver, "ObjectiveAiClient.stream")
        const open = spanNamed(receiver, "ObjectiveAiClient.stream.open")
        expect(open.parentSpanId).toBe(span.spanId)
        expect(open.attributes["objectiveai.attempts"]).toBe(1)
        expect(span.attributes).toStrictEqual({
          ...requestAttributes,
          "http.request.method": "POST",
          "url.path": "/chat/completions",
          "http.response.status_code": 200,
          "objectiveai.attempts": 1,
          "objectiveai.request_id": open.attributes["objectiveai.request_id"],
          ...answerAttributes(completion)
        })
        expect(open.attributes["objectiveai.request_id"]).toBeTypeOf("string")
        expectNoKey(receiver, Testing.apiKey)
      }))

    it.scoped("a refused call's span is an error with the client error's tag, status and request id, and no key", () =>
      Effect.gen(function*() {
        const receiver = yield* Receiver.make()
        const { url } = yield* ObjectiveAiServer.ObjectiveAiServer
        const wrongKey = "sk-wrong-key-that-must-stay-secret-1234"
        const exit = yield* Effect.gen(function*() {
          const client = yield* ObjectiveAiClient.ObjectiveAiClient
          return yield* client.create(params)
        }).pipe(
          Effect.provide(ObjectiveAiClient.layer({ apiKey: Redacted.make(wrongKey), baseUrl: url })),
          Effect.provide(NodeHttpClient.layerUndici),
          CallTags.tagged(tags),
          Effect.provide(exporting(receiver)),
          Effect.exit
        )
        expect(Exit.isFailure(exit)).toBe(true)
        const span = spanNamed(receiver, "ObjectiveAiClient.create")
        expect(span.status.code).toBe(2)
        expect(span.attributes).toMatchObject({
          ...requestAttributes,
          "error.type": "UnauthorizedError",
          "objectiveai.error.status": 401,
          "http.response.status_code": 401,
          "objectiveai.attempts": 1
        })
        expect(span.attributes["objectiveai.request_id"]).toBeTypeOf("string")
        expect(span.events.map((event) => event.name)).toContain("exception")
        expectNoKey(receiver, wrongKey)
      }))

    it.scoped("nothing is lost at shutdown: every span of 50 calls arrives when the layer is released", () =>
      Effect.gen(function*() {
        const receiver = yield* Receiver.make()
        const client = yield* ObjectiveAiClient.ObjectiveAiClient
        // The TestClock never reaches the export interval: only the flush on release can send them.
        yield* Effect.forEach(
          Array.from({ length: 50 }, (_, index) => ({ ...params, seed: index })),
          (body) => client.create(body),
          { concurrency: 8 }
        ).pipe(Effect.provide(exporting(receiver)))
        const ids = new Set(
          receiver.spans.filter((span) => span.name === "ObjectiveAiClient.create").map((span) =>
            span.attributes["gen_ai.response.id"]
          )
        )
        expect(ids.size).toBe(50)
      }))

    it.scoped("http/json sends the same spans as JSON", () =>
      Effect.gen(function*() {
        const receiver = yield* Receiver.make()
        const client = yield* ObjectiveAiClient.ObjectiveAiClient
        const completion = yield* client.create(params).pipe(
          Effect.provide(exporting(receiver, { protocol: "http/json" }))
        )
        expect(receiver.requests[0].contentType).toContain("application/json")
        const span = spanNamed(receiver, "ObjectiveAiClient.create")
        expect(span.attributes["gen_ai.response.id"]).toBe(completion.id)
        expect(span.attributes["gen_ai.request.seed"]).toBe(7)
      }))
  })
})

/** A client of a scripted server, with the scripted server's key. */
const scriptedClient = (script: Server.Script) =>
  Effect.gen(function*() {
    const server = yield* Server.make(script)
    const context = yield* Layer.build(
      ObjectiveAiClient.layer({ apiKey: Redacted.make(scriptedKey), baseUrl: server.url }).pipe(
        Layer.provide(NodeHttpClient.layerUndici)
      )
    )
    return Context.get(context, ObjectiveAiClient.ObjectiveAiClient)
  })

const scriptedKey = "sk-scripted-key-never-in-a-span-0000"

describe("Telemetry: a stream that fails midway", () => {
  it.scoped("is an error span with the error's tag and the attributes of the partial completion it carries", () =>
    Effect.gen(function*() {
      const receiver = yield* Receiver.make()
      const body = { code: 502, message: { kind: "upstream", error: { message: "Bad gateway" } } }
      const client = yield* scriptedClient(
        Server.sequence(Sse.reply([sse(content("Hello"), { ...content(", wor"), usage }, body, "[DONE]")], {
          headers: { "x-request-id": "req-midway" }
        }))
      )
      const exit = yield* client.stream(params).pipe(
        Stream.runDrain,
        CallTags.tagged(tags),
        Effect.provide(exporting(receiver)),
        Effect.exit
      )
      const error = Exit.isFailure(exit) ? Option.getOrThrow(Cause.failureOption(exit.cause)) : undefined
      expect(error).toBeInstanceOf(StreamError.StreamMidstreamError)
      const partial = Option.getOrThrow((error as StreamError.StreamMidstreamError).partial)
      const span = spanNamed(receiver, "ObjectiveAiClient.stream")
      expect(span.status.code).toBe(2)
      expect(span.attributes).toMatchObject({
        ...requestAttributes,
        "error.type": "StreamMidstreamError",
        "objectiveai.error.status": 502,
        "http.response.status_code": 200,
        "objectiveai.request_id": "req-midway",
        "gen_ai.response.id": partial.id,
        "gen_ai.response.model": partial.model,
        "gen_ai.usage.input_tokens": usage.prompt_tokens,
        "gen_ai.usage.output_tokens": usage.completion_tokens
      })
      expectNoKey(receiver, scriptedKey)
    }))
})

const realSleep = (millis: number) => Effect.promise(() => new Promise((resolve) => setTimeout(resolve, millis)))

/**
 * Closes the layer's scope and moves the TestClock by the shutdown timeout once the release waits on it (in real time,
 * up to 5 s, else dies): the release must then end, however long the collector would take.
 */
const releaseAtShutdownTimeout = (scope: Scope.CloseableScope) =>
  Effect.gen(function*() {
    const now = yield* Clock.currentTimeMillis
    const release = yield* Effect.fork(Scope.close(scope, Exit.void))
    const due = now + 3_000
    yield* Effect.gen(function*() {
      while (!Chunk.some(yield* TestClock.sleeps(), (at) => at === due)) yield* realSleep(1)
    }).pipe(
      Effect.raceFirst(Effect.zipRight(realSleep(5_000), Effect.dieMessage("the release never waited on its timeout")))
    )
    yield* TestClock.adjust("3 seconds")
    return yield* Fiber.join(release)
  })

describe("Telemetry: a stream that OpenRouter's error chunk ends", () => {
  it.scoped("takes its finish reason and provider from that chunk, merged into the error's partial completion", () =>
    Effect.gen(function*() {
      const receiver = yield* Receiver.make()
      const start = (text: string) => ({ ...content(text), id: "gen-abc123", created: 1234567890 })
      const client = yield* scriptedClient(
        Server.sequence(Sse.reply([sse(start("Par"), start("tial"), openRouterMidstreamError)]))
      )
      yield* client.stream(params).pipe(Stream.runDrain, Effect.provide(exporting(receiver)), Effect.exit)
      expect(spanNamed(receiver, "ObjectiveAiClient.stream").attributes).toMatchObject({
        "error.type": "StreamMidstreamError",
        "objectiveai.error.status": 429,
        "gen_ai.response.id": "gen-abc123",
        "gen_ai.response.finish_reasons": ["error"],
        "gen_ai.response.provider": "OpenAI"
      })
    }))
})

describe("Telemetry: a collector that cannot take the spans never fails or slows a call", () => {
  const body = { ...params, seed: 1 }
  const ok = Server.json(200, completion(completionId(1)))

  it.scoped("one that never answers: calls succeed while its export hangs, and the release ends at its timeout", () =>
    Effect.gen(function*() {
      const receiver = yield* Receiver.make({ answer: false })
      const client = yield* scriptedClient(Server.sequence(ok))
      const scope = yield* Scope.make()
      const context = yield* Layer.buildWithScope(exporting(receiver), scope)
      const call = Effect.provide(client.create(body), context)
      yield* call
      // The export interval passes: the span is sent, and the collector keeps the request waiting.
      yield* TestClock.adjust("5 seconds")
      yield* receiver.firstRequest
      const pending = receiver.requests.length
      // These could not finish if a call waited on the export in flight.
      const later = yield* Effect.all([call, call, call])
      expect(later).toHaveLength(3)
      expect(receiver.requests).toHaveLength(pending)
      // Releasing waits for the flush at most its shutdown timeout, on the clock, however long the collector takes.
      expect(yield* releaseAtShutdownTimeout(scope)).toBeUndefined()
    }))

  it.scoped("one on a closed port: calls succeed and the release ends at its timeout", () =>
    Effect.gen(function*() {
      const port = yield* Server.freePort
      const client = yield* scriptedClient(Server.sequence(ok))
      const scope = yield* Scope.make()
      const context = yield* Layer.buildWithScope(
        Telemetry.layerOtlp({ endpoint: `http://127.0.0.1:${port}`, serviceName: "telemetry-test" }).pipe(
          Layer.provide(NodeHttpClient.layerUndici)
        ),
        scope
      )
      const call = Effect.provide(client.create(body), context)
      yield* call
      yield* TestClock.adjust("5 seconds")
      const later = yield* Effect.all([call, call, call])
      expect(later.map((completion) => completion.id)).toStrictEqual(Array(3).fill(completionId(1)))
      expect(yield* releaseAtShutdownTimeout(scope)).toBeUndefined()
    }))
})

describe("Telemetry.layerConfig", () => {
  const withEnv = (env: Record<string, string>) =>
    Effect.withConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(env))))

  const created = (client: ObjectiveAiClient.Service, env: Record<string, string>) =>
    client.create(params).pipe(
      Effect.provide(
        Telemetry.layerConfig({ serviceName: "fallback-name" }).pipe(
          Layer.provide(NodeHttpClient.layerUndici)
        )
      ),
      withEnv(env)
    )

  it.scoped("exports to OTEL_EXPORTER_OTLP_ENDPOINT/v1/traces with OTEL_SERVICE_NAME and OTEL_EXPORTER_OTLP_HEADERS", () =>
    Effect.gen(function*() {
      const receiver = yield* Receiver.make()
      const client = yield* scriptedClient(Server.sequence(Server.json(200, completion(completionId(2)))))
      yield* created(client, {
        OTEL_EXPORTER_OTLP_ENDPOINT: `${receiver.url}/`,
        OTEL_SERVICE_NAME: "checkout",
        OTEL_EXPORTER_OTLP_HEADERS: "authorization=Basic%20c2VjcmV0, x-team = blue"
      })
      expect(receiver.requests[0].path).toBe("/v1/traces")
      expect(receiver.requests[0].headers).toMatchObject({ authorization: "Basic c2VjcmV0", "x-team": "blue" })
      const span = spanNamed(receiver, "ObjectiveAiClient.create")
      expect(span.serviceName).toBe("checkout")
      expect(span.attributes["gen_ai.response.id"]).toBe(completionId(2))
    }))

  it.scoped("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is used as it is, and the service name falls back to the caller's", () =>
    Effect.gen(function*() {
      const receiver = yield* Receiver.make()
      const client = yield* scriptedClient(Server.sequence(Server.json(200, completion(completionId(3)))))
      yield* created(client, { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${receiver.url}/custom/traces` })
      expect(receiver.requests[0].path).toBe("/custom/traces")
      expect(spanNamed(receiver, "ObjectiveAiClient.create").serviceName).toBe("fallback-name")
    }))

  it.scoped("exports nothing, and changes nothing, when no endpoint is set", () =>
    Effect.gen(function*() {
      const client = yield* scriptedClient(Server.sequence(Server.json(200, completion(completionId(4)))))
      const tracer = yield* Effect.tracer
      const inside = yield* Effect.tracer.pipe(
        Effect.provide(Telemetry.layerConfig().pipe(Layer.provide(NodeHttpClient.layerUndici))),
        withEnv({})
      )
      expect(inside).toBe(tracer)
      expect((yield* created(client, {})).id).toBe(completionId(4))
    }))

  it.effect.each([
    {
      variable: "OTEL_EXPORTER_OTLP_ENDPOINT",
      value: "collector:4318",
      problem: "expected an http:// or https:// URL"
    },
    { variable: "OTEL_EXPORTER_OTLP_PROTOCOL", value: "grpc", problem: "http/protobuf" },
    { variable: "OTEL_EXPORTER_OTLP_HEADERS", value: "authorization", problem: "key=value" },
    { variable: "OTEL_EXPORTER_OTLP_HEADERS", value: "authorization=%E0%A4%A", problem: "percent-encoded" },
    { variable: "OTEL_EXPORTER_OTLP_TIMEOUT", value: "-5", problem: "milliseconds" }
  ])(
    "$variable=$value is a ConfigError naming the variable, never its value",
    ({ problem, value, variable }) =>
      Effect.gen(function*() {
        const error = yield* Layer.build(Telemetry.layerConfig().pipe(Layer.provide(NodeHttpClient.layerUndici))).pipe(
          Effect.scoped,
          withEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://127.0.0.1:4318", [variable]: value }),
          Effect.flip
        )
        const message = String(error)
        expect(message).toContain(variable)
        expect(message).toContain(problem)
        if (variable === "OTEL_EXPORTER_OTLP_HEADERS") expect(message).not.toContain(value)
      })
  )
})
