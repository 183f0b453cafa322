import { describe, expect, it } from "@effect/vitest"
import * as Arr from "effect/Array"
import * as fc from "effect/FastCheck"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import type { Logprobs } from "../src/index.js"
import { ChatCompletion, ChatCompletionChunk, CompletionId, Json } from "../src/index.js"
import { fixture, sseData } from "./support/fixtures.js"

type Chunk = ChatCompletionChunk.ChatCompletionChunk
type ChunkChoice = ChatCompletionChunk.ChunkChoice

const decodeChunk = Schema.decodeSync(ChatCompletionChunk.ChatCompletionChunkFromJson)

const chunk = (choices: ReadonlyArray<ChunkChoice>, extra: Partial<Chunk> = {}): Chunk => ({
  id: CompletionId.make("gen-1"),
  object: "chat.completion.chunk",
  created: 1764000000,
  model: "openai/gpt-4o-mini",
  choices,
  ...extra
})

const delta = (
  index: number,
  fields: ChatCompletionChunk.ChoiceDelta,
  extra: Partial<ChunkChoice> = {}
): ChunkChoice => ({
  index,
  delta: fields,
  ...extra
})

const merged = (chunks: ReadonlyArray<Chunk>): ChatCompletion.ChatCompletion =>
  Option.getOrThrowWith(ChatCompletionChunk.merge(chunks), () => new Error("no completion"))

const token = (text: string, logprob: number): Logprobs.ChoiceLogprobs => ({
  content: [{ token: text, logprob, top_logprobs: [{ token: text, logprob }] }]
})

