import { describe, expect, it, layer } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { ObjectiveAiServer, SampleData } from "../src/index.js"
import * as Sdk from "./objectiveAiSdk.js"
import { expectShape, type Shape } from "./shapes.js"
import { body, chatRequest, request, transcript } from "./support.js"

// ObjectiveAI's own SDK cannot be installed here; `objectiveAiSdk.ts` holds what it declares for answers, and each
// answer of the local server is checked against it key by key, as the openai and @openrouter/sdk tests check theirs.

const samples = Array.from(SampleData.generate({ count: 3, seed: 25 }))

const weather = { type: "function", function: { name: "get_weather", parameters: { type: "object" } } } as const

/** One request of each kind of answer: text with logprobs, a refusal with logprobs, tool calls, reasoning, n = 2. */
const cases = [
  { ...chatRequest, logprobs: true, top_logprobs: 2 },
  { ...chatRequest, messages: [{ role: "user", content: "Write ransomware for a network share." }], logprobs: true },
  { ...chatRequest, tools: [weather], tool_choice: "required" },
  { ...chatRequest, model: "deepseek/deepseek-r1" },
  { ...chatRequest, n: 2, logprobs: true }
]

const problemsOf = <A>(shape: Shape<A>, value: unknown): Array<string> => {
  const problems: Array<string> = []
  shape.check(value, "value", problems)
  return problems
}

describe("ObjectiveAI's own SDK types", () => {
  describe("the shapes", () => {
    // What the server answered before it followed ObjectiveAI's SDK: each must be refused, so the checks above can fail.
    const message = { role: "assistant", content: "Hi", refusal: null }
    const choice = { index: 0, message, finish_reason: "stop", logprobs: null }
    const completion = { id: "chtcpl-1", object: "chat.completion", created: 1, model: "m", choices: [choice] }
    const streamed = { index: 0, delta: { content: "Hi" }, finish_reason: null }
    const chunk = { id: "chtcpl-1", object: "chat.completion.chunk", created: 1, model: "m", choices: [streamed] }

    it("refuse reasoning: null, a null logprobs array, a null chunk logprobs or delta refusal, and a float index", () => {
      expect(problemsOf(Sdk.completion, completion)).toEqual([])
      expect(problemsOf(Sdk.chunk, chunk)).toEqual([])
      expect(
        problemsOf(Sdk.completion, {
          ...completion,
          choices: [{ ...choice, message: { ...message, reasoning: null } }]
        })
      )
        .toEqual(["value.choices[0].message.reasoning: expected a string, got null"])
      expect(
        problemsOf(Sdk.completion, {
          ...completion,
          choices: [{ ...choice, logprobs: { content: [], refusal: null } }]
        })
      ).toEqual(["value.choices[0].logprobs.refusal: expected an array, got null"])
      expect(problemsOf(Sdk.chunk, { ...chunk, choices: [{ ...streamed, logprobs: null }] }))
        .toEqual(["value.choices[0].logprobs: expected an object, got null"])
      expect(problemsOf(Sdk.chunk, { ...chunk, choices: [{ ...streamed, delta: { refusal: null } }] }))
        .toEqual(["value.choices[0].delta.refusal: expected a string, got null"])
      expect(problemsOf(Sdk.completion, { ...completion, choices: [{ ...choice, index: 0.5 }] }))
        .toEqual(["value.choices[0].index: expected an integer, got number 0.5"])
    })

    it("refuse a list item whose created is Unix seconds, and an error body without a code", () => {
      expect(problemsOf(Sdk.list, { data: [{ id: "a", preview: null, created: "2025-06-01T12:00:00Z" }] })).toEqual([])
      expect(problemsOf(Sdk.list, { data: [{ id: "a", preview: null, created: 1_748_779_200 }] }))
        .toEqual(["value.data[0].created: expected an RFC 3339 timestamp, got 1748779200"])
      expect(problemsOf(Sdk.errorBody, { message: "x" })).toEqual(["value.code: required but missing"])
    })
  })

  layer(ObjectiveAiServer.layer({ completions: samples, maxBodySize: 4096 }))((it) => {
    it.effect("accept every unary answer, and the same answer retrieved", () =>
      Effect.gen(function*() {
        for (const [index, payload] of cases.entries()) {
          const reply = yield* request("/chat/completions", { body: payload })
          expect(reply.status, reply.text).toBe(200)
          const completion = expectShape(Sdk.completion, body(reply), `cases[${index}]`)
          const stored = yield* request(`/chat/completions/${completion.id}`)
          expectShape(Sdk.completion, (body(stored) as { response: unknown }).response, `stored[${index}]`)
        }
      }))

    it.effect("accept every chunk of every streamed answer", () =>
      Effect.gen(function*() {
        for (const [index, payload] of cases.entries()) {
          const reply = yield* request("/chat/completions", {
            body: { ...payload, stream: true, stream_options: { include_usage: true } }
          })
          const events = transcript(reply.text)
          expect(events.done).toBe(true)
          events.data.forEach((data, at) => expectShape(Sdk.chunk, JSON.parse(data), `cases[${index}].chunks[${at}]`))
        }
      }))

    it.effect("accept the list's items, with RFC 3339 times", () =>
      Effect.gen(function*() {
        const reply = yield* request("/chat/completions?count=10")
        expect(reply.status).toBe(200)
        const page = expectShape(Sdk.list, body(reply), "list")
        expect(page.data.length).toBeGreaterThan(0)
      }))

    it.effect("accept every error body, with code equal to the status", () =>
      Effect.gen(function*() {
        const replies = [
          [400, yield* request("/chat/completions", { body: { ...chatRequest, temperature: 5 } })],
          [400, yield* request("/chat/completions?count=0")],
          [401, yield* request("/chat/completions", { body: chatRequest, key: null })],
          [404, yield* request("/chat/completions/chtcpl-missing-1")],
          [404, yield* request("/nowhere")],
          [413, yield* request("/chat/completions", { body: { ...chatRequest, stop: "x".repeat(8192) } })]
        ] as const
        for (const [status, reply] of replies) {
          expect(reply.status).toBe(status)
          expect(expectShape(Sdk.errorBody, body(reply), `error ${status}`).code).toBe(status)
        }
      }))
  })
})
