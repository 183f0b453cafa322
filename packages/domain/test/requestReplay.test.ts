import { describe, expect, it } from "@effect/vitest"
import * as Arbitrary from "effect/Arbitrary"
import * as Either from "effect/Either"
import * as fc from "effect/FastCheck"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import { isDeepStrictEqual } from "node:util"
import { ChatCompletion, ChatCompletionCreateParams, Json, StoredChatCompletion } from "../src/index.js"
import { decoded } from "./support/failure.js"

const validate = Schema.decodeUnknownEither(ChatCompletionCreateParams.ChatCompletionCreateParams, { errors: "all" })

const completion = (message: Record<string, unknown>, finish_reason = "stop") => ({
  id: "gen-1764000000-abc",
  object: "chat.completion",
  created: 1764000000,
  model: "openai/gpt-4o-mini",
  choices: [{ index: 0, finish_reason, logprobs: null, message }]
})

/**
 * Answers as the wire carries them, each decoded with `ChatCompletion` and its message sent back in the next turn:
 * - openai/openai-openapi, openapi.yaml (commit f85dbe2), the "Functions" example response: `content: null` beside
 *   `tool_calls`;
 * - every optional field `null`, as the domain's ChatCompletion tests decode it (`refusal`, `tool_calls`,
 *   `annotations`, `audio`, `reasoning`, `reasoning_details`, `images`);
 * - an OpenRouter reasoning model's answer, which asks for `reasoning_details` back: reasoning text and encrypted
 *   details, a url-only citation, a generated image, audio, and keys the page does not list.
 */
const answers = {
  toolCalls: completion({
    role: "assistant",
    content: null,
    tool_calls: [{
      id: "call_abc123",
      type: "function",
      function: { name: "get_current_weather", arguments: "{\n\"location\": \"Boston, MA\"\n}" }
    }]
  }, "tool_calls"),
  allNull: completion({
    role: "assistant",
    content: null,
    refusal: null,
    annotations: null,
    audio: null,
    tool_calls: null,
    reasoning: null,
    reasoning_details: null,
    images: null
  }),
  reasoning: completion({
    role: "assistant",
    content: "Tides follow the Moon.",
    refusal: null,
    reasoning: "The user asks about tides; gravity of the Moon…",
    reasoning_details: [
      { type: "reasoning.text", text: "The user asks about tides", signature: null, format: "anthropic-claude-v1" },
      { type: "reasoning.encrypted", data: "gAAAAABo…", id: "rs_1", index: 1 }
    ],
    annotations: [{ type: "url_citation", url_citation: { url: "https://example.com/tides" } }],
    images: [{ type: "image_url", image_url: { url: "data:image/png;base64,iVBORw0KGgo=" } }],
    audio: { id: "audio_1", data: "UklGRg==", expires_at: 1764003600, transcript: "Tides follow the Moon." },
    provider_specific: { cached: true }
  })
}

describe("an assistant message the API returned, sent back as history", () => {
  it.each(Object.entries(answers))("%s: passes create validation unchanged", (_, answer) => {
    const message = decoded(ChatCompletion.ChatCompletion, answer).choices[0].message
    const body = {
      model: "anthropic/claude-sonnet-4",
      reasoning: { effort: "high" },
      messages: [
        { role: "user", content: "Why are there tides?" },
        message,
        ...(message.tool_calls == null ? [] : [{ role: "tool", tool_call_id: "call_abc123", content: "{\"t\":12}" }]),
        { role: "user", content: "And spring tides?" }
      ]
    }
    const result = validate(body)
    if (Either.isLeft(result)) expect.fail(ParseResult.TreeFormatter.formatErrorSync(result.left))
    if (Either.isRight(result)) {
      expect(result.right).toStrictEqual(body)
      // What is sent is the message as it came: every key, `null`s included.
      expect(Json.parse(Json.stringify(result.right.messages[1]))).toStrictEqual(answer.choices[0].message)
    }
  })
})

// A stored request may hold enum values the page does not list (the stored schema keeps any string there: newer
// values such as `reasoning_effort: "minimal"` must still read). Those, and only those, create refuses: the replay
// property excludes nothing else. Every other generated request must pass unchanged.
// The API refuses a body without messages, with an empty model or with a `tool_choice` its `tools` cannot satisfy, so
// no stored request breaks those rules: generated ones are brought within them.
const storedRequests = Arbitrary.make(StoredChatCompletion.StoredChatCompletionRequest).map((request) => {
  const choice = request.tool_choice
  const chosen = choice === "required" ? "any_tool" : typeof choice === "object" && choice !== null
    ? choice.function.name
    : undefined
  const tools = request.tools ?? []
  const needsTool = chosen !== undefined &&
    (choice === "required" ? tools.length === 0 : !tools.some((tool) => tool.function.name === chosen))
  return {
    ...request,
    model: request.model === "" ? "m" : request.model,
    messages: request.messages.length === 0 ? [{ role: "user" as const, content: "Hi" }] : request.messages,
    ...(needsTool ? { tools: [...tools, { type: "function" as const, function: { name: chosen } }] } : {})
  }
})

