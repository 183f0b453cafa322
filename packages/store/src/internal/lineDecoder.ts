/**
 * What the import does to each line before it is written: decode it, and derive what storing it writes. It runs in
 * the import's worker threads (see `importWorker.ts`), so that the thread writing to the database only writes.
 */
import * as Either from "effect/Either"
import * as Body from "./body.js"
import { derive, type Derived } from "./row.js"

/** A line's rows to write, or why it is not a stored completion, in one line. */
export type DecodedLine =
  | { readonly _tag: "Derived"; readonly derived: Derived }
  | { readonly _tag: "Bad"; readonly reason: string }

/** The rows of each line, in order. */
export const decodeTexts = (texts: ReadonlyArray<string>): Array<DecodedLine> =>
  texts.map((text) =>
    Either.match(Body.decode(text), {
      onLeft: (reason): DecodedLine => ({ _tag: "Bad", reason }),
      onRight: (completion): DecodedLine => ({ _tag: "Derived", derived: derive(completion) })
    })
  )
