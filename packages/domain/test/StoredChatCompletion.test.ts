import { describe, expect, it } from "@effect/vitest"
import * as Schema from "effect/Schema"
import {
  ChatCompletionCreateParams,
  ChatCompletionList,
  CompletionId,
  Json,
  StoredChatCompletion
} from "../src/index.js"
import { decoded, failure } from "./support/failure.js"

const response = {
  id: "chtcpl-5f0c3d2e9b8a4c1d7e6f5a4b3c2d1e0f-1764000000",
  object: "chat.completion",
  created: 1764000000,
  model: "openai/gpt-4o-mini",
  choices: [{ index: 0, finish_reason: "stop", message: { role: "assistant", content: "Shorter." } }]
}

/** A stored body as late-2025 requests were kept: roles, keys and enum values the page does not list. */
const storedText = `{
  "request": {
    "model": "openai/gpt-4o-mini",
    "messages": [
      { "role": "user", "content": "Explain tides." },
      { "role": "chat_completion", "id": "chtcpl-0000", "choice_index": 0 },
      { "role": "score_completion", "id": "scrcpl-1111", "choice_index": 3, "name": "judge" },
      { "role": "user", "content": [{ "type": "audio_url", "input_audio": { "data": "AAAA", "format": "mp3" } }] },
      { "role": "user", "content": [{ "type": "input_audio", "input_audio": { "data": "BBBB", "format": "wav" } }] }
    ],
    "seed": 18446744073709551615,
    "reasoning_effort": "minimal",
    "service_tier": "priority",
    "verbosity": "max",
    "prediction": { "type": "content", "content": "Tides are" },
    "transforms": ["middle-out"]
  },
  "response": ${JSON.stringify(response)}
}`

describe("StoredChatCompletion", () => {
  it("reads a stored body with unlisted roles, keys and enum values, and a seed beyond 2^53 kept exact", () => {
    const stored = Schema.decodeSync(StoredChatCompletion.StoredChatCompletionFromJson)(storedText)
    expect(stored.request.seed).toBe(18446744073709551615n)
    expect(stored.request.messages.map((message) => message.role)).toStrictEqual([
      "user",
      "chat_completion",
      "score_completion",
      "user",
      "user"
    ])
    expect(stored.request.reasoning_effort).toBe("minimal")
    expect((stored.request as unknown as Record<string, unknown>).transforms).toStrictEqual(["middle-out"])
    expect(stored.response.choices[0]?.message.content).toBe("Shorter.")
  })

  it("writes the stored body back as it came, the seed digit for digit", () => {
    const codec = StoredChatCompletion.StoredChatCompletionFromJson
    const text = Schema.encodeSync(codec)(Schema.decodeSync(codec)(storedText))
    expect(text).toContain("\"seed\":18446744073709551615")
    expect(Json.parse(text)).toStrictEqual(Json.parse(storedText))
  })

  it("is lenient where the create body is strict, and keeps the same bounds", () => {
    const request = (Json.parse(storedText) as { request: Record<string, unknown> }).request
    const strict = failure(ChatCompletionCreateParams.ChatCompletionCreateParams, request, { all: true })
    const refused = strict.issues.map((issue) => issue.path[0])
    expect(refused).toEqual(expect.arrayContaining(["reasoning_effort", "service_tier", "verbosity"]))
    // An undocumented key is not a broken rule: create sends it through.
    expect(refused).not.toContain("transforms")
    expect(decoded(StoredChatCompletion.StoredChatCompletionRequest, request).model).toBe("openai/gpt-4o-mini")
    const { tree } = failure(StoredChatCompletion.StoredChatCompletion, {
      request: { ...request, temperature: 3 },
      response
    })
    expect(tree).toContain("[\"temperature\"]")
    expect(tree).toContain("Expected a number between 0 and 2, actual 3")
  })

  it("needs both halves", () => {
    expect(failure(StoredChatCompletion.StoredChatCompletion, { request: { model: "m", messages: [] } }).tree)
      .toContain(
        "[\"response\"]\n   └─ is missing"
      )
  })
})

