/**
 * Server-Sent Events decoding as the WHATWG HTML standard's "event stream interpretation" defines it, from a stream of
 * bytes split anywhere, with a bound on the memory one event may hold.
 *
 * Lines are found and measured in bytes rather than in decoded text: line ends are ASCII, so a UTF-8 character split
 * across reads is simply part of an unfinished line, and sizes are exact without re-encoding. Only field values are
 * decoded, once each.
 *
 * Kept rather than `@effect/experimental`'s `Sse` (0.61, which bounds an event with `maxEventSize`): fed the inputs of
 * `test/Sse.test.ts`, its parser loses the first event after a byte order mark (it looks for the BOM's bytes in decoded
 * text, so the field name becomes `\uFEFFdata`), drops an event the input cuts off without a word (this decoder
 * reports it, and the client fails the stream with `StreamTruncatedError`), gives `id` only to the event that carried
 * it (not the stream's last id), measures `maxEventSize` in UTF-16 code units (three emoji, 12 bytes, pass a limit of 8)
 * and dies with a defect past it where the client fails with `StreamEventTooLargeError`. Its channel also answers a
 * `retry:` field by sleeping that long and restarting the parser mid-stream, and reads `retry: 10abc` as 10 ms.
 */
import * as Cause from "effect/Cause"
import * as Channel from "effect/Channel"
import * as Chunk from "effect/Chunk"
import { dual } from "effect/Function"
import * as Predicate from "effect/Predicate"
import * as Stream from "effect/Stream"
import { StreamEventTooLargeError, StreamTruncatedError } from "../StreamError.js"

/**
 * One dispatched event. `id` and `retry` follow the standard: they are stream state set by the latest `id:` and
 * `retry:` fields so far, not necessarily fields of this event.
 */
export interface SseEvent {
  /** The event type: the event's last `event:` field, or `"message"` when it had none or an empty one. */
  readonly event: string
  /** The values of the event's `data:` lines joined with "\n". */
  readonly data: string
  /** The last event ID: the latest `id:` value so far (an `id:` containing NUL is ignored), `""` before any. */
  readonly id: string
  /** The reconnection time in milliseconds from the latest all-digit `retry:` value so far, if any. */
  readonly retry: number | undefined
}

/** How the bytes ended: the done value of {@link decoder}, seen by a consumer reading it as a channel. */
export interface SseEnd {
  readonly _tag: "SseEnd"
  /**
   * Whether the bytes stopped after part of an event (a field line, or an unfinished line that is not a comment)
   * with no blank line to dispatch it. The standard discards such an event, so this is how a caller detects that
   * something was lost.
   */
  readonly endedMidEvent: boolean
}

/** Recognises the done value of {@link decoder} among the done values of arbitrary upstream channels. */
export const isSseEnd = (u: unknown): u is SseEnd => Predicate.isTagged(u, "SseEnd")

/** Options of {@link decoder} and {@link decode}. */
export interface DecodeOptions {
  /**
   * The most UTF-8 bytes (a positive number) one event may hold at any moment: its data so far plus the line being
   * read, comment lines included. Defaults to {@link defaultMaxEventSize}.
   */
  readonly maxEventSize?: number | undefined
}

/**
 * 16 MiB: generous because a single chunk can carry a generated image as a base64 data URL, yet bounded so that a
 * runaway event is an error rather than an exhausted heap.
 */
export const defaultMaxEventSize = 16 * 1024 * 1024

const LF = 0x0a
const CR = 0x0d
const SPACE = 0x20
const COLON = 0x3a

// `ignoreBOM: true` keeps a U+FEFF that starts a field value; only the one at the start of the stream is dropped.
const utf8 = new TextDecoder("utf-8", { ignoreBOM: true })

// A line buffer that grew for one large line is dropped afterwards rather than pinned for the rest of the stream.
const retainedLineCapacity = 64 * 1024

/** Where a field value starts: after the colon and at most one space. */
const valueStart = (line: Uint8Array, afterColon: number, end: number): number =>
  afterColon < end && line[afterColon] === SPACE ? afterColon + 1 : afterColon

const isDataField = (line: Uint8Array, start: number, end: number): boolean =>
  end - start >= 5 &&
  line[start] === 0x64 &&
  line[start + 1] === 0x61 &&
  line[start + 2] === 0x74 &&
  line[start + 3] === 0x61 &&
  line[start + 4] === COLON

