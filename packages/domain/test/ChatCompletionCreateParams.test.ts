import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import type { ChatCompletionMessage } from "../src/index.js"
import {
  ChatCompletionCreateParams,
  ChatCompletionTool,
  Json,
  ParseMessages,
  StoredChatCompletion
} from "../src/index.js"
import { decoded, failure } from "./support/failure.js"
import { everything } from "./support/requests.js"

const Params = ChatCompletionCreateParams.ChatCompletionCreateParams

const base = { model: "openai/gpt-4o-mini", messages: [{ role: "user", content: "Hello" }] }

/** The tree text shows each step of the path on its own line, as `["key"]` or `[index]`. */
const pathLines = (path: ReadonlyArray<PropertyKey>) =>
  path.map((key) => typeof key === "number" ? `[${key}]` : `[${JSON.stringify(key)}]`)

/**
 * A documented rule: the body fragment that breaks it, where the error must point, and the rule it must state; and
 * fragments on the edge of the rule that must pass.
 */
interface Rule {
  readonly name: string
  readonly bad: ReadonlyArray<Record<string, unknown>>
  readonly good: ReadonlyArray<Record<string, unknown>>
  readonly path: ReadonlyArray<PropertyKey>
  readonly message: (bad: Record<string, unknown>) => string
}

const bounded = (field: string, minimum: number, maximum: number, step = 0.01): Rule => ({
  name: `${field} is between ${minimum} and ${maximum}`,
  bad: [{ [field]: minimum - step }, { [field]: maximum + step }, ...(step < 1 ? [{ [field]: Number.NaN }] : [])],
  good: [{ [field]: minimum }, { [field]: maximum }, { [field]: Math.round((minimum + maximum) / 2) }],
  path: [field],
  message: (bad) => `Expected a number between ${minimum} and ${maximum}, actual ${String(bad[field])}`
})

const atLeastOne = (field: string): Rule => ({
  name: `${field} is at least 1`,
  bad: [{ [field]: 0 }, { [field]: -5 }],
  good: [{ [field]: 1 }, { [field]: 128_000 }],
  path: [field],
  message: (bad) => `Expected a number greater than or equal to 1, actual ${String(bad[field])}`
})

const integral = (field: string, value: number): Rule => ({
  name: `${field} is an integer`,
  bad: [{ [field]: value + 0.5 }],
  good: [{ [field]: value }],
  path: [field],
  message: (bad) => `Expected an integer, actual ${String(bad[field])}`
})

