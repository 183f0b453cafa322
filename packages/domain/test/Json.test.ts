import { describe, expect, it } from "@effect/vitest"
import * as Either from "effect/Either"
import * as fc from "effect/FastCheck"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import { Json } from "../src/index.js"
import { boundaries } from "../src/internal/jsonNumber.js"

/** `Json.parse`'s value as `JSON.parse` would give it: each bigint rounded to the nearest double, as `JSON.parse` rounds. */
const rounded = (value: unknown): unknown => {
  if (typeof value === "bigint") return Number(value)
  if (Array.isArray(value)) return value.map(rounded)
  if (typeof value === "object" && value !== null) {
    const out: Record<string, unknown> = {}
    for (const [key, item] of Object.entries(value)) {
      Object.defineProperty(out, key, { value: rounded(item), enumerable: true, writable: true, configurable: true })
    }
    return out
  }
  return value
}

const outcome = (parse: (text: string) => unknown, text: string) => {
  try {
    return { ok: true as const, value: parse(text) }
  } catch (error) {
    return { ok: false as const, error }
  }
}

// Any integer literal this long sends the text through the lossless parser rather than `JSON.parse`.
const long = "123456789012345678901234567890"

const hasUnsafeInteger = (value: unknown): boolean =>
  typeof value === "number"
    ? Number.isInteger(value) && !Number.isSafeInteger(value)
    : typeof value === "object" && value !== null && Object.values(value).some(hasUnsafeInteger)

// `fc.json` writes doubles such as 1e20 as long integer literals; those are the texts where the two parsers differ.
const jsonWithoutLongIntegers = fc.json({ stringUnit: "binary" }).filter((text) => !hasUnsafeInteger(JSON.parse(text)))

/** JSON as `Json.parse` reads it: integers beyond 2^53 as bigints. */
type LosslessJson = fc.JsonValue | bigint | ReadonlyArray<LosslessJson> | { readonly [key: string]: LosslessJson }

/** JSON text with arbitrary whitespace between tokens, which `JSON.stringify` never writes. */
const spaced = (value: LosslessJson, space: () => string): string => {
  if (typeof value === "bigint") return String(value)
  if (Array.isArray(value)) {
    return `[${space()}${value.map((item) => spaced(item, space)).join(`${space()},${space()}`)}${space()}]`
  }
  if (typeof value === "object" && value !== null) {
    const members = Object.entries(value).map(([key, item]) =>
      `${JSON.stringify(key)}${space()}:${space()}${spaced(item ?? null, space)}`
    )
    return `{${space()}${members.join(`${space()},${space()}`)}${space()}}`
  }
  return JSON.stringify(value)
}

const spaces = fc.array(fc.constantFrom("", " ", "\n", "\t", "\r\n  "))

const spacer = (spaces: ReadonlyArray<string>) => {
  let i = 0
  return () => spaces.length === 0 ? "" : spaces[i++ % spaces.length]
}

const spacedJson = fc.tuple(
  fc.jsonValue({ stringUnit: "binary" }),
  spaces
)
  .map(([value, spaces]) => spaced(value, spacer(spaces)))

/** Integers `JSON.parse` would round, from just past 2^53 to 40 digits, of either sign. */
const unsafeInteger = fc.oneof(
  fc.bigInt({ min: 2n ** 53n + 1n, max: 10n ** 40n }),
  fc.bigInt({ min: -(10n ** 40n), max: -(2n ** 53n) - 1n })
)

/** JSON values with such integers anywhere, and strings and fractions full of long digit runs beside them. */
const losslessJson: fc.Arbitrary<LosslessJson> = fc.letrec<{ value: LosslessJson }>((tie) => ({
  value: fc.oneof(
    { depthSize: "small" },
    unsafeInteger,
    fc.double({ noNaN: true, noDefaultInfinity: true }).map((x) => Object.is(x, -0) ? 0 : x),
    fc.stringMatching(/^[a-z]?\d{0,24}[.e]?\d{0,24}$/),
    fc.constantFrom(null, true, false),
    fc.array(tie("value")),
    fc.dictionary(fc.string(), tie("value"))
  )
})).value

/**
 * What `Json.parse` gives for the text `spaced` writes of a value: a double that `JSON.stringify` writes as an integer
 * literal beyond 2^53 (below 1e21) reads back as the bigint of those digits.
 */
