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

/**
 * The draft-07 JSON Schema of a tool's parameters, from the Effect Schema that decodes its arguments.
 *
 * @since 0.1.0
 * @category utils
 */
export const parametersJsonSchema = <A, I, R>(
  parameters: Schema.Schema<A, I, R>
): { readonly [key: string]: Json.JsonValue } =>
  JSONSchema.make(parameters, { target: "jsonSchema7" }) as unknown as { readonly [key: string]: Json.JsonValue }

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
 * @category utils
 */
export const choose = (name: string): NamedToolChoice => ({ type: "function", function: { name } })