class Parser {
  // The unfinished line carried from one read to the next.
  private line = new Uint8Array(0)
  private lineLength = 0
  // A CR ended the previous read, so an LF starting the next one belongs to that line end.
  private skipLeadingLf = false
  private atStreamStart = true
  private data = ""
  private hasData = false
  private dataBytes = 0
  private eventType = ""
  private inEvent = false
  private lastEventId = ""
  private retry: number | undefined = undefined

  constructor(readonly maxEventSize: number) {}

  /** Interprets the complete lines of `bytes`, pushing dispatched events to `out`; `false` once one is too large. */
  feed(bytes: Uint8Array, out: Array<SseEvent>): boolean {
    const length = bytes.length
    let position = 0
    if (this.skipLeadingLf && length > 0) {
      this.skipLeadingLf = false
      if (bytes[0] === LF) position = 1
    }
    // Each search resumes only once the cursor has passed its last hit, so a read is scanned once per terminator.
    let lf = bytes.indexOf(LF, position)
    let cr = bytes.indexOf(CR, position)
    for (;;) {
      const end = cr === -1 ? lf : lf === -1 ? cr : Math.min(lf, cr)
      if (end === -1) break
      if (!this.completeLine(bytes, position, end, out)) return false
      position = end + 1
      if (end === cr) {
        if (position === length) this.skipLeadingLf = true
        else if (bytes[position] === LF) position++
      }
      if (lf !== -1 && lf < position) lf = bytes.indexOf(LF, position)
      if (cr !== -1 && cr < position) cr = bytes.indexOf(CR, position)
    }
    return this.hold(bytes, position, length)
  }

  /** The state at the end of the input. */
  end(): SseEnd {
    const start = this.skipBom(this.line, 0, this.lineLength)
    const unfinishedLine = start < this.lineLength && this.line[start] !== COLON
    return { _tag: "SseEnd", endedMidEvent: this.inEvent || unfinishedLine }
  }

  private completeLine(bytes: Uint8Array, start: number, end: number, out: Array<SseEvent>): boolean {
    if (this.lineLength === 0) return this.interpret(bytes, start, end, out)
    if (!this.hold(bytes, start, end)) return false
    const fits = this.interpret(this.line, 0, this.lineLength, out)
    this.lineLength = 0
    if (this.line.length > retainedLineCapacity) this.line = new Uint8Array(0)
    return fits
  }

  /** Appends to the unfinished line, refusing to grow past the limit. */
  private hold(bytes: Uint8Array, start: number, end: number): boolean {
    const size = this.lineLength + end - start
    if (this.dataBytes + size > this.maxEventSize) return false
    if (size > this.line.length) {
      const grown = new Uint8Array(Math.min(Math.max(size, this.line.length * 2, 1024), this.maxEventSize))
      grown.set(this.line.subarray(0, this.lineLength))
      this.line = grown
    }
    this.line.set(bytes.subarray(start, end), this.lineLength)
    this.lineLength = size
    return true
  }

  private skipBom(line: Uint8Array, start: number, end: number): number {
    if (!this.atStreamStart) return start
    this.atStreamStart = false
    return end - start >= 3 && line[start] === 0xef && line[start + 1] === 0xbb && line[start + 2] === 0xbf
      ? start + 3
      : start
  }

  private interpret(line: Uint8Array, start: number, end: number, out: Array<SseEvent>): boolean {
    if (this.dataBytes + end - start > this.maxEventSize) return false
    start = this.skipBom(line, start, end)
    if (start === end) {
      this.dispatch(out)
      return true
    }
    if (line[start] === COLON) return true
    this.inEvent = true
    if (isDataField(line, start, end)) {
      const from = valueStart(line, start + 5, end)
      this.appendData(from === end ? "" : utf8.decode(line.subarray(from, end)), end - from)
    } else {
      this.field(line.subarray(start, end))
    }
    return true
  }

