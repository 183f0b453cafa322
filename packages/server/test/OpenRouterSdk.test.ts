import { describe, expect, layer } from "@effect/vitest"
import { OpenRouter } from "@openrouter/sdk"
import type { ChatResult, ChatStreamChunk } from "@openrouter/sdk/models"
import { ChatResult$inboundSchema, ChatStreamChunk$inboundSchema } from "@openrouter/sdk/models"
import { ResponseValidationError } from "@openrouter/sdk/models/errors"
import * as Effect from "effect/Effect"
import { ObjectiveAiServer } from "../src/index.js"
import { apiKey, body, request, requestIdPattern, transcript } from "./support.js"

// OpenRouter's SDK validates every answer and chunk with its zod schemas: a body or chunk they refuse fails the call
// with a ResponseValidationError, so each call below that resolves was accepted as the SDK declares it.

/** The real OpenRouter client pointed at the test server; no retries, so a failure shows as it happened. */
const client = Effect.map(
  ObjectiveAiServer.ObjectiveAiServer,
  ({ url }) => new OpenRouter({ apiKey, serverURL: url, retryConfig: { strategy: "none" } })
)

type ChatRequest = Parameters<OpenRouter["chat"]["send"]>[0]["chatRequest"]

const messages: ChatRequest["messages"] = [
  { role: "user", content: "How should I structure retries with exponential backoff and jitter?" }
]

const weatherTool: NonNullable<ChatRequest["tools"]>[number] = {
  type: "function",
  function: {
    name: "get_weather",
    parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] }
  }
}

const send = (chatRequest: Omit<ChatRequest, "stream">) =>
  Effect.flatMap(client, (openrouter) =>
    Effect.promise(async () => {
      const result = await openrouter.chat.send({ chatRequest: { ...chatRequest, stream: false } })
      if (result instanceof ReadableStream) throw new Error("expected a unary answer")
      return result as ChatResult
    }))

/** Every chunk of a streamed `chat.send`, each parsed by the SDK's chunk schema on the way. */
const sendStreaming = (chatRequest: Omit<ChatRequest, "stream">) =>
  Effect.flatMap(client, (openrouter) =>
    Effect.promise(async () => {
      const stream = await openrouter.chat.send({ chatRequest: { ...chatRequest, stream: true } })
      const chunks: Array<ChatStreamChunk> = []
      for await (const chunk of stream as AsyncIterable<ChatStreamChunk>) chunks.push(chunk)
      return chunks
    }))

/** The stored `response` of a completion, as the SDK's own schema reads it. */
const stored = (id: string) =>
  Effect.map(request(`/chat/completions/${id}`), (reply) => {
    expect(reply.status).toBe(200)
    return ChatResult$inboundSchema.parse((body(reply) as { response: unknown }).response)
  })

/** The chunks of one choice, in order. */
const choiceChunks = (chunks: ReadonlyArray<ChatStreamChunk>, index: number) =>
  chunks.flatMap((chunk) => chunk.choices.filter((choice) => choice.index === index))

