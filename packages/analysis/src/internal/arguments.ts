/** What the `arguments` text of a tool call holds. */
export type Arguments =
  | { readonly _tag: "Parsed"; readonly value: unknown }
  | { readonly _tag: "Empty" }
  | { readonly _tag: "Concatenated"; readonly parts: ReadonlyArray<string> }
  | { readonly _tag: "Invalid"; readonly reason: string }

// A `__proto__` key is the one key that assigning can turn into a prototype (decoding a Schema.Record assigns every
// key), and no tool's parameters can mean it, so it is dropped while parsing.
const withoutProtoKeys = (key: string, value: unknown): unknown => key === "__proto__" ? undefined : value

type Json = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly reason: string }

const parseJson = (text: string): Json => {
  try {
    return { ok: true, value: JSON.parse(text, withoutProtoKeys) }
  } catch (error) {
    // Very deep nesting can overflow the stack in the reviver; that is invalid input too, not a crash.
    return { ok: false, reason: error instanceof Error ? error.message : String(error) }
  }
}

const isWhitespace = (code: number) => code === 32 || code === 10 || code === 13 || code === 9

/**
 * The text of each top-level object or array, when `text` is two or more of them back to back (a model running two
 * calls' arguments together) and nothing else; brackets inside strings do not count.
 */
const splitValues = (text: string): ReadonlyArray<string> | undefined => {
  const parts: Array<string> = []
  let i = 0
  for (;;) {
    while (i < text.length && isWhitespace(text.charCodeAt(i))) i++
    if (i === text.length) break
    if (text[i] !== "{" && text[i] !== "[") return undefined
    const start = i
    let depth = 0
    let inString = false
    for (; i < text.length; i++) {
      const c = text[i]
      if (inString) {
        if (c === "\\") i++
        else if (c === "\"") inString = false
      } else if (c === "\"") inString = true
      else if (c === "{" || c === "[") depth++
      else if ((c === "}" || c === "]") && --depth === 0) break
    }
    if (i >= text.length) return undefined
    parts.push(text.slice(start, ++i))
  }
  return parts.length >= 2 ? parts : undefined
}

/** Reads a tool call's `arguments`; never throws. Empty (or blank) text is its own case: it means `{}`. */
export const parse = (text: string): Arguments => {
  if (text.trim() === "") return { _tag: "Empty" }
  const json = parseJson(text)
  if (json.ok) return { _tag: "Parsed", value: json.value }
  const parts = splitValues(text)
  return parts !== undefined && parts.every((part) => parseJson(part).ok)
    ? { _tag: "Concatenated", parts }
    : { _tag: "Invalid", reason: json.reason }
}
