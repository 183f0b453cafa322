import SwaggerParser from "@apidevtools/swagger-parser"
import * as OpenApi from "@effect/platform/OpenApi"
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as fs from "node:fs"
import { documentPath, render } from "../scripts/openapi.js"
import { ObjectiveAiApi } from "../src/index.js"

const document = OpenApi.fromApi(ObjectiveAiApi.ObjectiveAiApi)

describe("ObjectiveAiApi", () => {
  it("is published as openapi.json exactly as the build renders it (run `pnpm build` when this fails)", () => {
    expect(fs.readFileSync(documentPath, "utf8")).toBe(render())
  })

  it.effect("gives an OpenAPI 3.1 document that a real validator accepts, every $ref resolved", () =>
    Effect.gen(function*() {
      // The validator dereferences in place, so it gets a copy of the document.
      const validated = yield* Effect.promise(() => SwaggerParser.validate(structuredClone(document) as never))
      expect((validated as { openapi?: string }).openapi).toBe("3.1.0")
      expect(Object.keys(validated.paths ?? {}).sort()).toEqual(["/chat/completions", "/chat/completions/{id}"])
    }))

  it.effect("fails the validator when the document is broken, so that the check above can fail", () =>
    Effect.gen(function*() {
      const broken = structuredClone(document) as unknown as {
        paths: Record<string, Record<string, { responses: Record<string, unknown> }>>
      }
      broken.paths["/chat/completions"]!.get!.responses["200"] = {
        description: "dangling",
        content: { "application/json": { schema: { $ref: "#/components/schemas/Missing" } } }
      }
      const outcome = yield* Effect.either(Effect.tryPromise(() => SwaggerParser.validate(broken as never)))
      expect(outcome._tag).toBe("Left")
    }))

  it("declares the three operations with bearer security, the page's descriptions and the error bodies", () => {
    const { paths } = document
    const create = paths["/chat/completions"]!.post!
    const list = paths["/chat/completions"]!.get!
    const retrieve = paths["/chat/completions/{id}"]!.get!
    // Names a generator turns into good method names: no dots.
    expect([create.operationId, retrieve.operationId, list.operationId]).toEqual([
      "createChatCompletion",
      "retrieveChatCompletion",
      "listChatCompletions"
    ])
    expect(document.components.securitySchemes).toEqual({
      bearer: { type: "http", scheme: "bearer", description: "The authorization token (required)." }
    })
    for (const operation of [create, retrieve, list]) expect(operation.security).toEqual([{ bearer: [] }])
    expect(retrieve.summary).toBe("Retrieve a chat completion")
    expect(retrieve.parameters).toContainEqual(expect.objectContaining({
      name: "id",
      in: "path",
      required: true,
      description: "The unique identifier of the completion to retrieve"
    }))
    expect(list.parameters.map(({ name }) => name)).toEqual(["count", "offset"])
    expect(Object.keys(create.responses["200"]!.content!)).toEqual(["application/json", "text/event-stream"])
    // 400, 408 and 431 on every operation: what the HTTP layer refuses before a request reaches an endpoint.
    expect(Object.keys(create.responses).sort()).toEqual([
      "200",
      "400",
      "401",
      "408",
      "413",
      "429",
      "431",
      "500",
      "502",
      "503"
    ])
    expect(Object.keys(retrieve.responses).sort()).toEqual([
      "200",
      "400",
      "401",
      "404",
      "408",
      "429",
      "431",
      "500",
      "502",
      "503"
    ])
    expect(Object.keys(list.responses).sort()).toEqual(["200", "400", "401", "408", "429", "431", "500", "502", "503"])
    // Only ObjectiveAI's { code, message } bodies, never HttpApi's own decode error.
    expect(JSON.stringify(document)).not.toContain("HttpApiDecodeError")
    expect(document.components.schemas["Unauthorized"]).toMatchObject({
      type: "object",
      required: ["code", "message"],
      properties: { code: { type: "integer", enum: [401] } }
    })
  })
})