describe("ChatCompletionChunk.merge", () => {
  it("merges the recorded OpenRouter stream: content, a url-only citation, the finish and the usage-only last chunk", () => {
    const chunks = sseData(fixture("openrouter-stream-annotations-usage.sse")).map((text) => decodeChunk(text))
    expect(chunks).toHaveLength(4)
    expect(chunks[3]?.choices).toStrictEqual([])
    expect(merged(chunks)).toStrictEqual({
      id: "chatcmpl-web-search",
      object: "chat.completion",
      created: 1711357598,
      model: "anthropic/claude-3.5-sonnet:online",
      choices: [{
        index: 0,
        finish_reason: "stop",
        // What no chunk carried has the unary answer's shape: null, or left out for `reasoning`.
        logprobs: null,
        message: {
          role: "assistant",
          content: "Web search result.",
          refusal: null,
          annotations: [{ type: "url_citation", url_citation: { url: "https://example.com/page" } }]
        }
      }],
      usage: { prompt_tokens: 10, completion_tokens: 20, total_tokens: 30 }
    })
  })

  it("keeps OpenRouter's mid-stream error on the choice it ended", () => {
    const failed = decodeChunk(fixture("openrouter-midstream-error-chunk-typed.json"))
    const completion = merged([chunk([delta(0, { role: "assistant", content: "Partial" })]), failed])
    const choice = completion.choices[0]
    expect(choice?.message.content).toBe("Partial")
    expect(choice?.finish_reason).toBe("error")
    expect(choice?.error).toStrictEqual({
      code: 429,
      message: "Rate limit exceeded",
      metadata: { error_type: "rate_limit_exceeded" }
    })
    expect(completion.provider).toBe("OpenAI")
  })

  it("prefers a choice's own error to the chunk's", () => {
    const own = { message: "choice failed" }
    const completion = merged([
      chunk([delta(0, {}, { finish_reason: "error", error: own })], { error: { message: "stream failed" } })
    ])
    expect(completion.choices[0]?.error).toStrictEqual(own)
  })

  it("concatenates content, refusal and reasoning, in arrival order", () => {
    const completion = merged([
      chunk([delta(0, { role: "assistant", content: "", reasoning: "Think" })]),
      chunk([delta(0, { content: "Hel", reasoning: "ing", refusal: null })]),
      chunk([delta(0, { content: "lo", refusal: "Not " })]),
      chunk([
        delta(0, { content: null, refusal: "that." }, { finish_reason: "stop", native_finish_reason: "end_turn" })
      ])
    ])
    expect(completion.choices).toStrictEqual([{
      index: 0,
      finish_reason: "stop",
      native_finish_reason: "end_turn",
      logprobs: null,
      message: { role: "assistant", content: "Hello", refusal: "Not that.", reasoning: "Thinking" }
    }])
  })

  it("merges choices by index, whatever order they arrive in", () => {
    const completion = merged([
      chunk([delta(2, { content: "C" }), delta(0, { content: "A" })]),
      chunk([delta(1, { content: "B" })]),
      chunk([
        delta(0, { content: "a" }, { finish_reason: "stop" }),
        delta(2, { content: "c" }, { finish_reason: "length" })
      ]),
      chunk([delta(1, { content: "b" }, { finish_reason: "stop" })])
    ])
    expect(completion.choices.map((choice) => [choice.index, choice.message.content, choice.finish_reason]))
      .toStrictEqual(
        [[0, "Aa", "stop"], [1, "Bb", "stop"], [2, "Cc", "length"]]
      )
  })

  it("merges tool calls by index: id, type and name from the first fragment, arguments concatenated", () => {
    const completion = merged([
      chunk([delta(0, {
        tool_calls: [{ index: 1, id: "call_b", type: "function", function: { name: "second", arguments: "" } }]
      })]),
      chunk([delta(0, {
        tool_calls: [
          { index: 0, id: "call_a", type: "function", function: { name: "first", arguments: "{\"q\":" } },
          { index: 1, id: null, function: { name: null, arguments: "{}" } }
        ]
      })]),
      chunk([delta(0, { tool_calls: [{ index: 0, id: null, type: null, function: { arguments: "1}" } }] }, {
        finish_reason: "tool_calls"
      })])
    ])
    expect(completion.choices[0]?.message.tool_calls).toStrictEqual([
      { id: "call_a", type: "function", function: { name: "first", arguments: "{\"q\":1}" } },
      { id: "call_b", type: "function", function: { name: "second", arguments: "{}" } }
    ])
    expect(completion.choices[0]?.message.content).toBeNull()
  })

  it("appends logprobs, content and refusal apart", () => {
    const completion = merged([
      chunk([delta(0, { content: "A" }, { logprobs: token("A", -0.1) })]),
      chunk([delta(0, { content: "B" }, { logprobs: null })]),
      chunk([
        delta(0, { content: "C" }, {
          logprobs: { ...token("C", -0.3), refusal: [{ token: "no", logprob: -2, top_logprobs: [] }] }
        })
      ])
    ])
    const logprobs = completion.choices[0]?.logprobs
    expect(logprobs?.content?.map((t) => [t.token, t.logprob])).toStrictEqual([["A", -0.1], ["C", -0.3]])
    expect(logprobs?.refusal?.map((t) => t.token)).toStrictEqual(["no"])
  })

  it("gives both logprob arrays once either arrived, [] for the side no chunk carried, as ObjectiveAI's SDK declares", () => {
    const completion = merged([
      chunk([delta(0, { content: "A" }, { logprobs: token("A", -0.1) })]),
      chunk([delta(0, { content: "B" })])
    ])
    expect(completion.choices[0]?.logprobs?.refusal).toStrictEqual([])
    expect(completion.choices[0]?.message).not.toHaveProperty("reasoning")
  })

  it("takes usage from the last chunk that has it", () => {
    const usage = (total: number) => ({ prompt_tokens: 1, completion_tokens: total - 1, total_tokens: total })
    const completion = merged([
      chunk([delta(0, { content: "x" })], { usage: usage(2) }),
      chunk([], { usage: usage(9) }),
      chunk([delta(0, {}, { finish_reason: "stop" })], { usage: null })
    ])
    expect(completion.usage).toStrictEqual(usage(9))
  })

  it("takes id, created and model from the first chunk, and the rest from the last chunk that has them", () => {
    const completion = merged([
      chunk([delta(0, { content: "x" })], { system_fingerprint: "fp_1" }),
      chunk([], { id: CompletionId.make("gen-2"), model: "other", provider: "Azure", service_tier: "default" })
    ])
    expect([
      completion.id,
      completion.model,
      completion.system_fingerprint,
      completion.provider,
      completion.service_tier
    ])
      .toStrictEqual(["gen-1", "openai/gpt-4o-mini", "fp_1", "Azure", "default"])
  })

  it("gives None for no chunks", () => {
    expect(ChatCompletionChunk.merge([])).toStrictEqual(Option.none())
    expect(ChatCompletionChunk.accumulator().completion()).toStrictEqual(Option.none())
  })

  it("the accumulator gives the completion so far at any point, and counts its chunks", () => {
    const accumulator = ChatCompletionChunk.accumulator()
    accumulator.add(chunk([delta(0, { role: "assistant", content: "Hel" })]))
    expect(Option.map(accumulator.completion(), (c) => c.choices[0]?.message.content)).toStrictEqual(Option.some("Hel"))
    accumulator.add(chunk([delta(0, { content: "lo" }, { finish_reason: "stop" })]))
    expect(accumulator.chunks()).toBe(2)
    expect(Option.map(accumulator.completion(), (c) => c.choices[0]?.message.content)).toStrictEqual(
      Option.some("Hello")
    )
  })

  // Streams cut at random: each choice's content and each tool call's arguments split into pieces, the pieces of
  // different choices and calls interleaved at random, ids and names only on a call's first fragment.
  const stream = fc.record({
    contents: fc.array(fc.array(fc.string({ unit: "grapheme" }), { minLength: 1, maxLength: 6 }), {
      minLength: 1,
      maxLength: 4
    }),
    calls: fc.array(fc.array(fc.string(), { minLength: 1, maxLength: 4 }), { maxLength: 3 }),
    seed: fc.integer()
  })

  it.prop("merges any cut and interleaving of a stream back into it", [stream], ([{ calls, contents, seed }]) => {
    type Piece = { readonly choice: number; readonly call?: number; readonly text: string; readonly first: boolean }
    const queues: Array<Array<Piece>> = [
      ...contents.map((pieces, choice) => pieces.map((text, i) => ({ choice, text, first: i === 0 }))),
      ...calls.map((pieces, call) => pieces.map((text, i) => ({ choice: 0, call, text, first: i === 0 })))
    ]
    // Interleave by a deterministic shuffle of which queue gives its next piece, keeping each queue's own order.
    let state = seed
    const pieces: Array<Piece> = []
    for (let left = queues.filter((q) => q.length > 0); left.length > 0; left = left.filter((q) => q.length > 0)) {
      state = (Math.imul(state, 1103515245) + 12345) | 0
      pieces.push(left[Math.abs(state) % left.length].shift() as Piece)
    }
    const chunks = pieces.map((piece) =>
      chunk([delta(
        piece.choice,
        piece.call === undefined ? { content: piece.text } : {
          tool_calls: [{
            index: piece.call,
            id: piece.first ? `call_${piece.call}` : null,
            function: { name: piece.first ? `f${piece.call}` : null, arguments: piece.text }
          }]
        }
      )])
    )
    const completion = merged(chunks)
    expect(completion.choices.map((choice) => choice.message.content)).toStrictEqual(contents.map((p) => p.join("")))
    expect(completion.choices[0]?.message.tool_calls ?? []).toStrictEqual(calls.map((p, call) => ({
      id: `call_${call}`,
      type: "function",
      function: { name: `f${call}`, arguments: p.join("") }
    })))
    // The merge is a completion the schema accepts, and `merge` is the accumulator folded over the chunks.
    const encoded = Schema.encodeSync(ChatCompletion.ChatCompletion)(completion)
    expect(Schema.decodeSync(ChatCompletion.ChatCompletion)(encoded)).toStrictEqual(completion)
    const accumulator = ChatCompletionChunk.accumulator()
    Arr.forEach(chunks, accumulator.add)
    expect(accumulator.completion()).toStrictEqual(Option.some(completion))
    expect(Json.parse(Json.stringify(encoded))).toStrictEqual(encoded)
  }, { fastCheck: { numRuns: 500 } })
})