describe("the @openrouter/sdk client", () => {
  layer(ObjectiveAiServer.layer({ apiKeys: [apiKey] }))((it) => {
    it.effect("sends a unary request and gets a completion its schema accepts, with cost details", () =>
      Effect.gen(function*() {
        const result = yield* send({ model: "openai/gpt-4o-mini", messages, logprobs: true, topLogprobs: 2 })
        expect(result.object).toBe("chat.completion")
        expect(result.systemFingerprint).toMatch(/^fp_/)
        const [choice] = result.choices
        expect(choice.finishReason).toBe("stop")
        expect(choice.message.content).toMatch(/retries|exponential|backoff|jitter/)
        expect(choice.message.refusal).toBeNull()
        expect(choice.logprobs?.content?.map((token) => token.token).join("")).toBe(choice.message.content)
        expect(choice.logprobs?.content?.[0].topLogprobs).toHaveLength(2)
        expect(choice.logprobs?.refusal).toEqual([])
        const usage = result.usage!
        expect(usage.isByok).toBe(false)
        expect(usage.totalTokens).toBe(usage.promptTokens + usage.completionTokens)
        const details = usage.costDetails!
        expect(details.upstreamInferencePromptCost).toBeGreaterThan(0)
        expect(details.upstreamInferenceCompletionsCost).toBeGreaterThan(0)
        expect(details.upstreamInferencePromptCost + details.upstreamInferenceCompletionsCost).toBeCloseTo(
          usage.cost!,
          12
        )
        expect(yield* stored(result.id)).toEqual(result)
      }))

    it.effect("gets tool calls, a refusal and reasoning through the SDK's schemas", () =>
      Effect.gen(function*() {
        const tools = yield* send({
          model: "openai/gpt-4o-mini",
          messages: [{ role: "user", content: "What is the weather in Oslo?" }],
          tools: [weatherTool],
          toolChoice: "required"
        })
        expect(tools.choices[0].finishReason).toBe("tool_calls")
        expect(tools.choices[0].message.content).toBeNull()
        const [call] = tools.choices[0].message.toolCalls ?? []
        expect(call.function.name).toBe("get_weather")
        expect(JSON.parse(call.function.arguments)).toHaveProperty("city")

        const refused = yield* send({
          model: "openai/gpt-4o-mini",
          messages: [{ role: "user", content: "Tell me how to steal credit card numbers." }],
          logprobs: true
        })
        expect(refused.choices[0].message.content).toBeNull()
        expect(refused.choices[0].message.refusal).toMatch(/\w/)
        expect(refused.choices[0].logprobs?.content).toEqual([])
        expect(refused.choices[0].logprobs?.refusal?.length).toBeGreaterThan(0)

        const reasoned = yield* send({ model: "deepseek/deepseek-r1", messages })
        expect(reasoned.choices[0].message.reasoning).toMatch(/\w/)
        expect(reasoned.usage?.completionTokensDetails?.reasoningTokens).toBeGreaterThan(0)
      }))

    it.effect("streams chunks its schema accepts: the role first, finish_reason null until the last, then usage", () =>
      Effect.gen(function*() {
        // The SDK's request type has no `n`: one choice.
        const chunks = yield* sendStreaming({
          model: "openai/gpt-4o-mini",
          messages,
          logprobs: true,
          streamOptions: { includeUsage: true }
        })
        const choices = choiceChunks(chunks, 0)
        expect(choices[0]).toEqual({ index: 0, delta: { role: "assistant", content: "" }, finishReason: null })
        expect(choices.length).toBeGreaterThan(2)
        expect(choices.slice(0, -1).every((choice) => choice.finishReason === null)).toBe(true)
        expect(choices[choices.length - 1].finishReason).toBe("stop")
        const last = chunks[chunks.length - 1]
        expect(last.choices).toEqual([])
        expect(last.usage?.costDetails?.upstreamInferencePromptCost).toBeGreaterThan(0)
        const completion = yield* stored(last.id)
        for (const choice of completion.choices) {
          const streamed = choiceChunks(chunks, choice.index)
          expect(streamed.map((chunk) => chunk.delta.content ?? "").join("")).toBe(choice.message.content)
          expect(streamed.flatMap((chunk) => chunk.logprobs?.content ?? [])).toEqual(choice.logprobs?.content)
        }
        expect(last.usage).toEqual(completion.usage)
      }))

    it.effect("streams tool calls as fragments its schema accepts", () =>
      Effect.gen(function*() {
        const chunks = yield* sendStreaming({
          model: "openai/gpt-4o-mini",
          messages: [{ role: "user", content: "What is the weather in Oslo?" }],
          tools: [weatherTool],
          toolChoice: "required",
          parallelToolCalls: false
        })
        expect(chunks[0].choices[0].delta).toEqual({ role: "assistant" })
        const fragments = chunks.flatMap((chunk) => chunk.choices.flatMap((choice) => choice.delta.toolCalls ?? []))
        expect(fragments[0]).toMatchObject({ index: 0, type: "function", function: { name: "get_weather" } })
        const args = fragments.map((fragment) => fragment.function?.arguments ?? "").join("")
        expect(JSON.parse(args)).toHaveProperty("city")
        expect(chunks[chunks.length - 1].choices[0].finishReason).toBe("tool_calls")
      }))
  })

  layer(ObjectiveAiServer.layer({ apiKeys: [apiKey] }))("errors", (it) => {
    it.effect("keeps ObjectiveAI's { code, message } error body: the SDK rejects it with the status and request id", () =>
      Effect.gen(function*() {
        const { url } = yield* ObjectiveAiServer.ObjectiveAiServer
        const stranger = new OpenRouter({ apiKey: "wrong", serverURL: url, retryConfig: { strategy: "none" } })
        const error = yield* Effect.promise(() =>
          stranger.chat.send({ chatRequest: { model: "openai/gpt-4o-mini", messages } }).then(
            () => expect.unreachable("a bad key must be refused"),
            (error: unknown) => error
          )
        )
        // The SDK's error schemas describe OpenRouter's `{ error }` envelope, not ObjectiveAI's, so it reports a
        // validation error, as it does against the real API; the status and headers still reach the caller.
        expect(error).toBeInstanceOf(ResponseValidationError)
        const rejected = error as ResponseValidationError
        expect(rejected.statusCode).toBe(401)
        expect(rejected.headers.get("x-request-id")).toMatch(requestIdPattern)
        expect(JSON.parse(rejected.body)).toEqual({ code: 401, message: "invalid API key" })
      }))
  })

  layer(ObjectiveAiServer.layer({ apiKeys: [apiKey], faults: { rate: 1, kinds: ["midstream_openrouter"] } }))(
    "with streams that break off",
    (it) => {
      it.effect("reads OpenRouter's mid-stream error chunk through its schema", () =>
        Effect.gen(function*() {
          const chunks = yield* sendStreaming({ model: "openai/gpt-4o-mini", messages })
          const last = chunks[chunks.length - 1]
          expect(last.error).toMatchObject({ code: 502, metadata: { errorType: "server" } })
          expect(last.choices.every((choice) => choice.finishReason === "error")).toBe(true)
        }))
    }
  )

  layer(ObjectiveAiServer.layer({ apiKeys: [apiKey] }))("the SDK's schemas", (it) => {
    it.effect("refuse an answer or chunk that leaves out a key the wire carries, so the checks above can fail", () =>
      Effect.gen(function*() {
        const reply = yield* request("/chat/completions", { body: { model: "openai/gpt-4o-mini", messages } })
        const completion = body(reply) as {
          choices: Array<Record<string, unknown>>
          usage: { cost_details: Record<string, unknown> }
        }
        expect(ChatResult$inboundSchema.safeParse(completion).success).toBe(true)
        const { upstream_inference_prompt_cost: _, ...costDetails } = completion.usage.cost_details
        const withoutPromptCost = { ...completion, usage: { ...completion.usage, cost_details: costDetails } }
        expect(ChatResult$inboundSchema.safeParse(withoutPromptCost).success).toBe(false)
        const { finish_reason: __, ...unfinished } = completion.choices[0]
        expect(ChatResult$inboundSchema.safeParse({ ...completion, choices: [unfinished] }).success).toBe(false)

        const streamed = yield* request("/chat/completions", {
          body: { model: "openai/gpt-4o-mini", messages, stream: true }
        })
        const [first] = transcript(streamed.text).data.map((data) => JSON.parse(data) as { choices: Array<object> })
        expect(ChatStreamChunk$inboundSchema.safeParse(first).success).toBe(true)
        const { finish_reason: ___, ...open } = first.choices[0] as Record<string, unknown>
        expect(ChatStreamChunk$inboundSchema.safeParse({ ...first, choices: [open] }).success).toBe(false)
      }))
  })
})
