import { describe, expect, it } from "@effect/vitest"
import * as Schema from "effect/Schema"
import { ChatCompletionTool } from "../src/index.js"

const jsonSchemaOf = <A, I, R>(schema: Schema.Schema<A, I, R>) => {
  const document = ChatCompletionTool.parametersJsonSchema(schema)
  return { schema: document, strict: ChatCompletionTool.isStrictJsonSchema(document) }
}

const Recipe = Schema.Struct({
  title: Schema.String,
  minutes: Schema.Number.pipe(Schema.int(), Schema.between(1, 240)),
  steps: Schema.Array(Schema.Struct({ order: Schema.Number, text: Schema.String })),
  difficulty: Schema.Literal("easy", "medium", "hard")
}).annotations({ identifier: "Recipe", description: "A recipe with its steps" })

describe("ChatCompletionTool.parametersJsonSchema and isStrictJsonSchema", () => {
  it("is strict for closed structs of required fields, nested and in arrays", () => {
    const { schema, strict } = jsonSchemaOf(Recipe)
    expect(strict).toBe(true)
    expect(schema.type).toBe("object")
    expect(schema.required).toEqual(["title", "minutes", "steps", "difficulty"])
    expect(schema).not.toHaveProperty("$ref")
  })

  it("is not strict for an optional field, a record, a non-object root or an intersection-like refinement", () => {
    expect(jsonSchemaOf(Schema.Struct({ a: Schema.optional(Schema.String) })).strict).toBe(false)
    expect(
      jsonSchemaOf(Schema.Struct({ a: Schema.Record({ key: Schema.String, value: Schema.Number }) }))
        .strict
    )
      .toBe(false)
    expect(jsonSchemaOf(Schema.Array(Schema.String)).strict).toBe(false)
    expect(
      jsonSchemaOf(
        Schema.Struct({ a: Schema.String }, Schema.Record({ key: Schema.String, value: Schema.String }))
      ).strict
    )
      .toBe(false)
  })

  it("keeps definitions of named schemas under $defs, with the root inlined", () => {
    const Step = Schema.Struct({ text: Schema.String }).annotations({ identifier: "Step" })
    const { schema, strict } = jsonSchemaOf(Schema.Struct({ first: Step, second: Step }))
    expect(strict).toBe(true)
    expect(Object.keys(schema.$defs as object)).toEqual(["Step"])
    expect(schema.properties).toEqual({ first: { $ref: "#/$defs/Step" }, second: { $ref: "#/$defs/Step" } })
  })

  it("inlines a named root, keeping its definition for a recursive reference", () => {
    interface Category {
      readonly name: string
      readonly children: ReadonlyArray<Category>
    }
    const Category: Schema.Schema<Category> = Schema.Struct({
      name: Schema.String,
      children: Schema.Array(Schema.suspend(() => Category))
    }).annotations({ identifier: "Category" })
    const { schema, strict } = jsonSchemaOf(Category)
    expect(schema.type).toBe("object")
    expect(strict).toBe(true)
    expect(schema.properties).toEqual({
      name: { type: "string" },
      children: { type: "array", items: { $ref: "#/$defs/Category" } }
    })
    expect(Object.keys(schema.$defs as object)).toEqual(["Category"])
    expect(Object.keys(jsonSchemaOf(Recipe).schema)).not.toContain("$defs")
  })
})
