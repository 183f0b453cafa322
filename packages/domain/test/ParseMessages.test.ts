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

describe("ParseMessages.format", () => {
  const base = { model: "m", messages: [{ role: "user", content: "hi" }] }
  const formatted = (body: unknown) =>
    Effect.runSync(
      Effect.flip(ChatCompletionCreateParams.validate(body)).pipe(
        Effect.map((error) => ParseMessages.format(error.issue))
      )
    )

  it.each([
    [{ ...base, temperature: 5 }, "temperature: must be between 0 and 2, got 5"],
    [{ ...base, top_logprobs: 2.5 }, "top_logprobs: must be an integer, got 2.5"],
    [{ model: "m" }, "messages: is required"],
    [{ ...base, seed: "x" }, "seed: must be an integer or null, got \"x\""],
    [{ ...base, stop: 5 }, "stop: must be a string, an array or null, got 5"],
    [{ ...base, logit_bias: { "1": 200 } }, "logit_bias[\"1\"]: must be between -100 and 100, got 200"],
    [
      { ...base, response_format: { type: "yaml" } },
      "response_format.type: must be one of \"text\", \"json_object\", \"json_schema\", got \"yaml\""
    ],
    [
      { ...base, messages: [{ role: "user", content: [{ type: "bogus" }] }] },
      "messages[0].content[0].type: must be one of \"text\", \"image_url\", \"file\", \"input_audio\", \"audio_url\", got \"bogus\""
    ],
    [
      { ...base, messages: [{ role: "user", content: [{ type: "text" }] }] },
      "messages[0].content[0].text: is required"
    ],
    [
      { ...base, messages: [{ role: "user", content: [{ type: "input_audio" }] }] },
      "messages[0].content[0].input_audio: is required"
    ],
    [[1, 2], "body: must be an object, got [1,2]"],
    [{ ...base, n: 0, stream: "yes" }, "n: must be at least 1, got 0\nstream: must be a boolean or null, got \"yes\""]
  ])("writes %j as one line per problem: the path, the rule and the value", (body, expected) => {
    expect(formatted(body)).toBe(expected)
  })

  it("cuts a long value, and keeps a rule's own message", () => {
    const line = formatted({ ...base, temperature: huge })
    expect(line.length).toBeLessThan(ParseMessages.maxValueLength + 100)
    expect(line).toMatch(/^temperature: must be a number or null, got "x+"… \(2000000 characters\)$/)
    expect(formatted({ ...base, temprature: 1 })).toMatch(/^temprature: "temprature" is not a documented key/)
  })

  it("lists the first problems and counts the rest", () => {
    const body = { ...base, messages: Array.from({ length: 10_000 }, () => ({ role: "wizard" })) }
    const lines = formatted(body).split("\n")
    expect(lines).toHaveLength(ParseMessages.maxProblems + 1)
    expect(lines[19]).toMatch(/^messages\[19\]\.role: must be one of "developer", .*, got "wizard"$/)
    expect(lines[20]).toBe("and 9980 more problems")
    expect(formatted({ ...base, n: 0, stream: "yes" }).split("\n")).toHaveLength(2)
    const issue = Effect.runSync(Effect.flip(ChatCompletionCreateParams.validate(body))).issue
    expect(ParseMessages.format(issue, 2).split("\n")).toEqual([lines[0], lines[1], "and 9998 more problems"])
    expect(ParseMessages.problems(issue)).toHaveLength(10_000)
  })
})