const rules: ReadonlyArray<Rule> = [
  bounded("temperature", 0, 2),
  bounded("top_p", 0, 1),
  bounded("frequency_penalty", -2, 2),
  bounded("presence_penalty", -2, 2),
  bounded("repetition_penalty", 0, 2),
  bounded("min_p", 0, 1),
  bounded("top_a", 0, 1),
  bounded("top_logprobs", 0, 20, 1),
  integral("top_logprobs", 3),
  atLeastOne("n"),
  integral("n", 2),
  atLeastOne("max_tokens"),
  integral("max_tokens", 10),
  atLeastOne("max_completion_tokens"),
  integral("max_completion_tokens", 10),
  atLeastOne("top_k"),
  integral("top_k", 40),
  {
    name: "reasoning.max_tokens is at least 1",
    bad: [{ reasoning: { max_tokens: 0 } }],
    good: [{ reasoning: { max_tokens: 1 } }],
    path: ["reasoning", "max_tokens"],
    message: () => "Expected a number greater than or equal to 1, actual 0"
  },
  {
    name: "logit_bias values are between -100 and 100",
    bad: [{ logit_bias: { "50256": 101 } }, { logit_bias: { "50256": -100.5 } }],
    good: [{ logit_bias: { "50256": 100, "1": -100, "2": 0 } }, { logit_bias: {} }],
    path: ["logit_bias", "50256"],
    message: (bad) =>
      `Expected a number between -100 and 100, actual ${(bad.logit_bias as Record<string, number>)["50256"]}`
  },
  {
    // Effect rebuilds a record key by key, and a "__proto__" key would set the prototype rather than an entry.
    name: "a \"__proto__\" key in a record is refused rather than lost",
    bad: [{ logit_bias: JSON.parse(`{"__proto__": 5}`) }],
    good: [{ logit_bias: { "5": 5 } }],
    path: ["logit_bias", "__proto__"],
    message: () => "is unexpected, expected: RecordKey"
  },
  {
    name: "temperature is a number",
    bad: [{ temperature: "0.5" }],
    good: [{ temperature: 0.5 }],
    path: ["temperature"],
    message: () => "Expected number, actual \"0.5\""
  },
  {
    name: "a likely typo of a documented key is refused, naming the key it resembles",
    bad: [{ temprature: 1 }],
    good: [{ temperature: 1 }, { user: "user-1", metadata: { run: "a" }, store: false }],
    path: ["temprature"],
    message: () => "\"temprature\" is not a documented key and looks like a typo of \"temperature\""
  },
  {
    name: "a likely typo is refused inside nested objects too, while other unknown keys pass",
    bad: [{ response_format: { type: "json_schema", json_schema: { name: "a", schema: {}, stirct: true } } }],
    good: [{ response_format: { type: "json_schema", json_schema: { name: "a", schema: {}, strict_mode: true } } }],
    path: ["response_format", "json_schema", "stirct"],
    message: () => "\"stirct\" is not a documented key and looks like a typo of \"strict\""
  },
  {
    name: "reasoning_effort is one of the listed values",
    bad: [{ reasoning_effort: "extreme" }],
    good: [{ reasoning_effort: "low" }, { reasoning_effort: "high" }],
    path: ["reasoning_effort"],
    message: () => "Expected \"high\", actual \"extreme\""
  },
  {
    name: "service_tier is one of the listed values",
    bad: [{ service_tier: "scale" }],
    good: [{ service_tier: "auto" }, { service_tier: "default" }],
    path: ["service_tier"],
    message: () => "Expected \"flex\", actual \"scale\""
  },
  {
    name: "provider.data_collection is one of the listed values",
    bad: [{ provider: { data_collection: "sometimes" } }],
    good: [{ provider: { data_collection: "allow" } }],
    path: ["provider", "data_collection"],
    message: () => "Expected \"deny\", actual \"sometimes\""
  },
  {
    name: "a message's role is one of the listed roles",
    bad: [{ messages: [{ role: "robot", content: "beep" }] }],
    good: [{ messages: [{ role: "developer", content: "beep" }] }],
    path: ["messages", 0, "role"],
    message: () =>
      "Expected \"developer\" | \"system\" | \"user\" | \"assistant\" | \"tool\" | \"chat_completion\" | \"score_completion\", actual \"robot\""
  },
  {
    name: "an image's detail is one of the listed values",
    bad: [{
      messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: "u", detail: "ultra" } }] }]
    }],
    good: [{ messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: "u", detail: "low" } }] }] }],
    path: ["messages", 0, "content", 0, "image_url", "detail"],
    message: () => "Expected \"high\", actual \"ultra\""
  },
  {
    name: "a tool message needs tool_call_id",
    bad: [{ messages: [{ role: "tool", content: "42" }] }],
    good: [{ messages: [{ role: "tool", content: "42", tool_call_id: "call_1" }] }],
    path: ["messages", 0, "tool_call_id"],
    message: () => "is missing"
  },
  {
    name: "the model is required",
    bad: [{ model: undefined }],
    good: [{ model: "x" }],
    path: ["model"],
    message: () => "is missing"
  }
]

const withFragment = (fragment: Record<string, unknown>) => {
  const body: Record<string, unknown> = { ...base, ...fragment }
  for (const [key, value] of Object.entries(fragment)) if (value === undefined) delete body[key]
  return body
}

