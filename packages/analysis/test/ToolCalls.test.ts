import { addEqualityTesters, describe, expect, it } from "@effect/vitest"
import { AnalysisError, ToolCalls } from "@objectiveai-effect/analysis"
import { ChatCompletionChunk, ChatCompletionTool } from "@objectiveai-effect/domain"
import * as Effect from "effect/Effect"
import * as FastCheck from "effect/FastCheck"
import { pipe } from "effect/Function"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import { callingChoice, completion, stored, toolCall } from "./fixtures.js"

addEqualityTesters()

const Weather = Schema.Struct({ city: Schema.String, unit: Schema.optional(Schema.Literal("C", "F")) })
const Notes = Schema.Record({ key: Schema.String, value: Schema.Unknown })

const toolkit = ToolCalls.toolkit({
  get_weather: { description: "Current weather for a city", parameters: Weather, strict: true },
  list_files: Schema.Struct({}),
  save_notes: Notes
})

const calling = (calls: ReadonlyArray<ReturnType<typeof toolCall>>, fields: Record<string, unknown> = {}) =>
  completion({ choices: [callingChoice(calls, fields)] })

const only = (calls: ReadonlyArray<ReturnType<typeof toolCall>>, fields: Record<string, unknown> = {}) => {
  const results = ToolCalls.extract(calling(calls, fields), toolkit)
  expect(results).toHaveLength(calls.length)
  return results
}

const where = { completionId: "chtcpl-1", choiceIndex: 0 }

describe("toolkit", () => {
  it("gives the request's tools, parameters as JSON Schema from the same Schemas", () => {
    expect(toolkit.tools).toStrictEqual([
      {
        type: "function",
        function: {
          name: "get_weather",
          description: "Current weather for a city",
          parameters: ChatCompletionTool.parametersJsonSchema(Weather),
          strict: true
        }
      },
      {
        type: "function",
        function: { name: "list_files", parameters: ChatCompletionTool.parametersJsonSchema(Schema.Struct({})) }
      },
      { type: "function", function: { name: "save_notes", parameters: ChatCompletionTool.parametersJsonSchema(Notes) } }
    ])
    expect(toolkit.parameters.get_weather).toBe(Weather)
  })

  it("builds tools that a strict create request accepts", () => {
    const request = Schema.decodeUnknownSync(Schema.Array(ChatCompletionTool.Tool))(toolkit.tools)
    expect(request.map((tool) => tool.function.name)).toStrictEqual(["get_weather", "list_files", "save_notes"])
  })
})

