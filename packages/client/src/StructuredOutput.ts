/**
 * Typed structured output: an Effect Schema becomes the request's `response_format` (`json_schema`, `strict` when
 * the schema allows it), and the model's answer is decoded by the same Schema. {@link create} does both in one call;
 * an answer that is refused, cut off, not JSON or not what the Schema accepts fails with a typed error that keeps
 * the raw content and the completion (whose cost was still charged). Nothing throws.
 *
 * @example
 * ```ts
 * import { Effect, Schema } from "effect"
 * import { StructuredOutput } from "@objectiveai-effect/client"
 *
 * const Recipe = Schema.Struct({ title: Schema.String, minutes: Schema.Number })
 * const recipe = StructuredOutput.make(Recipe, { name: "recipe" })
 *
 * const program = StructuredOutput.create(recipe, {
 *   model: "openai/gpt-4o-mini",
 *   messages: [{ role: "user", content: "A quick pasta recipe" }]
 * }).pipe(
 *   Effect.map(({ value }) => value.minutes),
 *   Effect.catchTag("OutputInvalidError", (error) => Effect.fail(`unusable answer: ${error.content}`))
 * )
 * ```
 *
 * @since 0.1.0
 */
import { ChatCompletion, type ChatCompletionCreateParams, type Json } from "@objectiveai-effect/domain"
import * as Effect from "effect/Effect"
import { dual } from "effect/Function"
import * as JSONSchema from "effect/JSONSchema"
import * as Option from "effect/Option"
import * as ParseResult from "effect/ParseResult"
import * as Predicate from "effect/Predicate"
import * as Schema from "effect/Schema"
import * as SchemaAST from "effect/SchemaAST"
import * as ObjectiveAiClient from "./ObjectiveAiClient.js"
import type * as ObjectiveAiError from "./ObjectiveAiError.js"

/**
 * A Schema ready to be asked for: its `response_format` and the decoder of the answer.
 *
 * @since 0.1.0
 * @category models
 */
export interface StructuredOutput<A, I = A> {
  readonly schema: Schema.Schema<A, I>
  /** `response_format.json_schema.name`. */
  readonly name: string
  /** The `response_format` to send. */
  readonly responseFormat: ChatCompletionCreateParams.ResponseFormatJsonSchema
}

/**
 * The JSON Schema of an Effect Schema as `response_format` and tools carry it (draft-07, definitions under `$defs`,
 * the root inlined rather than a `$ref`), and whether it meets the rules of strict mode.
 *
 * @since 0.1.0
 * @category models
 */
