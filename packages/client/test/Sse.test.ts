import { describe, expect, it } from "@effect/vitest"
import * as Channel from "effect/Channel"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as FastCheck from "effect/FastCheck"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import * as Sse from "../src/internal/sse.js"
import { StreamEventTooLargeError } from "../src/StreamError.js"
import { openRouterTranscript } from "./support/transcripts.js"

const encoder = new TextEncoder()
const bytes = (text: string): Uint8Array => encoder.encode(text)

const event = (data: string, fields: Partial<Sse.SseEvent> = {}): Sse.SseEvent => ({
  event: "message",
  data,
  id: "",
  retry: undefined,
  ...fields
})

/** Every event, then the error if the stream failed. */
const decode = (reads: ReadonlyArray<Uint8Array>, options?: Sse.DecodeOptions) =>
  Stream.fromIterable(reads).pipe(
    Sse.decode(options),
    Stream.either,
    Stream.runCollect,
    Effect.map((outcomes) => ({
      events: Chunk.toReadonlyArray(Chunk.filterMap(outcomes, Either.getRight)),
      error: Chunk.head(Chunk.filterMap(outcomes, Either.getLeft))
    }))
  )

/** The events and the decoder's report on how the input ended. */
const decodeToEnd = (reads: ReadonlyArray<Uint8Array>) =>
  Stream.fromIterable(reads).pipe(
    Stream.toChannel,
    Channel.pipeTo(Sse.decoder()),
    Channel.runCollect,
    Effect.map(([events, end]) => ({ events: Chunk.toReadonlyArray(Chunk.flatten(events)), end }))
  )

const eventsOf = (text: string) =>
  decode([bytes(text)]).pipe(Effect.map(({ error, events }) => {
    expect(error._tag).toBe("None")
    return events
  }))

/** `whole` cut at the given positions; repeated positions give empty reads. */
const splitAt = (whole: Uint8Array, cuts: ReadonlyArray<number>): Array<Uint8Array> => {
  const sorted = [...cuts].sort((a, b) => a - b)
  return [...sorted, whole.length].map((end, i) => whole.subarray(i === 0 ? 0 : sorted[i - 1], end))
}

const byteByByte = (whole: Uint8Array): Array<Uint8Array> => Array.from(whole, (_, i) => whole.subarray(i, i + 1))

const cuts = (whole: Uint8Array) => FastCheck.array(FastCheck.integer({ min: 0, max: whole.length }), { maxLength: 40 })

// Comments, several data lines, every field, CJK and emoji (3- and 4-byte characters), a leading BOM and an event
// cut off by the end of the input: a transcript that exercises each rule when split.
const synthetic = "\uFEFF: OPENROUTER PROCESSING\n\n" +
  "event: delta\nid: 1\nretry: 2500\ndata: {\"content\":\"你好，世界\"}\n\n" +
  ": OPENROUTER PROCESSING\n" +
  "data: {\"content\":\"🙂👍🏽\",\ndata:  \"reasoning\":\"思考中…\"}\n\n" +
  "id: 2\ndata:\n\n" +
  "data: ünïcödé ✓\n\n" +
  "data: [DONE]\n\n" +
  "data: cut off"

const syntheticEvents = [
  event("{\"content\":\"你好，世界\"}", { event: "delta", id: "1", retry: 2500 }),
  event("{\"content\":\"🙂👍🏽\",\n \"reasoning\":\"思考中…\"}", { id: "1", retry: 2500 }),
  event("", { id: "2", retry: 2500 }),
  event("ünïcödé ✓", { id: "2", retry: 2500 }),
  event("[DONE]", { id: "2", retry: 2500 })
]

const syntheticWithLineEnds = {
  LF: bytes(synthetic),
  CRLF: bytes(synthetic.replaceAll("\n", "\r\n")),
  CR: bytes(synthetic.replaceAll("\n", "\r"))
}

const transcripts: Record<string, Uint8Array> = {
  "the OpenRouter fixture": openRouterTranscript,
  ...Object.fromEntries(
    Object.entries(syntheticWithLineEnds).map(([name, whole]) => [`a synthetic transcript with ${name}`, whole])
  )
}