describe("ChatCompletionCreateParams", () => {
  it("decodes the smallest body and a body with every field, unchanged", () => {
    expect(decoded(Params, base)).toStrictEqual(base)
    const params = decoded(Params, everything)
    expect(params).toStrictEqual(everything)
    expect(Schema.encodeSync(Params)(params)).toStrictEqual(everything)
  })

  it("writes the body as JSON with the seed digit for digit", () => {
    const params = decoded(Params, everything)
    const text = Json.stringify(Schema.encodeSync(Params)(params))
    expect(text).toContain("\"seed\":18446744073709551615")
    expect(decoded(Params, Json.parse(text))).toStrictEqual(everything)
  })

  describe.each(rules)("$name", (rule) => {
    it.each(rule.bad)("rejects %o, naming the field and the rule", (fragment) => {
      const { issues, tree } = failure(Params, withFragment(fragment))
      let from = 0
      for (const line of pathLines(rule.path)) {
        const at = tree.indexOf(line, from)
        expect(at, `${line} in\n${tree}`).toBeGreaterThanOrEqual(0)
        from = at + line.length
      }
      expect(tree.slice(from)).toContain(rule.message(fragment))
      expect(issues.filter((issue) => issue.message.startsWith(rule.message(fragment)))).toContainEqual(
        expect.objectContaining({ path: rule.path })
      )
    })

    it.each(rule.good)("accepts %o", (fragment) => {
      expect(decoded(Params, withFragment(fragment))).toStrictEqual(withFragment(fragment))
    })
  })

  it("validate reports every violated rule at once", () =>
    Effect.gen(function*() {
      const exit = yield* Effect.exit(
        ChatCompletionCreateParams.validate({ ...base, temperature: 3, top_p: -1, stream: "yes", temprature: 1 })
      )
      expect(Exit.isFailure(exit)).toBe(true)
      if (Exit.isFailure(exit) && exit.cause._tag === "Fail") {
        const paths = ParseResult.ArrayFormatter.formatErrorSync(exit.cause.error).map((issue) => issue.path)
        expect(paths).toEqual(expect.arrayContaining([["temperature"], ["top_p"], ["stream"], ["temprature"]]))
      }
    }).pipe(Effect.runPromise))

  it("rejects a content part a role cannot carry", () => {
    const { tree } = failure(Params, {
      ...base,
      messages: [{ role: "system", content: [{ type: "image_url", image_url: { url: "u" } }] }]
    })
    expect(tree).toContain("[\"content\"]")
    expect(tree).toContain("└─ [\"type\"]\n")
    expect(tree).toContain("Expected \"text\", actual \"image_url\"")
  })

  it("takes the audio part as the page writes it (audio_url) and as the wire does (input_audio), and writes each back", () => {
    for (const type of ["audio_url", "input_audio"] as const) {
      const body = {
        ...base,
        messages: [{ role: "user", content: [{ type, input_audio: { data: "AAAA", format: "mp3" } }] }]
      }
      const params = decoded(Params, body)
      const part = (params.messages[0] as ChatCompletionMessage.UserMessage).content[0]
      expect(typeof part === "object" && part.type).toBe(type)
      expect(Schema.encodeSync(Params)(params)).toStrictEqual(body)
    }
    const { tree } = failure(Params, {
      ...base,
      messages: [{ role: "user", content: [{ type: "input_audio", input_audio: { data: "AAAA", format: "flac" } }] }]
    })
    expect(tree).toContain("Expected \"mp3\", actual \"flac\"")
  })

  it("takes the prediction as a string (the page) and as a content object (upstream)", () => {
    for (const prediction of ["draft", { type: "content", content: "draft" }, { type: "content", content: [] }]) {
      expect(decoded(Params, { ...base, prediction }).prediction).toStrictEqual(prediction)
    }
    expect(failure(Params, { ...base, prediction: { type: "text", content: "draft" } }).tree).toContain(
      "Expected \"content\", actual \"text\""
    )
  })

  describe("the rules the API enforces beyond the page's types", () => {
    const refusals: ReadonlyArray<readonly [string, Record<string, unknown>, string]> = [
      ["no messages", { ...base, messages: [] }, "messages: must have at least 1 item, got []"],
      ["an empty model", { ...base, model: "" }, "model: must not be empty, got \"\""],
      [
        "tool_choice required without tools",
        { ...base, tool_choice: "required" },
        "tool_choice: \"required\" needs at least one tool in tools"
      ],
      [
        "a named tool_choice not among tools",
        {
          ...base,
          tools: [{ type: "function", function: { name: "look" } }],
          tool_choice: ChatCompletionTool.choose("find")
        },
        "tool_choice: must name a function in tools, got \"find\""
      ]
    ]

    it.effect.each(refusals)(
      "validate refuses %s, in one line naming the field and the rule",
      ([, body, line]) =>
        Effect.gen(function*() {
          const error = yield* Effect.flip(ChatCompletionCreateParams.validate(body))
          expect(ParseMessages.format(error.issue)).toBe(line)
        })
    )

    it.each(refusals)("the body as the API reads it refuses %s too", (_, body, line) => {
      const result = Schema.decodeUnknownEither(ChatCompletionCreateParams.ChatCompletionCreateParamsAsReceived)(body)
      if (Either.isRight(result)) return expect.fail("accepted")
      expect(ParseMessages.format(result.left.issue)).toBe(line)
    })

    it.each(refusals)("a stored request with %s still reads", (_, body) => {
      const stored = {
        request: body,
        response: { id: "c", object: "chat.completion", created: 1, model: "m", choices: [] }
      }
      expect(Schema.decodeUnknownSync(StoredChatCompletion.StoredChatCompletion)(stored).request).toStrictEqual(body)
    })
  })

  it("takes each tool_choice and response_format form", () => {
    const tools = [{ type: "function", function: { name: "look" } }]
    for (const tool_choice of ["none", "auto", "required", ChatCompletionTool.choose("look")]) {
      expect(decoded(Params, { ...base, tools, tool_choice }).tool_choice).toStrictEqual(tool_choice)
    }
    for (const type of ["text", "json_object"]) {
      expect(decoded(Params, { ...base, response_format: { type } }).response_format).toStrictEqual({ type })
    }
    expect(failure(Params, { ...base, tool_choice: "any" }).tree).toContain("actual \"any\"")
    expect(failure(Params, { ...base, response_format: { type: "yaml" } }).tree).toContain("actual \"yaml\"")
  })

  it("takes a seed as an integer or, beyond 2^53, a bigint, and rejects a rounded number", () => {
    expect(decoded(Params, { ...base, seed: 42 }).seed).toBe(42)
    expect(decoded(Params, { ...base, seed: 2n ** 64n + 1n }).seed).toBe(2n ** 64n + 1n)
    expect(failure(Params, { ...base, seed: 2 ** 60 }).tree).toContain("Expected an integer, actual")
    expect(failure(Params, { ...base, seed: 1.5 }).tree).toContain("Expected an integer, actual 1.5")
  })
})

