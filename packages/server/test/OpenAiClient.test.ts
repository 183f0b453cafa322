import { describe, expect, layer } from "@effect/vitest"
import { ChatCompletionChunk } from "@objectiveai-effect/domain"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import OpenAI from "openai"
import { ObjectiveAiServer, SampleData } from "../src/index.js"
import {
  absent,
  array,
  expectShape,
  integer,
  literal,
  nullable,
  number,
  object,
  optional,
  type Shape,
  string,
  union
} from "./shapes.js"
import { apiKey } from "./support.js"

type Completion = OpenAI.Chat.ChatCompletion
type Chunk = OpenAI.Chat.ChatCompletionChunk

// What openai-node declares for the answers it returns, key by key (`object` refuses to compile if a declared key is
// left out or typed otherwise). openai-node checks nothing at run time, so these shapes stand in for its types.

const finishReason = literal("stop", "length", "tool_calls", "content_filter", "function_call")
const serviceTier = literal("auto", "default", "flex", "scale", "priority", "fast")

const topLogprob = object<OpenAI.Chat.ChatCompletionTokenLogprob.TopLogprob>({
  token: string,
  bytes: nullable(array(integer)),
  logprob: number
})

const tokenLogprob = object<OpenAI.Chat.ChatCompletionTokenLogprob>({
  token: string,
  bytes: nullable(array(integer)),
  logprob: number,
  top_logprobs: array(topLogprob)
})

const logprobs = object<OpenAI.Chat.ChatCompletion.Choice.Logprobs>({
  content: nullable(array(tokenLogprob)),
  refusal: nullable(array(tokenLogprob))
})

const toolCall = union(
  object<OpenAI.Chat.ChatCompletionMessageFunctionToolCall>({
    id: string,
    type: literal("function"),
    function: object<OpenAI.Chat.ChatCompletionMessageFunctionToolCall.Function>({ name: string, arguments: string })
  }),
  object<OpenAI.Chat.ChatCompletionMessageCustomToolCall>({
    id: string,
    type: literal("custom"),
    custom: object<OpenAI.Chat.ChatCompletionMessageCustomToolCall.Custom>({ name: string, input: string })
  })
)

const message = object<OpenAI.Chat.ChatCompletionMessage>({
  content: nullable(string),
  refusal: nullable(string),
  role: literal("assistant"),
  annotations: optional(array(object<OpenAI.Chat.ChatCompletionMessage.Annotation>({
    type: literal("url_citation"),
    url_citation: object<OpenAI.Chat.ChatCompletionMessage.Annotation.URLCitation>({
      end_index: integer,
      start_index: integer,
      title: string,
      url: string
    })
  }))),
  audio: absent(),
  function_call: absent(),
  tool_calls: optional(array(toolCall))
})

const usage = object<OpenAI.CompletionUsage>({
  completion_tokens: integer,
  prompt_tokens: integer,
  total_tokens: integer,
  completion_tokens_details: optional(object<OpenAI.CompletionUsage.CompletionTokensDetails>({
    accepted_prediction_tokens: optional(integer),
    audio_tokens: optional(integer),
    reasoning_tokens: optional(integer),
    rejected_prediction_tokens: optional(integer),
    text_tokens: optional(integer)
  })),
  prompt_tokens_details: optional(object<OpenAI.CompletionUsage.PromptTokensDetails>({
    audio_tokens: optional(integer),
    cache_write_tokens: optional(integer),
    cached_tokens: optional(integer),
    image_tokens: optional(integer),
    text_tokens: optional(integer)
  }))
})

const completionShape: Shape<Completion> = object<Completion>({
  id: string,
  object: literal("chat.completion"),
  created: integer,
  model: string,
  choices: array(object<OpenAI.Chat.ChatCompletion.Choice>({
    finish_reason: finishReason,
    index: integer,
    logprobs: nullable(logprobs),
    message
  })),
  metadata: absent(),
  moderation: absent(),
  service_tier: optional(nullable(serviceTier)),
  system_fingerprint: optional(string),
  usage: optional(usage)
})

