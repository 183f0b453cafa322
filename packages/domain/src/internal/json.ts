import type * as Either from "effect/Either"
import * as ParseResult from "effect/ParseResult"
import type * as AST from "effect/SchemaAST"

const isWhitespaceCode = (code: number) => code === 32 || code === 10 || code === 13 || code === 9

// `charCodeAt` outside the text is NaN, which is no digit: the scans below need no bounds checks.
const isDigitAt = (text: string, index: number) => {
  const code = text.charCodeAt(index)
  return code >= 48 && code <= 57
}

// Whether a run of digits starting at `start` may be an integer literal in value position, judged by what precedes
// it: nothing, or (after an optional sign and whitespace) what may precede a JSON value. A fraction (`.`), an
// exponent (`e`, `E`, `+`) or a letter of a string rules it out from the one character before the run, the common
// case in token logprobs. Digits inside a string may pass; that only costs the slower parser, never a wrong value.
const mayStartIntegerLiteral = (text: string, start: number): boolean => {
  let before = start - 1
  if (before < 0) return true
  let code = text.charCodeAt(before)
  if (code === 46 || code === 43 || (code >= 65 && code !== 91)) return false
  if (code === 45) code = text.charCodeAt(--before)
  while (isWhitespaceCode(code)) code = text.charCodeAt(--before)
  return before < 0 || code === 58 || code === 44 || code === 91
}

/**
 * Whether the text holds an integer literal of 16 digits or more, the only JSON that `JSON.parse` may round (2^53 has
 * 16 digits). This runs before every parse of multi-megabyte responses, so it must cost little next to `JSON.parse`:
 * a regex tests every character (a third of `JSON.parse`'s time on a large completion), while a run of 16 digits
 * always covers one of every 16th character, so only those are looked at; a run found there is judged by the
 * character before it first, and measured only when it may be an integer literal.
 */
export const hasLongIntegerLiteral = (text: string): boolean => {
  const length = text.length
  let position = 15
  while (position < length) {
    if (!isDigitAt(text, position)) {
      position += 16
      continue
    }
    let start = position
    while (isDigitAt(text, start - 1)) start--
    if (!mayStartIntegerLiteral(text, start)) {
      position += 16
      continue
    }
    let end = position + 1
    while (isDigitAt(text, end)) end++
    if (end - start >= 16) {
      const after = text.charCodeAt(end)
      if (after !== 46 && after !== 101 && after !== 69) return true
    }
    position = end + 16
  }
  return false
}

export const parse = (text: string): unknown =>
  hasLongIntegerLiteral(text) ? new LosslessParser(text).parse() : JSON.parse(text)

/**
 * How a number is written so that `parse` reads it back as the same number, or `undefined` when `JSON.stringify`
 * already writes it so. `JSON.stringify` writes integers up to 1e21 digit for digit, which `parse` reads back as a
 * `bigint` past 2^53; writes `-0` as `0`; and writes the infinities (which `JSON.parse` makes of `1e400`) as `null`.
 * `NaN` has no JSON form: it stays `null`, as `JSON.stringify` writes it (the schemas refuse it).
 */
const numberText = (value: number): string | undefined => {
  if (Number.isSafeInteger(value)) return value === 0 && 1 / value < 0 ? "-0" : undefined
  if (Number.isFinite(value)) {
    return Number.isInteger(value) && Math.abs(value) < 1e21
      ? value.toExponential()
      : undefined
  }
  if (value === Infinity) return "1e400"
  if (value === -Infinity) return "-1e400"
  return undefined
}

// Whether `JSON.stringify` would write something `parse` reads back differently, or throw: a bigint, a number for
// `numberText`, or something that is not plain data (a `toJSON` method, a cycle), which the careful writer handles
// the way `JSON.stringify` does. Far cheaper than writing, so that the native writer stays the usual path.
const needsCarefulWriter = (value: unknown, depth: number): boolean => {
  switch (typeof value) {
    case "number":
      return numberText(value) !== undefined
    case "bigint":
      return true
    case "object": {
      if (value === null) return false
      // Beyond this depth `JSON.stringify` throws on its own, and so does the careful writer.
      if (depth > 5_000) return true
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) if (needsCarefulWriter(value[i], depth + 1)) return true
        return false
      }
      if (typeof (value as { toJSON?: unknown }).toJSON === "function") return true
      for (const key in value) {
        if (needsCarefulWriter((value as Record<string, unknown>)[key], depth + 1)) return true
      }
      return false
    }
    default:
      return false
  }
}

export const stringify = (value: unknown): string =>
  needsCarefulWriter(value, 0) ? writeValue(value, new Set()) ?? "null" : JSON.stringify(value)

// Mirrors JSON.stringify (toJSON, undefined and functions skipped in objects and null in arrays, a TypeError on a
// cycle), with bigint written as its digits and every number as `parse` reads it back.
const writeValue = (value: unknown, ancestors: Set<object>): string | undefined => {
  if (typeof value === "bigint") return value.toString()
  if (typeof value === "number") return numberText(value) ?? JSON.stringify(value)
  if (typeof value !== "object" || value === null) return JSON.stringify(value)
  if ("toJSON" in value && typeof value.toJSON === "function") return writeValue(value.toJSON(), ancestors)
  if (ancestors.has(value)) throw new TypeError("Converting circular structure to JSON")
  ancestors.add(value)
  let written: string
  if (Array.isArray(value)) {
    const items: Array<string> = []
    for (let i = 0; i < value.length; i++) items.push(writeValue(value[i], ancestors) ?? "null")
    written = `[${items.join(",")}]`
  } else {
    const members: Array<string> = []
    for (const [key, item] of Object.entries(value)) {
      const member = writeValue(item, ancestors)
      if (member !== undefined) members.push(`${JSON.stringify(key)}:${member}`)
    }
    written = `{${members.join(",")}}`
  }
  ancestors.delete(value)
  return written
}

