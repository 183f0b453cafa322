import { describe, expect, it } from "@effect/vitest"
import * as Arbitrary from "effect/Arbitrary"
import * as FastCheck from "effect/FastCheck"
import { Json, UrlRedaction } from "../src/index.js"

describe("UrlRedaction.redact", () => {
  it.each([
    ["http://user:secret@127.0.0.1:8080/v1", "http://user:***@127.0.0.1:8080/v1"],
    ["https://sk-live-token@api.example/v1", "https://***@api.example/v1"],
    ["postgres://app:p%40ss@db:5432/x?sslmode=require", "postgres://app:***@db:5432/x?sslmode=require"],
    [
      "postgresql://db/x?user=app&password=hunter2&sslpassword=k",
      "postgresql://db/x?user=app&password=***&sslpassword=***"
    ],
    ["cannot reach ftp://a:b@host/x: refused", "cannot reach ftp://a:***@host/x: refused"],
    ["http://a@b:c@host/p@q", "http://a@b:***@host/p@q"],
    ["http://127.0.0.1:8080/chat/completions?count=5", "http://127.0.0.1:8080/chat/completions?count=5"],
    ["./store.sqlite", "./store.sqlite"]
  ])("%s", (text, shown) => {
    expect(UrlRedaction.redact(text)).toBe(shown)
  })

  it.prop(
    "no password of a URL survives, in it or in a message around it",
    [FastCheck.stringMatching(/^[A-Za-z0-9._~!$&'()*+,;=%-]{1,40}$/), FastCheck.string({ maxLength: 20 })],
    ([password, around]) => {
      const text = `${around} https://user:${password}@example.com:443/path?x=1 ${around}`
      const shown = UrlRedaction.redact(text)
      expect(shown).toContain("https://user:***@example.com:443/path?x=1")
      expect(UrlRedaction.redact(shown)).toBe(shown)
    }
  )
})

describe("Json.nestingDepth", () => {
  const depthOf = (value: unknown): number =>
    Array.isArray(value)
      ? 1 + Math.max(0, ...value.map(depthOf))
      : typeof value === "object" && value !== null
      ? 1 + Math.max(0, ...Object.values(value).map(depthOf))
      : 0

  it.prop("is the nesting of the value the text writes, strings with brackets in them included", [
    Arbitrary.make(Json.JsonValue)
  ], ([value]) => {
    expect(Json.nestingDepth(Json.stringify(value))).toBe(depthOf(value))
  })

  it("stops past the limit, and counts neither escaped quotes nor brackets in strings", () => {
    expect(Json.nestingDepth("[".repeat(1_000_000), 64)).toBe(65)
    expect(Json.nestingDepth(`{"a":"[[[\\"{{{","b":[{}]}`)).toBe(3)
    expect(Json.nestingDepth("1")).toBe(0)
  })
})