describe("Sse", () => {
  it.effect("decodes an event per blank line, with the standard's defaults", () =>
    Effect.gen(function*() {
      expect(yield* eventsOf("data: hello\n\ndata: world\n\n")).toStrictEqual([event("hello"), event("world")])
    }))

  it.effect("skips comment lines before and between events", () =>
    Effect.gen(function*() {
      const text = ": OPENROUTER PROCESSING\n\n: OPENROUTER PROCESSING\ndata: a\n: inside\n\n:\n\ndata: b\n\n"
      expect(yield* eventsOf(text)).toStrictEqual([event("a"), event("b")])
    }))

  it.effect("ends lines with LF, CR or CRLF alike", () =>
    Effect.gen(function*() {
      const text = "data: a\ndata: b\n\n: comment\n\ndata: c\n\n"
      const expected = [event("a\nb"), event("c")]
      expect(yield* eventsOf(text)).toStrictEqual(expected)
      expect(yield* eventsOf(text.replaceAll("\n", "\r\n"))).toStrictEqual(expected)
      expect(yield* eventsOf(text.replaceAll("\n", "\r"))).toStrictEqual(expected)
    }))

  it.effect("takes an LF after a CR that ended the previous read as part of the same line end", () =>
    Effect.gen(function*() {
      const { events } = yield* decode(["data: a\r", "\ndata: b\r", "", "\n\r", "\n"].map(bytes))
      expect(events).toStrictEqual([event("a\nb")])
    }))

  it.effect("joins several data lines with newlines, dropping one leading space from each value", () =>
    Effect.gen(function*() {
      expect(yield* eventsOf("data: a\ndata:b\ndata\ndata:\ndata:  c\n\n")).toStrictEqual([event("a\nb\n\n\n c")])
    }))

  it.effect("keeps each event's last type, and the stream's last id and retry", () =>
    Effect.gen(function*() {
      const text = "event: first\nevent: update\nid: 7\nretry: 1500\ndata: x\n\n" +
        "data: y\n\n" +
        "id\nretry: 2s\nid: with\u0000nul\ndata: z\n\n" +
        "event:\nid: 8\nretry:\ndata: w\n\n" +
        "unknown: field\ndata: v\n\n"
      expect(yield* eventsOf(text)).toStrictEqual([
        event("x", { event: "update", id: "7", retry: 1500 }),
        event("y", { id: "7", retry: 1500 }),
        event("z", { id: "", retry: 1500 }),
        event("w", { id: "8", retry: 1500 }),
        event("v", { id: "8", retry: 1500 })
      ])
    }))

  it.effect("dispatches nothing for an event without data, but keeps its id", () =>
    Effect.gen(function*() {
      expect(yield* eventsOf("event: ping\n\nid: 1\n\ndata: a\n\n")).toStrictEqual([event("a", { id: "1" })])
    }))

  it.effect("drops one byte order mark at the start of the stream, even split, and keeps any other", () =>
    Effect.gen(function*() {
      expect(yield* eventsOf("\uFEFFdata: a\n\n")).toStrictEqual([event("a")])
      const { events } = yield* decode(byteByByte(bytes("\uFEFFdata: \uFEFFb\n\n")))
      expect(events).toStrictEqual([event("\uFEFFb")])
      // A second BOM makes the first line's field name "\uFEFFdata", which is no field.
      expect(yield* eventsOf("\uFEFF\uFEFFdata: c\n\ndata: d\n\n")).toStrictEqual([event("d")])
    }))

  it.effect("decodes characters split across reads", () =>
    Effect.gen(function*() {
      const { events } = yield* decode(byteByByte(bytes("data: 你好, 🙂 é\n\n")))
      expect(events).toStrictEqual([event("你好, 🙂 é")])
    }))

  it.effect("discards an event the input cuts off, and reports it", () =>
    Effect.gen(function*() {
      const endedMidEvent = (text: string) =>
        decodeToEnd([bytes(text)]).pipe(Effect.map(({ end, events }) => {
          expect(events).toStrictEqual([event("a")])
          return end.endedMidEvent
        }))
      expect(yield* endedMidEvent("data: a\n\n")).toBe(false)
      expect(yield* endedMidEvent("data: a\n\n: keep-alive\n")).toBe(false)
      expect(yield* endedMidEvent("data: a\n\n: keep-al")).toBe(false)
      expect(yield* endedMidEvent("data: a\r\n\r\n\r")).toBe(false)
      expect(yield* endedMidEvent("data: a\n\ndata: b\n")).toBe(true)
      expect(yield* endedMidEvent("data: a\n\ndata: b")).toBe(true)
      expect(yield* endedMidEvent("data: a\n\nd")).toBe(true)
      expect(yield* endedMidEvent("data: a\n\nevent: b\n")).toBe(true)
      expect(yield* endedMidEvent("data: a\n\n: comment\nid: 2\n")).toBe(true)
      expect((yield* decodeToEnd([bytes("\uFEFF")])).end.endedMidEvent).toBe(false)
    }))

  it.effect("fails with a typed error when an event outgrows the limit, after the events before it", () =>
    Effect.gen(function*() {
      const text = "data: small\n\ndata: " + "x".repeat(64) + "\n\ndata: never\n\n"
      for (const reads of [[bytes(text)], byteByByte(bytes(text))]) {
        const { error, events } = yield* decode(reads, { maxEventSize: 32 })
        expect(events).toStrictEqual([event("small")])
        expect(error).toStrictEqual(Option.some(new StreamEventTooLargeError({ maxEventSize: 32 })))
      }
    }))

  it.effect("measures the line being read plus the data so far, in UTF-8 bytes", () =>
    Effect.gen(function*() {
      const outcome = (text: string, maxEventSize: number) =>
        decode(byteByByte(bytes(text)), { maxEventSize }).pipe(Effect.map(({ error }) => error._tag))
      // The lines are 8 and 8 bytes; before the second one the data holds "ab", so the peak is 2 + 8.
      expect(yield* outcome("data: ab\ndata: cd\n\n", 10)).toBe("None")
      expect(yield* outcome("data: ab\ndata: cd\n\n", 9)).toBe("Some")
      // 12 bytes, 8 characters.
      expect(yield* outcome("data: 你好\n\n", 12)).toBe("None")
      expect(yield* outcome("data: 你好\n\n", 11)).toBe("Some")
      // Comment lines are lines being read too.
      expect(yield* outcome(":" + "x".repeat(16) + "\n\ndata: a\n\n", 16)).toBe("Some")
    }))

  it.effect("stops an endless line or event instead of buffering it", () =>
    Effect.gen(function*() {
      const endless = (read: string) =>
        Stream.repeatValue(bytes(read)).pipe(Sse.decode({ maxEventSize: 1024 * 1024 }), Stream.runDrain, Effect.flip)
      expect(yield* endless("x".repeat(1000))).toBeInstanceOf(StreamEventTooLargeError)
      expect(yield* endless("data: " + "x".repeat(100) + "\n")).toBeInstanceOf(StreamEventTooLargeError)
    }))

  it.effect("emits events as their bytes arrive", () =>
    Effect.gen(function*() {
      const first = yield* Stream.repeatValue(bytes("data: tick\n\n")).pipe(
        Sse.decode(),
        Stream.take(3),
        Stream.runCollect
      )
      expect(Chunk.toReadonlyArray(first)).toStrictEqual([event("tick"), event("tick"), event("tick")])
    }))

  it.effect("passes an upstream failure through after the events before it", () =>
    Effect.gen(function*() {
      const outcomes = yield* Stream.fromIterable([bytes("data: a\n\ndata: b")]).pipe(
        Stream.concat(Stream.fail("connection reset" as const)),
        Sse.decode(),
        Stream.either,
        Stream.runCollect
      )
      expect(Chunk.toReadonlyArray(outcomes)).toStrictEqual([Either.right(event("a")), Either.left("connection reset")])
    }))

  it.effect("decodes the transcripts used by the properties", () =>
    Effect.gen(function*() {
      const fixtureEvents = (yield* decodeToEnd([openRouterTranscript])).events
      expect(fixtureEvents.map(({ data }) => data.slice(0, 8))).toStrictEqual([
        "{\"id\":\"c",
        "{\"id\":\"c",
        "{\"id\":\"c",
        "{\"id\":\"c",
        "[DONE]"
      ])
      for (const whole of Object.values(syntheticWithLineEnds)) {
        const { end, events } = yield* decodeToEnd([whole])
        expect(events).toStrictEqual(syntheticEvents)
        expect(end.endedMidEvent).toBe(true)
      }
    }))

  for (const [name, whole] of Object.entries(transcripts)) {
    it.effect.prop(
      `decodes ${name} split anywhere as it decodes it whole`,
      [cuts(whole)],
      ([positions]) =>
        Effect.gen(function*() {
          expect(yield* decodeToEnd(splitAt(whole, positions))).toStrictEqual(yield* decodeToEnd([whole]))
        })
    )
  }

  it.effect.prop(
    "fails at the same event however an oversized event is split",
    [cuts(bytes(synthetic))],
    ([positions]) =>
      Effect.gen(function*() {
        const outcome = yield* decode(splitAt(bytes(synthetic), positions), { maxEventSize: 36 })
        expect(outcome.events).toStrictEqual(syntheticEvents.slice(0, 1))
        expect(outcome.error._tag).toBe("Some")
      })
  )
})
