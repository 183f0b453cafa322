import { describe, expect, it } from "@effect/vitest"
import * as Either from "effect/Either"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import { ChatCompletionCreateParams, ChatCompletionMessage, ChatCompletionTool } from "../src/index.js"
import { resembled } from "../src/internal/typos.js"

const Params = ChatCompletionCreateParams.ChatCompletionCreateParams
const decode = Schema.decodeUnknownEither(Params, { errors: "all" })

const user = { role: "user", content: "Hello" }
const tool = { type: "function", function: { name: "look", parameters: { type: "object" } } }

/** A valid body with `extra` merged into the object at `at`: the top level, a message, a content part, a tool… */
const places: ReadonlyArray<{
  readonly name: string
  readonly path: ReadonlyArray<string | number>
  readonly body: (extra: Record<string, unknown>) => Record<string, unknown>
}> = [
  { name: "the body", path: [], body: (extra) => ({ model: "m", messages: [user], ...extra }) },
  {
    name: "a user message",
    path: ["messages", 0],
    body: (extra) => ({ model: "m", messages: [{ ...user, ...extra }] })
  },
  {
    name: "an assistant message",
    path: ["messages", 0],
    body: (extra) => ({ model: "m", messages: [{ role: "assistant", content: "Hi", ...extra }] })
  },
  {
    name: "a text part",
    path: ["messages", 0, "content", 0],
    body: (extra) => ({ model: "m", messages: [{ role: "user", content: [{ type: "text", text: "Hi", ...extra }] }] })
  },
  {
    name: "an image's url object",
    path: ["messages", 0, "content", 0, "image_url"],
    body: (extra) => ({
      model: "m",
      messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: "u", ...extra } }] }]
    })
  },
  {
    name: "a tool's function",
    path: ["tools", 0, "function"],
    body: (extra) => ({ model: "m", messages: [user], tools: [{ ...tool, function: { ...tool.function, ...extra } }] })
  },
  {
    name: "a tool call",
    path: ["messages", 0, "tool_calls", 0],
    body: (extra) => ({
      model: "m",
      messages: [{
        role: "assistant",
        tool_calls: [{ id: "c", type: "function", function: { name: "look", arguments: "{}" }, ...extra }]
      }]
    })
  },
  {
    name: "provider preferences",
    path: ["provider"],
    body: (extra) => ({ model: "m", messages: [user], provider: { order: ["a"], ...extra } })
  },
  {
    name: "the reasoning settings",
    path: ["reasoning"],
    body: (extra) => ({ model: "m", messages: [user], reasoning: { effort: "low", ...extra } })
  }
]

/** Likely typos, each with the object it is written in and the documented key it resembles. */
const typos: ReadonlyArray<readonly [place: string, typo: string, documented: string]> = [
  ["the body", "temprature", "temperature"],
  ["the body", "max_token", "max_tokens"],
  ["the body", "tool_choise", "tool_choice"],
  ["the body", "maxTokens", "max_tokens"],
  ["the body", "Temperature", "temperature"],
  ["the body", "top-p", "top_p"],
  ["the body", "TOP_P", "top_p"],
  ["the body", "frequncy_penalty", "frequency_penalty"],
  ["the body", "presense_penalty", "presence_penalty"],
  ["the body", "reasoning_efort", "reasoning_effort"],
  ["the body", "respone_format", "response_format"],
  ["the body", "stream_option", "stream_options"],
  ["the body", "toplogprobs", "top_logprobs"],
  ["the body", "logprob", "logprobs"],
  ["a user message", "nmae", "name"],
  ["an assistant message", "tool_call", "tool_calls"],
  ["an assistant message", "refusl", "refusal"],
  ["a text part", "txt", "text"],
  ["an image's url object", "detial", "detail"],
  ["a tool's function", "paramters", "parameters"],
  ["a tool's function", "descripton", "description"],
  ["a tool call", "fucntion", "function"],
  ["provider preferences", "allow_fallback", "allow_fallbacks"],
  ["provider preferences", "dataCollection", "data_collection"],
  ["the reasoning settings", "maxTokens", "max_tokens"]
]

/** Keys the API does not document but real callers send, each in an object where it must pass unchanged. */
const passing: ReadonlyArray<readonly [place: string, key: string]> = [
  ["the body", "user"],
  ["the body", "metadata"],
  ["the body", "store"],
  ["the body", "transforms"],
  ["the body", "route"],
  ["the body", "prompt_cache_key"],
  ["the body", "safety_identifier"],
  ["the body", "min_tokens"],
  ["the body", "functions"],
  ["the body", "function_call"],
  ["the body", "include_reasoning"],
  ["the body", "audio"],
  ["the body", "x"],
  ["a user message", "cache_control"],
  ["an assistant message", "reasoning"],
  ["an assistant message", "reasoning_details"],
  ["an assistant message", "annotations"],
  ["an assistant message", "images"],
  ["an assistant message", "audio"],
  ["a text part", "cache_control"],
  ["a tool call", "index"],
  ["a tool's function", "cache_control"],
  ["provider preferences", "max_price"],
  ["provider preferences", "zdr"],
  ["the reasoning settings", "exclude"]
]

