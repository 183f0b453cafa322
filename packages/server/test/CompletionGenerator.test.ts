import { describe, expect, it } from "@effect/vitest"
import type { Json } from "@objectiveai-effect/domain"
import {
  ChatCompletion,
  ChatCompletionChunk,
  ChatCompletionCreateParams,
  ChatCompletionTool,
  CompletionId
} from "@objectiveai-effect/domain"
import * as Arbitrary from "effect/Arbitrary"
import * as Either from "effect/Either"
import * as FastCheck from "effect/FastCheck"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import { CompletionGenerator } from "../src/index.js"

type Request = ChatCompletionCreateParams.ChatCompletionCreateParams

const meta = { id: CompletionId.make("chtcpl-00000000000000000000000000000000-1750000000"), created: 1_750_000_000 }

const ask = (content: string, extra: Partial<Request> = {}): Request => ({
  model: "openai/gpt-4o-mini",
  messages: [{ role: "user", content }],
  ...extra
})

const complete = (request: Request) => CompletionGenerator.complete(request, meta)

const first = (completion: ChatCompletion.ChatCompletion) => completion.choices[0]

const validCompletion = Schema.validateEither(ChatCompletion.ChatCompletion)

// Requests the strict schema accepts, shrunk to sizes the generator is meant for: a few choices and tokens limits
// that leave room for an answer. Everything else (messages of every role, tools with arbitrary JSON parameters,
// response formats, stop sequences, reasoning settings) is as wild as the schema allows.
const requests = Arbitrary.make(ChatCompletionCreateParams.ChatCompletionCreateParams).map((request): Request => ({
  ...request,
  ...(request.n == null ? {} : { n: 1 + (request.n % 3) }),
  ...(request.max_tokens == null ? {} : { max_tokens: 1 + (request.max_tokens % 60) }),
  ...(request.max_completion_tokens == null
    ? {}
    : { max_completion_tokens: 1 + (request.max_completion_tokens % 60) })
})).filter((request) => Either.isRight(CompletionGenerator.check(request)))

const words = FastCheck.array(FastCheck.stringMatching(/^[A-Za-z][a-z]{2,9}$/), { minLength: 1, maxLength: 12 })

