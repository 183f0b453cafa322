import { describe, expect, layer } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { ObjectiveAiServer } from "../src/index.js"
import { apiKey, body, chatRequest, decodeCompletion, errorMessage, request } from "./support.js"

/** Fields of the body the API ignores or reads as absent, which real SDKs and OpenAI-compatible code send. */
const ignored = {
  temprature: 1.5,
  user: "user-1234",
  metadata: { run: "nightly" },
  store: false,
  temperature: null,
  tools: null,
  tool_choice: null,
  stop: null,
  logprobs: null,
  top_logprobs: null,
  max_tokens: null,
  response_format: null,
  provider: null,
  models: null,
  stream_options: null
}

describe("ObjectiveAiServer reads a create body as the API does", () => {
  layer(ObjectiveAiServer.layer({ apiKeys: [apiKey], seed: "request-reading" }))("a server", (it) => {
    it.effect("answers 200 to a body with unknown keys (typos included) and null in optional fields", () =>
      Effect.gen(function*() {
        const reply = yield* request("/chat/completions", {
          body: {
            ...chatRequest,
            ...ignored,
            messages: [
              ...chatRequest.messages,
              {
                role: "assistant",
                content: "Start small.",
                refusal: null,
                tool_calls: null,
                name: null,
                reasoning: "…"
              },
              { role: "user", content: [{ type: "text", text: "And for small ones?", cache_control: {} }], name: null }
            ]
          }
        })
        expect(reply.status, reply.text).toBe(200)
        expect(decodeCompletion(body(reply)).choices).toHaveLength(1)
      }))

    it.effect("answers the same completion as without them: ignored keys and nulls change nothing", () =>
      Effect.gen(function*() {
        const plain = yield* request("/chat/completions", { body: chatRequest })
        const noisy = yield* request("/chat/completions", { body: { ...chatRequest, ...ignored } })
        expect(plain.status).toBe(200)
        expect(noisy.status).toBe(200)
        const content = (text: string) => decodeCompletion(JSON.parse(text)).choices.map((choice) => choice.message)
        expect(content(noisy.text)).toStrictEqual(content(plain.text))
      }))

    it.effect("answers 400 with { code, message } naming the field and the rule for a documented type or bound broken", () =>
      Effect.gen(function*() {
        const cases: ReadonlyArray<readonly [unknown, string]> = [
          [{ ...chatRequest, ...ignored, temperature: 2.5 }, "temperature: must be between 0 and 2, got 2.5"],
          [{ ...chatRequest, ...ignored, max_tokens: 0 }, "max_tokens: must be at least 1, got 0"],
          [{ ...chatRequest, ...ignored, logprobs: "yes" }, "logprobs: must be a boolean or null, got \"yes\""],
          [
            { ...chatRequest, ...ignored, reasoning_effort: "extreme" },
            "reasoning_effort: must be one of \"low\", \"medium\", \"high\" or null, got \"extreme\""
          ],
          [
            { ...chatRequest, messages: [{ role: "user", content: null }] },
            "messages[0].content: must be a string or an array, got null"
          ]
        ]
        for (const [payload, expected] of cases) {
          const message = errorMessage(yield* request("/chat/completions", { body: payload }), 400)
          expect(message).toBe(expected)
          // Keys the API ignores are no part of what it refuses.
          expect(message).not.toContain("temprature")
        }
      }))
  })
})
