import { describe, expect, it } from "@effect/vitest"
import * as Schema from "effect/Schema"
import { ChatCompletion, Json } from "../src/index.js"
import { decoded, failure } from "./support/failure.js"
import { fixture } from "./support/fixtures.js"

const Completion = ChatCompletion.ChatCompletion
const encode = Schema.encodeSync(Completion)

const minimal = {
  id: "chtcpl-5f0c3d2e9b8a4c1d7e6f5a4b3c2d1e0f-1764000000",
  object: "chat.completion",
  created: 1764000000,
  model: "openai/gpt-4o-mini",
  choices: [{ index: 0, finish_reason: "stop", message: { role: "assistant", content: "Hi" } }]
}

/** A completion with every optional field the API may send as `null` sent as `null`. */
const allNull = {
  ...minimal,
  service_tier: null,
  system_fingerprint: null,
  usage: {
    completion_tokens: 1,
    prompt_tokens: 2,
    total_tokens: 3,
    completion_tokens_details: {
      accepted_prediction_tokens: null,
      rejected_prediction_tokens: null,
      audio_tokens: null,
      reasoning_tokens: null,
      image_tokens: null
    },
    prompt_tokens_details: {
      audio_tokens: null,
      cached_tokens: null,
      cache_write_tokens: null,
      video_tokens: null,
      image_tokens: null
    },
    cost: null,
    cost_details: {
      upstream_inference_cost: null,
      upstream_upstream_inference_cost: null,
      upstream_inference_prompt_cost: null,
      upstream_inference_completions_cost: null
    },
    is_byok: null
  },
  provider: null,
  choices: [{
    index: 0,
    finish_reason: null,
    native_finish_reason: null,
    logprobs: {
      content: [{
        token: "Hi",
        bytes: null,
        logprob: null,
        top_logprobs: [{ token: "Hi", bytes: null, logprob: null }]
      }],
      refusal: null
    },
    error: null,
    message: {
      role: "assistant",
      content: null,
      refusal: null,
      annotations: null,
      audio: null,
      tool_calls: null,
      reasoning: null,
      reasoning_details: null,
      images: null
    }
  }]
}

/** Keys the page does not list, at every level, as upstreams add them. */
const withUnknownKeys = {
  ...minimal,
  x_request_id: "req_1",
  seed: 18446744073709551615n,
  choices: [{
    index: 0,
    finish_reason: "stop",
    provider_choice: { raw: [1, 2] },
    message: { role: "assistant", content: "Hi", provider_specific: { cached: true } },
    logprobs: { content: [{ token: "Hi", logprob: -0.1, top_logprobs: [], extra: "kept" }], extra: 1 }
  }],
  usage: {
    completion_tokens: 1,
    prompt_tokens: 2,
    total_tokens: 3,
    server_tool_use_details: { web_search_requests: 1 },
    prompt_tokens_details: { cached_tokens: 0, future_tokens: 7 }
  }
}

const roundTrips = (input: unknown) => {
  const completion = decoded(Completion, input)
  expect(encode(completion)).toStrictEqual(input)
  return completion
}