const place = (name: string) => {
  const found = places.find((candidate) => candidate.name === name)
  if (found === undefined) throw new Error(`no place ${name}`)
  return found
}

describe("a key the page does not document", () => {
  it.each(typos.map(([where, typo, documented]) => ({ where, typo, documented })))(
    "$typo in $where is refused as a likely typo of $documented, with its path",
    ({ documented, typo, where }) => {
      const { body, path } = place(where)
      const result = decode(body({ [typo]: 1 }))
      expect(Either.isLeft(result)).toBe(true)
      if (Either.isLeft(result)) {
        const message = `${JSON.stringify(typo)} is not a documented key and looks like a typo of ${
          JSON.stringify(documented)
        }`
        expect(ParseResult.ArrayFormatter.formatErrorSync(result.left)).toContainEqual(
          expect.objectContaining({ path: [...path, typo], message: expect.stringContaining(message) })
        )
        const tree = ParseResult.TreeFormatter.formatErrorSync(result.left)
        expect(tree).toContain(path.concat(typo).map((key) => `[${JSON.stringify(key)}]`).join(""))
        expect(tree).toContain(message)
      }
    }
  )

  it.each(passing.map(([where, key]) => ({ where, key })))(
    "$key in $where passes and is sent unchanged",
    ({ key, where }) => {
      const { body, path } = place(where)
      const value = { nested: [1, null, "two"] }
      const input = body({ [key]: value })
      const result = decode(input)
      if (Either.isLeft(result)) expect.fail(ParseResult.TreeFormatter.formatErrorSync(result.left))
      if (Either.isRight(result)) {
        expect(result.right).toStrictEqual(input)
        const object = path.reduce(
          (node: unknown, step) => (node as Record<string | number, unknown>)[step],
          result.right
        )
        expect((object as Record<string, unknown>)[key]).toStrictEqual(value)
      }
    }
  )

  it("is refused in every exported request schema, not only the body", () => {
    const cases = [
      { schema: ChatCompletionMessage.UserMessage, input: { role: "user", content: "x", nmae: "a" }, key: "nmae" },
      { schema: ChatCompletionMessage.Message, input: { role: "system", content: "x", Name: "a" }, key: "Name" },
      { schema: ChatCompletionTool.Tool, input: { ...tool, function: { name: "f", strct: true } }, key: "strct" },
      {
        schema: ChatCompletionTool.ToolChoice,
        input: { type: "function", function: { nme: "f", name: "f" } },
        key: "nme"
      }
    ] as const
    for (const { input, key, schema } of cases) {
      const result = Schema.decodeUnknownEither(schema as Schema.Schema<unknown, unknown>)(input)
      expect(Either.isLeft(result), key).toBe(true)
      if (Either.isLeft(result)) expect(ParseResult.TreeFormatter.formatErrorSync(result.left)).toContain(`"${key}"`)
    }
  })

  it("is reported beside every other broken rule", () => {
    const result = decode({ model: "m", messages: [user], temperature: 5, temprature: 1, stream: "yes" })
    expect(Either.isLeft(result)).toBe(true)
    if (Either.isLeft(result)) {
      const paths = ParseResult.ArrayFormatter.formatErrorSync(result.left).map((issue) => issue.path)
      expect(paths).toEqual(expect.arrayContaining([["temperature"], ["temprature"], ["stream"]]))
    }
  })
})

describe("the typo rule", () => {
  const documented = ["n", "max_tokens", "temperature", "stop", "stream", "usage", "tool_choice", "top_p"]

  it.each([
    ["N", "n"],
    ["max-tokens", "max_tokens"],
    ["MaxTokens", "max_tokens"],
    ["max_toekns", "max_tokens"],
    ["tmeperature", "temperature"],
    ["temperatur", "temperature"],
    ["temperture", "temperature"],
    ["tempreature", "temperature"],
    ["stpo", "stop"],
    ["toolchoice", "tool_choice"],
    ["top_pp", "top_p"]
  ])("%s resembles %s", (key, expected) => {
    expect(resembled(key, documented)).toBe(expected)
  })

  it.each([
    "m",
    "nn",
    "user",
    "store",
    "streams_x",
    "min_tokens",
    "tempo",
    "top_kk",
    "metadata",
    "stops_at",
    "usages_x"
  ])(
    "%s resembles none",
    (key) => {
      expect(resembled(key, documented)).toBeUndefined()
    }
  )
})