const replay = (request: StoredChatCompletion.StoredChatCompletionRequest) => validate(request)

/**
 * The request with every string that create refused as outside a listed enum ("Expected "high", actual "extreme"")
 * replaced by a listed value; `undefined` when nothing was such a string. `type` and `role` are left alone: they are
 * closed in the stored schema too, so an issue there only says which other member of a union was tried.
 */
const withListedEnums = (request: unknown, error: ParseResult.ParseError): unknown => {
  const copy = structuredClone(request)
  let repaired = false
  for (const issue of ParseResult.ArrayFormatter.formatErrorSync(error)) {
    const parent = issue.path.slice(0, -1).reduce(
      (node: unknown, key) => (node as Record<PropertyKey, unknown>)?.[key],
      copy
    ) as Record<PropertyKey, unknown> | undefined
    const key = issue.path[issue.path.length - 1]
    const listed = /^Expected ("[^"]*"), actual (".*")$/s.exec(issue.message)
    if (key === "type" || key === "role") continue
    if (parent === undefined || listed === null || typeof parent[key] !== "string") continue
    if (JSON.stringify(parent[key]) !== listed[2]) continue
    parent[key] = JSON.parse(listed[1])
    repaired = true
  }
  return repaired ? copy : undefined
}

describe("a stored request replayed with create", () => {
  it.prop(
    "passes create's validation unchanged, unless it holds an enum value the page does not list",
    [storedRequests],
    ([request]) => {
      const result = replay(request)
      if (Either.isRight(result)) {
        if (!isDeepStrictEqual(result.right, request)) expect(result.right).toStrictEqual(request)
        return
      }
      // Refused only for strings outside the literals the page lists: with those set to listed values, it passes.
      const repaired = withListedEnums(request, result.left)
      if (repaired === undefined) expect.fail(ParseResult.TreeFormatter.formatErrorSync(result.left))
      const again = validate(repaired)
      if (Either.isLeft(again)) expect.fail(ParseResult.TreeFormatter.formatErrorSync(again.left))
      if (Either.isRight(again) && !isDeepStrictEqual(again.right, repaired)) {
        expect(again.right).toStrictEqual(repaired)
      }
    },
    { fastCheck: { numRuns: 300 } }
  )

  it("is not vacuous: most generated stored requests replay", () => {
    const samples = fc.sample(storedRequests, { numRuns: 300, seed: 42 })
    const passed = samples.filter((request) => Either.isRight(replay(request))).length
    expect(passed).toBeGreaterThan(samples.length / 4)
  })

  it("type-checks where the client takes a create body, and runs its checks", () => {
    const stored = Schema.decodeSync(StoredChatCompletion.StoredChatCompletionFromJson)(
      JSON.stringify({
        request: {
          model: "m",
          messages: [{ role: "assistant", content: null, refusal: null, name: null }],
          temperature: null,
          reasoning_effort: "minimal"
        },
        response: completion({ role: "assistant", content: "Hi" })
      })
    )
    const input: ChatCompletionCreateParams.ChatCompletionCreateParamsInput = stored.request
    const result = validate(input)
    expect(Either.isLeft(result)).toBe(true)
    if (Either.isLeft(result)) {
      expect(ParseResult.ArrayFormatter.formatErrorSync(result.left).map((issue) => issue.path)).toEqual(
        expect.arrayContaining([["reasoning_effort"]])
      )
    }
    expect(validate({ ...stored.request, reasoning_effort: "low" })).toStrictEqual(
      Either.right({ ...stored.request, reasoning_effort: "low" })
    )
  })
})

describe("ChatCompletionCreateParamsAsReceived, the body as the API reads it", () => {
  const read = Schema.decodeUnknownEither(ChatCompletionCreateParams.ChatCompletionCreateParamsAsReceived, {
    errors: "all"
  })

  it("ignores every key it does not document, typos included, and takes null as absent", () => {
    const body = {
      model: "m",
      messages: [{ role: "user", content: [{ type: "text", text: "Hi", cache_control: { type: "ephemeral" } }] }],
      temprature: 1,
      user: "u",
      metadata: { a: "b" },
      seed: null,
      tools: null
    }
    expect(read(body)).toStrictEqual(
      Either.right({
        model: "m",
        messages: [{ role: "user", content: [{ type: "text", text: "Hi" }] }],
        seed: null,
        tools: null
      })
    )
  })

  it("checks the documented types, enums and bounds as create does, with the path", () => {
    const result = read({ model: "m", messages: [{ role: "user", content: "Hi" }], temperature: 3, n: "2" })
    expect(Either.isLeft(result)).toBe(true)
    if (Either.isLeft(result)) {
      const issues = ParseResult.ArrayFormatter.formatErrorSync(result.left)
      expect(issues).toContainEqual(
        expect.objectContaining({ path: ["temperature"], message: "Expected a number between 0 and 2, actual 3" })
      )
      expect(issues).toContainEqual(expect.objectContaining({ path: ["n"], message: "Expected number, actual \"2\"" }))
    }
  })
})
