import * as AiError from "@effect/ai/AiError"
import * as Chat from "@effect/ai/Chat"
import * as LanguageModel from "@effect/ai/LanguageModel"
import type * as Response from "@effect/ai/Response"
import * as HttpClient from "@effect/platform/HttpClient"
import { describe, expect, it, layer } from "@effect/vitest"
import { ObjectiveAiClient } from "@objectiveai-effect/client"
import { ObjectiveAiServer } from "@objectiveai-effect/server"
import * as Testing from "@objectiveai-effect/server/Testing"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import OpenAI from "openai"
import { ObjectiveAiLanguageModel } from "../src/index.js"
import * as Support from "./support.js"

const prompt = "How should I index a PostgreSQL table of time series?"

/** What the `openai` npm client gets from the same server for the request our provider sends. */
const openAiAnswer = (request: OpenAI.Chat.ChatCompletionCreateParamsNonStreaming) =>
  Effect.flatMap(
    ObjectiveAiServer.ObjectiveAiServer,
    ({ url }) =>
      Effect.promise(() =>
        new OpenAI({ baseURL: url, apiKey: Support.apiKey, maxRetries: 0 }).chat.completions.create(request)
      )
  )

/** The request the server stored for a completion: what it really received. */
const storedRequest = (id: string) =>
  Effect.flatMap(ObjectiveAiClient.ObjectiveAiClient, (client) => client.retrieve(id)).pipe(
    Effect.map((stored) => stored.request)
  )

const Recipe = Schema.Struct({
  title: Schema.String,
  minutes: Schema.Number,
  steps: Schema.Array(Schema.String)
}).annotations({ identifier: "Recipe" })

// The `objectiveai` entry of FinishPartMetadata must fit @effect/ai's ProviderMetadata index signature: an interface
// does not, which a consumer checking declaration files (skipLibCheck: false) sees as TS2411.
it("the finish metadata is a ProviderMetadata entry, as @effect/ai's augmentation needs", () => {
  const metadata: ObjectiveAiLanguageModel.FinishMetadata = {
    completionId: "chtcpl-1",
    provider: undefined,
    systemFingerprint: undefined,
    nativeFinishReason: "stop",
    refusal: undefined,
    usage: undefined,
    cost: 0.5,
    logprobs: undefined
  }
  const entry: Response.ProviderMetadata = { objectiveai: metadata }
  expect(entry.objectiveai?.cost).toBe(0.5)
})

/** The JSON bodies the client sends, as they leave it. */
const sentBodies: Array<{ readonly messages?: ReadonlyArray<Record<string, unknown>> }> = []

const recording = (client: HttpClient.HttpClient) =>
  HttpClient.mapRequest(client, (request) => {
    if (request.body._tag === "Uint8Array") sentBodies.push(JSON.parse(new TextDecoder().decode(request.body.body)))
    return request
  })

describe("ObjectiveAiLanguageModel, the requests it sends", () => {
  layer(
    ObjectiveAiLanguageModel.layer({ model: Support.model, config: { seed: 5 } }).pipe(
      Layer.provideMerge(Testing.layer({ server: { seed: "ai-tests" }, client: { transformClient: recording } }))
    )
  )((it) => {
    // OpenRouter asks reasoning models' earlier reasoning back; the local server, as the API, ignores the keys it does
    // not document, so the body as sent is what shows them.
    it.effect("Chat sends earlier reasoning back: reasoning and reasoning_details on the assistant message", () =>
      Effect.gen(function*() {
        const withReasoning = ObjectiveAiLanguageModel.withConfigOverride({ reasoning: { effort: "low" } })
        const chat = yield* Chat.empty
        const first = yield* withReasoning(chat.generateText({ prompt }))
        expect(first.reasoningText?.length).toBeGreaterThan(0)
        yield* withReasoning(chat.generateText({ prompt: "And for a table of events?" }))
        expect(sentBodies).toHaveLength(2)
        expect(sentBodies[1].messages).toEqual([
          { role: "user", content: prompt },
          {
            role: "assistant",
            content: first.text,
            reasoning: first.reasoningText,
            reasoning_details: [{ type: "reasoning.text", text: first.reasoningText, index: 0 }]
          },
          { role: "user", content: "And for a table of events?" }
        ])
      }))
  })
})

