/** The JSON Schema checker behind `ToolCalls.toolkitFromRequest`: what it accepts, how it names each rule broken. */
import { describe, expect, it } from "@effect/vitest"
import { checker } from "../src/internal/jsonSchemaChecker.js"

describe("the JSON Schema checker", () => {
  const messages = (schema: unknown, value: unknown) =>
    checker(schema)(value).map((issue) => `${issue.path.join(".")}: ${issue.message}`)

  it("accepts what the schema allows", () => {
    const schema = {
      type: "object",
      properties: {
        at: { type: "string", format: "date-time" },
        tags: { type: "array", items: { type: "string", minLength: 1 }, uniqueItems: true, maxItems: 3 },
        step: { type: "number", multipleOf: 0.01, exclusiveMinimum: 0 },
        kind: { enum: ["a", "b"] },
        nested: { $ref: "#/$defs/Nested" }
      },
      $defs: { Nested: { type: ["object", "null"], properties: { n: { const: 1 } } } }
    }
    expect(messages(schema, { at: "anything", tags: ["x", "y"], step: 0.07, kind: "a", nested: null })).toEqual([])
    expect(messages(schema, { nested: { n: 1 } })).toEqual([])
    expect(messages(true, 42)).toEqual([])
    expect(messages(undefined, "anything")).toEqual([])
  })

  it("names each rule broken, with its path", () => {
    const schema = {
      type: "object",
      properties: {
        tags: { type: "array", items: { type: "string", minLength: 2 }, uniqueItems: true, maxItems: 2 },
        step: { type: "number", multipleOf: 15, minimum: 15 },
        code: { type: "string", pattern: "^[A-Z]{3}$" },
        choice: { oneOf: [{ type: "integer" }, { type: "number" }] },
        never: false
      },
      patternProperties: { "^x-": { type: "boolean" } },
      additionalProperties: { type: "string" }
    }
    expect(messages(schema, {
      tags: ["a", "a", "bb"],
      step: 20,
      code: "abc",
      choice: 3,
      never: 1,
      "x-flag": "yes",
      extra: 5
    })).toEqual([
      "tags: expected at most 2 items, got 3",
      "tags: expected unique items",
      "tags.0: expected at least 2 characters, got 1",
      "tags.1: expected at least 2 characters, got 1",
      "step: expected a multiple of 15, got 20",
      "code: expected to match /^[A-Z]{3}$/",
      "choice: expected to match exactly one of the 2 oneOf schemas, matched 2",
      "never: is not allowed",
      "x-flag: expected boolean, got string \"yes\"",
      "extra: expected string, got number 5"
    ])
  })

  it("ends on a schema that refers to itself without consuming the value", () => {
    expect(messages({ allOf: [{ $ref: "#" }] }, 1)).toEqual([
      ": cannot be checked: the schema refers to itself without end"
    ])
  })
})
