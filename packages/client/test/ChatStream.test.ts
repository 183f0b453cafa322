import { describe, expect, it } from "@effect/vitest"
import { type ChatCompletion, ChatCompletionChunk } from "@objectiveai-effect/domain"
import * as Chunk from "effect/Chunk"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as FastCheck from "effect/FastCheck"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import * as TestClock from "effect/TestClock"
import * as ChatStream from "../src/internal/chatStream.js"
import type * as Sse from "../src/internal/sse.js"
import {
  StreamEventTooLargeError,
  StreamIdleTimeoutError,
  StreamMidstreamError,
  StreamTruncatedError
} from "../src/StreamError.js"
import {
  chunk,
  content,
  expectOpenRouterCompletion,
  openRouterMidstreamError,
  openRouterTranscript,
  prettyEvent,
  sse,
  synthetic,
  syntheticChunks,
  usage
} from "./support/transcripts.js"

const encoder = new TextEncoder()
const bytes = (text: string): Uint8Array => encoder.encode(text)

const reads = (...texts: ReadonlyArray<string>) => Stream.fromIterable(texts.map(bytes))

/** The delivered chunks, the error if the stream failed, and the completion the delivered chunks merge into. */
const outcome = <E, R>(chunks: Stream.Stream<ChatCompletionChunk.ChatCompletionChunk, E, R>) =>
  chunks.pipe(
    Stream.either,
    Stream.runCollect,
    Effect.map((all) => {
      const delivered = Chunk.toReadonlyArray(Chunk.filterMap(all, Either.getRight))
      return {
        chunks: delivered,
        error: Chunk.head(Chunk.filterMap(all, Either.getLeft)),
        merged: ChatCompletionChunk.merge(delivered)
      }
    })
  )

const failure = <E, R>(chunks: Stream.Stream<ChatCompletionChunk.ChatCompletionChunk, E, R>) =>
  outcome(chunks).pipe(Effect.map(({ error, ...rest }) => ({ ...rest, error: Option.getOrThrow(error) })))

const contentOf = (completion: Option.Option<ChatCompletion.ChatCompletion>) =>
  Option.map(completion, ({ choices }) => choices[0].message.content)

const transcripts: Record<string, Uint8Array> = {
  "the OpenRouter fixture": openRouterTranscript,
  "a synthetic transcript with LF": bytes(synthetic),
  "a synthetic transcript with CRLF": bytes(synthetic.replaceAll("\n", "\r\n"))
}

/** `whole` cut at the given positions; repeated positions give empty reads. */
const splitAt = (whole: Uint8Array, cuts: ReadonlyArray<number>): Array<Uint8Array> => {
  const sorted = [...cuts].sort((a, b) => a - b)
  return [...sorted, whole.length].map((end, i) => whole.subarray(i === 0 ? 0 : sorted[i - 1], end))
}

const cuts = (length: number) => FastCheck.array(FastCheck.integer({ min: 0, max: length }), { maxLength: 40 })

