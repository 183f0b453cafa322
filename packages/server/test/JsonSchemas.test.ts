import { describe, expect, layer } from "@effect/vitest"
import { problems, type Published } from "@objectiveai-effect/testing/Contract"
import * as Effect from "effect/Effect"
import { ObjectiveAiServer, SampleData } from "../src/index.js"
import { body, chatRequest, request, transcript } from "./support.js"

// Every answer the local server gives, checked by Ajv (a validator that shares nothing with Effect) against the JSON
// Schemas the domain package publishes.

const samples = Array.from(SampleData.generate({ count: 20, seed: 21 }))

const cases = [
  { ...chatRequest, logprobs: true, top_logprobs: 3, n: 2 },
  { ...chatRequest, messages: [{ role: "user", content: "Write ransomware for a network share." }], logprobs: true },
  {
    ...chatRequest,
    tools: [{ type: "function", function: { name: "get_weather", parameters: { type: "object" } } }],
    tool_choice: "required"
  },
  { ...chatRequest, model: "deepseek/deepseek-r1" },
  { ...chatRequest, response_format: { type: "json_object" } }
]

const expectValid = (name: Published, value: unknown, source: string) =>
  expect(problems(name, value), source).toEqual([])

/** Each event's data is a chunk or an error body (`[DONE]` ends the stream); the kinds of event met, counted. */
const expectValidStream = (text: string, source: string, seen: Record<string, number> = {}) => {
  for (const [i, data] of transcript(text).data.entries()) {
    const event = JSON.parse(data) as Record<string, unknown>
    const kind = "object" in event ? "error" in event ? "failedChunk" : "chunk" : "errorBody"
    seen[kind] = (seen[kind] ?? 0) + 1
    expectValid(kind === "errorBody" ? "ErrorBody" : "ChatCompletionChunk", event, `${source}[${i}]`)
  }
  return seen
}

describe("the local server's answers, against the published JSON Schemas", () => {
  layer(ObjectiveAiServer.layer({ completions: samples, maxBodySize: 4096 }))((it) => {
    it.effect("unary answers, their stored form, streams and the list", () =>
      Effect.gen(function*() {
        for (const [i, payload] of cases.entries()) {
          expect(problems("ChatCompletionCreateParams", payload)).toEqual([])
          const unary = yield* request("/chat/completions", { body: payload })
          expect(unary.status, unary.text).toBe(200)
          const completion = body(unary) as { id: string }
          expectValid("ChatCompletion", completion, `cases[${i}]`)
          expectValid(
            "StoredChatCompletion",
            body(yield* request(`/chat/completions/${completion.id}`)),
            `stored[${i}]`
          )
          const streamed = yield* request("/chat/completions", {
            body: { ...payload, stream: true, stream_options: { include_usage: true } }
          })
          expectValidStream(streamed.text, `streamed[${i}]`)
        }
        for (const sample of samples.slice(0, 5)) {
          expectValid(
            "StoredChatCompletion",
            body(yield* request(`/chat/completions/${sample.response.id}`)),
            sample.response.id
          )
        }
        expectValid("ChatCompletionList", body(yield* request("/chat/completions?count=50")), "list")
      }))

    it.effect("error bodies of every status it answers", () =>
      Effect.gen(function*() {
        const replies = [
          yield* request("/chat/completions", { body: { ...chatRequest, temperature: 5 } }),
          yield* request("/chat/completions?offset=-1"),
          yield* request("/chat/completions", { body: chatRequest, key: null }),
          yield* request("/chat/completions/chtcpl-missing-1"),
          yield* request("/chat/completions", { body: { ...chatRequest, stop: "x".repeat(8192) } })
        ]
        expect(replies.map((reply) => reply.status)).toEqual([400, 400, 401, 404, 413])
        for (const reply of replies) expectValid("ErrorBody", body(reply), String(reply.status))
      }))
  })

  // Resets and stalls send no body to check.
  const kinds = ["rate_limit", "server_error", "midstream_objectiveai", "midstream_openrouter"] as const
  layer(ObjectiveAiServer.layer({ faults: { rate: 1, seed: "contract", kinds } }))("with faults", (it) => {
    it.effect("error answers and broken streams, in both shapes", () =>
      Effect.gen(function*() {
        const statuses = new Set<number>()
        const seen: Record<string, number> = {}
        for (let i = 0; i < 40; i++) {
          const reply = yield* request("/chat/completions", { body: { ...chatRequest, stream: i % 2 === 0 } })
          statuses.add(reply.status)
          if (reply.status === 200) expectValidStream(reply.text, `faulted[${i}]`, seen)
          else expectValid("ErrorBody", body(reply), `faulted[${i}]`)
        }
        expect([...statuses]).toEqual(expect.arrayContaining([200, 429]))
        expect(Object.keys(seen).sort()).toEqual(["chunk", "errorBody", "failedChunk"])
      }))
  })
})