/** Every object in a JSON Schema document, with where it is. */
const objectsOf = (node: unknown, at = "#"): Array<readonly [string, Record<string, unknown>]> => {
  if (typeof node !== "object" || node === null) return []
  const own: Array<readonly [string, Record<string, unknown>]> = Array.isArray(node)
    ? []
    : [[at, node as Record<string, unknown>]]
  return own.concat(...Object.entries(node).map(([key, child]) => objectsOf(child, `${at}/${key}`)))
}

describe("ChatCompletionCreateParams.jsonSchema", () => {
  const document = ChatCompletionCreateParams.jsonSchema() as unknown as {
    readonly $schema: string
    readonly $ref: string
    readonly $defs: Record<string, Record<string, unknown>>
  }
  const root = document.$defs.ChatCompletionCreateParams as {
    readonly required: ReadonlyArray<string>
    readonly additionalProperties: boolean
    readonly properties: Record<string, Record<string, unknown>>
  }

  it("is a draft-07 document for the body, with every field, open to others as the body is", () => {
    expect(document.$schema).toBe("http://json-schema.org/draft-07/schema#")
    expect(document.$ref).toBe("#/$defs/ChatCompletionCreateParams")
    expect(root.required).toStrictEqual(["messages", "model"])
    expect(root.additionalProperties).toBe(true)
    expect(objectsOf(document).filter(([, node]) => node.additionalProperties === false)).toStrictEqual([])
    // No Effect refinement name (`between(0, 2)`) shown as a title.
    expect(objectsOf(document).filter(([, node]) => typeof node.title === "string")).toStrictEqual([])
    expect(Object.keys(root.properties).sort()).toStrictEqual(Object.keys(everything).sort())
    // It is plain JSON: it survives a round trip through text.
    expect(JSON.parse(JSON.stringify(document))).toStrictEqual(document)
  })

  it("carries the page's bounds and descriptions, and null as a value of every optional field", () => {
    // An optional field is its documented type or null.
    const nullable = (name: string) => {
      const property = root.properties[name] as { anyOf: ReadonlyArray<Record<string, unknown>> }
      expect(property.anyOf[1]).toStrictEqual({ type: "null" })
      return property.anyOf[0]
    }
    expect(nullable("temperature")).toMatchObject({ type: "number", minimum: 0, maximum: 2 })
    expect(root.properties.temperature.description).toContain("variety in the model's responses")
    expect(nullable("top_logprobs")).toMatchObject({ type: "integer", minimum: 0, maximum: 20 })
    expect(nullable("n")).toMatchObject({ type: "integer", minimum: 1 })
    expect(nullable("top_k")).toMatchObject({ type: "integer", minimum: 1 })
    expect(nullable("logit_bias")).toMatchObject({
      patternProperties: { "": { minimum: -100, maximum: 100 } },
      propertyNames: { $ref: "#/$defs/RecordKey" }
    })
    expect(document.$defs.RecordKey).toStrictEqual({ type: "string", not: { const: "__proto__" } })
    expect(nullable("service_tier")).toMatchObject({ enum: ["auto", "default", "flex"] })
    expect(document.$defs.Seed).toMatchObject({ type: "integer" })
  })

  it("never puts keywords beside a $ref, which draft-07 would ignore", () => {
    // Only the document itself may hold its `$schema` and `$defs` beside its `$ref`.
    const allowed = (at: string, key: string) =>
      key === "$ref" || (at === "#" && (key === "$schema" || key === "$defs"))
    const refsWithSiblings = objectsOf(document)
      .filter(([at, node]) => "$ref" in node && Object.keys(node).some((key) => !allowed(at, key)))
      .map(([at]) => at)
    expect(refsWithSiblings).toStrictEqual([])
  })

  it("discriminates messages by a role enum", () => {
    const message = document.$defs.Message as { readonly anyOf: ReadonlyArray<{ readonly $ref: string }> }
    const roles = message.anyOf.map(({ $ref }) =>
      (document.$defs[$ref.replace("#/$defs/", "")] as { properties: { role: { enum: Array<string> } } }).properties
        .role
        .enum
    )
    expect(roles.flat()).toStrictEqual([
      "developer",
      "system",
      "user",
      "assistant",
      "tool",
      "chat_completion",
      "score_completion"
    ])
  })
})