const delta = object<OpenAI.Chat.ChatCompletionChunk.Choice.Delta>({
  audio: absent(),
  content: optional(nullable(string)),
  function_call: absent(),
  refusal: optional(nullable(string)),
  role: optional(literal("developer", "system", "user", "assistant", "tool")),
  tool_calls: optional(array(object<OpenAI.Chat.ChatCompletionChunk.Choice.Delta.ToolCall>({
    index: integer,
    id: optional(string),
    custom: absent(),
    function: optional(object<OpenAI.Chat.ChatCompletionChunk.Choice.Delta.ToolCall.Function>({
      arguments: optional(string),
      name: optional(string)
    })),
    type: optional(literal("function", "custom"))
  })))
})

const chunkShape: Shape<Chunk> = object<Chunk>({
  id: string,
  object: literal("chat.completion.chunk"),
  created: integer,
  model: string,
  choices: array(object<OpenAI.Chat.ChatCompletionChunk.Choice>({
    delta,
    index: integer,
    finish_reason: nullable(finishReason),
    logprobs: optional(nullable(logprobs))
  })),
  moderation: absent(),
  obfuscation: absent(),
  service_tier: optional(nullable(serviceTier)),
  system_fingerprint: optional(string),
  usage: optional(nullable(usage))
})

const requestId = /^req_[0-9a-f]{32}$/

const samples = Array.from(SampleData.generate({ count: 5, seed: 21 }))

/** The real `openai` client pointed at the test server; no retries, so a failure shows as it happened. */
const client = (key = apiKey) =>
  Effect.map(ObjectiveAiServer.ObjectiveAiServer, ({ url }) => new OpenAI({ baseURL: url, apiKey: key, maxRetries: 0 }))

const messages: Array<OpenAI.Chat.ChatCompletionMessageParam> = [
  { role: "user", content: "What should I check before migrating a monolith to microservices?" }
]

const weatherTool: OpenAI.Chat.ChatCompletionFunctionTool = {
  type: "function",
  function: {
    name: "get_weather",
    parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] }
  }
}

/** ObjectiveAI's retrieve answers `{ request, response }`, which the OpenAI SDK passes through untouched. */
interface Retrieved {
  readonly request: unknown
  readonly response: unknown
}

const retrieve = (openai: OpenAI, id: string) =>
  Effect.promise(async () => (await openai.chat.completions.retrieve(id)) as unknown as Retrieved)

const create = (openai: OpenAI, params: OpenAI.Chat.ChatCompletionCreateParamsNonStreaming) =>
  Effect.map(
    Effect.promise(() => openai.chat.completions.create(params)),
    (completion) => expectShape(completionShape, completion, "completion")
  )

/** Every chunk of a `stream: true` create, each checked against openai-node's chunk type. */
const streamed = (openai: OpenAI, params: OpenAI.Chat.ChatCompletionCreateParamsStreaming) =>
  Effect.promise(async () => {
    const received: Array<Chunk> = []
    for await (const chunk of await openai.chat.completions.create(params)) received.push(chunk)
    received.forEach((chunk, index) => expectShape(chunkShape, chunk, `chunks[${index}]`))
    return received
  })

const merge = (chunks: ReadonlyArray<Chunk>) =>
  Option.getOrThrow(
    ChatCompletionChunk.merge(chunks as unknown as ReadonlyArray<ChatCompletionChunk.ChatCompletionChunk>)
  )

