import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import * as Arbitrary from "effect/Arbitrary"
import * as Either from "effect/Either"
import * as JSONSchema from "effect/JSONSchema"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import { isDeepStrictEqual } from "node:util"
import { ChatCompletion, ChatCompletionChunk, ChatCompletionList, Json, StoredChatCompletion } from "../src/index.js"
import { withSize } from "./support/schemas.js"

/** Each number where JSON writers and readers disagree, and the text `Json.stringify` writes for it. */
const boundaries: ReadonlyArray<readonly [number, string]> = [
  [2 ** 53 - 1, "9007199254740991"],
  [-(2 ** 53 - 1), "-9007199254740991"],
  [2 ** 53, "9.007199254740992e+15"],
  // 2^53 + 1 is no double: it is 2^53, as JSON.parse reads its literal.
  [9007199254740993, "9.007199254740992e+15"],
  [2 ** 53 + 2, "9.007199254740994e+15"],
  [1e16, "1e+16"],
  [-1e20, "-1e+20"],
  [999999999999999900000, "9.999999999999999e+20"],
  [1e21, "1e+21"],
  [-1e21, "-1e+21"],
  [-0, "-0"],
  [0, "0"],
  [5e-324, "5e-324"],
  [1.7976931348623157e308, "1.7976931348623157e+308"],
  [Infinity, "1e400"],
  [-Infinity, "-1e400"],
  [1e5, "100000"],
  [0.1, "0.1"]
]

describe("Json.stringify and Json.parse at the number boundaries", () => {
  it.each(boundaries)("%s is written as %s and read back as itself", (value, text) => {
    expect(Json.stringify(value)).toBe(text)
    expect(Object.is(Json.parse(text), value)).toBe(true)
    // Inside containers, and beside a bigint that sends the whole value through the careful writer.
    const big = 2n ** 64n
    for (const container of [[value], { n: value }, [big, value], { big, n: [value] }]) {
      const written = Json.stringify(container)
      expect(written).toContain(text)
      expect(Json.parse(written)).toStrictEqual(container)
    }
  })

  it("reads each literal as JSON.parse does, keeping only integer literals beyond 2^53 exact as bigint", () => {
    const numbers: ReadonlyArray<string> = [
      "1E5",
      "1e+5",
      "1e5",
      "100000",
      "-0",
      "0e0",
      "5e-324",
      "1.7976931348623157e308",
      "1e400",
      "-1e400",
      "9007199254740991",
      "12345678901234567e3",
      "1.0000000000000000001e20"
    ]
    for (const text of numbers) expect(Object.is(Json.parse(text), JSON.parse(text))).toBe(true)
    expect(Json.parse("9007199254740993")).toBe(9007199254740993n)
    expect(Json.parse("-99999999999999999999")).toBe(-99999999999999999999n)
  })

  it("writes NaN, which JSON cannot hold, as null like JSON.stringify", () => {
    expect(Json.stringify([NaN, 1n])).toBe("[null,1]")
    expect(Json.stringify({ n: NaN })).toBe(`{"n":null}`)
  })
})

const hugeIntegers = `{
  "id": "gen-1",
  "object": "chat.completion",
  "created": 17640000000000001,
  "model": "m",
  "choices": [{
    "index": 0,
    "finish_reason": "stop",
    "message": { "role": "assistant", "content": "Hi" },
    "logprobs": {
      "content": [{
        "token": "Hi",
        "logprob": -99999999999999999999,
        "bytes": [72, 105],
        "top_logprobs": [{ "token": "Hi", "logprob": -99999999999999999999 }]
      }],
      "refusal": null
    }
  }],
  "usage": {
    "completion_tokens": 99999999999999999999,
    "prompt_tokens": 9007199254740993,
    "total_tokens": 1,
    "cost_details": { "upstream_inference_cost": 123456789012345678 }
  },
  "x_trace": { "span": 123456789012345678901234567890, "list": [-18446744073709551615] }
}`

describe("an integer literal beyond 2^53", () => {
  const codec = ChatCompletion.ChatCompletionFromJson

  it("reads as the nearest number in a number field, as JSON.parse reads it, instead of failing the completion", () => {
    const completion = Schema.decodeSync(codec)(hugeIntegers)
    const native = JSON.parse(hugeIntegers)
    expect(completion.created).toBe(native.created)
    const token = completion.choices[0]?.logprobs?.content?.[0]
    expect(token?.logprob).toBe(-1e20)
    expect(token?.top_logprobs[0]?.logprob).toBe(-1e20)
    expect(completion.usage?.completion_tokens).toBe(1e20)
    expect(completion.usage?.prompt_tokens).toBe(native.usage.prompt_tokens)
    expect(completion.usage?.cost_details?.upstream_inference_cost).toBe(
      native.usage.cost_details.upstream_inference_cost
    )
    // The schema alone, given the value `Json.parse` makes, reads the same.
    expect(Schema.decodeUnknownSync(ChatCompletion.ChatCompletion)(Json.parse(hugeIntegers))).toStrictEqual(completion)
  })

  it("stays exact under a key no schema types", () => {
    const completion = Schema.decodeSync(codec)(hugeIntegers) as unknown as Record<string, unknown>
    expect(completion.x_trace).toStrictEqual({
      span: 123456789012345678901234567890n,
      list: [-18446744073709551615n]
    })
  })

  it("is written back as its number, which reads the same again; an unknown key's digit for digit", () => {
    const completion = Schema.decodeSync(codec)(hugeIntegers)
    const written = Schema.encodeSync(codec)(completion)
    // 17640000000000001 is no double: JSON.parse reads it as 17640000000000000.
    expect(written).toContain(`"created":1.764e+16`)
    expect(written).toContain(`"logprob":-1e+20`)
    expect(written).toContain(`"span":123456789012345678901234567890`)
    expect(Schema.decodeSync(codec)(written)).toStrictEqual(completion)
  })

  it("reads as a number in a chunk too", () => {
    const chunk = Schema.decodeSync(ChatCompletionChunk.ChatCompletionChunkFromJson)(
      `{"id":"gen-1","object":"chat.completion.chunk","created":17640000000000001,"model":"m","choices":[{"index":0,"delta":{"content":"Hi"},"finish_reason":null}]}`
    )
    expect(chunk.created).toBe(17640000000000000)
  })

  it("stays exact in a stored request's seed, beside a response whose number fields read it as a number", () => {
    const text =
      `{"request":{"model":"m","messages":[],"seed":18446744073709551615},"response":{"id":"x","object":"chat.completion","created":17640000000000001,"model":"m","choices":[]}}`
    const stored = Schema.decodeSync(StoredChatCompletion.StoredChatCompletionFromJson)(text)
    expect(stored.request.seed).toBe(18446744073709551615n)
    expect(stored.response.created).toBe(17640000000000000)
  })
})