describe("extraction", () => {
  it("decodes every call of every choice with the tool's Schema, typed by tool name", () => {
    const results = ToolCalls.extract(
      completion({
        choices: [
          callingChoice([toolCall("get_weather", "{\"city\":\"Paris\",\"unit\":\"C\"}"), toolCall("list_files", "{}")]),
          callingChoice([toolCall("get_weather", "{\"city\":\"Rome\"}", "call_2")], { index: 1 })
        ]
      }),
      toolkit
    )
    expect(results).toStrictEqual([
      {
        _tag: "Decoded",
        tool: "get_weather",
        arguments: { city: "Paris", unit: "C" },
        id: "call_get_weather",
        ...where,
        callIndex: 0
      },
      { _tag: "Decoded", tool: "list_files", arguments: {}, id: "call_list_files", ...where, callIndex: 1 },
      {
        _tag: "Decoded",
        tool: "get_weather",
        arguments: { city: "Rome" },
        id: "call_2",
        ...where,
        choiceIndex: 1,
        callIndex: 0
      }
    ])
    const first = results[0]
    if (first._tag === "Decoded" && first.tool === "get_weather") expect(first.arguments.city).toBe("Paris")
  })

  it("reads empty arguments as {}", () => {
    for (const text of ["", "  \n"]) {
      const [result] = only([toolCall("list_files", text)])
      expect(result).toMatchObject({ _tag: "Decoded", tool: "list_files", arguments: {} })
    }
  })

  it("reports two JSON objects run together, with each one's text", () => {
    const [result] = only([toolCall("get_weather", "{\"city\":\"Paris\"} {\"city\":\"}{\"}")])
    expect(result).toStrictEqual(
      new AnalysisError.ConcatenatedJson({
        tool: "get_weather",
        arguments: "{\"city\":\"Paris\"} {\"city\":\"}{\"}",
        id: "call_get_weather",
        ...where,
        callIndex: 0,
        parts: ["{\"city\":\"Paris\"}", "{\"city\":\"}{\"}"]
      })
    )
  })

  it("reports invalid JSON with its raw text and the parser's reason", () => {
    for (const text of ["{city: Paris}", "{\"city\":\"Paris\"} trailing", "{\"a\":1}{\"b\":", "null null"]) {
      const [result] = only([toolCall("get_weather", text)])
      expect(result._tag).toBe("InvalidJson")
      if (result._tag !== "InvalidJson") continue
      expect(result.arguments).toBe(text)
      expect(result.reason).not.toBe("")
      expect(result.message).toContain(result.reason)
    }
  })

  it("reports arguments that do not match the schema, with every issue", () => {
    const [result] = only([toolCall("get_weather", "{\"city\":42,\"unit\":\"K\"}")])
    expect(result._tag).toBe("SchemaMismatch")
    if (result._tag !== "SchemaMismatch") return
    // Every issue is reported, not only the first; a literal union gives one per literal.
    expect(new Set(result.issues.map((issue) => issue.path.join(".")))).toStrictEqual(new Set(["city", "unit"]))
    expect(result.message).toContain("city: Expected string, actual 42")
    const [array] = only([toolCall("get_weather", "[1]")])
    expect(array._tag).toBe("SchemaMismatch")
  })

  it("reports a tool the toolkit does not have, inherited names included", () => {
    const names = ["delete_everything", "__proto__", "constructor", "toString", "hasOwnProperty"]
    const results = only(names.map((name) => toolCall(name, "{}")))
    expect(results.map((result) => [result._tag, result.tool])).toStrictEqual(
      names.map((name) => ["UnknownTool", name])
    )
  })

  it("reports the last call of a choice cut off by the token limit as truncated", () => {
    const results = only(
      [toolCall("get_weather", "{\"city\":\"Paris\"}"), toolCall("get_weather", "{\"city\":\"Ro", "call_2")],
      { finish_reason: "length" }
    )
    expect(results.map((result) => result._tag)).toStrictEqual(["Decoded", "Truncated"])
    expect(results[1]).toStrictEqual(
      new AnalysisError.Truncated({
        tool: "get_weather",
        arguments: "{\"city\":\"Ro",
        id: "call_2",
        ...where,
        callIndex: 1
      })
    )
    expect(only([toolCall("list_files", "")], { finish_reason: "length" })[0]._tag).toBe("Truncated")
    // An earlier call was complete before the next began, and without the limit invalid is just invalid.
    expect(
      only([toolCall("get_weather", "{\"city\""), toolCall("list_files", "{}")], { finish_reason: "length" }).map((r) =>
        r._tag
      )
    ).toStrictEqual(["InvalidJson", "Decoded"])
    expect(only([toolCall("get_weather", "{\"city\":\"Ro")])[0]._tag).toBe("InvalidJson")
  })

  it("never lets __proto__ or constructor keys pollute anything", () => {
    const hostile =
      "{\"city\":\"x\",\"__proto__\":{\"polluted\":true},\"constructor\":{\"prototype\":{\"polluted\":true}}}"
    const [weather, notes] = only([toolCall("get_weather", hostile), toolCall("save_notes", hostile)])
    expect(weather).toMatchObject({ _tag: "Decoded", arguments: { city: "x" } })
    expect(notes._tag).toBe("Decoded")
    if (notes._tag !== "Decoded") return
    const decoded = notes.arguments as Record<string, unknown>
    expect(Object.getPrototypeOf(decoded)).toBe(Object.prototype)
    expect(decoded.polluted).toBeUndefined()
    expect(Object.keys(decoded)).toStrictEqual(["city", "constructor"])
    expect(decoded.constructor).toStrictEqual({ prototype: { polluted: true } })
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
    expect((Object.prototype as Record<string, unknown>).polluted).toBeUndefined()
  })

  it("survives deeply nested arguments", () => {
    const [nested, unterminated] = only([
      toolCall("save_notes", "[".repeat(200_000) + "]".repeat(200_000)),
      toolCall("save_notes", "[".repeat(200_000))
    ])
    expect(["InvalidJson", "SchemaMismatch"]).toContain(nested._tag)
    expect(unterminated._tag).toBe("InvalidJson")
  })

  it("only knows, for a stored completion, the tools its request declared", () => {
    const response = calling([toolCall("get_weather", "{\"city\":\"Oslo\"}"), toolCall("list_files", "{}")])
    expect(ToolCalls.extract(stored(response, ["get_weather"]), toolkit).map((r) => r._tag)).toStrictEqual([
      "Decoded",
      "UnknownTool"
    ])
    expect(ToolCalls.extract(stored(response, undefined), toolkit).map((r) => r._tag)).toStrictEqual([
      "UnknownTool",
      "UnknownTool"
    ])
  })

  it("extracts from a completion merged from a stream of chunks", () => {
    const chunk = (delta: Record<string, unknown>, finish_reason: string | null = null) =>
      Schema.decodeUnknownSync(ChatCompletionChunk.ChatCompletionChunk)({
        id: "chtcpl-1",
        object: "chat.completion.chunk",
        created: 1,
        model: "m",
        choices: [{ index: 0, delta, finish_reason }]
      })
    const merged = ChatCompletionChunk.merge([
      chunk({
        role: "assistant",
        tool_calls: [{ index: 0, id: "call_1", type: "function", function: { name: "get_weather", arguments: "" } }]
      }),
      chunk({ tool_calls: [{ index: 0, id: null, function: { name: null, arguments: "{\"ci" } }] }),
      chunk({ tool_calls: [{ index: 0, function: { arguments: "ty\":\"Lima\"}" } }] }, "tool_calls")
    ])
    expect(Option.map(merged, (c) => ToolCalls.extract(c, toolkit))).toStrictEqual(
      Option.some([{
        _tag: "Decoded",
        tool: "get_weather",
        arguments: { city: "Lima" },
        id: "call_1",
        ...where,
        callIndex: 0
      }])
    )
  })

  it("extracts data-first and data-last alike", () => {
    const source = calling([toolCall("get_weather", "{\"city\":\"Paris\"}")])
    expect(pipe(source, ToolCalls.extract(toolkit))).toStrictEqual(ToolCalls.extract(source, toolkit))
  })

  it.prop(
    "never throws, and gives one result per call, on any arguments",
    {
      text: FastCheck.oneof(
        FastCheck.string(),
        FastCheck.json(),
        FastCheck.json().map((json) => json + json),
        FastCheck.tuple(FastCheck.json(), FastCheck.nat()).map(([json, cut]) => json.slice(0, cut % (json.length + 1))),
        FastCheck.string({ unit: "grapheme" })
      ),
      tool: FastCheck.constantFrom("get_weather", "list_files", "save_notes", "other", "__proto__"),
      finish: FastCheck.constantFrom("stop", "length", "tool_calls")
    },
    ({ finish, text, tool }) => {
      const results = only([toolCall(tool, text), toolCall("list_files", text)], { finish_reason: finish })
      for (const result of results) {
        expect(["Decoded", "UnknownTool", "InvalidJson", "ConcatenatedJson", "SchemaMismatch", "Truncated"]).toContain(
          result._tag
        )
      }
    }
  )
})

