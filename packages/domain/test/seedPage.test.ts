import { describe, expect, it } from "@effect/vitest"
import * as Option from "effect/Option"
import type * as Schema from "effect/Schema"
import * as AST from "effect/SchemaAST"
import { ChatCompletion, ChatCompletionCreateParams, StoredChatCompletion } from "../src/index.js"
import { seedPage } from "./support/fixtures.js"

/**
 * A field as the page lists it: its name glued to its type (a JSON type, `enum`, `map<…>`, `json_value` or a quoted
 * literal), its bounds, then `*required` or `optional`; e.g. `frequency_penaltynumbermin: -2max: 2optional`.
 */
const fieldLine =
  /^([a-z][a-z0-9_]*)(string|number|boolean|object|array|enum|json_value|map<[^>]+>|"([^"]+)")(?:min: (-?[\d.]+))?(?:max: (-?[\d.]+))?(\*required|optional)$/

/** An enum variant: a display name glued to its quoted value, e.g. `ToolCalls"tool_calls"`. */
const variantLine = /^[A-Z][A-Za-z ]*"([^"]+)"$/

interface Field {
  readonly name: string
  readonly literal: string | undefined
  readonly minimum: number | undefined
  readonly maximum: number | undefined
}

interface Section {
  readonly fields: Array<Field>
  readonly literals: Set<string>
}

/** The fields and literals of the page's request and response bodies (the headers and path come before them). */
const parsePage = (text: string) => {
  const sections = {
    request: { fields: [], literals: new Set() } as Section,
    response: { fields: [], literals: new Set() } as Section
  }
  let section: Section | undefined
  for (const line of text.split("\n").map((line) => line.trim())) {
    // The two bodies' own lines open their sections; the stored completion's test checks their names.
    if (line === "requestobject*required" || line === "responseobject*required") {
      section = line.startsWith("request") ? sections.request : sections.response
      continue
    }
    if (section === undefined) continue
    const field = fieldLine.exec(line)
    if (field !== null) {
      const [, name, , literal, minimum, maximum] = field
      section.fields.push({
        name,
        literal,
        minimum: minimum === undefined ? undefined : Number(minimum),
        maximum: maximum === undefined ? undefined : Number(maximum)
      })
      if (literal !== undefined) section.literals.add(literal)
      continue
    }
    const variant = variantLine.exec(line)
    if (variant !== null) section.literals.add(variant[1])
  }
  return sections
}

/** Every property name and literal value reachable in a schema's AST. */
const vocabulary = (schema: Schema.Schema.Any) => {
  const names = new Set<string>()
  const literals = new Set<string>()
  const seen = new Set<AST.AST>()
  const walk = (ast: AST.AST): void => {
    if (seen.has(ast)) return
    seen.add(ast)
    switch (ast._tag) {
      case "TypeLiteral":
        for (const property of ast.propertySignatures) {
          names.add(String(property.name))
          walk(property.type)
        }
        for (const index of ast.indexSignatures) walk(index.type)
        return
      case "Union":
        return ast.types.forEach(walk)
      case "TupleType":
        ast.elements.forEach((element) => walk(element.type))
        return ast.rest.forEach((rest) => walk(rest.type))
      case "Refinement":
        return walk(ast.from)
      case "Transformation":
        walk(ast.from)
        return walk(ast.to)
      case "Suspend":
        return walk(ast.f())
      case "Declaration":
        ast.typeParameters.forEach(walk)
        return Option.getOrUndefined(Option.map(AST.getSurrogateAnnotation(ast), walk))
      case "Literal":
        if (typeof ast.literal === "string") literals.add(ast.literal)
        return
    }
  }
  walk(schema.ast)
  return { names, literals }
}