describe("ChatCompletion", () => {
  describe("the recorded fixtures", () => {
    it.each(["openai-chat-completion-logprobs.json", "openai-chat-completion-tool-calls.json"])(
      "%s decodes from its text and writes back the same JSON",
      (name) => {
        const text = fixture(name)
        const completion = Schema.decodeSync(ChatCompletion.ChatCompletionFromJson)(text)
        expect(Json.parse(Schema.encodeSync(ChatCompletion.ChatCompletionFromJson)(completion))).toStrictEqual(
          Json.parse(text)
        )
        roundTrips(Json.parse(text))
      }
    )

    it("keeps what the logprobs fixture carries", () => {
      const completion = roundTrips(Json.parse(fixture("openai-chat-completion-logprobs.json")))
      const content = completion.choices[0]?.logprobs?.content ?? []
      expect(content.map((token) => token.token).join("")).toBe(completion.choices[0]?.message.content)
      expect(content[2]?.top_logprobs[1]).toStrictEqual({ token: "<|end|>", logprob: -10.953937, bytes: null })
      expect(completion.system_fingerprint).toBeNull()
      expect(completion.usage?.completion_tokens_details?.reasoning_tokens).toBe(0)
    })

    it("keeps what the tool-calls fixture carries", () => {
      const completion = roundTrips(Json.parse(fixture("openai-chat-completion-tool-calls.json")))
      const choice = completion.choices[0]
      expect(choice?.message.content).toBeNull()
      expect(choice?.logprobs).toBeNull()
      expect(choice?.finish_reason).toBe("tool_calls")
      expect(choice?.message.tool_calls?.[0]?.function).toStrictEqual({
        name: "get_current_weather",
        arguments: "{\n\"location\": \"Boston, MA\"\n}"
      })
    })
  })

  describe("reads leniently", () => {
    it("takes every optional field absent, and writes none back", () => {
      const completion = roundTrips(minimal)
      expect(completion.usage).toBeUndefined()
      expect("usage" in completion).toBe(false)
    })

    it("takes every optional field null, and writes null back", () => {
      const completion = roundTrips(allNull)
      expect(completion.service_tier).toBeNull()
      expect(completion.choices[0]?.message.tool_calls).toBeNull()
      expect(completion.usage?.prompt_tokens_details?.cached_tokens).toBeNull()
    })

    it("takes enum values the page does not list, as strings", () => {
      const completion = roundTrips({
        ...minimal,
        service_tier: "priority",
        choices: [{
          index: 0,
          finish_reason: "function_call",
          native_finish_reason: "MAX_TOKENS",
          message: {
            role: "assistant",
            content: "Hi",
            annotations: [{ type: "file_citation", file_citation: { file_id: "f" } }],
            reasoning_details: [{ type: "reasoning.future", text: "t" }],
            tool_calls: [{ id: "c", type: "custom", function: { name: "n", arguments: "" } }],
            images: [{ type: "image_base64", image_url: { url: "data:" } }]
          }
        }]
      })
      const choice = completion.choices[0]
      expect(completion.service_tier).toBe("priority")
      expect(choice?.finish_reason).toBe("function_call")
      expect(choice?.message.annotations?.[0]?.type).toBe("file_citation")
      expect(choice?.message.reasoning_details?.[0]?.type).toBe("reasoning.future")
      expect(choice?.message.tool_calls?.[0]?.type).toBe("custom")
    })

    it("keeps unknown keys at every level, reachable on the decoded value and written back", () => {
      const completion = roundTrips(withUnknownKeys)
      const loose = (value: unknown) => value as Record<string, unknown>
      expect(loose(completion).x_request_id).toBe("req_1")
      expect(loose(completion).seed).toBe(18446744073709551615n)
      expect(loose(completion.choices[0]).provider_choice).toStrictEqual({ raw: [1, 2] })
      expect(loose(completion.choices[0]?.message).provider_specific).toStrictEqual({ cached: true })
      expect(loose(completion.choices[0]?.logprobs?.content?.[0]).extra).toBe("kept")
      expect(loose(completion.usage).server_tool_use_details).toStrictEqual({ web_search_requests: 1 })
    })

    it("keeps an unknown integer beyond 2^53 exact from text to text", () => {
      const text = Json.stringify(withUnknownKeys)
      expect(text).toContain("\"seed\":18446744073709551615")
      const completion = Schema.decodeSync(ChatCompletion.ChatCompletionFromJson)(text)
      expect(Schema.encodeSync(ChatCompletion.ChatCompletionFromJson)(completion)).toContain(
        "\"seed\":18446744073709551615"
      )
    })

    it("takes annotations without a type, with only a url, or with extra content", () => {
      const annotations = [
        { url_citation: { url: "https://a.example" } },
        { type: "url_citation", url_citation: { url: "https://b.example" } },
        {
          type: "url_citation",
          url_citation: { url: "https://c.example", title: "C", start_index: 0, end_index: 2, content: "cited" }
        }
      ]
      const completion = roundTrips({
        ...minimal,
        choices: [{ index: 0, finish_reason: "stop", message: { role: "assistant", content: "Hi", annotations } }]
      })
      expect(completion.choices[0]?.message.annotations?.map((a) => a.url_citation?.url)).toStrictEqual([
        "https://a.example",
        "https://b.example",
        "https://c.example"
      ])
    })

    it("takes a choice that failed inside a 200 body, with its error", () => {
      const completion = roundTrips({
        ...minimal,
        choices: [{
          index: 0,
          finish_reason: "error",
          message: { role: "assistant", content: "" },
          error: { code: 502, message: "Provider returned error", metadata: { provider_name: "OpenAI" } }
        }]
      })
      expect(completion.choices[0]?.error?.metadata?.provider_name).toBe("OpenAI")
    })

    it("takes usage with the OpenRouter and ObjectiveAI additions", () => {
      const usage = {
        completion_tokens: 20,
        prompt_tokens: 10,
        total_tokens: 30,
        prompt_tokens_details: { cached_tokens: 2, cache_write_tokens: 3, video_tokens: 0, image_tokens: 1 },
        completion_tokens_details: { reasoning_tokens: 5, image_tokens: 0 },
        cost: 0.00042,
        is_byok: true,
        cost_details: {
          upstream_inference_cost: 0.0004,
          upstream_upstream_inference_cost: 0.00038,
          upstream_inference_prompt_cost: 0.0001,
          upstream_inference_completions_cost: 0.0003
        }
      }
      expect(roundTrips({ ...minimal, usage }).usage).toStrictEqual(usage)
    })
  })

  describe("still refuses what is not a completion", () => {
    it.each([
      ["a missing id", { ...minimal, id: undefined }, "[\"id\"]", "is missing"],
      ["an empty id", { ...minimal, id: "" }, "[\"id\"]", "Expected a non-empty completion id, actual \"\""],
      [
        "another object",
        { ...minimal, object: "chat.completion.chunk" },
        "[\"object\"]",
        "Expected \"chat.completion\""
      ],
      [
        "a choice without index",
        { ...minimal, choices: [{ finish_reason: "stop", message: { role: "assistant" } }] },
        "[\"index\"]",
        "is missing"
      ],
      [
        "created as a string",
        { ...minimal, created: "1764000000" },
        "[\"created\"]",
        "Expected number, actual \"1764000000\""
      ],
      [
        "a token without top_logprobs",
        {
          ...minimal,
          choices: [{
            index: 0,
            finish_reason: "stop",
            message: { role: "assistant" },
            logprobs: { content: [{ token: "a", logprob: -1 }] }
          }]
        },
        "[\"top_logprobs\"]",
        "is missing"
      ]
    ])("%s", (_, input, path, rule) => {
      const { tree } = failure(Completion, JSON.parse(JSON.stringify(input)))
      expect(tree).toContain(path)
      expect(tree.slice(tree.indexOf(path))).toContain(rule)
    })

    it("fails on text that is not JSON with a ParseError naming the problem", () => {
      const { tree } = failure(ChatCompletion.ChatCompletionFromJson, "{\"id\": ")
      expect(tree).toContain("Invalid JSON")
    })
  })
})
