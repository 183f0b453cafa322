import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import * as AST from "effect/SchemaAST"
import { ChatCompletionCreateParams, StoredChatCompletion } from "../src/index.js"
import { decoded } from "./support/failure.js"
import { everything } from "./support/requests.js"

type Path = ReadonlyArray<string | number>

/** `Struct.field` for an optional field of a named struct; every struct of the body must carry an identifier. */
const fieldKey = (owner: AST.TypeLiteral, name: string) =>
  `${Option.getOrElse(AST.getIdentifierAnnotation(owner), () => `<unnamed ${String(owner)}>`)}.${name}`

/** Every optional field the schema declares anywhere, read from its AST so that a field added later is included. */
const optionalFields = (ast: AST.AST): Set<string> => {
  const out = new Set<string>()
  const seen = new Set<AST.AST>()
  const go = (ast: AST.AST): void => {
    if (seen.has(ast)) return
    seen.add(ast)
    switch (ast._tag) {
      case "Refinement":
        return go(ast.from)
      case "Suspend":
        return go(ast.f())
      case "Union":
        return ast.types.forEach(go)
      case "TupleType":
        ast.elements.forEach((element) => go(element.type))
        return ast.rest.forEach((rest) => go(rest.type))
      case "TypeLiteral":
        for (const property of ast.propertySignatures) {
          if (property.isOptional) out.add(fieldKey(ast, String(property.name)))
          go(property.type)
        }
        return ast.indexSignatures.forEach((index) => go(index.type))
      case "Transformation":
        throw new Error(`a request schema holds a transformation: ${String(ast)}`)
    }
  }
  go(ast)
  return out
}

/** Where in `value` (a valid body) each optional field of the schema is set, following the union member it took. */
const occurrences = (ast: AST.AST, value: unknown): Array<{ readonly field: string; readonly path: Path }> => {
  const out: Array<{ readonly field: string; readonly path: Path }> = []
  const go = (ast: AST.AST, value: unknown, path: Path): void => {
    switch (ast._tag) {
      case "Refinement":
        return go(ast.from, value, path)
      case "Suspend":
        return go(ast.f(), value, path)
      case "Union": {
        const member = ast.types.find((member) => Schema.is(Schema.make(member))(value))
        if (member === undefined) throw new Error(`no member of ${String(ast)} takes ${JSON.stringify(path)}`)
        return go(member, value, path)
      }
      case "TupleType":
        if (Array.isArray(value)) value.forEach((item, i) => go(ast.rest[0].type, item, [...path, i]))
        return
      case "TypeLiteral": {
        const record = value as Record<string, unknown>
        for (const property of ast.propertySignatures) {
          const name = String(property.name)
          if (!Object.hasOwn(record, name)) continue
          if (property.isOptional) out.push({ field: fieldKey(ast, name), path: [...path, name] })
          go(property.type, record[name], [...path, name])
        }
        return
      }
    }
  }
  go(ast, value, [])
  return out
}

const withNullAt = (body: unknown, path: Path): unknown => {
  const copy = structuredClone(body)
  const parent = path.slice(0, -1).reduce(
    (node: unknown, key) => (node as Record<string | number, unknown>)[key],
    copy
  ) as Record<string | number, unknown>
  parent[path[path.length - 1]] = null
  return copy
}

const schemas = [
  { name: "ChatCompletionCreateParams", schema: ChatCompletionCreateParams.ChatCompletionCreateParams },
  {
    name: "ChatCompletionCreateParamsAsReceived",
    schema: ChatCompletionCreateParams.ChatCompletionCreateParamsAsReceived
  },
  { name: "StoredChatCompletionRequest", schema: StoredChatCompletion.StoredChatCompletionRequest }
] as const

describe.each(schemas)("$name: null means absent in every optional field", ({ schema }) => {
  const Params = schema as unknown as Schema.Schema<unknown, unknown>
  const found = occurrences(Params.ast, everything)

  it("the body with every field sets every optional field the schema declares", () => {
    const declared = optionalFields(Params.ast)
    expect([...declared].filter((field) => field.startsWith("<unnamed"))).toStrictEqual([])
    // A field added to the schema and not to the body would go untested: the body must cover it.
    expect(new Set(found.map(({ field }) => field))).toStrictEqual(declared)
    expect(declared.size).toBeGreaterThan(60)
  })

  it.each(found.map(({ field, path }) => ({ field, path, at: JSON.stringify(path) })))(
    "$field = null at $at passes, is kept as null and written back as sent",
    ({ path }) => {
      // `tool_choice` names a function of `tools`: a body without tools chooses none.
      const body = withNullAt(path[0] === "tools" ? withNullAt(everything, ["tool_choice"]) : everything, path)
      const value = decoded(Params, body)
      expect(value).toStrictEqual(body)
      expect(Schema.encodeSync(Params)(value)).toStrictEqual(body)
    }
  )
})

describe("ChatCompletionCreateParams.validate with null in optional fields", () => {
  it.effect("passes a body that sets every optional top-level field to null, and hands it back as sent", () =>
    Effect.gen(function*() {
      const body: Record<string, unknown> = { model: "m", messages: [{ role: "user", content: "Hi" }] }
      const ast = ChatCompletionCreateParams.ChatCompletionCreateParams.ast
      let root = ast
      while (AST.isRefinement(root)) root = root.from
      if (!AST.isTypeLiteral(root)) return expect.fail("the create body is a struct")
      for (const property of root.propertySignatures) if (property.isOptional) body[String(property.name)] = null
      expect(Object.keys(body)).toHaveLength(root.propertySignatures.length)
      expect(yield* ChatCompletionCreateParams.validate(body)).toStrictEqual(body)
    }))

  it("still refuses null where the page requires a value", () => {
    for (
      const body of [
        { model: null, messages: [] },
        { model: "m", messages: null },
        { model: "m", messages: [{ role: "user", content: null }] },
        { model: "m", messages: [{ role: "tool", content: "42", tool_call_id: null }] }
      ]
    ) {
      const result = Effect.runSync(Effect.either(ChatCompletionCreateParams.validate(body)))
      expect(result._tag, JSON.stringify(body)).toBe("Left")
      if (result._tag === "Left") expect(ParseResult.isParseError(result.left)).toBe(true)
    }
  })
})