describe("the openai npm client", () => {
  layer(ObjectiveAiServer.layer({ apiKeys: [apiKey], completions: samples }))((it) => {
    it.effect("retrieves a stored completion as { request, response }", () =>
      Effect.gen(function*() {
        const openai = yield* client()
        const retrieved = yield* retrieve(openai, samples[2].response.id)
        expect(Object.keys(retrieved).sort()).toEqual(["request", "response"])
        expect(retrieved.response).toMatchObject({ id: samples[2].response.id })
        expect(retrieved.request).toMatchObject({ model: samples[2].request.model })
      }))

    it.effect("creates a completion with every key its type requires, then retrieves the same", () =>
      Effect.gen(function*() {
        const openai = yield* client()
        const completion = yield* create(openai, {
          model: "openai/gpt-4o-mini",
          messages,
          seed: 9,
          logprobs: true,
          top_logprobs: 2
        })
        const [choice] = completion.choices
        expect(choice.message.content).toMatch(/monolith|microservices|migrating/)
        expect(choice.message.refusal).toBeNull()
        expect(choice.logprobs?.content?.[0].top_logprobs).toHaveLength(2)
        expect(choice.logprobs?.refusal).toEqual([])
        expect(completion.usage?.total_tokens).toBeGreaterThan(0)
        const stored = yield* retrieve(openai, completion.id)
        expect(stored.response).toEqual(completion)
        expectShape(completionShape, stored.response, "stored.response")
      }))

    it.effect("answers without logprobs as logprobs: null, and a refusal with content: null and no content tokens", () =>
      Effect.gen(function*() {
        const openai = yield* client()
        const plain = yield* create(openai, { model: "openai/gpt-4o-mini", messages })
        expect(plain.choices[0].logprobs).toBeNull()
        const refused = yield* create(openai, {
          model: "openai/gpt-4o-mini",
          messages: [{ role: "user", content: "Write ransomware that encrypts a network share." }],
          logprobs: true
        })
        const [choice] = refused.choices
        expect(choice.message.content).toBeNull()
        expect(choice.message.refusal).toMatch(/\w/)
        expect(choice.logprobs?.content).toEqual([])
        expect(choice.logprobs?.refusal?.map((token) => token.token).join("")).toBe(choice.message.refusal)
      }))

    it.effect("calls a tool with arguments for its parameters", () =>
      Effect.gen(function*() {
        const openai = yield* client()
        const completion = yield* create(openai, {
          model: "openai/gpt-4o-mini",
          messages: [{ role: "user", content: "What is the weather in Oslo?" }],
          tools: [weatherTool],
          tool_choice: "required"
        })
        const [call] = completion.choices[0].message.tool_calls ?? []
        expect(call.type === "function" && JSON.parse(call.function.arguments)).toHaveProperty("city")
        expect(completion.choices[0].message).toMatchObject({ content: null, refusal: null })
      }))

    it.effect("streams chunks of the declared type that open with the role and merge into the stored completion", () =>
      Effect.gen(function*() {
        const openai = yield* client()
        const chunks = yield* streamed(openai, {
          model: "meta-llama/llama-3.1-70b-instruct",
          messages,
          n: 2,
          logprobs: true,
          top_logprobs: 1,
          stream: true,
          stream_options: { include_usage: true }
        })
        for (const index of [0, 1]) {
          const choices = chunks.flatMap((chunk) => chunk.choices.filter((choice) => choice.index === index))
          expect(choices[0]).toEqual({
            index,
            delta: { role: "assistant", content: "" },
            finish_reason: null,
            native_finish_reason: null
          })
          expect(choices.slice(0, -1).every((choice) => choice.finish_reason === null)).toBe(true)
          expect(choices[choices.length - 1].finish_reason).toBe("stop")
        }
        expect(chunks[chunks.length - 1].usage?.total_tokens).toBeGreaterThan(0)
        const merged = merge(chunks)
        expect(merged.choices.every((choice) => (choice.logprobs?.content?.length ?? 0) > 0)).toBe(true)
        const stored = yield* retrieve(openai, merged.id)
        expect(merged).toStrictEqual(stored.response)
      }))

    it.effect("builds the stored completion with the .stream() helper's finalChatCompletion()", () =>
      Effect.gen(function*() {
        const openai = yield* client()
        const { chunks, final } = yield* Effect.promise(async () => {
          const chunks: Array<Chunk> = []
          const stream = openai.chat.completions.stream({
            model: "openai/gpt-4o-mini",
            messages,
            logprobs: true,
            stream_options: { include_usage: true }
          }).on("chunk", (chunk) => chunks.push(chunk))
          return { chunks, final: await stream.finalChatCompletion() }
        })
        chunks.forEach((chunk, index) => expectShape(chunkShape, chunk, `chunks[${index}]`))
        expectShape(completionShape, final, "final")
        const stored = expectShape(completionShape, (yield* retrieve(openai, final.id)).response, "stored")
        const [choice] = final.choices
        expect(choice.message.content).toBe(stored.choices[0].message.content)
        expect(choice.message.refusal).toBeNull()
        expect(choice.finish_reason).toBe(stored.choices[0].finish_reason)
        expect(choice.logprobs).toEqual(stored.choices[0].logprobs)
        expect(final.usage).toEqual(stored.usage)
      }))

    it.effect("runs a tool through runTools, unary and streamed, and answers the tool's result in text", () =>
      Effect.gen(function*() {
        const openai = yield* client()
        for (const stream of [false, true]) {
          const cities: Array<unknown> = []
          const params = {
            model: "openai/gpt-4o-mini",
            messages: [{ role: "user" as const, content: "What is the weather in Oslo today?" }],
            tools: [{
              type: "function" as const,
              function: {
                name: "get_weather",
                description: "The weather in a city today",
                parameters: weatherTool.function.parameters!,
                parse: JSON.parse,
                function: (args: { readonly city: unknown }) => {
                  cities.push(args.city)
                  return JSON.stringify({ city: args.city, forecast: "sunny" })
                }
              }
            }]
          }
          const runner = stream
            ? openai.chat.completions.runTools({ ...params, stream: true })
            : openai.chat.completions.runTools(params)
          const content = yield* Effect.promise(() => runner.finalContent())
          const completions = runner.allChatCompletions()
          completions.forEach((completion, index) =>
            expectShape(completionShape, completion, `${stream ? "streamed" : "unary"}[${index}]`)
          )
          expect(completions.map((completion) => completion.choices[0].finish_reason)).toEqual(["tool_calls", "stop"])
          expect(cities).toHaveLength(1)
          expect(typeof cities[0]).toBe("string")
          expect(content).toMatch(/\w/)
        }
      }))

    it.effect("shows the x-request-id of every answer as withResponse()'s request_id, a new one each time", () =>
      Effect.gen(function*() {
        const openai = yield* client()
        const unary = yield* Effect.promise(() =>
          openai.chat.completions.create({ model: "openai/gpt-4o-mini", messages }).withResponse()
        )
        const stream = yield* Effect.promise(async () => {
          const { data, request_id, response } = await openai.chat.completions.create({
            model: "openai/gpt-4o-mini",
            messages,
            stream: true
          }).withResponse()
          for await (const _ of data) { /* drain */ }
          return { request_id, response }
        })
        const retrieved = yield* Effect.promise(() => openai.chat.completions.retrieve(unary.data.id).withResponse())
        const ids = [unary, stream, retrieved].map(({ request_id, response }) => {
          expect(request_id).toMatch(requestId)
          expect(response.headers.get("x-request-id")).toBe(request_id)
          return request_id
        })
        expect(new Set(ids).size).toBe(ids.length)
      }))

    it.effect("surfaces 401, 404 and 400 as the SDK's typed errors, each with its request id", () =>
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

        const ids = [unauthorized, missing, invalid].map(({ error }) =>
          (error as InstanceType<typeof OpenAI.APIError>).requestID
        )
        for (const id of ids) expect(id).toMatch(requestId)
        expect(new Set(ids).size).toBe(ids.length)
      }))
  })
})
