import { describe, expect, it, layer } from "@effect/vitest"
import {
  ChatCompletionChunk,
  ChatCompletionCreateParams,
  ChatCompletionList,
  ObjectiveAiApi,
  ParseMessages,
  StoredChatCompletion
} from "@objectiveai-effect/domain"
import * as Config from "effect/Config"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import * as TestClock from "effect/TestClock"
import { CompletionGenerator, ObjectiveAiServer, SampleData, ServedCompletions } from "../src/index.js"
import {
  apiKey,
  body,
  chatRequest,
  chunksOf,
  decodeCompletion,
  errorMessage,
  request,
  requestIdPattern,
  transcript
} from "./support.js"

const decodeStored = Schema.decodeUnknownSync(StoredChatCompletion.StoredChatCompletionFromJson)
const decodeList = Schema.decodeUnknownSync(ChatCompletionList.ChatCompletionList)

const sampleOptions = { seed: 7 }
const samples = Array.from(SampleData.generate({ ...sampleOptions, count: 30 }))

const retrieve = (id: string) =>
  Effect.map(request(`/chat/completions/${encodeURIComponent(id)}`), (reply) => {
    expect(reply.status).toBe(200)
    return decodeStored(reply.text)
  })

const create = (payload: unknown) =>
  Effect.map(request("/chat/completions", { body: payload }), (reply) => {
    expect(reply.status, reply.text).toBe(200)
    expect(reply.headers.get("content-type")).toContain("application/json")
    return decodeCompletion(body(reply))
  })

const stream = (payload: object) =>
  Effect.map(request("/chat/completions", { body: { ...payload, stream: true } }), (reply) => {
    expect(reply.status, reply.text).toBe(200)
    expect(reply.headers.get("content-type")).toContain("text/event-stream")
    return transcript(reply.text)
  })

const listPage = (query: string) =>
  Effect.map(request(`/chat/completions${query}`), (reply) => {
    expect(reply.status, reply.text).toBe(200)
    return decodeList(body(reply)).data
  })

