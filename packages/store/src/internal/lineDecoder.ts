/**
 * What the import does to each line before it is written: decode it, and derive what storing it writes. It runs in
 * the import's worker threads (see `importWorker.ts`), so that the thread writing to the database only writes.
 */
import * as Either from "effect/Either"
import * as Body from "./body.js"
import { derive, type Derived } from "./row.js"

/**
 * A line's rows to write, or why it is not a stored completion, in one line. Most bodies are the line itself, trimmed:
 * such rows come as `DerivedFromText`, their body left out (`""`), since the writing thread has the line and a copy
 * of every body would cross between the threads again (a fifth of the structured clone's work, 5 kB a completion).
 */
export type DecodedLine =
  | { readonly _tag: "Derived"; readonly derived: Derived }
  | { readonly _tag: "DerivedFromText"; readonly derived: Derived }
  | { readonly _tag: "Bad"; readonly reason: string }

/** The rows of each line, in order. */
export const decodeTexts = (texts: ReadonlyArray<string>): Array<DecodedLine> =>
  texts.map((text) =>
    Either.match(Body.decode(text), {
      onLeft: (reason): DecodedLine => ({ _tag: "Bad", reason }),
      onRight: (completion): DecodedLine => {
        const derived = derive(completion)
        return derived.completion.body === text.trim()
          ? { _tag: "DerivedFromText", derived: { ...derived, completion: { ...derived.completion, body: "" } } }
          : { _tag: "Derived", derived }
      }
    })
  )

/** The rows of a decoded line, its body put back from the line's text when it was left out. */
export const rowsOf = (
  decoded: Extract<DecodedLine, { readonly derived: Derived }>,
  text: string
): Derived =>
  decoded._tag === "Derived"
    ? decoded.derived
    : { ...decoded.derived, completion: { ...decoded.derived.completion, body: text.trim() } }