const readBack = (value: LosslessJson): unknown => {
  if (typeof value === "number") {
    return Number.isInteger(value) && !Number.isSafeInteger(value) && Math.abs(value) < 1e21
      ? BigInt(JSON.stringify(value))
      : value
  }
  if (Array.isArray(value)) return value.map(readBack)
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, readBack(item ?? null)]))
  }
  return value
}

/** Valid JSON texts broken in one place: cut short, a character dropped, or one inserted. */
const nearlyJson = fc.tuple(
  fc.json(),
  fc.nat(),
  fc.constantFrom("cut", "drop", "insert"),
  fc.constantFrom(..."{}[],:\"\\-.eE+0519 tfnx\u0000")
)
  .map(([text, at, how, char]) => {
    const i = at % (text.length + 1)
    return how === "cut"
      ? text.slice(0, i)
      : how === "drop"
      ? text.slice(0, i) + text.slice(i + 1)
      : text.slice(0, i) + char + text.slice(i)
  })

describe("Json.parse", () => {
  it.prop("equals JSON.parse on JSON text without long integers", [jsonWithoutLongIntegers], ([text]) => {
    expect(Json.parse(text)).toStrictEqual(JSON.parse(text))
  }, { fastCheck: { numRuns: 1000 } })

  it.prop("the lossless parser equals JSON.parse on any JSON text, whitespace included", [spacedJson], ([text]) => {
    // The long integer beside the text sends the whole of it through the hand-written parser.
    const parsed = Json.parse(`[${text},${long}]`)
    expect(rounded(parsed)).toStrictEqual([JSON.parse(text), Number(long)])
    expect((parsed as Array<unknown>)[1]).toBe(BigInt(long))
  }, { fastCheck: { numRuns: 1000 } })

  it.prop("accepts and rejects exactly the texts JSON.parse does, throwing a SyntaxError", [nearlyJson], ([text]) => {
    for (const candidate of [text, `[${text},${long}]`, `{"a":${long},"b":${text}}`]) {
      const theirs = outcome(JSON.parse, candidate)
      const ours = outcome(Json.parse, candidate)
      expect(ours.ok).toBe(theirs.ok)
      if (ours.ok && theirs.ok) expect(rounded(ours.value)).toStrictEqual(theirs.value)
      if (!ours.ok) expect(ours.error).toBeInstanceOf(SyntaxError)
    }
  }, { fastCheck: { numRuns: 1000 } })

  it("rejects what JSON forbids even beside a long integer", () => {
    for (
      const bad of [
        "1.",
        "-.5",
        "1.e5",
        "01",
        "+1",
        "0x10",
        "1e",
        "--1",
        "[1,]",
        "{\"a\":1,}",
        "{a:1}",
        "'a'",
        "\"\t\"",
        "\"\\x\"",
        "tru",
        "nul",
        "",
        " ",
        "\uFEFF1"
      ]
    ) {
      expect(() => JSON.parse(`[${bad},${long}]`)).toThrow(SyntaxError)
      expect(() => Json.parse(`[${bad},${long}]`)).toThrow(SyntaxError)
    }
  })

  it("keeps integers beyond 2^53 exact as bigint, wherever they are", () => {
    expect(Json.parse("9007199254740993")).toBe(9007199254740993n)
    expect(Json.parse(" -9007199254740993 ")).toBe(-9007199254740993n)
    expect(Json.parse(`{"seed": 18446744073709551615, "n": [1, -12345678901234567890]}`)).toStrictEqual({
      seed: 18446744073709551615n,
      n: [1, -12345678901234567890n]
    })
    // Safe integers, fractions and exponents stay numbers, even when long.
    expect(Json.parse(`[9007199254740991, 1234567890123456.5, 12345678901234567e3, -0, ${long}]`)).toStrictEqual([
      9007199254740991,
      1234567890123456.5,
      12345678901234567e3,
      -0,
      BigInt(long)
    ])
  })

  it.prop(
    "finds every integer beyond 2^53, wherever it is and whatever surrounds it",
    [losslessJson, spaces],
    ([value, spaces]) => {
      const text = spaced(value, spacer(spaces))
      expect(Json.parse(text)).toStrictEqual(readBack(value))
    },
    { fastCheck: { numRuns: 2000 } }
  )

  it("finds a 16-digit integer at every alignment, right after other digit runs", () => {
    // The scan looks at every 16th character: every offset of the integer against it, after runs of every length.
    for (let offset = 0; offset < 16; offset++) {
      for (let length = 1; length <= 34; length++) {
        for (const before of ["1".repeat(length), `1.${"2".repeat(length)}`, `"${"3".repeat(length)}"`]) {
          for (const separator of [",", ", "]) {
            const text = `["${"x".repeat(offset)}",${before}${separator}9007199254740993]`
            expect((Json.parse(text) as Array<unknown>)[2], text).toBe(9007199254740993n)
          }
        }
      }
    }
  })

  it("is not fooled by long digit runs that are not integer literals", () => {
    const text =
      `{"fraction": -0.1192092895507812500001, "exponent": 1e-1234567890123456, "string": "a 12345678901234567890 b", "after": 1}`
    expect(Json.parse(text)).toStrictEqual(JSON.parse(text))
  })

  it("keeps a __proto__ key as data, on both paths", () => {
    for (const text of [`{"__proto__": {"polluted": true}}`, `{"__proto__": {"polluted": true}, "big": ${long}}`]) {
      const parsed = Json.parse(text) as Record<string, unknown>
      expect(Object.getPrototypeOf(parsed)).toBe(Object.prototype)
      expect(Object.hasOwn(parsed, "__proto__")).toBe(true)
      expect(parsed["__proto__"]).toStrictEqual({ polluted: true })
      expect(({} as Record<string, unknown>).polluted).toBeUndefined()
    }
  })

  it("parses nesting as deep as JSON.parse does", () => {
    const depth = 100_000
    const parsed = Json.parse(`${"[".repeat(depth)}${long}${"]".repeat(depth)}`)
    let inner: unknown = parsed
    for (let i = 0; i < depth; i++) inner = (inner as Array<unknown>)[0]
    expect(inner).toBe(BigInt(long))
  })
})

