import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import { ChatCompletion, ChatCompletionChunk, ChatCompletionCreateParams, Json, ParseMessages } from "../src/index.js"

const huge = "x".repeat(2_000_000)

const completion = (extra: Record<string, unknown>) =>
  JSON.stringify({ id: "gen-1", object: "chat.completion", created: 1, model: "m", choices: [], ...extra })

/** The message of a decode (or encode) that must fail. */
const messageOf = <A, I>(schema: Schema.Schema<A, I>, input: unknown, direction: "decode" | "encode" = "decode") => {
  const result: Either.Either<unknown, ParseResult.ParseError> = direction === "decode"
    ? Schema.decodeUnknownEither(schema, { errors: "all" })(input)
    : Schema.encodeUnknownEither(schema, { errors: "all" })(input)
  if (Either.isRight(result)) throw new Error("expected a failure")
  return { message: result.left.message, issues: ParseResult.ArrayFormatter.formatErrorSync(result.left) }
}

describe("a 2 MB value in a parse error", () => {
  it("is cut in the messages of a …FromJson schema, which keep the path and the expected type", () => {
    const cases: ReadonlyArray<readonly [string, string, string]> = [
      [completion({ created: huge }), "[\"created\"]", "Expected number, actual \"xxxxxxxx"],
      [completion({ model: { huge } }), "[\"model\"]", "Expected string, actual {\"huge\":\"xxxx"],
      [completion({ usage: [huge] }), "[\"usage\"]", "Expected null, actual [\"xxxx"],
      [
        completion({ choices: [{ index: 0, finish_reason: huge, message: { role: "assistant", content: 1 } }] }),
        "[\"content\"]",
        "Expected string, actual 1"
      ]
    ]
    for (const [text, path, expected] of cases) {
      const { message } = messageOf(ChatCompletion.ChatCompletionFromJson, text)
      expect(message.length).toBeLessThan(1_000)
      expect(message).toContain(path)
      expect(message).toContain(expected)
    }
    const chunk = messageOf(
      ChatCompletionChunk.ChatCompletionChunkFromJson,
      JSON.stringify({ id: "gen-1", object: "chat.completion.chunk", created: 1, model: huge, choices: huge })
    )
    expect(chunk.message.length).toBeLessThan(1_000)
    expect(chunk.message).toContain("[\"choices\"]")
    expect(chunk.message).toContain("(2000000 characters)")
  })

  it("is cut when writing too", () => {
    const value = { id: "gen-1", object: "chat.completion", created: huge, model: "m", choices: [] }
    const { issues, message } = messageOf(ChatCompletion.ChatCompletionFromJson, value, "encode")
    expect(message.length).toBeLessThan(1_000)
    expect(issues[0]?.path).toStrictEqual(["created"])
    expect(message).toContain("Expected number, actual \"xxxx")
  })

  it("is cut by ParseMessages.bound for any schema, the value itself kept in the issue", () => {
    const result = Schema.decodeUnknownEither(ChatCompletion.ChatCompletion)(JSON.parse(completion({ created: huge })))
    if (Either.isRight(result)) throw new Error("expected a failure")
    expect(result.left.message.length).toBeGreaterThan(2_000_000)
    const bounded = ParseMessages.boundError(result.left)
    expect(bounded.message.length).toBeLessThan(1_000)
    expect(bounded.message).toContain("[\"created\"]")
    expect(bounded.message).toContain(`Expected number, actual "${"x".repeat(ParseMessages.maxValueLength)}"…`)
    const [issue] = ParseResult.ArrayFormatter.formatErrorSync(bounded)
    expect(issue?.path).toStrictEqual(["created"])
    const flat = (issue: ParseResult.ParseIssue): ParseResult.ParseIssue =>
      "issue" in issue ? flat(issue.issue) : issue._tag === "Composite" && !Array.isArray(issue.issues)
        ? flat(issue.issues as ParseResult.ParseIssue)
        : issue
    expect(flat(bounded.issue).actual).toBe(huge)
  })

  it("is cut in JsonValue's own message", () => {
    const { message } = messageOf(Json.JsonValue, { a: Symbol(huge) })
    expect(message.length).toBeLessThan(1_000)
    expect(message).toContain("[\"a\"]")
    expect(message).toContain("Expected a JSON value, actual Symbol(xxxx")
  })
})

describe("ParseMessages.bound", () => {
  it("leaves an issue whose values are short as it is, so that messages read exactly as Effect writes them", () => {
    const result = Schema.decodeUnknownEither(ChatCompletion.ChatCompletion)(JSON.parse(completion({ created: "1" })))
    if (Either.isRight(result)) throw new Error("expected a failure")
    expect(ParseMessages.bound(result.left.issue)).toBe(result.left.issue)
    expect(ParseMessages.boundError(result.left)).toBe(result.left)
  })

  it("shows a value of up to maxValueLength characters whole, and one longer cut", () => {
    const fits = "y".repeat(ParseMessages.maxValueLength - 2)
    expect(ParseMessages.preview(fits)).toBeUndefined()
    expect(ParseMessages.preview(`${fits}y`)).toBe(`"${fits}y"… (${fits.length + 1} characters)`)
    expect(ParseMessages.preview({ a: [1, 2n, null, "b"] })).toBeUndefined()
    const deep = JSON.parse(`${"[".repeat(10_000)}${"]".repeat(10_000)}`)
    expect(ParseMessages.preview(deep)?.length).toBe(ParseMessages.maxValueLength + 1)
    expect(ParseMessages.preview(new Map([["k", huge]]))?.startsWith("Map([[\"k\",\"xxx")).toBe(true)
  })
})

describe("a create body's messages", () => {
  it.effect("stay bounded when a field holds a huge value of the wrong type", () =>
    Effect.gen(function*() {
      const huge = "x".repeat(2_000_000)
      const error = yield* Effect.flip(
        ChatCompletionCreateParams.validate({
          model: "m",
          messages: [{ role: "user", content: "hi" }],
          temperature: huge
        })
      )
      expect(error.message.length).toBeLessThan(1_000)
      expect(error.message).toContain("temperature")
      expect(error.message).toContain("2000000")
    }))
})