describe("ObjectiveAiLanguageModel", () => {
  layer(Support.layer())((it) => {
    it.effect("generateText returns the text the openai client gets for the same request, with usage and cost", () =>
      Effect.gen(function*() {
        const response = yield* LanguageModel.generateText({ prompt })
        const openai = yield* openAiAnswer({
          model: Support.model,
          messages: [{ role: "user", content: prompt }],
          seed: 5
        })
        expect(response.text.length).toBeGreaterThan(0)
        expect(response.text).toBe(openai.choices[0].message.content)
        expect(response.finishReason).toBe("stop")
        expect(response.usage.inputTokens).toBe(openai.usage?.prompt_tokens)
        expect(response.usage.outputTokens).toBe(openai.usage?.completion_tokens)
        const metadata = ObjectiveAiLanguageModel.finishMetadata(response.content)
        expect(metadata?.cost).toBeGreaterThan(0)
        expect(metadata?.cost).toBe(metadata?.usage?.cost)
        expect(metadata?.usage?.cost_details?.upstream_inference_cost).toBe(metadata?.cost)
        // OpenRouter's `provider`, which the openai client passes through without declaring it.
        expect(metadata?.provider).toBe((openai as unknown as { readonly provider: string }).provider)
        const responseMetadata = response.content.find((part) => part.type === "response-metadata")
        expect(Option.getOrUndefined(responseMetadata?.id ?? Option.none())).toBe(metadata?.completionId)
        expect(Option.getOrUndefined(responseMetadata?.modelId ?? Option.none())).toBe(Support.model)
      }))

    it.effect("streamText streams through the client the same text, then a finish part with usage and cost", () =>
      Effect.gen(function*() {
        const parts = Chunk.toReadonlyArray(yield* Stream.runCollect(LanguageModel.streamText({ prompt })))
        const unary = yield* LanguageModel.generateText({ prompt })
        const types = parts.map((part) => part.type)
        expect(types[0]).toBe("response-metadata")
        expect(types.filter((type) => type === "text-start")).toHaveLength(1)
        expect(types.filter((type) => type === "text-end")).toHaveLength(1)
        expect(types[types.length - 1]).toBe("finish")
        const text = parts.flatMap((part) => part.type === "text-delta" ? [part.delta] : []).join("")
        expect(text).toBe(unary.text)
        const finish = parts[parts.length - 1]
        if (finish.type !== "finish") return expect.fail("no finish part")
        expect(finish.reason).toBe("stop")
        expect(finish.usage.totalTokens).toBe(unary.usage.totalTokens)
        expect(finish.metadata.objectiveai?.cost).toBe(ObjectiveAiLanguageModel.finishMetadata(unary.content)?.cost)
      }))

    it.effect("reasoning comes back as reasoning parts, unary and streamed alike", () =>
      Effect.gen(function*() {
        const withReasoning = ObjectiveAiLanguageModel.withConfigOverride({ reasoning: { effort: "low" } })
        const unary = yield* withReasoning(LanguageModel.generateText({ prompt }))
        expect(unary.reasoningText?.length).toBeGreaterThan(0)
        const parts = yield* Stream.runCollect(LanguageModel.streamText({ prompt })).pipe(withReasoning)
        const reasoning = Chunk.toReadonlyArray(parts).flatMap((part) =>
          part.type === "reasoning-delta" ? [part.delta] : []
        ).join("")
        expect(reasoning).toBe(unary.reasoningText)
        expect(
          ObjectiveAiLanguageModel.finishMetadata(unary.content)?.usage?.completion_tokens_details?.reasoning_tokens
        )
          .toBeGreaterThan(0)
      }))

    it.effect("provider options reach the request: routing, fallbacks, plugins, logprobs", () =>
      Effect.gen(function*() {
        const response = yield* LanguageModel.generateText({ prompt }).pipe(
          ObjectiveAiLanguageModel.withConfigOverride({
            provider: { order: ["openai", "azure"], allow_fallbacks: false },
            models: ["anthropic/claude-3.5-sonnet"],
            plugins: [{ id: "web", max_results: 2 }],
            logprobs: true,
            top_logprobs: 2
          })
        )
        const metadata = ObjectiveAiLanguageModel.finishMetadata(response.content)
        expect(metadata?.logprobs?.content?.[0].top_logprobs).toHaveLength(2)
        const stored = yield* storedRequest(metadata?.completionId ?? "")
        expect(stored).toMatchObject({
          model: Support.model,
          seed: 5,
          provider: { order: ["openai", "azure"], allow_fallbacks: false },
          models: ["anthropic/claude-3.5-sonnet"],
          plugins: [{ id: "web", max_results: 2 }],
          logprobs: true,
          top_logprobs: 2
        })
      }))

    it.effect("maps the finish reason: a token limit is length", () =>
      Effect.gen(function*() {
        const response = yield* LanguageModel.generateText({ prompt }).pipe(
          ObjectiveAiLanguageModel.withConfigOverride({ max_tokens: 3 })
        )
        expect(response.finishReason).toBe("length")
        expect(ObjectiveAiLanguageModel.finishMetadata(response.content)?.nativeFinishReason).toBe("length")
      }))

    it.effect("generateObject sends a strict json_schema and decodes the answer with the Schema", () =>
      Effect.gen(function*() {
        const response = yield* LanguageModel.generateObject({
          prompt: "A pasta recipe with lemon",
          schema: Recipe,
          objectName: "recipe"
        })
        expect(response.value).toEqual(JSON.parse(response.text))
        expect(response.value.steps.length).toBeGreaterThanOrEqual(0)
        const stored = yield* storedRequest(
          ObjectiveAiLanguageModel.finishMetadata(response.content)?.completionId ?? ""
        )
        expect(stored.response_format).toMatchObject({
          type: "json_schema",
          json_schema: {
            name: "recipe",
            strict: true,
            schema: { type: "object", required: ["title", "minutes", "steps"] }
          }
        })
      }))

    it.effect("generateObject fails with MalformedOutput when the answer does not match the Schema", () =>
      Effect.gen(function*() {
        // The JSON Schema only says "a string": the upper-case code is the Effect Schema's own rule.
        const Price = Schema.Struct({
          currency: Schema.String.pipe(Schema.pattern(/^[A-Z]{3}$/)),
          amount: Schema.Number
        })
        const error = yield* Effect.flip(
          LanguageModel.generateObject({ prompt: "The price of a coffee", schema: Price })
        )
        expect(error).toBeInstanceOf(AiError.MalformedOutput)
        if (error._tag !== "MalformedOutput") return
        expect(error.description).toBe("Generated object failed to conform to provided schema")
        expect(ParseResult.isParseError(error.cause)).toBe(true)
        expect(String(error.cause)).toContain("currency")
      }))

    it.effect("a request the client refuses is MalformedInput, with the client's error kept", () =>
      Effect.gen(function*() {
        const error = yield* Effect.flip(
          LanguageModel.generateText({ prompt }).pipe(ObjectiveAiLanguageModel.withConfigOverride({ temperature: 9 }))
        )
        expect(error._tag).toBe("MalformedInput")
        expect(error.message).toContain("temperature")
        const original = ObjectiveAiLanguageModel.clientError(error)
        expect(Option.map(original, (client) => client._tag)).toEqual(Option.some("InvalidRequestError"))
      }))

    it.effect("a stream's span gets the response id, finish reason, usage and cost as the parts pass", () =>
      Effect.gen(function*() {
        const spans: Array<Support.RecordedSpan> = []
        const parts = yield* Stream.runCollect(LanguageModel.streamText({ prompt })).pipe(
          Effect.withTracer(Support.recordingTracer(spans))
        )
        const finish = Chunk.toReadonlyArray(parts).find((part) => part.type === "finish")
        if (finish?.type !== "finish") return expect.fail("no finish part")
        const span = spans.find((span) => span.name === "LanguageModel.streamText")
        expect(span?.attributes.get("gen_ai.system")).toBe("objectiveai")
        expect(span?.attributes.get("gen_ai.response.id")).toBe(finish.metadata.objectiveai?.completionId)
        expect(span?.attributes.get("gen_ai.response.finish_reasons")).toEqual(["stop"])
        expect(span?.attributes.get("gen_ai.usage.output_tokens")).toBe(finish.usage.outputTokens)
        expect(span?.attributes.get("gen_ai.usage.cost")).toBe(finish.metadata.objectiveai?.cost)
        expect(spans.some((span) => span.name === "ObjectiveAiClient.stream")).toBe(true)
      }))

    it.effect("Chat keeps the history: the second request carries the first exchange", () =>
      Effect.gen(function*() {
        const chat = yield* Chat.empty
        const first = yield* chat.generateText({ prompt })
        const second = yield* chat.generateText({ prompt: "And for a table of events?" })
        const stored = yield* storedRequest(ObjectiveAiLanguageModel.finishMetadata(second.content)?.completionId ?? "")
        expect(stored.messages).toEqual([
          { role: "user", content: prompt },
          { role: "assistant", content: first.text },
          { role: "user", content: "And for a table of events?" }
        ])
      }))

    it.effect("spans carry the GenAI attributes and the cost", () =>
      Effect.gen(function*() {
        const spans: Array<Support.RecordedSpan> = []
        const response = yield* LanguageModel.generateText({ prompt }).pipe(
          Effect.withTracer(Support.recordingTracer(spans))
        )
        const span = spans.find((span) => span.name === "LanguageModel.generateText")
        const metadata = ObjectiveAiLanguageModel.finishMetadata(response.content)
        expect(span?.attributes.get("gen_ai.system")).toBe("objectiveai")
        expect(span?.attributes.get("gen_ai.operation.name")).toBe("chat")
        expect(span?.attributes.get("gen_ai.request.model")).toBe(Support.model)
        expect(span?.attributes.get("gen_ai.request.seed")).toBe(5)
        expect(span?.attributes.get("gen_ai.response.id")).toBe(metadata?.completionId)
        expect(span?.attributes.get("gen_ai.response.finish_reasons")).toEqual(["stop"])
        expect(span?.attributes.get("gen_ai.usage.input_tokens")).toBe(response.usage.inputTokens)
        expect(span?.attributes.get("gen_ai.usage.output_tokens")).toBe(response.usage.outputTokens)
        expect(span?.attributes.get("gen_ai.usage.cost")).toBe(metadata?.cost)
        // The client's own span sits under the model's.
        expect(spans.some((span) => span.name === "ObjectiveAiClient.create")).toBe(true)
      }))
  })
})
