/**
 * Chat-completion chunks and event-stream transcripts, used by the tests of the chunk decoder and of the client's
 * streaming.
 */
import { expect } from "@effect/vitest"
import type { ChatCompletion } from "@objectiveai-effect/domain"
import * as fs from "node:fs"
import * as path from "node:path"

// The recorded payloads live with the domain's tests, each beside a note saying where it comes from.
const fixtures = path.resolve(__dirname, "../../../domain/test/fixtures")

/** OpenRouter's event stream with a URL citation and a usage-only final chunk, as the bytes it sent. */
export const openRouterTranscript: Uint8Array = fs.readFileSync(
  path.join(fixtures, "openrouter-stream-annotations-usage.sse")
)

/** OpenRouter's typed mid-stream error chunk, as one line of JSON. */
export const openRouterMidstreamError: string = fs.readFileSync(
  path.join(fixtures, "openrouter-midstream-error-chunk-typed.json"),
  "utf8"
).trim()

/** Checks the completion {@link openRouterTranscript} merges into. */
export const expectOpenRouterCompletion = (completion: ChatCompletion.ChatCompletion): void => {
  expect(completion.choices[0].message.content).toBe("Web search result.")
  expect(completion.choices[0].message.annotations).toStrictEqual([
    { type: "url_citation", url_citation: { url: "https://example.com/page" } }
  ])
  expect(completion.choices[0].finish_reason).toBe("stop")
  expect(completion.usage).toStrictEqual({ prompt_tokens: 10, completion_tokens: 20, total_tokens: 30 })
}

/** A chunk with one choice (index 0, unfinished unless `choice` says otherwise). */
export const chunk = (choice: Record<string, unknown>, fields: Record<string, unknown> = {}) => ({
  id: "gen-1",
  object: "chat.completion.chunk",
  created: 1700000000,
  model: "openai/gpt-4o",
  choices: [{ index: 0, finish_reason: null, ...choice }],
  ...fields
})

export const content = (text: string) => chunk({ delta: { content: text } })

export const finished = (reason = "stop") => chunk({ delta: {}, finish_reason: reason })

export const usage = { prompt_tokens: 10, completion_tokens: 20, total_tokens: 30, cost: 0.00012 }

/** Events whose data is the given text, or the JSON of the given value. */
export const sse = (...data: ReadonlyArray<unknown>): string =>
  data.map((item) => `data: ${typeof item === "string" ? item : JSON.stringify(item)}\n\n`).join("")

/** One event whose JSON is pretty-printed over several `data:` lines. */
export const prettyEvent = (value: unknown) =>
  JSON.stringify(value, null, 2).split("\n").map((line) => `data: ${line}\n`).join("") + "\n"

// Comments, CJK and emoji content, a chunk pretty-printed over several data lines, logprobs, a tool call in
// fragments, the finish, and the usage-only chunk.
export const syntheticChunks = [
  chunk({ delta: { role: "assistant", content: "" } }),
  chunk({
    delta: { content: "你好" },
    logprobs: { content: [{ token: "你好", logprob: -0.25, bytes: [228, 189, 160, 229, 165, 189], top_logprobs: [] }] }
  }),
  chunk({ delta: { content: "🙂, 世界", reasoning: "思考…" } }),
  chunk({
    delta: {
      tool_calls: [{ index: 0, id: "call_1", type: "function", function: { name: "search", arguments: "{\"q\":" } }]
    }
  }),
  chunk({ delta: { tool_calls: [{ index: 0, function: { arguments: "\"東京\"}" } }] } }),
  finished("tool_calls"),
  chunk({}, { choices: [], usage })
]

/** {@link syntheticChunks} as a gateway sends them, keep-alive comments and one event with `event:`, `id:`, `retry:`. */
export const synthetic = ": OPENROUTER PROCESSING\n\n" +
  sse(...syntheticChunks.slice(0, 2)) +
  ": OPENROUTER PROCESSING\n\n" +
  prettyEvent(syntheticChunks[2]) +
  "event: message\nid: 3\nretry: 3000\n" + sse(...syntheticChunks.slice(3)) +
  sse("[DONE]")