/** Every `properties` entry of a JSON Schema document, by name. */
const jsonSchemaProperties = (node: unknown, out = new Map<string, Array<Record<string, unknown>>>()) => {
  if (typeof node !== "object" || node === null) return out
  const properties = (node as { properties?: unknown }).properties
  if (typeof properties === "object" && properties !== null) {
    for (const [name, property] of Object.entries(properties)) {
      out.set(name, [...(out.get(name) ?? []), property as Record<string, unknown>])
    }
  }
  Object.values(node).forEach((child) => jsonSchemaProperties(child, out))
  return out
}

describe("the API page", () => {
  const page = parsePage(seedPage())

  it("is parsed: both bodies, with the fields and values it is known to list", () => {
    expect(page.request.fields.length).toBeGreaterThan(100)
    expect(page.response.fields.length).toBeGreaterThan(50)
    const requestNames = page.request.fields.map((field) => field.name)
    expect(requestNames).toEqual(expect.arrayContaining(["messages", "top_k", "web_search_options", "models"]))
    expect(page.response.fields.map((field) => field.name)).toEqual(
      expect.arrayContaining(["choices", "top_logprobs", "upstream_upstream_inference_cost", "provider"])
    )
    expect([...page.request.literals]).toEqual(
      expect.arrayContaining(["developer", "audio_url", "json_schema", "deny"])
    )
    expect([...page.response.literals]).toEqual(
      expect.arrayContaining(["assistant", "content_filter", "chat.completion"])
    )
  })

  it("names no request field the create body lacks", () => {
    const { names } = vocabulary(ChatCompletionCreateParams.ChatCompletionCreateParams)
    expect(page.request.fields.map((field) => field.name).filter((name) => !names.has(name))).toStrictEqual([])
  })

  it("names no response field the completion lacks", () => {
    const { names } = vocabulary(ChatCompletion.ChatCompletion)
    expect(page.response.fields.map((field) => field.name).filter((name) => !names.has(name))).toStrictEqual([])
  })

  it("names no field the stored completion (request and response) lacks", () => {
    const { names } = vocabulary(StoredChatCompletion.StoredChatCompletion)
    const all = [...page.request.fields, ...page.response.fields, { name: "request" }, { name: "response" }]
    expect(all.map((field) => field.name).filter((name) => !names.has(name))).toStrictEqual([])
  })

  it("lists no role, type or enum value the schemas lack", () => {
    const request = vocabulary(ChatCompletionCreateParams.ChatCompletionCreateParams).literals
    const response = vocabulary(ChatCompletion.ChatCompletion).literals
    expect([...page.request.literals].filter((literal) => !request.has(literal))).toStrictEqual([])
    expect([...page.response.literals].filter((literal) => !response.has(literal))).toStrictEqual([])
  })

  it("gives no bound the request's JSON Schema lacks", () => {
    const properties = jsonSchemaProperties(ChatCompletionCreateParams.jsonSchema())
    const bounded = page.request.fields.filter((field) => field.minimum !== undefined || field.maximum !== undefined)
    expect(bounded.map((field) => field.name).sort()).toStrictEqual([
      "frequency_penalty",
      "max_completion_tokens",
      "max_tokens",
      "max_tokens",
      "min_p",
      "n",
      "presence_penalty",
      "repetition_penalty",
      "temperature",
      "top_a",
      "top_k",
      "top_logprobs",
      "top_p"
    ])
    for (const field of bounded) {
      const schemas = properties.get(field.name) ?? []
      expect(schemas.length, field.name).toBeGreaterThan(0)
      for (const property of schemas) {
        // An optional field is its bounded type or null: the bounds sit on the member that is not null.
        const members = (property.anyOf ?? [property]) as ReadonlyArray<Record<string, unknown>>
        const schema = members.find((member) => member.type !== "null")
        expect(schema, field.name).toMatchObject({
          ...(field.minimum === undefined ? {} : { minimum: field.minimum }),
          ...(field.maximum === undefined ? {} : { maximum: field.maximum })
        })
      }
    }
  })
})