export const parseResult = (text: string, ast: AST.AST): Either.Either<unknown, ParseResult.ParseIssue> => {
  try {
    return ParseResult.succeed(parse(text))
  } catch (error) {
    return ParseResult.fail(new ParseResult.Type(ast, text, `Invalid JSON: ${(error as Error).message}`))
  }
}

export const stringifyResult = (value: unknown, ast: AST.AST): Either.Either<string, ParseResult.ParseIssue> => {
  try {
    return ParseResult.succeed(stringify(value))
  } catch (error) {
    return ParseResult.fail(new ParseResult.Type(ast, value, `Cannot write JSON: ${(error as Error).message}`))
  }
}

// JSON's number grammar, exactly: `1.`, `.5`, `01` and `+1` are not numbers.
const numberLiteral = /-?(?:0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/y

type Container = Array<unknown> | Record<string, unknown>

/**
 * A JSON parser used only when the text holds an integer literal `JSON.parse` could round. It keeps its own stack of
 * open containers rather than recursing, so that nesting as deep as `JSON.parse` accepts does not overflow the call
 * stack.
 */
class LosslessParser {
  private position = 0
  constructor(private readonly text: string) {}

  parse(): unknown {
    const containers: Array<Container> = []
    // The key each open object is waiting to set, parallel to `containers` (unused for arrays).
    const keys: Array<string> = []
    for (;;) {
      let value: unknown
      this.whitespace()
      const code = this.text.charCodeAt(this.position)
      if (code === 123 || code === 91) {
        this.position++
        this.whitespace()
        const closing = code === 123 ? 125 : 93
        if (this.text.charCodeAt(this.position) === closing) {
          this.position++
          value = code === 123 ? {} : []
        } else {
          containers.push(code === 123 ? {} : [])
          keys.push(code === 123 ? this.key() : "")
          continue
        }
      } else {
        value = this.scalar()
      }
      // Store the finished value in its container, closing every container that ends right after it.
      for (;;) {
        const container = containers[containers.length - 1]
        if (container === undefined) {
          this.whitespace()
          if (this.position !== this.text.length) this.fail("Unexpected data after JSON value")
          return value
        }
        if (Array.isArray(container)) container.push(value)
        // defineProperty so that a "__proto__" key is data, as with JSON.parse, never a prototype change.
        else {Object.defineProperty(container, keys[keys.length - 1], {
            value,
            enumerable: true,
            writable: true,
            configurable: true
          })}
        this.whitespace()
        const next = this.text.charCodeAt(this.position++)
        if (next === 44) {
          if (!Array.isArray(container)) keys[keys.length - 1] = this.key()
          break
        }
        if (next !== (Array.isArray(container) ? 93 : 125)) {
          this.position--
          this.fail(Array.isArray(container) ? "Expected ',' or ']'" : "Expected ',' or '}'")
        }
        value = containers.pop()
        keys.pop()
      }
    }
  }

  private fail(message: string): never {
    throw new SyntaxError(`${message} at position ${this.position}`)
  }

  private whitespace(): void {
    const text = this.text
    while (this.position < text.length && isWhitespaceCode(text.charCodeAt(this.position))) this.position++
  }

  /** An object key and its colon. */
  private key(): string {
    this.whitespace()
    if (this.text.charCodeAt(this.position) !== 34) this.fail("Expected a string key")
    const key = this.string()
    this.whitespace()
    if (this.text.charCodeAt(this.position) !== 58) this.fail("Expected ':'")
    this.position++
    return key
  }

  private scalar(): unknown {
    const char = this.text[this.position]
    switch (char) {
      case "\"":
        return this.string()
      case "t":
        return this.keyword("true", true)
      case "f":
        return this.keyword("false", false)
      case "n":
        return this.keyword("null", null)
      case undefined:
        return this.fail("Unexpected end of JSON input")
      default:
        return this.number()
    }
  }

  private keyword<A>(word: string, value: A): A {
    if (!this.text.startsWith(word, this.position)) this.fail(`Unexpected token ${this.text[this.position]}`)
    this.position += word.length
    return value
  }

  private string(): string {
    const text = this.text
    const start = this.position
    let end = start + 1
    let escaped = false
    for (;;) {
      if (end >= text.length) this.fail("Unterminated string")
      const code = text.charCodeAt(end)
      if (code === 34) break
      if (code === 92) {
        escaped = true
        end += 2
      } else {
        if (code < 32) {
          this.position = end
          this.fail("Bad control character in string literal")
        }
        end++
      }
    }
    this.position = end + 1
    if (!escaped) return text.slice(start + 1, end)
    try {
      // The native parser decodes escapes exactly; a bad one is reported at the string's own position.
      return JSON.parse(text.slice(start, end + 1)) as string
    } catch {
      this.position = start
      return this.fail("Bad escape in string")
    }
  }

  private number(): number | bigint {
    numberLiteral.lastIndex = this.position
    const match = numberLiteral.exec(this.text)
    if (match === null) return this.fail(`Unexpected token ${this.text[this.position]}`)
    const literal = match[0]
    this.position += literal.length
    const value = Number(literal)
    const isInteger = match[1] === undefined && match[2] === undefined
    return isInteger && !Number.isSafeInteger(value) ? BigInt(literal) : value
  }
}