describe("ObjectiveAiServer", () => {
  layer(ObjectiveAiServer.layer({
    apiKeys: [apiKey, Redacted.make("second-key")],
    seed: "server-tests",
    completions: samples
  }))("a server with keys and sample completions", (it) => {
    it.effect("listens on 127.0.0.1 at the port it reports", () =>
      Effect.gen(function*() {
        const address = yield* ObjectiveAiServer.ObjectiveAiServer
        expect(address.host).toBe("127.0.0.1")
        expect(address.port).toBeGreaterThan(0)
        expect(address.url).toBe(`http://127.0.0.1:${address.port}`)
      }))

    it.effect("retrieves a stored completion as { request, response }", () =>
      Effect.gen(function*() {
        for (const sample of [samples[0], samples[17], samples[29]]) {
          const reply = yield* request(`/chat/completions/${sample.response.id}`)
          expect(reply.status).toBe(200)
          expect(Object.keys(body(reply) as object).sort()).toEqual(["request", "response"])
          expect(decodeStored(reply.text)).toEqual(sample)
        }
      }))

    it.effect("answers an unknown id with 404 and the error body", () =>
      Effect.gen(function*() {
        const message = errorMessage(yield* request("/chat/completions/chtcpl-nope-1"), 404)
        expect(message).toContain("chtcpl-nope-1")
      }))

    it.effect("answers 401 without a key, with a malformed header or an unknown key, on every endpoint", () =>
      Effect.gen(function*() {
        const id = samples[0].response.id
        const attempts = [
          { key: null },
          { key: "wrong-key" },
          { key: "" },
          { key: null, headers: { authorization: `Basic ${apiKey}` } },
          { key: null, headers: { authorization: apiKey } }
        ]
        for (const attempt of attempts) {
          for (const target of [`/chat/completions/${id}`, "/chat/completions?count=1"]) {
            errorMessage(yield* request(target, attempt), 401)
          }
          errorMessage(yield* request("/chat/completions", { ...attempt, body: chatRequest }), 401)
          // Authorization comes before the body is even read.
          errorMessage(yield* request("/chat/completions", { ...attempt, body: "{not json" }), 401)
        }
      }))

    it.effect("accepts every configured key, plain or redacted, and a lowercase scheme", () =>
      Effect.gen(function*() {
        const id = samples[1].response.id
        for (const headers of [{ authorization: "Bearer second-key" }, { authorization: `bearer ${apiKey}` }]) {
          expect((yield* request(`/chat/completions/${id}`, { key: null, headers })).status).toBe(200)
        }
      }))

    it.effect("answers unknown routes and methods with 404 and the error body, key or not", () =>
      Effect.gen(function*() {
        for (
          const [method, target] of [
            ["POST", "/"],
            ["GET", "/v1/chat/completions"],
            ["POST", "/chat/completion"],
            ["DELETE", `/chat/completions/${samples[0].response.id}`],
            ["PUT", "/chat/completions"]
          ] as const
        ) {
          for (const key of [apiKey, null]) {
            const message = errorMessage(yield* request(target, { method, key }), 404)
            expect(message).toContain(target)
          }
        }
      }))

    it.effect("leads GET / to the docs page, key or not, where the declaration's bearer scheme is the one chosen", () =>
      Effect.gen(function*() {
        for (const key of [apiKey, null]) {
          const root = yield* request("/", { key, redirect: "manual" })
          expect(root.status).toBe(302)
          expect(root.headers.get("location")).toBe("/docs")
        }
        const docs = yield* request("/docs", { key: null })
        expect(docs.status).toBe(200)
        expect(docs.text).toContain("\"preferredSecurityScheme\":\"bearer\"")
      }))

    it.effect("creates a completion from the messages, with usage and cost, and stores it", () =>
      Effect.gen(function*() {
        // After every sample, so that the new completion lists first.
        yield* TestClock.setTime(Date.UTC(2026, 0, 1))
        const completion = yield* create(chatRequest)
        expect(completion.created).toBe(Date.UTC(2026, 0, 1) / 1000)
        expect(completion.id).toMatch(/^chtcpl-[0-9a-f]{32}-\d+$/)
        expect(completion.object).toBe("chat.completion")
        expect(completion.model).toBe(chatRequest.model)
        expect(completion.choices).toHaveLength(1)
        const [choice] = completion.choices
        expect(choice.finish_reason).toBe("stop")
        expect(choice.message.content).toMatch(/PostgreSQL|autovacuum|tables|tune/)
        const usage = completion.usage!
        expect(usage.total_tokens).toBe(usage.prompt_tokens + usage.completion_tokens)
        expect(usage.completion_tokens).toBeGreaterThan(0)
        expect(usage.cost).toBe(
          CompletionGenerator.cost(chatRequest.model, usage.prompt_tokens, usage.completion_tokens)
        )

        const stored = yield* retrieve(completion.id)
        expect(stored.response).toEqual(completion)
        expect(stored.request).toEqual(chatRequest)
        const [newest] = yield* listPage("?count=1")
        expect(newest.id).toBe(completion.id)
      }))

    it.effect("answers the same request and seed with the same completion, and another seed differently", () =>
      Effect.gen(function*() {
        const first = yield* create(chatRequest)
        const second = yield* create(chatRequest)
        expect(second.id).not.toBe(first.id)
        expect(second.choices).toEqual(first.choices)
        expect(second.usage).toEqual(first.usage)
        const reseeded = yield* create({ ...chatRequest, seed: 43 })
        expect(reseeded.choices[0].message.content).not.toBe(first.choices[0].message.content)
      }))

    it.effect("keeps a seed beyond 2^53 exact in the stored request", () =>
      Effect.gen(function*() {
        const seed = 123456789012345678901234567890n
        const completion = yield* create({ ...chatRequest, seed })
        expect((yield* retrieve(completion.id)).request.seed).toBe(seed)
      }))

    it.effect("answers an invalid create body with 400 and one line per problem, naming the field and the rule", () =>
      Effect.gen(function*() {
        const roles =
          "\"developer\", \"system\", \"user\", \"assistant\", \"tool\", \"chat_completion\", \"score_completion\""
        const cases: ReadonlyArray<readonly [unknown, string]> = [
          [{ ...chatRequest, temperature: 5 }, "temperature: must be between 0 and 2, got 5"],
          [{ model: "openai/gpt-4o-mini" }, "messages: is required"],
          [{ ...chatRequest, top_logprobs: 21 }, "top_logprobs: must be between 0 and 20, got 21"],
          [
            { ...chatRequest, messages: [{ role: "wizard", content: "hi" }] },
            `messages[0].role: must be one of ${roles}, got "wizard"`
          ],
          [
            { ...chatRequest, n: 0, stop: 5 },
            "n: must be at least 1, got 0\nstop: must be a string, an array or null, got 5"
          ],
          ["{\"model\": ", "invalid JSON body: Unexpected end of JSON input"],
          [[1, 2], "body: must be an object, got [1,2]"],
          [{ ...chatRequest, messages: [] }, "messages: must have at least 1 item, got []"],
          [{ ...chatRequest, model: "" }, "model: must not be empty, got \"\""],
          [{ ...chatRequest, n: 129 }, "n: must be at most 128, got 129"],
          [{ ...chatRequest, tool_choice: "required" }, "tool_choice: \"required\" needs at least one tool in tools"],
          [
            { ...chatRequest, tool_choice: { type: "function", function: { name: "missing" } } },
            "tool_choice: must name a function in tools, got \"missing\""
          ]
        ]
        for (const [payload, expected] of cases) {
          expect(errorMessage(yield* request("/chat/completions", { body: payload }), 400)).toBe(expected)
        }
      }))

    it.effect("gives the text the client's validation gives", () =>
      Effect.gen(function*() {
        const bodies = [
          { ...chatRequest, temperature: 5, top_p: -1 },
          { ...chatRequest, messages: [{ role: "user", content: [{ type: "image_url", image_url: {} }] }] },
          { ...chatRequest, tools: [{ type: "function", function: {} }], stop: [1] }
        ]
        for (const payload of bodies) {
          const error = yield* Effect.flip(ChatCompletionCreateParams.validate(payload))
          expect(errorMessage(yield* request("/chat/completions", { body: payload }), 400))
            .toBe(ParseMessages.format(error.issue))
        }
      }))

    it.effect("answers a body with 10,000 invalid messages with the first problems and how many more there are", () =>
      Effect.gen(function*() {
        const payload = { ...chatRequest, messages: Array.from({ length: 10_000 }, () => ({ role: "wizard" })) }
        const reply = yield* request("/chat/completions", { body: payload })
        const lines = String(errorMessage(reply, 400)).split("\n")
        expect(lines).toHaveLength(ParseMessages.maxProblems + 1)
        expect(lines[0]).toMatch(/^messages\[0\]\.role: must be one of /)
        expect(lines[lines.length - 1]).toBe(`and ${10_000 - ParseMessages.maxProblems} more problems`)
        expect(reply.text.length).toBeLessThan(4096)
      }))

    it.effect("streams well-formed SSE whose chunks merge into the stored completion and the unary answer", () =>
      Effect.gen(function*() {
        const payload = {
          ...chatRequest,
          n: 2,
          temperature: 0.8,
          logprobs: true,
          top_logprobs: 3,
          stream_options: { include_usage: true }
        }
        const events = yield* stream(payload)
        expect(events.done).toBe(true)
        expect(events.comments.length).toBeGreaterThan(0)
        expect(events.comments.every((comment) => comment === "OPENROUTER PROCESSING")).toBe(true)
        const chunks = chunksOf(events)
        expect(new Set(chunks.map((chunk) => chunk.id)).size).toBe(1)
        expect(chunks.every((chunk) => chunk.object === "chat.completion.chunk")).toBe(true)
        const last = chunks[chunks.length - 1]
        expect(last.choices).toEqual([])
        expect(last.usage?.cost).toBeGreaterThan(0)
        expect(chunks.slice(0, -1).every((chunk) => chunk.usage == null && chunk.choices.length === 1)).toBe(true)
        // Choices stream in turns: both have begun before either finishes.
        const firstFinish = chunks.findIndex((chunk) => chunk.choices[0]?.finish_reason != null)
        expect(new Set(chunks.slice(0, firstFinish).map((chunk) => chunk.choices[0].index))).toEqual(new Set([0, 1]))

        const merged = Option.getOrThrow(ChatCompletionChunk.merge(chunks))
        const stored = yield* retrieve(merged.id)
        expect(merged).toStrictEqual(stored.response)
        expect(stored.request).toEqual({ ...payload, stream: true })

        const { stream_options: _, ...unaryPayload } = payload
        const unary = yield* create(unaryPayload)
        expect({ ...merged, id: unary.id, created: unary.created }).toStrictEqual(unary)
        expect(merged.choices.map((choice) => choice.logprobs?.content?.length)).toEqual(
          unary.choices.map((choice) => choice.logprobs?.content?.length)
        )
      }))

    it.effect("streams without a usage chunk unless include_usage is set", () =>
      Effect.gen(function*() {
        const chunks = chunksOf(yield* stream(chatRequest))
        expect(chunks.every((chunk) => chunk.usage == null && chunk.choices.length === 1)).toBe(true)
        const merged = Option.getOrThrow(ChatCompletionChunk.merge(chunks))
        const { usage, ...stored } = (yield* retrieve(merged.id)).response
        expect(usage?.total_tokens).toBeGreaterThan(0)
        expect(merged).toStrictEqual(stored)
      }))

    it.effect("streams tool calls as an id-and-name fragment followed by argument pieces", () =>
      Effect.gen(function*() {
        const payload = {
          ...chatRequest,
          tools: [{
            type: "function",
            function: {
              name: "get_weather",
              parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] }
            }
          }],
          tool_choice: "required",
          parallel_tool_calls: false,
          stream_options: { include_usage: true }
        }
        const chunks = chunksOf(yield* stream(payload))
        const fragments = chunks.flatMap((chunk) => chunk.choices.flatMap((choice) => choice.delta.tool_calls ?? []))
        expect(fragments.length).toBeGreaterThan(1)
        expect(fragments[0]).toMatchObject({
          index: 0,
          type: "function",
          function: { name: "get_weather", arguments: "" }
        })
        expect(fragments.slice(1).every((fragment) => fragment.id == null && fragment.function?.name == null)).toBe(
          true
        )
        const merged = Option.getOrThrow(ChatCompletionChunk.merge(chunks))
        expect(merged.choices[0].finish_reason).toBe("tool_calls")
        expect(merged.choices[0].message.content).toBeNull()
        expect(JSON.parse(merged.choices[0].message.tool_calls![0].function.arguments)).toHaveProperty("city")
        expect(merged).toStrictEqual((yield* retrieve(merged.id)).response)
      }))
  })

  layer(ObjectiveAiServer.layer({ completions: samples, apiKeys: [apiKey] }))("the wire shape", (it) => {
    const sorted = (value: unknown) => Object.keys(value as object).sort()
    // The top-level keys of a stream's chunk; a completion, and the usage-only last chunk, add `usage`.
    const chunkKeys = ["choices", "created", "id", "model", "object", "provider", "system_fingerprint"]
    const completionKeys = [...chunkKeys, "usage"]

    it.effect("gives every answer its own x-request-id: success, stream, retrieve, list and every error", () =>
      Effect.gen(function*() {
        const replies = [
          yield* request("/chat/completions", { body: chatRequest }),
          yield* request("/chat/completions", { body: { ...chatRequest, stream: true } }),
          yield* request(`/chat/completions/${samples[0].response.id}`),
          yield* request("/chat/completions?count=2"),
          yield* request("/chat/completions", { body: { ...chatRequest, n: 0 } }),
          yield* request("/chat/completions?count=2", { key: null }),
          yield* request("/chat/completions/chtcpl-missing-1"),
          yield* request("/nowhere", { method: "PUT" })
        ]
        expect(replies.map((reply) => reply.status)).toEqual([200, 200, 200, 200, 400, 401, 404, 404])
        const ids = replies.map((reply) => reply.headers.get("x-request-id"))
        for (const id of ids) expect(id).toMatch(requestIdPattern)
        expect(new Set(ids).size).toBe(ids.length)
      }))

    it.effect("answers with the keys every SDK requires, null or [] where they have no value, and stores it so", () =>
      Effect.gen(function*() {
        const cases = [
          { ...chatRequest, logprobs: true, top_logprobs: 1 },
          { ...chatRequest, messages: [{ role: "user", content: "Write ransomware for a network share." }] },
          {
            ...chatRequest,
            tools: [{ type: "function", function: { name: "lookup_order", parameters: { type: "object" } } }],
            tool_choice: "required"
          }
        ]
        const answers = []
        for (const payload of cases) {
          const reply = yield* request("/chat/completions", { body: payload })
          expect(reply.status, reply.text).toBe(200)
          const completion = body(reply) as {
            id: string
            choices: Array<{ message: object; logprobs: object | null }>
            usage: { cost: number; cost_details: Record<string, number> }
          }
          expect(sorted(completion)).toEqual(completionKeys)
          const [choice] = completion.choices
          expect(sorted(choice)).toEqual(["finish_reason", "index", "logprobs", "message", "native_finish_reason"])
          expect(sorted(completion.usage)).toEqual([
            "completion_tokens",
            "completion_tokens_details",
            "cost",
            "cost_details",
            "is_byok",
            "prompt_tokens",
            "prompt_tokens_details",
            "total_tokens"
          ])
          const details = completion.usage.cost_details
          expect(sorted(details)).toEqual([
            "upstream_inference_completions_cost",
            "upstream_inference_cost",
            "upstream_inference_prompt_cost",
            "upstream_upstream_inference_cost"
          ])
          expect(details.upstream_inference_prompt_cost + details.upstream_inference_completions_cost).toBeCloseTo(
            completion.usage.cost,
            12
          )
          const stored = yield* request(`/chat/completions/${completion.id}`)
          expect((body(stored) as { response: unknown }).response).toEqual(completion)
          answers.push(choice)
        }
        const [text, refusal, tools] = answers
        // `reasoning` is left out where there is none: ObjectiveAI's SDK declares it optional and never null.
        expect(text.message).toEqual({ role: "assistant", content: expect.any(String), refusal: null })
        expect(sorted(text.logprobs)).toEqual(["content", "refusal"])
        // The side without tokens is `[]`, as ObjectiveAI's SDK declares both arrays.
        expect(text.logprobs).toMatchObject({ refusal: [] })
        expect(refusal.message).toEqual({ role: "assistant", content: null, refusal: expect.any(String) })
        expect(refusal.logprobs).toBeNull()
        expect(tools.message).toEqual({
          role: "assistant",
          content: null,
          refusal: null,
          tool_calls: [expect.objectContaining({ type: "function" })]
        })
        expect(tools.logprobs).toBeNull()
      }))

    it.effect("streams a role-only first delta, finish reasons null until known, and logprobs only with tokens", () =>
      Effect.gen(function*() {
        const reply = yield* request("/chat/completions", {
          body: { ...chatRequest, n: 2, logprobs: true, stream: true, stream_options: { include_usage: true } }
        })
        const chunks = transcript(reply.text).data.map((data) => JSON.parse(data) as Record<string, unknown>)
        const usage = chunks.pop()!
        expect(usage.choices).toEqual([])
        expect(sorted(usage)).toEqual(completionKeys)
        for (const chunk of chunks) expect(sorted(chunk)).toEqual(chunkKeys)
        for (const index of [0, 1]) {
          const choices = chunks.flatMap((chunk) =>
            (chunk.choices as Array<Record<string, unknown>>).filter((choice) => choice.index === index)
          )
          expect(choices[0]).toEqual({
            index,
            delta: { role: "assistant", content: "" },
            finish_reason: null,
            native_finish_reason: null
          })
          const [last] = choices.splice(-1)
          expect(last).toEqual({
            index,
            delta: {},
            finish_reason: "stop",
            native_finish_reason: "stop"
          })
          expect(choices.every((choice) => choice.finish_reason === null && choice.native_finish_reason === null))
            .toBe(true)
          // Content deltas carry their tokens' logprobs, with `refusal: []` beside them; the role and finish deltas,
          // which have no tokens, leave `logprobs` out rather than send null (ObjectiveAI's SDK: optional, never null).
          for (const choice of choices.slice(1)) {
            expect(sorted(choice)).toEqual(["delta", "finish_reason", "index", "logprobs", "native_finish_reason"])
            expect(choice.logprobs).toEqual({ content: expect.any(Array), refusal: [] })
          }
        }
      }))
  })

  layer(ObjectiveAiServer.layer({ completions: samples, apiKeys: [apiKey] }))("listing", (it) => {
    const newestFirst = [...samples]
      .map((sample, position) => ({ sample, position }))
      .sort((a, b) => b.sample.response.created - a.sample.response.created || b.position - a.position)
      .map(({ sample }) => sample)

    it.effect("lists newest first, 100 by default, with RFC 3339 times and content previews", () =>
      Effect.gen(function*() {
        const page = yield* listPage("")
        expect(page.map((item) => item.id)).toEqual(newestFirst.map((sample) => sample.response.id))
        for (const [item, sample] of page.map((item, i) => [item, newestFirst[i]] as const)) {
          expect(item.created).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/)
          expect(Date.parse(item.created) / 1000).toBe(sample.response.created)
          const content = sample.response.choices[0]?.message.content
          if (typeof content === "string") {
            expect(content.startsWith(item.preview ?? "")).toBe(true)
            expect(item.preview?.length).toBe(Math.min(content.length, ServedCompletions.previewLength))
          } else {
            expect(item.preview).toBeNull()
          }
        }
      }))

    it.effect("pages with count and offset, and gives an empty page past the end", () =>
      Effect.gen(function*() {
        const pages: Array<string> = []
        for (let offset = 0; offset < samples.length; offset += 7) {
          const page = yield* listPage(`?count=7&offset=${offset}`)
          expect(page.length).toBe(Math.min(7, samples.length - offset))
          pages.push(...page.map((item) => item.id))
        }
        expect(pages).toEqual(newestFirst.map((sample) => sample.response.id))
        expect(yield* listPage(`?offset=${samples.length}`)).toEqual([])
        expect(yield* listPage(`?count=${ObjectiveAiApi.maxListCount}&offset=1000000`)).toEqual([])
      }))

    it.effect("answers a bad count or offset with 400, one line per parameter naming it and the rule", () =>
      Effect.gen(function*() {
        for (
          const [query, expected] of [
            ["count=0", "count: must be between 1 and 1000, got 0"],
            [`count=${ObjectiveAiApi.maxListCount + 1}`, "count: must be between 1 and 1000, got 1001"],
            ["count=abc", "count: must be a decimal integer, got \"abc\""],
            ["count=2.5", "count: must be an integer, got 2.5"],
            ["count=1&count=2", "count: must be a decimal integer, got [\"1\",\"2\"]"],
            ["offset=-1", "offset: must be at least 0, got -1"],
            ["offset=", "offset: must be a decimal integer, got \"\""],
            [
              "count=0&offset=x",
              "count: must be between 1 and 1000, got 0\noffset: must be a decimal integer, got \"x\""
            ]
          ]
        ) {
          expect(errorMessage(yield* request(`/chat/completions?${query}`), 400)).toBe(expected)
        }
      }))
  })

  it.effect("gives fresh servers with the same seed the same ids, times and answers", () =>
    Effect.gen(function*() {
      const answers = (seed: string) =>
        Effect.gen(function*() {
          const completion = yield* create(chatRequest)
          const streamed = yield* request("/chat/completions", { body: { ...chatRequest, stream: true } })
          return { completion, streamed: streamed.text }
        }).pipe(Effect.provide(ObjectiveAiServer.layer({ seed })))
      yield* TestClock.setTime(1_750_000_000_000)
      const first = yield* answers("same")
      expect(first.completion.id).toMatch(/^chtcpl-[0-9a-f]{32}-1750000000$/)
      expect(first.completion.created).toBe(1_750_000_000)
      expect(yield* answers("same")).toEqual(first)
      const reseeded = yield* answers("other")
      expect(reseeded.completion.id).not.toBe(first.completion.id)
      expect(reseeded.completion.choices).toEqual(first.completion.choices)
    }))

  it.effect("reads its options from Config with layerConfig", () =>
    Effect.gen(function*() {
      const address = yield* ObjectiveAiServer.ObjectiveAiServer
      expect(address.port).toBeGreaterThan(0)
      expect((yield* request("/chat/completions?count=1", { key: "from-config" })).status).toBe(200)
      errorMessage(yield* request("/chat/completions?count=1", { key: "not-configured" }), 401)
      const seeded = yield* create(chatRequest)
      expect(seeded.id).toBe(CompletionGenerator.completionId("config-seed:0", seeded.created))
    }).pipe(
      Effect.provide(ObjectiveAiServer.layerConfig({
        port: Config.integer("PORT"),
        apiKeys: Config.array(Config.redacted("KEYS")),
        seed: Config.string("SEED")
      })),
      Effect.withConfigProvider(ConfigProvider.fromMap(
        new Map([["PORT", "0"], ["KEYS", `from-config,${apiKey}`], ["SEED", "config-seed"]])
      ))
    ))
})
