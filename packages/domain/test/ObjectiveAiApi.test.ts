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
    expect([create.operationId, retrieve.operationId, list.operationId]).toEqual([
      "chatCompletions.create",
      "chatCompletions.retrieve",
      "chatCompletions.list"
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
    expect(Object.keys(create.responses).sort()).toEqual(["200", "400", "401", "413", "429", "500", "502", "503"])
    expect(Object.keys(retrieve.responses).sort()).toEqual(["200", "401", "404", "429", "500", "502", "503"])
    expect(Object.keys(list.responses).sort()).toEqual(["200", "400", "401", "429", "500", "502", "503"])
    // Only ObjectiveAI's { code, message } bodies, never HttpApi's own decode error.
    expect(JSON.stringify(document)).not.toContain("HttpApiDecodeError")
    expect(document.components.schemas["Unauthorized"]).toMatchObject({
      type: "object",
      required: ["code", "message"],
      properties: { code: { enum: [401] } }
    })
  })
})