export interface JsonSchemaOf {
  readonly schema: { readonly [key: string]: Json.JsonValue }
  /**
   * True when strict mode can enforce the schema: the root is an object, every object lists all its properties as
   * required and forbids others, and no keyword strict mode refuses (`allOf`, `not`, `oneOf`, `if`,
   * `patternProperties`, …) is used. An optional property, a record or an intersection makes it false.
   */
  readonly strict: boolean
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

type JsonObject = { readonly [key: string]: Json.JsonValue }

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
 * The JSON Schema of `schema` (its encoded side, which is what the model writes) and whether strict mode can
 * enforce it.
 *
 * @since 0.1.0
 * @category json schema
 */
export const jsonSchema = <A, I, R>(schema: Schema.Schema<A, I, R>): JsonSchemaOf => {
  const $defs: Record<string, JSONSchema.JsonSchema7> = {}
  let root = JSONSchema.fromAST(schema.ast, { definitions: $defs })
  // A named schema is written as a `$ref` to its definition; strict mode wants the root object itself, so it is
  // inlined, and its definition kept only when something else (a recursive field) still refers to it.
  if ("$ref" in root && root.$ref.startsWith("#/$defs/")) {
    const name = root.$ref.slice("#/$defs/".length)
    root = $defs[name]
    if (!JSON.stringify({ root, $defs: { ...$defs, [name]: undefined } }).includes(`"#/$defs/${name}"`)) {
      delete $defs[name]
    }
  }
  const document = (Object.keys($defs).length === 0 ? root : { ...root, $defs }) as unknown as JsonObject
  return { schema: document, strict: document.type === "object" && strictNode(document) }
}

/**
 * Options of {@link make}.
 *
 * @since 0.1.0
 * @category options
 */
export interface Options {
  /** The name the model sees; the Schema's identifier, else `"output"`. Letters, digits, `_` and `-`. */
  readonly name?: string | undefined
  /** What the output is, for the model; the Schema's description by default. */
  readonly description?: string | undefined
  /** Force strict mode on or off; by default on exactly when {@link jsonSchema} says the schema allows it. */
  readonly strict?: boolean | undefined
}

// The annotations of what the model writes: for a transformation, those of its type side, as JSON Schema reads them.
const annotationOf = <T>(
  schema: Schema.Schema.All,
  get: (ast: SchemaAST.AST) => Option.Option<T>
): T | undefined =>
  Option.getOrUndefined(
    Option.orElse(get(schema.ast), () => SchemaAST.isTransformation(schema.ast) ? get(schema.ast.to) : Option.none())
  )

const validName = /^[A-Za-z0-9_-]{1,64}$/

/**
 * The `response_format` that asks for `schema`: openai-node's `zodResponseFormat`. Use {@link make} to keep the
 * decoder beside it.
 *
 * @since 0.1.0
 * @category json schema
 */
export const responseFormat = <A, I, R>(
  schema: Schema.Schema<A, I, R>,
  options: Options = {}
): ChatCompletionCreateParams.ResponseFormatJsonSchema => {
  const { schema: document, strict } = jsonSchema(schema)
  const identifier = annotationOf(schema, SchemaAST.getIdentifierAnnotation)
  const name = options.name ?? (identifier !== undefined && validName.test(identifier) ? identifier : "output")
  const description = options.description ?? annotationOf(schema, SchemaAST.getDescriptionAnnotation)
  return {
    type: "json_schema",
    json_schema: {
      name,
      ...(description === undefined ? {} : { description }),
      schema: document,
      strict: options.strict ?? strict
    }
  }
}

/**
 * A {@link StructuredOutput} from a Schema: its {@link responseFormat} and the Schema that decodes the answer.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = <A, I>(schema: Schema.Schema<A, I>, options: Options = {}): StructuredOutput<A, I> => {
  const format = responseFormat(schema, options)
  return { schema, name: format.json_schema.name, responseFormat: format }
}

const outcome = {
  completion: ChatCompletion.ChatCompletion.annotations({
    description: "The completion the answer came in: its id, usage and cost were still charged."
  }),
  choiceIndex: Schema.Number.annotations({ description: "The `index` of the choice that was read." })
}

/**
 * The brand every {@link StructuredOutputError} carries.
 *
 * @since 0.1.0
 * @category type ids
 */
export const StructuredOutputErrorTypeId: unique symbol = Symbol.for(
  "@objectiveai-effect/client/StructuredOutputError"
)

/**
 * @since 0.1.0
 * @category type ids
 */
export type StructuredOutputErrorTypeId = typeof StructuredOutputErrorTypeId

/**
 * The model refused to answer (`message.refusal`).
 *
 * @since 0.1.0
 * @category errors
 */
export class OutputRefusedError extends Schema.TaggedError<OutputRefusedError>()("OutputRefusedError", {
  ...outcome,
  refusal: Schema.String
}) {
  /** @since 0.1.0 */
  readonly [StructuredOutputErrorTypeId]: StructuredOutputErrorTypeId = StructuredOutputErrorTypeId

  override get message(): string {
    return `The model refused to answer in completion ${this.completion.id}: ${this.refusal}`
  }
}

/**
 * The answer stopped before it was complete: cut by the token limit (`length`), filtered (`content_filter`) or
 * ended by an upstream error (`error`). `content` is what was written.
 *
 * @since 0.1.0
 * @category errors
 */
export class OutputIncompleteError extends Schema.TaggedError<OutputIncompleteError>()("OutputIncompleteError", {
  ...outcome,
  finishReason: Schema.String,
  content: Schema.String
}) {
  /** @since 0.1.0 */
  readonly [StructuredOutputErrorTypeId]: StructuredOutputErrorTypeId = StructuredOutputErrorTypeId

  override get message(): string {
    return `The answer of completion ${this.completion.id} is incomplete (finish reason ${this.finishReason})`
  }
}

/**
 * The answer is not JSON, or not JSON the Schema accepts, or there is none (no choice, tool calls instead of
 * content). `content` is the raw text the model wrote (empty when there was none) and `issue` says why it was refused.
 *
 * @since 0.1.0
 * @category errors
 */
export class OutputInvalidError extends Schema.TaggedError<OutputInvalidError>()("OutputInvalidError", {
  ...outcome,
  content: Schema.String,
  issue: Schema.String
}) {
  /** @since 0.1.0 */
  readonly [StructuredOutputErrorTypeId]: StructuredOutputErrorTypeId = StructuredOutputErrorTypeId

  override get message(): string {
    return `The answer of completion ${this.completion.id} does not decode: ${this.issue}`
  }
}

/**
 * Why an answer gave no value, as a schema and as the union type.
 *
 * @since 0.1.0
 * @category schemas
 */
export const StructuredOutputError = Schema.Union(OutputRefusedError, OutputIncompleteError, OutputInvalidError)

/**
 * @since 0.1.0
 * @category models
 */
export type StructuredOutputError = Schema.Schema.Type<typeof StructuredOutputError>

/**
 * Whether a value is a {@link StructuredOutputError}, by its brand rather than its tag.
 *
 * @since 0.1.0
 * @category guards
 */
export const isStructuredOutputError = (u: unknown): u is StructuredOutputError =>
  Predicate.hasProperty(u, StructuredOutputErrorTypeId)

/**
 * A decoded answer and the completion it came in.
 *
 * @since 0.1.0
 * @category models
 */
export interface Parsed<A> {
  readonly value: A
  readonly completion: ChatCompletion.ChatCompletion
}

const incompleteReasons: ReadonlySet<string> = new Set(["length", "content_filter", "error"])

const parseCompletion = <A, I>(
  completion: ChatCompletion.ChatCompletion,
  output: StructuredOutput<A, I>
): Effect.Effect<Parsed<A>, StructuredOutputError> => {
  const choice = completion.choices[0]
  const choiceIndex = choice?.index ?? 0
  const content = choice?.message.content ?? ""
  if (choice === undefined) {
    return Effect.fail(
      new OutputInvalidError({ completion, choiceIndex, content, issue: "the completion has no choice" })
    )
  }
  if (choice.message.refusal != null) {
    return Effect.fail(new OutputRefusedError({ completion, choiceIndex, refusal: choice.message.refusal }))
  }
  if (choice.finish_reason !== null && incompleteReasons.has(choice.finish_reason)) {
    return Effect.fail(
      new OutputIncompleteError({ completion, choiceIndex, finishReason: choice.finish_reason, content })
    )
  }
  if (choice.message.content == null) {
    const issue = choice.message.tool_calls == null || choice.message.tool_calls.length === 0
      ? "the answer has no content"
      : "the model called tools instead of answering"
    return Effect.fail(new OutputInvalidError({ completion, choiceIndex, content, issue }))
  }
  return Schema.decodeUnknown(Schema.parseJson(output.schema), { errors: "all" })(content).pipe(
    Effect.mapBoth({
      onFailure: (error) =>
        new OutputInvalidError({
          completion,
          choiceIndex,
          content,
          issue: ParseResult.TreeFormatter.formatErrorSync(error)
        }),
      onSuccess: (value) => ({ value, completion })
    })
  )
}

/**
 * Decodes the first choice of a completion made with `output.responseFormat`: openai-node's `parse()`, with every
 * way it can fail typed.
 *
 * @since 0.1.0
 * @category parsing
 */
export const parse: {
  <A, I>(output: StructuredOutput<A, I>): (
    completion: ChatCompletion.ChatCompletion
  ) => Effect.Effect<Parsed<A>, StructuredOutputError>
  <A, I>(
    completion: ChatCompletion.ChatCompletion,
    output: StructuredOutput<A, I>
  ): Effect.Effect<Parsed<A>, StructuredOutputError>
} = dual(2, parseCompletion)

/**
 * Creates a completion that must answer with `output` and decodes it: `params` with `response_format` set from the
 * Schema, sent by the client's `create` (checks, retries and errors as there), then {@link parse}.
 *
 * @since 0.1.0
 * @category operations
 */
export const create = <A, I>(
  output: StructuredOutput<A, I>,
  params: Omit<ChatCompletionCreateParams.ChatCompletionCreateParams, "response_format" | "stream">
): Effect.Effect<
  Parsed<A>,
  ObjectiveAiError.ObjectiveAiError | StructuredOutputError,
  ObjectiveAiClient.ObjectiveAiClient
> =>
  Effect.flatMap(
    ObjectiveAiClient.ObjectiveAiClient,
    (client) =>
      client.create({ ...params, response_format: output.responseFormat }).pipe(
        Effect.flatMap((completion) => parseCompletion(completion, output))
      )
  ).pipe(Effect.withSpan("StructuredOutput.create", { attributes: { "objectiveai.output.name": output.name } }))