describe("Json.stringify", () => {
  it("writes bigints digit for digit", () => {
    const text = `{"seed":18446744073709551615,"n":[1,-12345678901234567890],"s":"9007199254740993"}`
    expect(Json.stringify(Json.parse(text))).toBe(text)
  })

  it.prop(
    "Json.parse reads back exactly what it writes, bigints, -0, floats beyond 2^53 and the infinities included",
    [
      fc.jsonValue({ maxDepth: 3 }).chain((value) =>
        fc.array(fc.oneof(fc.double({ noNaN: true }), fc.constantFrom(...boundaries))).map((
          numbers
        ) => [value, numbers])
      ),
      fc.array(fc.bigInt({ min: -(2n ** 100n), max: 2n ** 100n }))
    ],
    ([value, bigints]) => {
      const written = { value, bigints: bigints.map((n) => n < 0n ? n - 2n ** 53n : n + 2n ** 53n) }
      const text = Json.stringify(written)
      expect(Json.parse(text)).toStrictEqual(written)
      expect(Json.stringify(Json.parse(text))).toBe(text)
    },
    { fastCheck: { numRuns: 1000 } }
  )

  it("writes like JSON.stringify: toJSON, skipped undefined and functions, null in arrays", () => {
    const value = { big: 1n, date: new Date(0), skipped: undefined, f: () => 1, list: [undefined, () => 1, 2n] }
    expect(Json.stringify(value)).toBe(`{"big":1,"date":"1970-01-01T00:00:00.000Z","list":[null,null,2]}`)
  })

  it("throws a TypeError on a cycle, as JSON.stringify does", () => {
    const cyclic: Record<string, unknown> = { big: 1n }
    cyclic.self = cyclic
    expect(() => Json.stringify(cyclic)).toThrow(TypeError)
    expect(() => Json.stringify({ a: cyclic })).toThrow(TypeError)
  })
})

