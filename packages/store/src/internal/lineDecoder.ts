/**
 * What the import does to each line before it is written: split a file's bytes into lines, decode each, and derive
 * what storing it writes. It runs in the import's worker threads (see `importWorker.ts`), so that the thread writing
 * to the database only reads the file's bytes and writes: decoding the text, splitting the lines and sending each
 * line's text to a worker (a structured clone of 5 kB a completion) took about a fifth of the writing thread's time.
 */
import * as Either from "effect/Either"
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

/**
 * The lines of a chunk of a file, as `Stream.decodeText` and `Stream.splitLines` give them: UTF-8 (a byte order mark
 * dropped at the start of the file only), split at `\n` and `\r\n`. A chunk ends at a line's end (its `\n`) or the
 * file's, so no character spans two chunks; as with `Stream.decodeText`, an incomplete character at the end of the
 * file is dropped.
 */
const linesOf = (bytes: Uint8Array, first: boolean): Array<string> => {
  const text = new TextDecoder("utf-8", { ignoreBOM: !first }).decode(bytes, { stream: true })
  const lines = text.split("\n")
  // The last piece is what follows the last `\n`: nothing, or the file's last line without its end.
  if (lines[lines.length - 1] === "") lines.pop()
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]
    if (line.endsWith("\r")) lines[i] = line.slice(0, -1)
  }
  return lines
}

/** The rows of each non-blank line of a chunk of a file (`first` when it starts the file), in order. */
export const decodeChunk = (bytes: Uint8Array, first: boolean): DecodedChunk => {
  const lines = linesOf(bytes, first)
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
