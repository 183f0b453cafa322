import { describe, expect, layer } from "@effect/vitest"
import { ChatCompletionChunk } from "@objectiveai-effect/domain"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import OpenAI from "openai"
import { ObjectiveAiServer, SampleData } from "../src/index.js"
import { apiKey } from "./support.js"

const samples = Array.from(SampleData.generate({ count: 5, seed: 21 }))

/** The real `openai` client pointed at the test server; no retries, so a failure shows as it happened. */
const client = (key = apiKey) =>
  Effect.map(ObjectiveAiServer.ObjectiveAiServer, ({ url }) => new OpenAI({ baseURL: url, apiKey: key, maxRetries: 0 }))

const messages: Array<OpenAI.Chat.ChatCompletionMessageParam> = [
  { role: "user", content: "What should I check before migrating a monolith to microservices?" }
]

/** ObjectiveAI's retrieve answers `{ request, response }`, which the OpenAI SDK passes through untouched. */
interface Retrieved {
  readonly request: unknown
  readonly response: OpenAI.Chat.ChatCompletion
}

const retrieve = (openai: OpenAI, id: string) =>
  Effect.promise(async () => (await openai.chat.completions.retrieve(id)) as unknown as Retrieved)

describe("the openai npm client", () => {
  layer(ObjectiveAiServer.layer({ apiKeys: [apiKey], completions: samples }))((it) => {
    it.effect("retrieves a stored completion", () =>
      Effect.gen(function*() {
        const openai = yield* client()
        const retrieved = yield* retrieve(openai, samples[2].response.id)
        expect(retrieved.response.id).toBe(samples[2].response.id)
        expect(retrieved.response.choices.length).toBe(samples[2].response.choices.length)
        expect(retrieved.request).toMatchObject({ model: samples[2].request.model })
      }))

    it.effect("creates a completion, then retrieves it", () =>
      Effect.gen(function*() {
        const openai = yield* client()
        const completion = yield* Effect.promise(() =>
          openai.chat.completions.create({
            model: "openai/gpt-4o-mini",
            messages,
            seed: 9,
            logprobs: true,
            top_logprobs: 2
          })
        )
        expect(completion.object).toBe("chat.completion")
        expect(completion.choices[0].message.content).toMatch(/monolith|microservices|migrating/)
        expect(completion.choices[0].logprobs?.content?.[0].top_logprobs).toHaveLength(2)
        expect(completion.usage?.total_tokens).toBeGreaterThan(0)
        expect((yield* retrieve(openai, completion.id)).response).toEqual(completion)
      }))

    it.effect("streams a completion whose chunks merge into the stored one", () =>
      Effect.gen(function*() {
        const openai = yield* client()
        const chunks = yield* Effect.promise(async () => {
          const stream = await openai.chat.completions.create({
            model: "meta-llama/llama-3.1-70b-instruct",
            messages,
            n: 2,
            stream: true,
            stream_options: { include_usage: true }
          })
          const received: Array<OpenAI.Chat.ChatCompletionChunk> = []
          for await (const chunk of stream) received.push(chunk)
          return received
        })
        expect(chunks.length).toBeGreaterThan(4)
        expect(chunks[chunks.length - 1].usage?.total_tokens).toBeGreaterThan(0)
        const merged = Option.getOrThrow(
          ChatCompletionChunk.merge(chunks as unknown as ReadonlyArray<ChatCompletionChunk.ChatCompletionChunk>)
        )
        const stored = yield* retrieve(openai, merged.id)
        expect(merged).toEqual(stored.response)
      }))

    it.effect("calls a tool with arguments for its parameters", () =>
      Effect.gen(function*() {
        const openai = yield* client()
        const completion = yield* Effect.promise(() =>
          openai.chat.completions.create({
            model: "openai/gpt-4o-mini",
            messages: [{ role: "user", content: "What is the weather in Oslo?" }],
            tools: [{
              type: "function",
              function: {
                name: "get_weather",
                parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] }
              }
            }],
            tool_choice: "required"
          })
        )
        const [call] = completion.choices[0].message.tool_calls ?? []
        expect(call.type === "function" && JSON.parse(call.function.arguments)).toHaveProperty("city")
      }))

    it.effect("surfaces 401, 404 and 400 as the SDK's typed errors", () =>
      Effect.gen(function*() {
        const stranger = yield* client("wrong")
        const unauthorized = yield* Effect.flip(
          Effect.tryPromise(() => stranger.chat.completions.create({ model: "m", messages }))
        )
        expect(unauthorized.error).toBeInstanceOf(OpenAI.AuthenticationError)

        const openai = yield* client()
        const missing = yield* Effect.flip(Effect.tryPromise(() => openai.chat.completions.retrieve("chtcpl-missing")))
        expect(missing.error).toBeInstanceOf(OpenAI.NotFoundError)

        const invalid = yield* Effect.flip(
          Effect.tryPromise(() => openai.chat.completions.create({ model: "m", messages, temperature: 9 }))
        )
        // The SDK reads messages only from OpenAI's `{ error }` body; ObjectiveAI's `{ code, message }` reaches it
        // as a bare status, exactly as it does from the real API.
        expect(invalid.error).toBeInstanceOf(OpenAI.BadRequestError)
      }))
  })
})