describe("Json.JsonNumber", () => {
  const completion = {
    id: "gen-1",
    object: "chat.completion" as const,
    created: 1,
    model: "m",
    choices: []
  }

  it("refuses NaN, which no JSON text holds, with a message saying so", () => {
    for (const bad of [{ ...completion, created: NaN }, { ...completion, usage: { completion_tokens: NaN } }]) {
      const result = Schema.decodeUnknownEither(ChatCompletion.ChatCompletion)(bad)
      expect(Either.isLeft(result)).toBe(true)
      if (Either.isLeft(result)) expect(result.left.message).toContain("actual NaN (JSON has no NaN)")
    }
    expect(
      Either.isLeft(Schema.encodeUnknownEither(ChatCompletion.ChatCompletionFromJson)({ ...completion, created: NaN }))
    )
      .toBe(true)
  })

  it("keeps the infinities JSON.parse makes of 1e400, and writes them so", () => {
    const codec = ChatCompletion.ChatCompletionFromJson
    const decoded = Schema.decodeSync(codec)(
      `{"id":"gen-1","object":"chat.completion","created":1e400,"model":"m","choices":[],"usage":{"completion_tokens":-1e999,"prompt_tokens":0,"total_tokens":0}}`
    )
    expect(decoded.created).toBe(Infinity)
    expect(decoded.usage?.completion_tokens).toBe(-Infinity)
    const written = Schema.encodeSync(codec)(decoded)
    expect(written).toContain(`"created":1e400`)
    expect(written).toContain(`"completion_tokens":-1e400`)
    expect(Schema.decodeSync(codec)(written)).toStrictEqual(decoded)
  })

  it("reads as Schema.Number in messages and in JSON Schema", () => {
    const result = Schema.decodeUnknownEither(ChatCompletion.ChatCompletion)({ ...completion, created: "1" })
    expect(Either.isLeft(result) && ParseResult.TreeFormatter.formatErrorSync(result.left)).toContain(
      "Expected number, actual \"1\""
    )
    expect(JSONSchema.make(Json.JsonNumber)).toStrictEqual(JSONSchema.make(Schema.Number))
    const described = Schema.Struct({ n: Schema.optionalWith(Schema.NullOr(Json.JsonNumber), { exact: true }) })
    const plain = Schema.Struct({ n: Schema.optionalWith(Schema.NullOr(Schema.Number), { exact: true }) })
    expect(JSONSchema.make(described)).toStrictEqual(JSONSchema.make(plain))
  })
})

// Each top-level response, and the response of a stored completion.
const responses = [
  { name: "ChatCompletion", schema: ChatCompletion.ChatCompletion },
  { name: "ChatCompletionChunk", schema: ChatCompletionChunk.ChatCompletionChunk },
  { name: "StoredChatCompletion.response", schema: StoredChatCompletion.StoredChatCompletion.fields.response },
  { name: "ChatCompletionList", schema: ChatCompletionList.ChatCompletionList }
] as unknown as ReadonlyArray<{ readonly name: string; readonly schema: Schema.Schema<unknown, unknown> }>

describe.each(responses)("$name through JSON text", ({ schema }) => {
  withSize("xsmall", { beforeAll, afterAll })
  const encode = Schema.encodeSync(schema)
  const decode = Schema.decodeUnknownSync(schema)
  const codec = Json.parseJson(schema)

  // Every number of a response, its error objects' included, is a `Json.JsonNumber`, whose arbitrary favours the
  // boundaries above; anything JSON cannot carry fails the test.
  const values = Arbitrary.make(schema)

  it.prop("encode, Json.stringify, Json.parse and decode give back the value", [values], ([value]) => {
    const text = Json.stringify(encode(value))
    const read = decode(Json.parse(text))
    if (!isDeepStrictEqual(read, value)) expect(read).toStrictEqual(value)
    const viaCodec = Schema.decodeSync(codec)(Schema.encodeSync(codec)(value))
    if (!isDeepStrictEqual(viaCodec, value)) expect(viaCodec).toStrictEqual(value)
  }, { fastCheck: { numRuns: 500 } })
})
