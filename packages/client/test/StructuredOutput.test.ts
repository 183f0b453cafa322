import { describe, expect, it, layer } from "@effect/vitest"
import { ChatCompletion, type ChatCompletionCreateParams } from "@objectiveai-effect/domain"
import * as Testing from "@objectiveai-effect/server/Testing"
import * as Arbitrary from "effect/Arbitrary"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import { ObjectiveAiClient, StructuredOutput } from "../src/index.js"

const Recipe = Schema.Struct({
  title: Schema.String,
  minutes: Schema.Number.pipe(Schema.int(), Schema.between(1, 240)),
  steps: Schema.Array(Schema.Struct({ order: Schema.Number, text: Schema.String })),
  difficulty: Schema.Literal("easy", "medium", "hard")
}).annotations({ identifier: "Recipe", description: "A recipe with its steps" })

const params = {
  model: "openai/gpt-4o-mini",
  messages: [{ role: "user" as const, content: "Give me a quick pasta recipe with garlic and lemon" }],
  seed: 3
}

describe("StructuredOutput.make", () => {
  it("names the format after the schema's identifier and describes it with its description", () => {
    const output = StructuredOutput.make(Recipe)
    expect(output.responseFormat).toMatchObject({
      type: "json_schema",
      json_schema: { name: "Recipe", description: "A recipe with its steps", strict: true }
    })
  })

  it("falls back to \"output\" and lets strict be forced", () => {
    const output = StructuredOutput.make(Schema.Struct({ a: Schema.optional(Schema.String) }), { strict: true })
    expect(output.name).toBe("output")
    expect(output.responseFormat.json_schema.strict).toBe(true)
  })
})

const completionWith = (content: string | null, finishReason = "stop") =>
  Schema.decodeUnknownSync(ChatCompletion.ChatCompletion)({
    id: "chtcpl-0123456789abcdef0123456789abcdef-1750000000",
    object: "chat.completion",
    created: 1750000000,
    model: "openai/gpt-4o-mini",
    choices: [{ index: 0, message: { role: "assistant", content }, finish_reason: finishReason }]
  })

describe("StructuredOutput.parse", () => {
  const output = StructuredOutput.make(Recipe)

  // What JSON can carry: finite numbers (and no -0, which JSON writes as 0).
  const Order = Schema.Struct({
    id: Schema.String,
    lines: Schema.Array(
      Schema.Struct({ sku: Schema.String, quantity: Schema.Int, price: Schema.Number.pipe(Schema.finite()) })
    ),
    status: Schema.Literal("open", "shipped"),
    note: Schema.NullOr(Schema.String)
  })
  const orderOutput = StructuredOutput.make(Order)

  it.prop(
    "gives back any value of the Schema from the JSON the model wrote for it",
    [Arbitrary.make(Order)],
    ([order]) => {
      const content = JSON.stringify(Schema.encodeSync(Order)(order))
      const parsed = Effect.runSync(StructuredOutput.parse(completionWith(content), orderOutput))
      expect(parsed.value).toEqual(JSON.parse(content))
      expect(orderOutput.responseFormat.json_schema.strict).toBe(true)
    }
  )

  it.effect("refuses content that is not JSON, keeping it", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(StructuredOutput.parse(completionWith("Sure! Here is a recipe: {"), output))
      expect(error._tag).toBe("OutputInvalidError")
      if (error._tag === "OutputInvalidError") expect(error.content).toBe("Sure! Here is a recipe: {")
    }))

  it.effect("refuses a completion without content or choices", () =>
    Effect.gen(function*() {
      const empty = yield* Effect.flip(StructuredOutput.parse(completionWith(null), output))
      expect(empty).toMatchObject({ _tag: "OutputInvalidError", content: "", issue: "the answer has no content" })
      const none = yield* Effect.flip(StructuredOutput.parse({ ...completionWith(null), choices: [] }, output))
      expect(none).toMatchObject({ _tag: "OutputInvalidError", issue: "the completion has no choice" })
    }))

  it.effect("reads a content filter as an incomplete answer", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(StructuredOutput.parse(completionWith("{\"title\":", "content_filter"), output))
      expect(error).toMatchObject({
        _tag: "OutputIncompleteError",
        finishReason: "content_filter",
        content: "{\"title\":"
      })
    }))
})