describe("ChatCompletionTool", () => {
  const Weather = Schema.Struct({
    city: Schema.String.annotations({ description: "The city to look up." }),
    days: Schema.optional(Schema.NumberFromString),
    units: Schema.Literal("metric", "imperial")
  })

  it("make builds a tool whose parameters are the draft-07 JSON Schema of what the model must write", () => {
    const tool = ChatCompletionTool.make({ name: "get_weather", description: "Weather", parameters: Weather })
    expect(tool).toStrictEqual({
      type: "function",
      function: {
        name: "get_weather",
        description: "Weather",
        parameters: {
          // The one recipe of parametersJsonSchema: no `$schema` key, the root inlined.
          $defs: { NumberFromString: { type: "string", description: "a string to be decoded into a number" } },
          type: "object",
          required: ["city", "units"],
          properties: {
            city: { type: "string", description: "The city to look up." },
            // The model writes the encoded side: a string the schema then reads as a number.
            days: { $ref: "#/$defs/NumberFromString" },
            units: { type: "string", enum: ["metric", "imperial"] }
          },
          additionalProperties: false
        }
      }
    })
    // The tool is a valid part of a request.
    expect(decoded(Params, { ...base, tools: [tool] }).tools).toStrictEqual([tool])
  })

  it("make leaves out what it was not given", () => {
    const tool = ChatCompletionTool.make({ name: "ping", parameters: Schema.Struct({}), strict: true })
    expect(Object.keys(tool.function)).toStrictEqual(["name", "parameters", "strict"])
  })
})