describe("CompletionGenerator", () => {
  it.prop(
    "answers any valid request deterministically with a completion of the right shape",
    [requests],
    ([request]) => {
      const completion = complete(request)
      expect(complete(request)).toEqual(completion)
      expect(validCompletion(completion)._tag).toBe("Right")
      expect(completion.id).toBe(meta.id)
      expect(completion.created).toBe(meta.created)
      expect(completion.model).toBe(request.model)
      expect(completion.choices.map((choice) => choice.index)).toEqual(
        Array.from({ length: request.n ?? 1 }, (_, i) => i)
      )
      const usage = completion.usage!
      expect(usage.total_tokens).toBe(usage.prompt_tokens + usage.completion_tokens)
      expect(usage.cost).toBe(CompletionGenerator.cost(request.model, usage.prompt_tokens, usage.completion_tokens))
      const limit = Math.min(request.max_tokens ?? Infinity, request.max_completion_tokens ?? Infinity)
      for (const choice of completion.choices) {
        expect(["stop", "length", "tool_calls"]).toContain(choice.finish_reason)
        if (choice.message.tool_calls != null) expect(choice.message.content).toBeNull()
        else expect((choice.message.content === null) !== (choice.message.refusal === null)).toBe(true)
      }
      if (limit !== Infinity) expect(usage.completion_tokens).toBeLessThanOrEqual(completion.choices.length * limit)
    },
    { fastCheck: { numRuns: 60 } }
  )

  it.prop("streams chunks that merge back into the completion", [requests], ([request]) => {
    const completion = complete(request)
    const chunks = CompletionGenerator.chunks(completion, { includeUsage: true })
    // Key for key, nulls included: the merged stream is the unary answer.
    expect(Option.getOrThrow(ChatCompletionChunk.merge(chunks))).toStrictEqual(completion)
    const { usage: _, ...withoutUsage } = completion
    const bare = CompletionGenerator.chunks(completion, { includeUsage: false })
    expect(Option.getOrThrow(ChatCompletionChunk.merge(bare))).toStrictEqual(withoutUsage)
    for (const { index, message } of completion.choices) {
      const choices = chunks.flatMap((chunk) => chunk.choices.filter((choice) => choice.index === index))
      expect(choices[0]).toEqual({
        index,
        delta: message.content === null ? { role: "assistant" } : { role: "assistant", content: "" },
        finish_reason: null,
        native_finish_reason: null
      })
      expect(choices.slice(0, -1).every((choice) => choice.finish_reason === null)).toBe(true)
      expect(choices[choices.length - 1].finish_reason).not.toBeNull()
      // ObjectiveAI's SDK declares a chunk's `logprobs` optional and never null, and its delta's `refusal` and
      // `reasoning` too.
      for (const choice of choices) {
        expect(choice.logprobs).not.toBeNull()
        expect(choice.delta.refusal).not.toBeNull()
        expect(choice.delta.reasoning).not.toBeNull()
      }
    }
  }, { fastCheck: { numRuns: 60 } })

  it.prop("reports usage whose cost details split the cost into prompt and completion", [requests], ([request]) => {
    const usage = complete(request).usage!
    expect(usage.cost_details).toEqual(
      CompletionGenerator.costDetails(request.model, usage.prompt_tokens, usage.completion_tokens)
    )
    const details = usage.cost_details!
    expect(details.upstream_inference_cost).toBe(usage.cost)
    expect(details.upstream_inference_prompt_cost! + details.upstream_inference_completions_cost!).toBeCloseTo(
      usage.cost!,
      12
    )
  }, { fastCheck: { numRuns: 30 } })

  it.prop(
    "gives logprobs whose chosen token leads its sorted, finite alternatives",
    [words, FastCheck.integer({ min: 0, max: 20 }), FastCheck.integer()],
    ([prompt, topLogprobs, seed]) => {
      const completion = complete(ask(prompt.join(" "), { logprobs: true, top_logprobs: topLogprobs, seed, n: 2 }))
      for (const choice of completion.choices) {
        // A prompt with a word such as "steal" gets a refusal, whose tokens carry the logprobs instead.
        const tokens = (choice.message.content === null ? choice.logprobs?.refusal : choice.logprobs?.content) ?? []
        expect(tokens.map((token) => token.token).join("")).toBe(choice.message.content ?? choice.message.refusal)
        for (const token of tokens) {
          expect(Number.isFinite(token.logprob)).toBe(true)
          expect(token.logprob).toBeLessThanOrEqual(0)
          expect(token.bytes).toEqual(Array.from(new TextEncoder().encode(token.token)))
          expect(token.top_logprobs).toHaveLength(topLogprobs)
          if (topLogprobs === 0) continue
          expect(token.top_logprobs[0]).toEqual({ token: token.token, bytes: token.bytes, logprob: token.logprob })
          const values = token.top_logprobs.map((top) => top.logprob!)
          expect(values.every(Number.isFinite)).toBe(true)
          expect(values).toEqual([...values].sort((a, b) => b - a))
          expect(new Set(token.top_logprobs.map((top) => top.token)).size).toBe(topLogprobs)
          expect(values.reduce((sum, value) => sum + Math.exp(value), 0)).toBeLessThanOrEqual(1 + 1e-6)
        }
      }
    },
    { fastCheck: { numRuns: 40 } }
  )

  it("gives no logprobs unless asked, and logprobs without alternatives when top_logprobs is not set", () => {
    expect(first(complete(ask("Explain vector clocks"))).logprobs).toBeNull()
    const tokens = first(complete(ask("Explain vector clocks", { logprobs: true }))).logprobs!.content!
    expect(tokens.length).toBeGreaterThan(0)
    expect(tokens.every((token) => token.top_logprobs.length === 0)).toBe(true)
  })

  it("builds its answer from the words of the last user message", () => {
    const content = first(complete({
      model: "anthropic/claude-3.5-sonnet",
      messages: [
        { role: "system", content: "You are terse." },
        { role: "user", content: "Tell me about bananas" },
        { role: "assistant", content: "Bananas are yellow." },
        { role: "user", content: "What about kiwifruit and mangoes?" }
      ]
    })).message.content
    expect(content).toMatch(/kiwifruit|mangoes/)
    expect(content).not.toMatch(/bananas/i)
  })

  it("changes its answer with the seed and the messages, not with presentation settings", () => {
    const base = ask("Compare Kafka and RabbitMQ for event sourcing", { seed: 1, temperature: 0.7 })
    const content = first(complete(base)).message.content
    expect(first(complete({ ...base, seed: 2 })).message.content).not.toBe(content)
    expect(
      first(complete({ ...base, messages: [{ role: "user", content: "Compare Kafka and Pulsar" }] })).message.content
    )
      .not.toBe(content)
    for (
      const variant of [{ stream: true }, { logprobs: true, top_logprobs: 2 }, { n: 3 }, { usage: { include: true } }]
    ) {
      expect(first(complete({ ...base, ...variant })).message.content).toBe(content)
    }
  })

  it("answers n choices, all alike at temperature 0, and charges for all of them", () => {
    const request = ask("How do Bloom filters work?", { n: 3, temperature: 1, seed: 5 })
    const completion = complete(request)
    expect(completion.choices).toHaveLength(3)
    expect(new Set(completion.choices.map((choice) => choice.message.content)).size).toBeGreaterThan(1)
    const single = complete({ ...request, n: 1 })
    expect(first(single)).toEqual(first(completion))
    const greedy = complete({ ...request, temperature: 0 })
    expect(new Set(greedy.choices.map((choice) => choice.message.content)).size).toBe(1)
    expect(greedy.usage!.completion_tokens).toBe(
      3 * complete({ ...request, n: 1, temperature: 0 }).usage!.completion_tokens
    )
  })

  it("stops at max_tokens and max_completion_tokens with finish_reason length, on a prefix of the full answer", () => {
    const request = ask("Explain optimistic and pessimistic locking", { seed: 3 })
    const full = complete(request)
    expect(first(full).finish_reason).toBe("stop")
    for (
      const limit of [{ max_tokens: 5 }, { max_completion_tokens: 5 }, { max_tokens: 9, max_completion_tokens: 5 }]
    ) {
      const cut = complete({ ...request, ...limit })
      expect(first(cut).finish_reason).toBe("length")
      expect(cut.usage!.completion_tokens).toBe(5)
      expect(full.choices[0].message.content!.startsWith(first(cut).message.content!)).toBe(true)
    }
    const roomy = complete({ ...request, max_tokens: full.usage!.completion_tokens })
    expect(first(roomy)).toEqual(first(full))
  })

  it("cuts the answer before the first stop sequence", () => {
    const request = ask("Explain optimistic and pessimistic locking", { seed: 3 })
    const content = first(complete(request)).message.content!
    const stop = content.split(" ").slice(3, 5).join(" ")
    const cut = first(complete({ ...request, stop: ["zzz-never", stop] }))
    expect(cut.finish_reason).toBe("stop")
    expect(cut.message.content).toBe(content.slice(0, content.indexOf(stop)))
    expect(first(complete({ ...request, stop })).message.content).toBe(cut.message.content)
  })

  it("reasons when asked or when the model always does, counting reasoning tokens", () => {
    const plain = complete(ask("Why does my React component render twice?"))
    expect(first(plain).message).not.toHaveProperty("reasoning")
    expect(plain.usage!.completion_tokens_details!.reasoning_tokens).toBe(0)
    for (
      const request of [
        ask("Why does my React component render twice?", { reasoning: { effort: "high" } }),
        ask("Why does my React component render twice?", { reasoning_effort: "low" }),
        { ...ask("Why does my React component render twice?"), model: "deepseek/deepseek-r1" }
      ]
    ) {
      const completion = complete(request)
      expect(first(completion).message.reasoning).toMatch(/\w+/)
      const reasoningTokens = completion.usage!.completion_tokens_details!.reasoning_tokens!
      expect(reasoningTokens).toBeGreaterThan(0)
      expect(completion.usage!.completion_tokens).toBeGreaterThan(reasoningTokens)
    }
    const disabled = complete({ ...ask("Why?"), model: "deepseek/deepseek-r1", reasoning: { enabled: false } })
    expect(first(disabled).message).not.toHaveProperty("reasoning")
    const capped = complete(ask("Why does my React component render twice?", { reasoning: { max_tokens: 3 } }))
    expect(capped.usage!.completion_tokens_details!.reasoning_tokens).toBe(3)
    expect(first(capped).finish_reason).toBe("stop")
  })

  it("refuses harmful requests with a refusal and refusal logprobs", () => {
    const choice = first(complete(ask("Write ransomware for me", { logprobs: true, top_logprobs: 2 })))
    expect(choice.message.content).toBeNull()
    expect(choice.message.refusal).toMatch(/can't|won't/)
    expect(choice.logprobs?.content).toEqual([])
    expect(choice.logprobs!.refusal!.map((token) => token.token).join("")).toBe(choice.message.refusal)
  })

  it("answers JSON for the json_object and json_schema response formats", () => {
    const object = JSON.parse(
      first(complete(ask("Summarize HTTP/2", { response_format: { type: "json_object" } })))
        .message.content!
    )
    expect(object).toMatchObject({ answer: expect.any(String), topics: expect.any(Array) })
    const Summary = Schema.Struct({
      title: Schema.String,
      score: Schema.Int.pipe(Schema.between(1, 5)),
      tags: Schema.Array(Schema.Literal("web", "network"))
    })
    const content = first(complete(ask("Summarize HTTP/2", {
      response_format: {
        type: "json_schema",
        json_schema: { name: "summary", schema: ChatCompletionTool.parametersJsonSchema(Summary) }
      }
    }))).message.content!
    expect(Schema.decodeUnknownEither(Schema.parseJson(Summary))(content)._tag).toBe("Right")
  })

  describe("tool calls", () => {
    const weather = ChatCompletionTool.make({
      name: "get_weather",
      parameters: Schema.Struct({ city: Schema.String, days: Schema.optional(Schema.Int.pipe(Schema.between(1, 7))) })
    })
    const email = ChatCompletionTool.make({
      name: "send_email",
      parameters: Schema.Struct({ to: Schema.String, body: Schema.String })
    })
    const calls = (request: Request) => first(complete(request)).message.tool_calls ?? []
    const names = (request: Request) => calls(request).map((call) => call.function.name)
    const prompts = Array.from({ length: 40 }, (_, i) => `Question number ${i} about gardening`)

    it("follows tool_choice: none never calls, required always does, a named function gets called", () => {
      for (const prompt of prompts) {
        expect(names(ask(prompt, { tools: [weather, email], tool_choice: "none" }))).toEqual([])
        const required = complete(ask(prompt, { tools: [weather, email], tool_choice: "required" }))
        expect(first(required).finish_reason).toBe("tool_calls")
        expect(first(required).message.content).toBeNull()
        expect(first(required).message.tool_calls!.length).toBeGreaterThan(0)
        expect(names(ask(prompt, { tools: [weather, email], tool_choice: ChatCompletionTool.choose("send_email") })))
          .toEqual(["send_email"])
      }
    })

    it("calls a mentioned tool on auto, sometimes an unmentioned one, and answers in text after a tool result", () => {
      expect(names(ask("What is the weather in Oslo?", { tools: [weather, email] }))).toContain("get_weather")
      const called = prompts.filter((prompt) => names(ask(prompt, { tools: [weather, email] })).length > 0).length
      expect(called).toBeGreaterThan(5)
      expect(called).toBeLessThan(35)
      const afterResult = ask("What is the weather in Oslo?", { tools: [weather], tool_choice: "auto" })
      const history: Request = {
        ...afterResult,
        messages: [
          ...afterResult.messages,
          {
            role: "assistant",
            content: null,
            tool_calls: [{ id: "call_1", type: "function", function: { name: "get_weather", arguments: "{}" } }]
          },
          { role: "tool", tool_call_id: "call_1", content: "{\"temperature\": 4}" }
        ]
      }
      expect(first(complete(history)).finish_reason).toBe("stop")
    })

    it("makes one call when parallel_tool_calls is false, and sometimes two otherwise", () => {
      const counts = prompts.map((prompt) =>
        calls(ask(prompt, { tools: [weather, email], tool_choice: "required" })).length
      )
      expect(counts).toContain(2)
      expect(Math.max(...counts)).toBe(2)
      for (const prompt of prompts) {
        expect(calls(ask(prompt, { tools: [weather, email], tool_choice: "required", parallel_tool_calls: false })))
          .toHaveLength(1)
      }
    })

    it("gives calls distinct call_ ids and arguments that are the JSON of an object", () => {
      for (const prompt of prompts) {
        const made = calls(ask(prompt, { tools: [weather, email], tool_choice: "required" }))
        expect(new Set(made.map((call) => call.id)).size).toBe(made.length)
        for (const call of made) {
          expect(call.id).toMatch(/^call_[A-Za-z0-9]{24}$/)
          expect(call.type).toBe("function")
          expect(typeof JSON.parse(call.function.arguments)).toBe("object")
        }
      }
      const none = ChatCompletionTool.make({ name: "ping", parameters: Schema.Struct({}) })
      expect(calls(ask("ping", { tools: [none], tool_choice: "required" }))[0].function.arguments).toBe("{}")
      const bare = { type: "function" as const, function: { name: "now" } }
      expect(calls(ask("time", { tools: [bare], tool_choice: "required" }))[0].function.arguments).toBe("{}")
    })

    it("truncates arguments at max_tokens with finish_reason length", () => {
      const request = ask("What is the weather in Oslo?", { tools: [weather], tool_choice: "required" })
      const full = calls(request)[0].function.arguments
      const cut = complete({ ...request, max_tokens: 3 })
      expect(first(cut).finish_reason).toBe("length")
      const args = first(cut).message.tool_calls![0].function.arguments
      expect(full.startsWith(args)).toBe(true)
      expect(args.length).toBeLessThan(full.length)
    })

    // Parameters written as Effect Schemas and turned into JSON Schema by the domain, then decoded back with the
    // same schema: the round trip a caller of ChatCompletionTool.make relies on.
    const Address = Schema.Struct({
      street: Schema.String.pipe(Schema.minLength(3)),
      postcode: Schema.String.pipe(Schema.maxLength(8))
    }).annotations({ identifier: "Address" })
    const parameterSchemas: ReadonlyArray<Schema.Schema.AnyNoContext> = [
      Schema.Struct({ city: Schema.String, unit: Schema.Literal("celsius", "fahrenheit") }),
      Schema.Struct({
        passengers: Schema.Int.pipe(Schema.between(1, 9)),
        price: Schema.Number.pipe(Schema.greaterThan(0), Schema.lessThan(1)),
        cabin: Schema.optional(Schema.Literal("economy", "business")),
        flexible: Schema.Boolean,
        note: Schema.NullOr(Schema.String)
      }),
      Schema.Struct({ home: Address, work: Schema.optional(Address), previous: Schema.Array(Address) }),
      Schema.Struct({
        tags: Schema.NonEmptyArray(Schema.String).pipe(Schema.maxItems(4)),
        pair: Schema.Tuple(Schema.String, Schema.Number),
        scores: Schema.Record({ key: Schema.String, value: Schema.Int })
      }),
      Schema.Struct({ id: Schema.UUID, value: Schema.Union(Schema.String, Schema.Number, Schema.Null) }),
      Schema.Struct({
        matrix: Schema.Array(Schema.Array(Schema.Int.pipe(Schema.nonNegative()))),
        step: Schema.Number.pipe(Schema.multipleOf(0.25), Schema.between(0, 10))
      })
    ]

    it.prop(
      "writes arguments that decode with the Effect Schema the tool was made from",
      [FastCheck.integer({ min: 0, max: parameterSchemas.length - 1 }), words, FastCheck.integer()],
      ([which, prompt, seed]) => {
        const parameters = parameterSchemas[which]
        const tool = ChatCompletionTool.make({ name: "act", parameters })
        const made = calls(ask(prompt.join(" "), { tools: [tool], tool_choice: "required", seed }))
        expect(made).toHaveLength(1)
        const decoded = Schema.decodeUnknownEither(Schema.parseJson(parameters))(made[0].function.arguments)
        expect(decoded, made[0].function.arguments).toMatchObject({ _tag: "Right" })
      },
      { fastCheck: { numRuns: 200 } }
    )

    it("writes values for JSON Schema keywords: enum, const, formats, bounds, allOf, refs", () => {
      const schema: Json.JsonValue = {
        type: "object",
        definitions: { Level: { type: "integer", enum: [1, 2, 3] } },
        properties: {
          when: { type: "string", format: "date-time" },
          day: { type: "string", format: "date" },
          mail: { type: "string", format: "email" },
          link: { type: "string", format: "uri" },
          kind: { const: "fixed" },
          level: { $ref: "#/definitions/Level" },
          both: {
            allOf: [{ type: "object", properties: { a: { type: "integer" } }, required: ["a"] }, {
              properties: { b: { type: "boolean" } },
              required: ["b"]
            }]
          },
          unique: { type: "array", items: { enum: ["x", "y", "z"] }, minItems: 2, maxItems: 3, uniqueItems: true },
          either: { type: ["string", "null"] },
          ratio: { type: "number", minimum: -1, exclusiveMaximum: 0 },
          short: { type: "string", minLength: 5, maxLength: 5 }
        },
        required: ["when", "day", "mail", "link", "kind", "level", "both", "unique", "either", "ratio", "short"],
        additionalProperties: false
      }
      for (let seed = 0; seed < 50; seed++) {
        const value = CompletionGenerator.sampleJson(schema, ["Oslo"], String(seed)) as Record<string, never>
        expect(Object.keys(value).sort()).toEqual(
          ["both", "day", "either", "kind", "level", "link", "mail", "ratio", "short", "unique", "when"]
        )
        expect(Number.isNaN(Date.parse(value.when))).toBe(false)
        expect(value.day).toMatch(/^\d{4}-\d{2}-\d{2}$/)
        expect(value.mail).toMatch(/^[^@\s]+@[^@\s]+\.[a-z]+$/)
        expect(value.link).toMatch(/^https:\/\//)
        expect(value.kind).toBe("fixed")
        expect([1, 2, 3]).toContain(value.level)
        expect(value.both).toMatchObject({ a: expect.any(Number), b: expect.any(Boolean) })
        expect(Number.isInteger((value.both as { a: number }).a)).toBe(true)
        const unique = value.unique as Array<string>
        expect(new Set(unique).size).toBe(unique.length)
        expect(unique.length).toBeGreaterThanOrEqual(2)
        expect(value.either === null || typeof value.either === "string").toBe(true)
        expect(value.ratio).toBeGreaterThanOrEqual(-1)
        expect(value.ratio).toBeLessThan(0)
        expect([...(value.short as string)]).toHaveLength(5)
      }
    })

    it("ends on recursive and absurd schemas", () => {
      const recursive: Json.JsonValue = {
        $defs: { Node: { type: "object", properties: { next: { $ref: "#/$defs/Node" } }, required: ["next"] } },
        $ref: "#/$defs/Node"
      }
      let depth = 0
      for (let node = CompletionGenerator.sampleJson(recursive, [], "r"); node !== null; depth++) {
        node = (node as { next: Json.JsonValue }).next
      }
      expect(depth).toBeGreaterThan(5)
      const huge = CompletionGenerator.sampleJson(
        { type: "array", minItems: 1e9, items: { type: "string", minLength: 1e9 } },
        [],
        "h"
      ) as Array<string>
      expect(huge.length).toBeLessThanOrEqual(64)
      expect(huge[0].length).toBeLessThanOrEqual(4096)
    })
  })

  it("prices known models at their list price and others at 1 and 2 USD per million tokens", () => {
    expect(CompletionGenerator.priceOf("openai/gpt-4o-mini")).toEqual({ prompt: 0.15, completion: 0.6 })
    expect(CompletionGenerator.priceOf("anthropic/claude-3.5-sonnet:online")).toEqual({ prompt: 3, completion: 15 })
    expect(CompletionGenerator.priceOf("someone/new-model")).toEqual({ prompt: 1, completion: 2 })
    expect(CompletionGenerator.cost("openai/gpt-4o-mini", 1_000_000, 1_000_000)).toBe(0.75)
    expect(CompletionGenerator.cost("someone/new-model", 10, 20)).toBe(0.00005)
  })

  it("makes ids of the form chtcpl-<32 hex>-<seconds> from a key", () => {
    const id = CompletionGenerator.completionId("key", 1_750_000_000)
    expect(id).toMatch(/^chtcpl-[0-9a-f]{32}-1750000000$/)
    expect(CompletionGenerator.completionId("key", 1_750_000_000)).toBe(id)
    expect(CompletionGenerator.completionId("other", 1_750_000_000)).not.toBe(id)
  })
})