describe("ChatStream", () => {
  it.effect("decodes a real transcript up to [DONE], delivering the usage-only chunk", () =>
    Effect.gen(function*() {
      const { chunks, error, merged } = yield* outcome(Stream.make(openRouterTranscript).pipe(ChatStream.decodeBytes()))
      expect(error).toStrictEqual(Option.none())
      expect(chunks.length).toBe(4)
      expect(chunks[3].choices).toStrictEqual([])
      expectOpenRouterCompletion(Option.getOrThrow(merged))
    }))

  it.effect("merges the synthetic transcript used by the properties", () =>
    Effect.gen(function*() {
      const { chunks, error, merged } = yield* outcome(Stream.make(bytes(synthetic)).pipe(ChatStream.decodeBytes()))
      expect(error).toStrictEqual(Option.none())
      expect(chunks.length).toBe(syntheticChunks.length)
      const completion = Option.getOrThrow(merged)
      expect(completion.choices[0].message).toMatchObject({
        content: "你好🙂, 世界",
        reasoning: "思考…",
        tool_calls: [{ id: "call_1", type: "function", function: { name: "search", arguments: "{\"q\":\"東京\"}" } }]
      })
      expect(completion.choices[0].logprobs?.content?.length).toBe(1)
      expect(completion.choices[0].finish_reason).toBe("tool_calls")
      expect(completion.usage).toStrictEqual(usage)
    }))

  it.effect("reads nothing after [DONE]", () =>
    Effect.gen(function*() {
      const finished = chunk({ delta: { content: "a" }, finish_reason: "stop" })
      const { chunks, error } = yield* outcome(
        reads(sse(finished, "[DONE]", "not a chunk")).pipe(
          Stream.concat(Stream.fail("read past [DONE]")),
          ChatStream.decodeBytes()
        )
      )
      expect(error).toStrictEqual(Option.none())
      expect(chunks.length).toBe(1)
    }))

  it.effect("decodes a chunk whose JSON spans several data lines", () =>
    Effect.gen(function*() {
      const { chunks } = yield* outcome(
        reads(prettyEvent(content("multi\nline")), sse("[DONE]")).pipe(
          ChatStream.decodeBytes()
        )
      )
      expect(chunks.map(({ choices }) => choices[0].delta.content)).toStrictEqual(["multi\nline"])
    }))

  it.effect("ends with ObjectiveAI's error event, carrying its status, its body and the partial completion", () =>
    Effect.gen(function*() {
      const body = { code: 502, message: { kind: "upstream", error: { message: "Bad gateway", attempts: [503, 502] } } }
      const { chunks, error, merged } = yield* failure(
        reads(sse(content("Hello"), { ...content(", wor"), usage }, body, content("never"), "[DONE]")).pipe(
          ChatStream.decodeBytes()
        )
      )
      expect(chunks.length).toBe(2)
      expect(error).toBeInstanceOf(StreamMidstreamError)
      expect(error).toMatchObject({ status: 502, body, partial: merged })
      expect(contentOf(merged)).toStrictEqual(Option.some("Hello, wor"))
      expect(Option.getOrThrow(merged).usage).toStrictEqual(usage)
    }))

  it.effect("ends with OpenRouter's error chunk, merging it into the partial completion without delivering it", () =>
    Effect.gen(function*() {
      const start = (text: string) => ({ ...content(text), id: "gen-abc123", created: 1234567890 })
      const { chunks, error, merged } = yield* failure(
        reads(sse(start("Par"), start("tial"), openRouterMidstreamError, start("never"))).pipe(ChatStream.decodeBytes())
      )
      expect(chunks.length).toBe(2)
      expect(error).toBeInstanceOf(StreamMidstreamError)
      expect(error).toMatchObject({
        status: 429,
        body: { error: { code: 429, message: "Rate limit exceeded", metadata: { error_type: "rate_limit_exceeded" } } }
      })
      const partial = Option.getOrThrow((error as StreamMidstreamError).partial)
      expect(partial.choices[0]).toMatchObject({ message: { content: "Partial" }, finish_reason: "error" })
      expect(partial.provider).toBe("OpenAI")
      expect(merged).not.toStrictEqual(Option.some(partial))
    }))

  it.effect("ends with the error of a choice that finished with \"error\"", () =>
    Effect.gen(function*() {
      const failed = chunk({
        delta: {},
        finish_reason: "error",
        error: { code: "provider_disconnected", message: "The provider closed the connection" }
      })
      const { error } = yield* failure(reads(sse(content("Hel"), failed)).pipe(ChatStream.decodeBytes()))
      expect(error).toBeInstanceOf(StreamMidstreamError)
      expect(error).not.toHaveProperty("status")
      expect(error).toMatchObject({ body: { error: { message: "The provider closed the connection" } } })
    }))

  it.effect("takes the status of an error chunk in OpenRouter's newer envelope from its http_status", () =>
    Effect.gen(function*() {
      const error = { message: "Provider overloaded", http_status: 503, availability: { retryable: true } }
      const { error: failed } = yield* failure(
        reads(sse(content("Hel"), { ...content(""), error })).pipe(ChatStream.decodeBytes())
      )
      expect(failed).toBeInstanceOf(StreamMidstreamError)
      expect(failed).toMatchObject({ status: 503, body: { error } })
    }))

  it.effect("delivers a finish_reason \"error\" that carries no error, as the completion would show it", () =>
    Effect.gen(function*() {
      const { error, merged } = yield* outcome(
        reads(sse(content("Hel"), chunk({ delta: {}, finish_reason: "error" }), "[DONE]")).pipe(
          ChatStream.decodeBytes()
        )
      )
      expect(error).toStrictEqual(Option.none())
      expect(Option.getOrThrow(merged).choices[0].finish_reason).toBe("error")
    }))

  it.effect("reports a stream that ends without [DONE] or a finish reason as truncated", () =>
    Effect.gen(function*() {
      const atBoundary = yield* failure(reads(sse(content("Hel"), content("lo"))).pipe(ChatStream.decodeBytes()))
      expect(atBoundary.error).toStrictEqual(
        new StreamTruncatedError({ endedMidEvent: false, partial: atBoundary.merged })
      )
      expect(contentOf(atBoundary.merged)).toStrictEqual(Option.some("Hello"))

      const cut = sse(content("Hel"), content("lo"))
      const midEvent = yield* failure(reads(cut.slice(0, cut.length - 20)).pipe(ChatStream.decodeBytes()))
      expect(midEvent.error).toStrictEqual(new StreamTruncatedError({ endedMidEvent: true, partial: midEvent.merged }))
      expect(contentOf(midEvent.merged)).toStrictEqual(Option.some("Hel"))

      const empty = yield* failure(Stream.empty.pipe(ChatStream.decodeBytes()))
      expect(empty.error).toStrictEqual(new StreamTruncatedError({ endedMidEvent: false }))
    }))

  it.effect("accepts a stream that ends after a finish reason without [DONE]", () =>
    Effect.gen(function*() {
      const { error } = yield* outcome(
        reads(sse(content("Hi"), chunk({ delta: {}, finish_reason: "stop" }))).pipe(ChatStream.decodeBytes())
      )
      expect(error).toStrictEqual(Option.none())
    }))

  it.effect("reports the usage chunk cut off after the finish reason as truncated", () =>
    Effect.gen(function*() {
      const text = sse(content("Hi"), chunk({ delta: {}, finish_reason: "stop" }), chunk({}, { choices: [], usage }))
      const { error, merged } = yield* failure(reads(text.slice(0, text.length - 10)).pipe(ChatStream.decodeBytes()))
      expect(error).toStrictEqual(new StreamTruncatedError({ endedMidEvent: true, partial: merged }))
      expect(Option.getOrThrow(merged).usage).toBeUndefined()
    }))

  it.effect("judges truncation by finish reasons alone for events that do not come from the byte decoder", () =>
    Effect.gen(function*() {
      const event = (data: unknown): Sse.SseEvent => ({
        event: "message",
        data: JSON.stringify(data),
        id: "",
        retry: undefined
      })
      const finished = yield* outcome(
        Stream.make(event(content("Hi")), event(chunk({ delta: {}, finish_reason: "length" }))).pipe(
          ChatStream.decode()
        )
      )
      expect(finished.error).toStrictEqual(Option.none())
      const unfinished = yield* failure(Stream.make(event(content("Hi"))).pipe(ChatStream.decode()))
      expect(unfinished.error).toStrictEqual(
        new StreamTruncatedError({ endedMidEvent: false, partial: unfinished.merged })
      )
    }))

  it.effect("fails with the raw data and the parse issue for data that is neither a chunk nor an error", () =>
    Effect.gen(function*() {
      const issueOf = (data: string) =>
        failure(reads(sse(content("Hel"), data, "[DONE]")).pipe(ChatStream.decodeBytes())).pipe(
          Effect.map(({ chunks, error, merged }) => {
            expect(chunks.length).toBe(1)
            expect(error).toMatchObject({ _tag: "StreamInvalidChunkError", data, partial: merged })
            return (error as { readonly issue: string }).issue
          })
        )
      expect(yield* issueOf("{\"id\":\"gen-1\",\"object\":\"chat.completion.chunk\"}")).toContain("choices")
      expect(yield* issueOf("{\"id\":\"gen-1\",")).toContain("Invalid JSON")
      expect(yield* issueOf("")).toContain("Invalid JSON")
      expect(yield* issueOf(JSON.stringify({ ...content("x"), created: "yesterday" }))).toContain("created")
    }))

  it.effect("gives errors raised below it the partial completion", () =>
    Effect.gen(function*() {
      const tooLarge = yield* failure(
        reads(sse(content("Hel")), sse(content("x".repeat(1000)))).pipe(ChatStream.decodeBytes({ maxEventSize: 500 }))
      )
      expect(tooLarge.error).toStrictEqual(
        new StreamEventTooLargeError({ maxEventSize: 500, partial: tooLarge.merged })
      )
      expect(contentOf(tooLarge.merged)).toStrictEqual(Option.some("Hel"))

      // How the client maps a connection lost mid-body.
      const reset = yield* failure(
        reads(sse(content("Hel"))).pipe(
          Stream.concat(Stream.fail(new StreamTruncatedError({ endedMidEvent: false }))),
          ChatStream.decodeBytes()
        )
      )
      expect(reset.error).toStrictEqual(new StreamTruncatedError({ endedMidEvent: false, partial: reset.merged }))
      expect(contentOf(reset.merged)).toStrictEqual(Option.some("Hel"))
      const resetMidEvent = yield* failure(
        reads(sse(content("Hel")), "data: {\"id\":").pipe(
          Stream.concat(Stream.fail(new StreamTruncatedError({ endedMidEvent: false }))),
          ChatStream.decodeBytes()
        )
      )
      expect(resetMidEvent.error).toStrictEqual(
        new StreamTruncatedError({ endedMidEvent: true, partial: resetMidEvent.merged })
      )

      const other = yield* failure(
        reads(sse(content("Hel"))).pipe(Stream.concat(Stream.fail("connection reset")), ChatStream.decodeBytes())
      )
      expect(other.error).toBe("connection reset")
    }))

  it.effect("gives an idle timeout on the bytes the partial completion, keep-alive comments counting as activity", () =>
    Effect.gen(function*() {
      const idleTimeout = Duration.seconds(30)
      const keepAlives = Stream.repeatEffect(
        Effect.as(Effect.sleep("20 seconds"), bytes(": OPENROUTER PROCESSING\n\n"))
      ).pipe(Stream.take(3))
      const fiber = yield* reads(sse(content("Hel"))).pipe(
        Stream.concat(keepAlives),
        Stream.concat(Stream.never),
        Stream.timeoutFail(() => new StreamIdleTimeoutError({ idleTimeout }), idleTimeout),
        ChatStream.decodeBytes(),
        failure,
        Effect.fork
      )
      // The last keep-alive comes at 60 s, so the stream is idle from then on and times out at 90 s.
      yield* TestClock.adjust("89 seconds")
      expect(yield* Fiber.poll(fiber)).toStrictEqual(Option.none())
      yield* TestClock.adjust("1 second")
      const { error, merged } = yield* Fiber.join(fiber)
      expect(error).toStrictEqual(new StreamIdleTimeoutError({ idleTimeout, partial: merged }))
      expect(contentOf(merged)).toStrictEqual(Option.some("Hel"))
    }))

  it.effect("keeps no partial completion when told not to", () =>
    Effect.gen(function*() {
      const { chunks, error } = yield* failure(
        reads(sse(content("Hel"))).pipe(ChatStream.decodeBytes({ keepPartial: false }))
      )
      expect(chunks.length).toBe(1)
      expect(error).toStrictEqual(new StreamTruncatedError({ endedMidEvent: false }))
    }))

  for (const [name, whole] of Object.entries(transcripts)) {
    it.effect.prop(
      `decodes ${name} split anywhere as it decodes it whole`,
      [cuts(whole.length)],
      ([positions]) =>
        Effect.gen(function*() {
          const split = yield* outcome(Stream.fromIterable(splitAt(whole, positions)).pipe(ChatStream.decodeBytes()))
          expect(split).toStrictEqual(yield* outcome(Stream.make(whole).pipe(ChatStream.decodeBytes())))
        })
    )
  }

  const beforeDone = bytes(synthetic.slice(0, synthetic.indexOf("data: [DONE]")))
  const whole = Effect.runSync(outcome(Stream.make(bytes(synthetic)).pipe(ChatStream.decodeBytes())))
  it.effect.prop(
    "cut anywhere before [DONE], delivers a prefix and fails as truncated with that prefix merged, unless finished",
    [FastCheck.integer({ min: 0, max: beforeDone.length }), cuts(beforeDone.length)],
    ([end, positions]) =>
      Effect.gen(function*() {
        const prefix = beforeDone.subarray(0, end)
        const { chunks, error, merged } = yield* outcome(
          Stream.fromIterable(splitAt(prefix, positions.filter((at) => at <= end))).pipe(ChatStream.decodeBytes())
        )
        expect(chunks).toStrictEqual(whole.chunks.slice(0, chunks.length))
        const finished = chunks.some(({ choices }) => choices.some(({ finish_reason }) => finish_reason != null))
        if (Option.isNone(error)) {
          expect(finished).toBe(true)
          return
        }
        expect(error.value).toBeInstanceOf(StreamTruncatedError)
        const { endedMidEvent } = error.value as StreamTruncatedError
        expect(error.value).toStrictEqual(new StreamTruncatedError({ endedMidEvent, partial: merged }))
        if (finished) expect(endedMidEvent).toBe(true)
      })
  )
})
