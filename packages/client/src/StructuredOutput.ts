/**
 * Typed structured output without `@effect/ai`: an Effect Schema becomes the request's `response_format`
 * (`json_schema`, `strict` when the schema allows it), and {@link parse} decodes the model's answer with the same
 * Schema. An answer that is refused, cut off, not JSON or not what the Schema accepts fails with a typed error that
 * keeps the raw content and the completion (whose cost was still charged). Nothing throws. Sending stays the client's
 * `create`; with `@effect/ai`, `LanguageModel.generateObject` is the one call that does both.
 *
 * @example
 * ```ts
 * import { Effect, Schema } from "effect"
 * import { ObjectiveAiClient, StructuredOutput } from "@objectiveai-effect/client"
 *
 * const Recipe = Schema.Struct({ title: Schema.String, minutes: Schema.Number })
 * const recipe = StructuredOutput.make(Recipe, { name: "recipe" })
 *
 * const program = Effect.gen(function*() {
 *   const client = yield* ObjectiveAiClient.ObjectiveAiClient
 *   const completion = yield* client.create({
 *     model: "openai/gpt-4o-mini",
 *     messages: [{ role: "user", content: "A quick pasta recipe" }],
 *     response_format: recipe.responseFormat
 *   })
 *   const { value } = yield* StructuredOutput.parse(completion, recipe)
 *   return value.minutes
 * }).pipe(Effect.catchTag("OutputInvalidError", (error) => Effect.fail(`unusable answer: ${error.content}`)))
 * ```
 *
 * @since 0.1.0
 */
import { ChatCompletion, type ChatCompletionCreateParams, ChatCompletionTool } from "@objectiveai-effect/domain"
import * as Effect from "effect/Effect"
import { dual } from "effect/Function"
import * as Option from "effect/Option"
import * as ParseResult from "effect/ParseResult"
import * as Predicate from "effect/Predicate"
import * as Schema from "effect/Schema"
import * as SchemaAST from "effect/SchemaAST"

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
 * Options of {@link make}.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** The name the model sees; the Schema's identifier, else `"output"`. Letters, digits, `_` and `-`. */
  readonly name?: string | undefined
  /** What the output is, for the model; the Schema's description by default. */
  readonly description?: string | undefined
  /** Force strict mode on or off; by default on exactly when the domain's `ChatCompletionTool.isStrictJsonSchema` allows it. */
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
  const document = ChatCompletionTool.parametersJsonSchema(schema)
  const identifier = annotationOf(schema, SchemaAST.getIdentifierAnnotation)
  const name = options.name ?? (identifier !== undefined && validName.test(identifier) ? identifier : "output")
  const description = options.description ?? annotationOf(schema, SchemaAST.getDescriptionAnnotation)
  return {
    type: "json_schema",
    json_schema: {
      name,
      ...(description === undefined ? {} : { description }),
      schema: document,
      strict: options.strict ?? ChatCompletionTool.isStrictJsonSchema(document)
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
