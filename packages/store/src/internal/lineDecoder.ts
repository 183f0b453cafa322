/**
 * What the import does to each line before it is written: read a file's lines, decode each, and derive what storing
 * it writes. It runs in the import's worker threads (see `importWorker.ts`), so that the thread writing to the
 * database only writes: decoding the text, splitting the lines and sending each line's text to a worker (a structured
 * clone of 5 kB a completion) took about a fifth of that thread's time. A worker reads a regular file itself, with
 * `node:fs`'s synchronous reads, which block only the worker: reading 100 MB as a stream of `FileSystem` cost the
 * thread that reads it 316 ms of CPU in 64 KiB chunks, 140 ms in 1 MiB chunks, and 16 ms read synchronously.
 */
import * as Either from "effect/Either"
import * as NodeFs from "node:fs"
import * as Body from "./body.js"
import { derive, type Derived } from "./row.js"

/** A line's rows to write, or why it is not a stored completion, in one line; `line` counts from 1 in its chunk. */
export type DecodedLine =
  | { readonly _tag: "Derived"; readonly line: number; readonly derived: Derived }
  | { readonly _tag: "Bad"; readonly line: number; readonly reason: string }

/** The non-blank lines of a chunk of a file, decoded, and how many lines it holds, blank ones included. */
export interface DecodedChunk {
  readonly lines: number
  readonly decoded: ReadonlyArray<DecodedLine>
}

// The bytes ending `bytes` that begin a UTF-8 character without finishing it: a lead byte (two-, three- or four-byte
// character) followed by fewer continuation bytes than it needs.
const incompleteTail = (bytes: Uint8Array): number => {
  for (let back = 1; back <= Math.min(3, bytes.length); back++) {
    const byte = bytes[bytes.length - back]
    if ((byte & 0xc0) === 0x80) continue
    const length = byte >= 0xc2 && byte <= 0xdf
      ? 2
      : byte >= 0xe0 && byte <= 0xef
      ? 3
      : byte >= 0xf0 && byte <= 0xf4
      ? 4
      : 1
    return length > back ? back : 0
  }
  return 0
}

/**
 * The lines of whole lines of a file, as `Stream.decodeText` and `Stream.splitLines` give them: UTF-8 (a byte order
 * mark dropped at the start of the file only), split at `\n` and `\r\n`. The bytes end at a line's end (its `\n`) or
 * the file's, so no character is cut; as with `Stream.decodeText`, an incomplete character at the end of the file is
 * dropped.
 */
const linesOf = (bytes: Uint8Array, first: boolean): Array<string> => {
  // Not decoded as a stream, which takes ICU's slower path (3.4 s of the worker's CPU for 100,000 sample completions,
  // against 2.3 s): the bytes hold whole characters but for an incomplete one ending the file, cut off here.
  const whole = bytes.subarray(0, bytes.length - incompleteTail(bytes))
  const text = new TextDecoder("utf-8", { ignoreBOM: !first }).decode(whole)
  const lines = text.split("\n")
  // The last piece is what follows the last `\n`: nothing, or the file's last line without its end.
  if (lines[lines.length - 1] === "") lines.pop()
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]
    if (line.endsWith("\r")) lines[i] = line.slice(0, -1)
  }
  return lines
}

const newline = 10

// Bytes read at a time past a range's end, looking for the end of its last line.
const readAhead = 64 * 1024

const readAt = (fd: number, position: number, length: number): Uint8Array => {
  const buffer = new Uint8Array(length)
  let read = 0
  while (read < length) {
    const count = NodeFs.readSync(fd, buffer, read, length - read, position + read)
    if (count === 0) break
    read += count
  }
  return buffer.subarray(0, read)
}

/** The bytes of a regular file from `start` to `end` (excluded). */
export interface Range {
  readonly file: string
  readonly start: number
  readonly end: number
}

/**
 * The rows of each non-blank line of a regular file that starts in a range of its bytes, read here: a line starts at
 * the file's start or after a `\n`, and the last one is read to its end past the range. Ranges that cover a file one
 * after the other so cover each of its lines once, whichever worker reads each.
 */
export const decodeRange = ({ end, file, start }: Range): DecodedChunk => {
  const fd = NodeFs.openSync(file, "r")
  try {
    // From the byte before the range, to see whether a line starts at its first byte.
    const from = Math.max(0, start - 1)
    let bytes = readAt(fd, from, end - from)
    const first = start === 0 ? 0 : bytes.indexOf(newline) + 1
    if (start > 0 && (first === 0 || from + first >= end)) return { lines: 0, decoded: [] }
    const pieces = [bytes.subarray(first)]
    let position = from + bytes.length
    while (bytes.length > 0 && bytes[bytes.length - 1] !== newline) {
      bytes = readAt(fd, position, readAhead)
      const lineEnd = bytes.indexOf(newline)
      pieces.push(lineEnd === -1 ? bytes : bytes.subarray(0, lineEnd + 1))
      if (lineEnd !== -1) break
      position += bytes.length
    }
    return decodeLines(linesOf(pieces.length === 1 ? pieces[0] : Buffer.concat(pieces), start === 0))
  } finally {
    NodeFs.closeSync(fd)
  }
}

const decodeLines = (lines: ReadonlyArray<string>): DecodedChunk => {
  const decoded: Array<DecodedLine> = []
  for (let i = 0; i < lines.length; i++) {
    const text = lines[i]
    if (text.trim() === "") continue
    const line = i + 1
    decoded.push(Either.match(Body.decode(text), {
      onLeft: (reason): DecodedLine => ({ _tag: "Bad", line, reason }),
      onRight: (completion): DecodedLine => ({ _tag: "Derived", line, derived: derive(completion) })
    }))
  }
  return { lines: lines.length, decoded }
}
