import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import * as Arbitrary from "effect/Arbitrary"
import * as Arr from "effect/Array"
import * as Either from "effect/Either"
import * as fc from "effect/FastCheck"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import { isDeepStrictEqual } from "node:util"
import { ChatCompletion, ChatCompletionChunk, Json, ParseMessages, StoredChatCompletion } from "../src/index.js"
import { compile } from "../src/internal/inPlace.js"
import { corrupt, type Corruption, corruptions } from "./support/corrupt.js"
import { fixture, sseData } from "./support/fixtures.js"
import { topLevel, withSize } from "./support/schemas.js"

/** What `Json.parseJson` would be without its in-place check: the lossless parser, then the schema. */
const plainParseJson = <A, I>(schema: Schema.Schema<A, I>) =>
  Schema.compose(
    Schema.transformOrFail(Schema.String, Schema.Unknown, {
      strict: true,
      decode: (text, _, ast) =>
        Either.try({
          try: () => Json.parse(text),
          catch: (error) => new ParseResult.Type(ast, text, `Invalid JSON: ${(error as Error).message}`)
        }),
      encode: (value) => ParseResult.succeed(Json.stringify(value))
    }).annotations({ title: "LosslessJson" }),
    schema
  )

// `Json.parseJson` cuts every value its messages show (see ParseMessages.test.ts); the schema alone is held to that.
const outcome = (result: Either.Either<unknown, ParseResult.ParseError>) =>
  Either.isRight(result)
    ? { ok: true as const, value: result.right }
    : { ok: false as const, message: ParseResult.TreeFormatter.formatErrorSync(ParseMessages.boundError(result.left)) }

describe.each(topLevel)("Json.parseJson($name)", ({ schema, size }) => {
  withSize(size, { beforeAll, afterAll })
  const fast = Json.parseJson(schema)
  const plain = plainParseJson(schema)
  const encode = Schema.encodeSync(schema)
  const check = compile(schema.ast)

  // JSON texts of valid payloads, and of payloads broken in a way JSON can carry (no symbols or functions).
  const texts = Arbitrary.make(schema).chain((value) => {
    const payload = encode(value)
    const breaks = corruptions(schema.ast, payload).filter((corruption) => corruption._tag !== "Garbage")
    return fc.option(fc.constantFrom(...breaks), { nil: undefined }).map((corruption: Corruption | undefined) =>
      Json.stringify(corruption === undefined ? payload : corrupt(payload, corruption))
    )
  })

  it.prop("decodes any text to what the schema alone gives, and fails with the same message", [texts], ([text]) => {
    const ours = outcome(Schema.decodeUnknownEither(fast)(text))
    const theirs = outcome(Schema.decodeUnknownEither(plain)(text))
    if (!isDeepStrictEqual(ours, theirs)) expect(ours).toStrictEqual(theirs)
  }, { fastCheck: { numRuns: 400 } })

  it.prop("takes the fast path for every valid payload", [Arbitrary.make(schema)], ([value]) => {
    expect(check?.(encode(value))).toBe(true)
  }, { fastCheck: { numRuns: 200 } })

  it.prop("writes any value as the schema alone would", [Arbitrary.make(schema)], ([value]) => {
    const ours = Schema.encodeEither(fast)(value)
    const theirs = Schema.encodeEither(plain)(value)
    expect(Either.isRight(ours)).toBe(Either.isRight(theirs))
    if (Either.isRight(ours) && Either.isRight(theirs)) {
      const [a, b] = [Json.parse(ours.right), Json.parse(theirs.right)]
      if (!isDeepStrictEqual(a, b)) expect(a).toStrictEqual(b)
    }
  }, { fastCheck: { numRuns: 200 } })
})

describe("Json.parseJson on the wire's own texts", () => {
  it("writes back the very text it read, key order included", () => {
    const minified = (name: string) => JSON.stringify(JSON.parse(fixture(name)))
    for (
      const text of [
        minified("openai-chat-completion-logprobs.json"),
        minified("openai-chat-completion-tool-calls.json")
      ]
    ) {
      const codec = ChatCompletion.ChatCompletionFromJson
      expect(Schema.encodeSync(codec)(Schema.decodeSync(codec)(text))).toBe(text)
    }
    for (const text of sseData(fixture("openrouter-stream-annotations-usage.sse"))) {
      const codec = ChatCompletionChunk.ChatCompletionChunkFromJson
      expect(Schema.encodeSync(codec)(Schema.decodeSync(codec)(text))).toBe(text)
    }
  })

  it("keeps a __proto__ key of the wire as data, where Effect's rebuild would set the prototype", () => {
    const text =
      `{"id":"x","object":"chat.completion","created":1,"model":"m","choices":[{"index":0,"finish_reason":"stop","message":{"role":"assistant","__proto__":{"content":42}}}]}`
    const message = Schema.decodeSync(ChatCompletion.ChatCompletionFromJson)(text).choices[0]?.message
    expect(message?.content).toBeUndefined()
    expect(Object.getPrototypeOf(message)).toBe(Object.prototype)
    expect(Object.hasOwn(message ?? {}, "__proto__")).toBe(true)
    expect(
      Schema.encodeSync(ChatCompletion.ChatCompletionFromJson)(
        Schema.decodeSync(ChatCompletion.ChatCompletionFromJson)(text)
      )
    ).toBe(text)
    // The schema alone, given the same parsed value, loses the key and takes its value as the prototype.
    const rebuilt = Schema.decodeUnknownSync(ChatCompletion.ChatCompletion)(Json.parse(text)).choices[0]?.message
    expect(rebuilt?.content).toBe(42)
  })

  it("still reads a seed beyond 2^53 through the check", () => {
    const text =
      `{"request":{"model":"m","messages":[],"seed":18446744073709551615},"response":{"id":"x","object":"chat.completion","created":1,"model":"m","choices":[]}}`
    const codec = StoredChatCompletion.StoredChatCompletionFromJson
    const stored = Schema.decodeSync(codec)(text)
    expect(stored.request.seed).toBe(18446744073709551615n)
    expect(Schema.encodeSync(codec)(stored)).toBe(text)
  })

  it("leaves a schema that changes values to Effect", () => {
    const codec = Json.parseJson(Schema.Struct({ n: Schema.NumberFromString, kept: Schema.optional(Schema.String) }))
    expect(Schema.decodeSync(codec)(`{"n":"1","dropped":true}`)).toStrictEqual({ n: 1 })
    expect(Schema.encodeSync(codec)({ n: 2 })).toBe(`{"n":"2"}`)
    expect(Arr.isArray(Schema.decodeSync(Json.parseJson(Schema.Array(Schema.String)))(`["a"]`))).toBe(true)
    // The first member drops `b` and wins, though the second would keep it.
    const union = Json.parseJson(Schema.Union(
      Schema.Struct({ a: Schema.String }),
      Schema.Struct({ a: Schema.String, b: Schema.Number }).annotations({
        parseOptions: { onExcessProperty: "preserve" }
      })
    ))
    expect(Schema.decodeSync(union)(`{"a":"x","b":1}`)).toStrictEqual({ a: "x" })
  })
})