/** Requests as the API's legacy SDK let callers write them, each stored and read back. */
const legacyRequests: ReadonlyArray<readonly [string, Record<string, unknown>]> = [
  ["refusal: null and name: null on an assistant message", {
    model: "m",
    messages: [{ role: "user", content: "Hi" }, { role: "assistant", content: "Hello", refusal: null, name: null }]
  }],
  ["content: null on assistant and tool messages", {
    model: "m",
    messages: [
      {
        role: "assistant",
        content: null,
        tool_calls: [{ id: "c1", type: "function", function: { name: "f", arguments: "{}" } }]
      },
      { role: "tool", tool_call_id: "c1", content: null }
    ]
  }],
  ["the legacy reference roles", {
    model: "m",
    messages: [
      { role: "chat_completion", id: "chtcpl-0000", choice_index: 0 },
      { role: "score_completion", id: "scrcpl-1111", choice_index: 3, name: "judge" },
      { role: "score_completion", id: "scrcpl-2222", choice_index: 1, name: null }
    ]
  }],
  ["both audio part spellings", {
    model: "m",
    messages: [{
      role: "user",
      content: [
        { type: "audio_url", input_audio: { data: "AAAA", format: "mp3" } },
        { type: "input_audio", input_audio: { data: "BBBB", format: "wav" } }
      ]
    }]
  }],
  ["null in every optional top-level field", {
    model: "m",
    messages: [{ role: "user", content: "Hi", name: null }],
    frequency_penalty: null,
    logit_bias: null,
    logprobs: null,
    max_completion_tokens: null,
    modalities: null,
    n: null,
    parallel_tool_calls: null,
    prediction: null,
    presence_penalty: null,
    reasoning_effort: null,
    response_format: null,
    seed: null,
    service_tier: null,
    stop: null,
    stream: null,
    stream_options: null,
    temperature: null,
    tool_choice: null,
    tools: null,
    top_logprobs: null,
    top_p: null,
    web_search_options: null,
    max_tokens: null,
    min_p: null,
    plugins: null,
    provider: null,
    reasoning: null,
    repetition_penalty: null,
    top_a: null,
    top_k: null,
    usage: null,
    verbosity: null,
    models: null
  }],
  ["null inside nested objects", {
    model: "m",
    messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: "u", detail: null } }] }],
    tools: [{ type: "function", function: { name: "f", description: null, parameters: null, strict: null } }],
    response_format: { type: "json_schema", json_schema: { name: "a", description: null, strict: null, schema: null } },
    provider: { order: null, allow_fallbacks: null, data_collection: null, sort: null },
    reasoning: { max_tokens: null, effort: null, enabled: null },
    stream_options: { include_usage: null },
    web_search_options: { search_context_size: null, user_location: null }
  }],
  ["unknown keys on every object", {
    model: "m",
    user: "u-1",
    metadata: { run: "a" },
    store: true,
    messages: [
      { role: "user", content: [{ type: "text", text: "Hi", cache_control: { type: "ephemeral" } }], x: 1 },
      {
        role: "assistant",
        content: "Hello",
        reasoning_details: [{ type: "reasoning.encrypted", data: "…" }],
        tool_calls: [{ id: "c", type: "function", function: { name: "f", arguments: "{}", y: 2 }, index: 0 }]
      }
    ],
    tools: [{ type: "function", function: { name: "f", cache_control: {} }, z: 3 }],
    provider: { order: ["a"], max_price: { prompt: 1 } },
    reasoning: { effort: "high", exclude: true }
  }]
]

describe("StoredChatCompletion: every request the API stored decodes", () => {
  const codec = StoredChatCompletion.StoredChatCompletionFromJson
  const schema = StoredChatCompletion.StoredChatCompletion

  it.each(legacyRequests)("%s: decodes, from text and from a value, and writes back the same JSON", (_, request) => {
    const body = { request, response }
    const text = JSON.stringify(body)
    // From JSON text (the in-place check) and from a value (the full decode) alike.
    const fromText = Schema.decodeSync(codec)(text)
    const fromValue = decoded(schema, JSON.parse(text))
    expect(fromText).toStrictEqual(body)
    expect(fromValue).toStrictEqual(body)
    expect(Json.parse(Schema.encodeSync(codec)(fromText))).toStrictEqual(body)
    expect(Schema.encodeSync(schema)(fromValue)).toStrictEqual(body)
  })
})

describe("ChatCompletionList", () => {
  it("reads a page of ids with previews, null previews and unknown keys", () => {
    const body = {
      data: [
        { id: "chtcpl-1", preview: "Hello", created: "2025-11-25T18:00:00Z" },
        { id: "chtcpl-2", preview: null, created: "2025-11-25T18:00:01Z", archived: false }
      ],
      has_more: true
    }
    const list = decoded(ChatCompletionList.ChatCompletionList, body)
    expect(list.data[1]?.id).toBe(CompletionId.make("chtcpl-2"))
    expect(Schema.encodeSync(ChatCompletionList.ChatCompletionList)(list)).toStrictEqual(body)
    expect(failure(ChatCompletionList.ChatCompletionList, { data: [{ id: "x", created: "t" }] }).issues).toStrictEqual([
      { _tag: "Missing", path: ["data", 0, "preview"], message: "is missing" }
    ])
  })
})

describe("CompletionId", () => {
  it("brands any non-empty id and refuses the empty one", () => {
    for (const id of ["chtcpl-5f0c3d2e9b8a4c1d7e6f5a4b3c2d1e0f-1764000000", "gen-1764000000-abc", "chatcmpl-123"]) {
      expect(CompletionId.make(id)).toBe(id)
    }
    expect(() => CompletionId.make("")).toThrow("Expected a non-empty completion id, actual \"\"")
  })
})
