/**
 * Function tools a request offers the model, the `tool_choice` that steers it, and a way to build a tool from an
 * Effect Schema so its parameters are JSON Schema generated from the same definition that decodes the arguments.
 *
 * @since 0.1.0
 */
import * as JSONSchema from "effect/JSONSchema"
import type * as Schema from "effect/Schema"
import { strict } from "./internal/request.js"
import type * as Json from "./Json.js"

/**
 * A function's name, description and JSON Schema parameters.
 *
 * @since 0.1.0
 * @category schemas
 */
export const FunctionDefinition = strict.FunctionDefinition
/**
 * @since 0.1.0
 * @category models
 */
export interface FunctionDefinition extends Schema.Schema.Type<typeof FunctionDefinition> {}

/**
 * A tool the model may call.
 *
 * @since 0.1.0
 * @category schemas
 */
export const Tool = strict.Tool
/**
 * @since 0.1.0
 * @category models
 */
export interface Tool extends Schema.Schema.Type<typeof Tool> {}

/**
 * A `tool_choice` naming the function the model must call.
 *
 * @since 0.1.0
 * @category schemas
 */
export const NamedToolChoice = strict.NamedToolChoice
/**
 * @since 0.1.0
 * @category models
 */
export interface NamedToolChoice extends Schema.Schema.Type<typeof NamedToolChoice> {}

/**
 * `"none"`, `"auto"`, `"required"` or a named function.
 *
 * @since 0.1.0
 * @category schemas
 */
export const ToolChoice = strict.ToolChoice
/**
 * @since 0.1.0
 * @category models
 */
export type ToolChoice = Schema.Schema.Type<typeof ToolChoice>

type JsonObject = { readonly [key: string]: Json.JsonValue }

/**
 * The draft-07 JSON Schema of an Effect Schema's encoded side (what the model writes), as a tool's `parameters` and
 * `response_format.json_schema.schema` carry it: definitions under `$defs`, the root inlined rather than a `$ref`,
 * since strict mode wants the root object itself.
 *
 * @since 0.1.0
 * @category json schema
 */
export const parametersJsonSchema = <A, I, R>(parameters: Schema.Schema<A, I, R>): JsonObject => {
  const $defs: Record<string, JSONSchema.JsonSchema7> = {}
  let root = JSONSchema.fromAST(parameters.ast, { definitions: $defs })
  // A named schema is written as a `$ref` to its definition: its definition becomes the root, and is kept under
  // `$defs` only when something else (a recursive field) still refers to it.
  if ("$ref" in root && root.$ref.startsWith("#/$defs/")) {
    const name = root.$ref.slice("#/$defs/".length)
    root = $defs[name]
    if (!JSON.stringify({ root, $defs: { ...$defs, [name]: undefined } }).includes(`"#/$defs/${name}"`)) {
      delete $defs[name]
    }
  }
  return (Object.keys($defs).length === 0 ? root : { ...root, $defs }) as unknown as JsonObject
}

const refusedInStrictMode = [
  "allOf",
  "not",
  "oneOf",
  "if",
  "then",
  "else",
  "patternProperties",
  "propertyNames",
  "dependencies",
  "dependentRequired",
  "dependentSchemas",
  "unevaluatedProperties"
]

const isObject = (value: Json.JsonValue | undefined): value is JsonObject =>
  value !== null && typeof value === "object" && !Array.isArray(value)

const strictNode = (node: Json.JsonValue): boolean => {
  if (Array.isArray(node)) return node.every(strictNode)
  if (!isObject(node)) return true
  if (refusedInStrictMode.some((keyword) => keyword in node)) return false
  if ("properties" in node || node.type === "object") {
    const properties = isObject(node.properties) ? Object.keys(node.properties) : []
    const required = new Set(Array.isArray(node.required) ? node.required : [])
    if (node.additionalProperties !== false || properties.some((key) => !required.has(key))) return false
  }
  for (const [key, value] of Object.entries(node)) {
    // `enum`, `const`, `examples` and `default` hold values, not schemas.
    if (key === "enum" || key === "const" || key === "examples" || key === "default") continue
    if (key === "properties" || key === "$defs" || key === "definitions") {
      if (isObject(value) && !Object.values(value).every(strictNode)) return false
    } else if (typeof value === "object" && value !== null && !strictNode(value)) return false
  }
  return true
}

/**
 * Whether strict mode can enforce a JSON Schema: the root is an object, every object lists all its properties as
 * required and forbids others, and no keyword strict mode refuses (`allOf`, `not`, `oneOf`, `if`,
 * `patternProperties`, …) is used. An optional property, a record or an intersection makes it false.
 *
 * @example
 * ```ts
 * import { Schema } from "effect"
 * import { ChatCompletionTool } from "@objectiveai-effect/domain"
 *
 * const closed = ChatCompletionTool.parametersJsonSchema(Schema.Struct({ city: Schema.String }))
 * console.log(ChatCompletionTool.isStrictJsonSchema(closed)) // true
 * ```
 *
 * @since 0.1.0
 * @category json schema
 */
export const isStrictJsonSchema = (jsonSchema: JsonObject): boolean =>
  jsonSchema.type === "object" && strictNode(jsonSchema)

/**
 * A function tool whose parameters are the JSON Schema of an Effect Schema.
 *
 * @example
 * ```ts
 * import { Schema } from "effect"
 * import { ChatCompletionTool } from "@objectiveai-effect/domain"
 *
 * const weather = ChatCompletionTool.make({
 *   name: "get_weather",
 *   description: "Current weather for a city",
 *   parameters: Schema.Struct({ city: Schema.String })
 * })
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = <A, I, R>(options: {
  readonly name: string
  readonly description?: string | undefined
  readonly parameters: Schema.Schema<A, I, R>
  readonly strict?: boolean | undefined
}): Tool => ({
  type: "function",
  function: {
    name: options.name,
    ...(options.description === undefined ? {} : { description: options.description }),
    parameters: parametersJsonSchema(options.parameters),
    ...(options.strict === undefined ? {} : { strict: options.strict })
  }
})

/**
 * A `tool_choice` that makes the model call the named function.
 *
 * @since 0.1.0
 * @category constructors
 */
export const choose = (name: string): NamedToolChoice => ({ type: "function", function: { name } })
