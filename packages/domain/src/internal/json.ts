import type * as Either from "effect/Either"
import * as ParseResult from "effect/ParseResult"
import type * as AST from "effect/SchemaAST"

// An integer literal of 16 or more digits in value position: the only JSON that `JSON.parse` may round. Digits after
// a decimal point or inside most strings are not preceded by one of these characters, so ordinary payloads (long
// fractional logprobs included) stay on the native parser.
const longIntegerLiteral = /[:,[]\s*-?\d{16,}(?![\d.eE])/

export const parse = (text: string): unknown =>
  longIntegerLiteral.test(text) ? new LosslessParser(text).parse() : JSON.parse(text)

export const stringify = (value: unknown): string => {
  try {
    return JSON.stringify(value)
  } catch (error) {
    // JSON.stringify throws a TypeError on the first bigint; only then pay for the hand-written writer.
    if (error instanceof TypeError && containsBigInt(value)) return writeValue(value) ?? "null"
    throw error
  }
}

const containsBigInt = (value: unknown): boolean => {
  if (typeof value === "bigint") return true
  if (typeof value !== "object" || value === null) return false
  return Object.values(value).some(containsBigInt)
}

// Mirrors JSON.stringify (toJSON, undefined and functions skipped in objects and null in arrays), with bigint written
// as its digits.
const writeValue = (value: unknown): string | undefined => {
  if (typeof value === "bigint") return value.toString()
  if (typeof value !== "object" || value === null) return JSON.stringify(value)
  if ("toJSON" in value && typeof value.toJSON === "function") return writeValue(value.toJSON())
  if (Array.isArray(value)) return `[${value.map((item) => writeValue(item) ?? "null").join(",")}]`
  const members: Array<string> = []
  for (const [key, item] of Object.entries(value)) {
    const written = writeValue(item)
    if (written !== undefined) members.push(`${JSON.stringify(key)}:${written}`)
  }
  return `{${members.join(",")}}`
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

const isDigit = (code: number) => code >= 48 && code <= 57

/** A recursive-descent JSON parser used only when the text holds an integer literal `JSON.parse` could round. */
class LosslessParser {
  private position = 0
  constructor(private readonly text: string) {}

  parse(): unknown {
    const value = this.value()
    this.whitespace()
    if (this.position !== this.text.length) this.fail("Unexpected data after JSON value")
    return value
  }

  private fail(message: string): never {
    throw new SyntaxError(`${message} at position ${this.position}`)
  }

  private whitespace(): void {
    const text = this.text
    while (this.position < text.length) {
      const c = text.charCodeAt(this.position)
      if (c === 32 || c === 10 || c === 13 || c === 9) this.position++
      else break
    }
  }

  private value(): unknown {
    this.whitespace()
    const c = this.text[this.position]
    switch (c) {
      case "{":
        return this.object()
      case "[":
        return this.array()
      case "\"":
        return this.string()
      case "t":
        return this.keyword("true", true)
      case "f":
        return this.keyword("false", false)
      case "n":
        return this.keyword("null", null)
      default:
        if (c === "-" || (c !== undefined && isDigit(c.charCodeAt(0)))) return this.number()
        return this.fail(c === undefined ? "Unexpected end of JSON input" : `Unexpected token ${c}`)
    }
  }

  private keyword<A>(word: string, value: A): A {
    if (this.text.startsWith(word, this.position)) {
      this.position += word.length
      return value
    }
    return this.fail(`Unexpected token ${this.text[this.position]}`)
  }

  private object(): Record<string, unknown> {
    const out: Record<string, unknown> = {}
    this.position++
    this.whitespace()
    if (this.text[this.position] === "}") {
      this.position++
      return out
    }
    for (;;) {
      this.whitespace()
      if (this.text[this.position] !== "\"") this.fail("Expected a string key")
      const key = this.string()
      this.whitespace()
      if (this.text[this.position] !== ":") this.fail("Expected ':'")
      this.position++
      // defineProperty so that a "__proto__" key is data, as with JSON.parse, never a prototype change.
      Object.defineProperty(out, key, { value: this.value(), enumerable: true, writable: true, configurable: true })
      this.whitespace()
      const next = this.text[this.position++]
      if (next === "}") return out
      if (next !== ",") this.fail("Expected ',' or '}'")
    }
  }

  private array(): Array<unknown> {
    const out: Array<unknown> = []
    this.position++
    this.whitespace()
    if (this.text[this.position] === "]") {
      this.position++
      return out
    }
    for (;;) {
      out.push(this.value())
      this.whitespace()
      const next = this.text[this.position++]
      if (next === "]") return out
      if (next !== ",") this.fail("Expected ',' or ']'")
    }
  }

  private string(): string {
    const start = this.position
    const text = this.text
    let end = start + 1
    let escaped = false
    for (;;) {
      if (end >= text.length) this.fail("Unterminated string")
      const c = text.charCodeAt(end)
      if (c === 34) break
      if (c === 92) {
        escaped = true
        end += 2
      } else {
        if (c < 32) this.fail("Bad control character in string literal")
        end++
      }
    }
    this.position = end + 1
    const raw = text.slice(start, end + 1)
    return escaped ? JSON.parse(raw) as string : raw.slice(1, -1)
  }

  private number(): number | bigint {
    const text = this.text
    const start = this.position
    if (text[this.position] === "-") this.position++
    let integer = true
    while (this.position < text.length) {
      const c = text.charCodeAt(this.position)
      if (isDigit(c)) this.position++
      else if (c === 46 || c === 101 || c === 69 || c === 43 || c === 45) {
        integer = false
        this.position++
      } else break
    }
    const literal = text.slice(start, this.position)
    const value = Number(literal)
    if (literal === "-" || Number.isNaN(value) || /^-?0\d/.test(literal)) {
      this.position = start
      this.fail(`Invalid number ${literal}`)
    }
    return integer && !Number.isSafeInteger(value) ? BigInt(literal) : value
  }
}