/** Every schema object of the document, with where it is. */
const schemaObjects = (node: unknown, at: string, out: Array<[string, Record<string, unknown>]> = []) => {
  if (Array.isArray(node)) node.forEach((each, i) => schemaObjects(each, `${at}/${i}`, out))
  else if (typeof node === "object" && node !== null) {
    const record = node as Record<string, unknown>
    if (typeof record.type === "string" || "$ref" in record || "anyOf" in record) out.push([at, record])
    for (const [key, value] of Object.entries(record)) {
      if (key !== "example" && key !== "enum" && key !== "const") schemaObjects(value, `${at}/${key}`, out)
    }
  }
  return out
}

describe("the document says what the code does", () => {
  const schemas = schemaObjects(document.components.schemas, "#/components/schemas")
  const component = (name: string) =>
    document.components.schemas[name] as { readonly properties: Record<string, unknown> }

  it("leaves every object open to unknown keys, as answers keep them and a create body sends them through", () => {
    expect(schemas.length).toBeGreaterThan(300)
    expect(schemas.filter(([, schema]) => schema.additionalProperties === false).map(([at]) => at)).toEqual([])
  })

  it("gives no refinement names as titles", () => {
    expect(schemas.filter(([, schema]) => "title" in schema).map(([at, schema]) => `${at}: ${schema.title}`))
      .toEqual([])
  })

  it("types counts, indexes, times and statuses as integers of at least 0", () => {
    const integer = { type: "integer", minimum: 0 }
    const nullable = { anyOf: [integer, { type: "null" }] }
    expect(component("ChatCompletion").properties.created).toMatchObject(integer)
    expect(component("ChatCompletionChunk").properties.created).toMatchObject(integer)
    expect(component("Choice").properties.index).toMatchObject(integer)
    expect(component("ChunkChoice").properties.index).toMatchObject(integer)
    expect(component("ToolCallDelta").properties.index).toMatchObject(integer)
    expect(component("CompletionUsage").properties.prompt_tokens).toMatchObject(integer)
    expect(component("CompletionTokensDetails").properties.reasoning_tokens).toMatchObject(nullable)
    expect(component("ObjectiveAiErrorBody").properties.code).toMatchObject(integer)
    // Costs stay numbers.
    expect(component("CompletionUsage").properties.cost).toMatchObject({
      anyOf: [{ type: "number" }, { type: "null" }]
    })
    expect(component("ChatCompletionListItem").properties.created).toMatchObject({
      type: "string",
      format: "date-time"
    })
  })

  it("types the list's count and offset as integers with their bounds and defaults", () => {
    const list = document.paths["/chat/completions"]!.get!
    expect(list.parameters.map(({ name, schema }) => ({ name, schema }))).toEqual([
      { name: "count", schema: expect.objectContaining({ type: "integer", minimum: 1, maximum: 1000, default: 100 }) },
      { name: "offset", schema: expect.objectContaining({ type: "integer", minimum: 0, default: 0 }) }
    ])
  })

  it("states the create body's rules: at least one message and a non-empty model", () => {
    expect(component("ChatCompletionCreateParams").properties.messages).toMatchObject({ type: "array", minItems: 1 })
    expect(component("ChatCompletionCreateParams").properties.model).toMatchObject({ type: "string", minLength: 1 })
  })

  it("describes each event of the stream as a chunk, an error body or [DONE], with an example request", () => {
    const create = document.paths["/chat/completions"]!.post!
    const stream = (create.responses["200"]!.content as Record<string, { schema: Record<string, unknown> }>)[
      "text/event-stream"
    ]!
    expect(stream.schema.anyOf).toEqual([
      { $ref: "#/components/schemas/ChatCompletionChunk" },
      { $ref: "#/components/schemas/ObjectiveAiErrorBody" },
      expect.objectContaining({ type: "string", const: "[DONE]" })
    ])
    expect(component("ChatCompletionChunk")).toMatchObject({
      type: "object",
      properties: { object: { enum: ["chat.completion.chunk"] } }
    })
    const body = (create.requestBody as { content: Record<string, { example?: unknown }> }).content["application/json"]!
    expect(body.example).toEqual({
      model: "openai/gpt-4o-mini",
      messages: [{ role: "user", content: expect.any(String) }]
    })
  })
})