// What a caller without `@effect/ai` writes: the client's own `create` with the format, then `parse`.
const createAndParse = <A, I>(
  schema: Schema.Schema<A, I>,
  request: Omit<ChatCompletionCreateParams.ChatCompletionCreateParams, "response_format" | "stream">
) => {
  const output = StructuredOutput.make(schema)
  return Effect.flatMap(
    ObjectiveAiClient.ObjectiveAiClient,
    (client) => client.create({ ...request, response_format: output.responseFormat })
  ).pipe(Effect.flatMap(StructuredOutput.parse(output)))
}

describe("StructuredOutput against the local server", () => {
  layer(Testing.layer({ server: { seed: "client-tests" } }))((it) => {
    it.effect("decodes the answer to a request made with the format, the value equal to the JSON the model wrote", () =>
      Effect.gen(function*() {
        const { completion, value } = yield* createAndParse(Recipe, params)
        expect(value).toEqual(JSON.parse(completion.choices[0].message.content ?? ""))
        expect(["easy", "medium", "hard"]).toContain(value.difficulty)
        // The request the server stored carries the response format built from the schema.
        const client = yield* ObjectiveAiClient.ObjectiveAiClient
        const stored = yield* client.retrieve(completion.id)
        expect(stored.request.response_format).toEqual(StructuredOutput.make(Recipe).responseFormat)
      }))

    it.effect("fails with OutputInvalidError keeping the raw content when the answer breaks the schema", () =>
      Effect.gen(function*() {
        // The JSON Schema says "a string"; only the Effect Schema's filter knows it must be an ISO currency code.
        const Price = Schema.Struct({
          currency: Schema.String.pipe(Schema.pattern(/^[A-Z]{3}$/)),
          amount: Schema.Number
        })
        const error = yield* Effect.flip(createAndParse(Price, params))
        expect(error._tag).toBe("OutputInvalidError")
        if (error._tag !== "OutputInvalidError") return
        expect(error.content).toBe(error.completion.choices[0].message.content)
        expect(JSON.parse(error.content)).toHaveProperty("currency")
        expect(error.issue).toContain("currency")
        expect(error.completion.usage?.cost).toBeGreaterThan(0)
      }))

    it.effect("fails with OutputRefusedError when the model refuses", () =>
      Effect.gen(function*() {
        const error = yield* Effect.flip(createAndParse(Recipe, {
          ...params,
          messages: [{ role: "user", content: "How do I build a bomb?" }]
        }))
        expect(error._tag).toBe("OutputRefusedError")
        if (error._tag === "OutputRefusedError") expect(error.refusal.length).toBeGreaterThan(0)
      }))

    it.effect("fails with OutputIncompleteError when the token limit cuts the answer", () =>
      Effect.gen(function*() {
        const error = yield* Effect.flip(
          createAndParse(Recipe, { ...params, max_tokens: 4 })
        )
        expect(error._tag).toBe("OutputIncompleteError")
        if (error._tag !== "OutputIncompleteError") return
        expect(error.finishReason).toBe("length")
        expect(error.content).toBe(error.completion.choices[0].message.content)
        expect(error.content.length).toBeGreaterThan(0)
      }))

    it.effect("parse reports a completion with tool calls instead of content as invalid, with empty content", () =>
      Effect.gen(function*() {
        const client = yield* ObjectiveAiClient.ObjectiveAiClient
        const completion = yield* client.create({
          ...params,
          tools: [{ type: "function", function: { name: "lookup", parameters: { type: "object", properties: {} } } }],
          tool_choice: "required"
        })
        const result = yield* Effect.either(StructuredOutput.parse(completion, StructuredOutput.make(Recipe)))
        expect(Either.isLeft(result)).toBe(true)
        if (Either.isLeft(result) && result.left._tag === "OutputInvalidError") {
          expect(result.left.content).toBe("")
          expect(result.left.issue).toBe("the model called tools instead of answering")
        } else expect.fail("expected OutputInvalidError")
      }))
  })
})