  private field(line: Uint8Array): void {
    const colon = line.indexOf(COLON)
    const name = utf8.decode(colon === -1 ? line : line.subarray(0, colon))
    const from = colon === -1 ? line.length : valueStart(line, colon + 1, line.length)
    const value = utf8.decode(line.subarray(from))
    switch (name) {
      case "data":
        return this.appendData(value, line.length - from)
      case "event":
        this.eventType = value
        return
      case "id":
        if (!value.includes("\u0000")) this.lastEventId = value
        return
      case "retry":
        if (/^[0-9]+$/.test(value)) this.retry = Number(value)
        return
    }
  }

  private appendData(value: string, bytes: number): void {
    if (this.hasData) {
      this.data = this.data + "\n" + value
      this.dataBytes += bytes + 1
    } else {
      this.data = value
      this.hasData = true
      this.dataBytes = bytes
    }
  }

  private dispatch(out: Array<SseEvent>): void {
    if (this.hasData) {
      out.push({
        event: this.eventType === "" ? "message" : this.eventType,
        data: this.data,
        id: this.lastEventId,
        retry: this.retry
      })
    }
    this.data = ""
    this.hasData = false
    this.dataBytes = 0
    this.eventType = ""
    this.inEvent = false
  }
}

/**
 * Decodes bytes into events as a channel, ending with an {@link SseEnd} that says whether the input stopped inside an
 * event. Events complete in a read are emitted with it, before any error the same read causes. An upstream
 * `StreamTruncatedError` (the bytes failed rather than ended) passes through with `endedMidEvent` set when the
 * input stopped inside an event.
 */
export const decoder = <E>(
  options?: DecodeOptions
): Channel.Channel<Chunk.Chunk<SseEvent>, Chunk.Chunk<Uint8Array>, E | StreamEventTooLargeError, E, SseEnd, unknown> =>
  Channel.suspend(() => {
    const maxEventSize = options?.maxEventSize ?? defaultMaxEventSize
    const parser = new Parser(maxEventSize)
    const loop: Channel.Channel<
      Chunk.Chunk<SseEvent>,
      Chunk.Chunk<Uint8Array>,
      E | StreamEventTooLargeError,
      E,
      SseEnd,
      unknown
    > = Channel.readWithCause({
      onInput: (reads: Chunk.Chunk<Uint8Array>) => {
        const events: Array<SseEvent> = []
        let fits = true
        for (const bytes of reads) {
          fits = parser.feed(bytes, events)
          if (!fits) break
        }
        const emitted = events.length === 0 ? Channel.void : Channel.write(Chunk.unsafeFromArray(events))
        return Channel.flatMap(
          emitted,
          () => fits ? loop : Channel.fail(new StreamEventTooLargeError({ maxEventSize }))
        )
      },
      // A connection lost under the decoder is reported as truncation, and only the parser knows whether it cut an
      // event.
      onFailure: (cause) =>
        Channel.failCause(
          Cause.map(cause, (error) =>
            error instanceof StreamTruncatedError && !error.endedMidEvent && parser.end().endedMidEvent
              ? new StreamTruncatedError({ ...error, endedMidEvent: true }, true) as E
              : error)
        ),
      onDone: () => Channel.succeed(parser.end())
    })
    return loop
  })

/**
 * Decodes a byte stream (an HTTP response body, say) into its server-sent events. Comment lines are skipped, LF, CR
 * and CRLF all end lines, a leading BOM is dropped, and an event left unfinished by the end of the input is discarded
 * as the standard says; read the stream as a channel through {@link decoder} to learn whether that happened.
 *
 * @example
 * ```ts
 * const events = response.stream.pipe(decode({ maxEventSize: 1024 * 1024 }))
 * ```
 */
export const decode: {
  (options?: DecodeOptions): <E, R>(self: Stream.Stream<Uint8Array, E, R>) => Stream.Stream<
    SseEvent,
    E | StreamEventTooLargeError,
    R
  >
  <E, R>(
    self: Stream.Stream<Uint8Array, E, R>,
    options?: DecodeOptions
  ): Stream.Stream<SseEvent, E | StreamEventTooLargeError, R>
} = dual(
  (args) => Predicate.hasProperty(args[0], Stream.StreamTypeId),
  <E, R>(
    self: Stream.Stream<Uint8Array, E, R>,
    options?: DecodeOptions
  ): Stream.Stream<SseEvent, E | StreamEventTooLargeError, R> => Stream.pipeThroughChannel(self, decoder<E>(options))
)