describe("as an Effect", () => {
  it.effect("gives every decoded call, or fails with the first bad one", () =>
    Effect.gen(function*() {
      const good = calling([toolCall("get_weather", "{\"city\":\"Paris\"}"), toolCall("list_files", "")])
      const decoded = yield* ToolCalls.extractOrFail(good, toolkit)
      expect(decoded.map((call) => call.tool)).toStrictEqual(["get_weather", "list_files"])
      const bad = calling([toolCall("list_files", "{}"), toolCall("nope", "{}"), toolCall("get_weather", "{")])
      const error = yield* Effect.flip(pipe(bad, ToolCalls.extractOrFail(toolkit)))
      expect(error._tag).toBe("UnknownTool")
      const recovered = yield* ToolCalls.extractOrFail(bad, toolkit).pipe(
        Effect.catchTags({ UnknownTool: (e) => Effect.succeed(e.tool) })
      )
      expect(recovered).toBe("nope")
    }))
})

describe("as a Sink", () => {
  it.effect("collects the results of every completion of a stream, in order", () =>
    Effect.gen(function*() {
      const first = calling([toolCall("get_weather", "{\"city\":\"Paris\"}")])
      const second = completion({ id: "chtcpl-2", choices: [callingChoice([toolCall("list_files", "oops")])] })
      const plain = completion({ id: "chtcpl-3" })
      const results = yield* Stream.make(first, plain, second).pipe(
        Stream.rechunk(1),
        Stream.run(ToolCalls.sink(toolkit))
      )
      expect(results.map((result) => [result._tag, result.completionId])).toStrictEqual([
        ["Decoded", "chtcpl-1"],
        ["InvalidJson", "chtcpl-2"]
      ])
    }))
})