describe("Json.parseJson", () => {
  const Seed = Json.parseJson(Schema.Struct({ seed: Schema.BigIntFromSelf }))

  it("decodes through the lossless parser and encodes back exactly", () => {
    const text = `{"seed":18446744073709551615}`
    const decoded = Schema.decodeSync(Seed)(text)
    expect(decoded.seed).toBe(18446744073709551615n)
    expect(Schema.encodeSync(Seed)(decoded)).toBe(text)
  })

  it("fails with a ParseError naming the JSON error, never throwing", () => {
    const result = Schema.decodeUnknownEither(Seed)(`{"seed": 1`)
    expect(Either.isLeft(result)).toBe(true)
    if (Either.isLeft(result)) {
      expect(ParseResult.isParseError(result.left)).toBe(true)
      expect(ParseResult.TreeFormatter.formatErrorSync(result.left)).toContain("Invalid JSON: ")
    }
  })
})

describe("Json.JsonValue and Json.JsonObject", () => {
  const decodeValue = Schema.decodeUnknownEither(Json.JsonValue)

  it("hand back the very value they check, a __proto__ key kept as data", () => {
    const value = Json.parse(`{"__proto__": {"content": 42}, "list": [{"__proto__": null}], "seed": ${long}}`)
    const decoded = Schema.decodeUnknownSync(Json.JsonValue)(value) as Record<string, unknown>
    expect(decoded).toBe(value)
    expect(Object.getPrototypeOf(decoded)).toBe(Object.prototype)
    expect(Object.hasOwn(decoded, "__proto__")).toBe(true)
    expect(Json.stringify(decoded)).toBe(`{"__proto__":{"content":42},"list":[{"__proto__":null}],"seed":${long}}`)
    expect(Schema.decodeUnknownSync(Json.JsonObject)(value)).toBe(value)
  })

  it("check nesting as deep as Json.parse reads without overflowing the stack", () => {
    const depth = 100_000
    const value = Json.parse(`${"[".repeat(depth)}1${"]".repeat(depth)}`)
    expect(Either.isRight(decodeValue(value))).toBe(true)
  })

  it("refuse what is not JSON, pointing at it", () => {
    const cyclic: Record<string, unknown> = {}
    cyclic.self = cyclic
    const cases: ReadonlyArray<readonly [unknown, ReadonlyArray<PropertyKey>, string]> = [
      [{ a: [1, { b: () => 1 }] }, ["a", 1, "b"], "Expected a JSON value, actual a function"],
      [{ a: undefined }, ["a"], "Expected a JSON value, actual undefined"],
      [[Symbol.for("s")], [0], "Expected a JSON value, actual Symbol(s)"],
      [{ when: new Date(0) }, ["when"], "Expected a JSON value, actual an instance of Date"],
      [cyclic, ["self"], "Expected a JSON value, actual a reference to a value that contains it"]
    ]
    for (const [input, path, message] of cases) {
      const result = decodeValue(input)
      expect(Either.isLeft(result)).toBe(true)
      if (Either.isLeft(result)) {
        expect(ParseResult.ArrayFormatter.formatErrorSync(result.left)).toStrictEqual([{ _tag: "Type", path, message }])
      }
    }
    expect(Either.isLeft(Schema.decodeUnknownEither(Json.JsonObject)([1]))).toBe(true)
  })
})

describe("Json.resolvePointer", () => {
  const document = {
    $defs: { "a/b": { type: "string" }, "m~n": 1, "sp ace": true },
    items: [{ k: "first" }, { k: "second" }],
    nothing: null
  }

  it("follows keys, escapes and indices from the root", () => {
    expect(Json.resolvePointer(document, "#")).toBe(document)
    expect(Json.resolvePointer(document, "#/$defs/a~1b")).toEqual({ type: "string" })
    expect(Json.resolvePointer(document, "#/$defs/m~0n")).toBe(1)
    expect(Json.resolvePointer(document, "#/$defs/sp%20ace")).toBe(true)
    expect(Json.resolvePointer(document, "#/items/1/k")).toBe("second")
    expect(Json.resolvePointer(document, "#/nothing")).toBeNull()
  })

  it("leads nowhere for what is missing, inherited, malformed or not a fragment", () => {
    for (
      const pointer of [
        "#/missing",
        "#/$defs/constructor",
        "#/$defs/toString",
        "#/items/2",
        "#/items/01",
        "#/items/-1",
        "#/nothing/deeper",
        "#/$defs/%E0%A4%A",
        "#$defs",
        "other.json#/$defs",
        "/$defs"
      ]
    ) expect(Json.resolvePointer(document, pointer), pointer).toBeUndefined()
  })
})
