/**
 * Tool-call extraction: every tool call of every choice, its arguments parsed and decoded by the Schema a
 * {@link Toolkit} gives for its tool, one result per call. A bad call (unknown tool, invalid or run-together JSON,
 * arguments the schema rejects, arguments cut off by `finish_reason: "length"`) is reported as a typed value beside
 * the good ones, never as a failure of the whole extraction.
 *
 * @since 0.1.0
 */
import { type ChatCompletion, ChatCompletionTool, Json, type StoredChatCompletion } from "@objectiveai-effect/domain"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import { dual } from "effect/Function"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import * as Sink from "effect/Sink"
import * as AnalysisError from "./AnalysisError.js"
import * as Arguments from "./internal/arguments.js"
import * as JsonSchemaChecker from "./internal/jsonSchemaChecker.js"

/**
 * A tool with a description for the model, and `strict` to ask for arguments that follow the schema exactly.
 *
 * @since 0.1.0
 * @category models
 */
export interface ToolDefinition<S extends Schema.Schema.AnyNoContext> {
  readonly parameters: S
  readonly description?: string | undefined
  readonly strict?: boolean | undefined
}

/**
 * What a toolkit is built from for one tool: the Schema of its parameters, or a {@link ToolDefinition}.
 *
 * @since 0.1.0
 * @category models
 */
export type ToolEntry = Schema.Schema.AnyNoContext | ToolDefinition<Schema.Schema.AnyNoContext>

/**
 * The parameters Schema of a {@link ToolEntry}.
 *
 * @since 0.1.0
 * @category models
 */
export type ParametersOf<E extends ToolEntry> = E extends ToolDefinition<infer S> ? S : E

/**
 * Tool names and the Schemas that decode their arguments, with the `tools` array that declares them to the model
 * (parameters as JSON Schema generated from the same Schemas).
 *
 * @since 0.1.0
 * @category models
 */
export interface Toolkit<Tools extends Record<string, Schema.Schema.AnyNoContext>> {
  readonly parameters: Tools
  readonly tools: ReadonlyArray<ChatCompletionTool.Tool>
}

/**
 * Builds a toolkit from tool names and their parameters.
 *
 * @example
 * ```ts
 * import { Schema } from "effect"
 * import type { ChatCompletionCreateParams } from "@objectiveai-effect/domain"
 * import { ToolCalls } from "@objectiveai-effect/analysis"
 *
 * const toolkit = ToolCalls.toolkit({
 *   get_weather: { description: "Current weather", parameters: Schema.Struct({ city: Schema.String }) },
 *   get_time: Schema.Struct({ zone: Schema.String })
 * })
 * const request: ChatCompletionCreateParams.ChatCompletionCreateParams = {
 *   model: "openai/gpt-4o-mini",
 *   messages: [{ role: "user", content: "What's the weather in Paris?" }],
 *   tools: toolkit.tools
 * }
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const toolkit = <const Entries extends Record<string, ToolEntry>>(
  entries: Entries
): Toolkit<{ readonly [K in keyof Entries]: ParametersOf<Entries[K]> }> => {
  const parameters: Record<string, Schema.Schema.AnyNoContext> = {}
  const tools: Array<ChatCompletionTool.Tool> = []
  for (const [name, entry] of Object.entries(entries)) {
    const definition: ToolDefinition<Schema.Schema.AnyNoContext> = Schema.isSchema(entry)
      ? { parameters: entry }
      : entry
    // defineProperty, so that even a tool named "__proto__" is an ordinary entry.
    Object.defineProperty(parameters, name, { value: definition.parameters, enumerable: true })
    tools.push(ChatCompletionTool.make({ name, ...definition }))
  }
  return { parameters: parameters as { readonly [K in keyof Entries]: ParametersOf<Entries[K]> }, tools }
}

/**
 * The tool-call parameters a toolkit checks arguments with: any value, refined by the declared JSON Schema, which it
 * also carries as its own JSON Schema.
 */
const parametersOf = (jsonSchema: Json.JsonValue | undefined): Schema.Schema<unknown> => {
  const check = JsonSchemaChecker.checker(jsonSchema)
  return Schema.Unknown.pipe(Schema.filter((value) => check(value)))
}

type DeclaredToolkit = Toolkit<Record<string, Schema.Schema<unknown>>>

// Requests repeat the same few tool lists, and `ToolCalls.extract` caches its decoders per toolkit, so one toolkit
// per distinct list is built. The cache is cleared when it fills, which bounds it on data with endless variety.
const toolkits = new Map<string, DeclaredToolkit>()
const toolkitsKept = 256

/**
 * The toolkit of a stored request: each tool it declared, its arguments checked against its JSON Schema parameters.
 * A call of a tool the request did not declare is an `AnalysisError.UnknownTool`. Only the keywords that constrain a value are
 * checked (types, bounds, lengths, patterns, enums, required and additional properties, items, combinators and `$ref`);
 * an argument is never refused for a keyword that is not checked.
 *
 * @since 0.1.0
 * @category constructors
 */
export const toolkitFromRequest = (request: StoredChatCompletion.StoredChatCompletionRequest): DeclaredToolkit => {
  const tools = request.tools ?? []
  const key = Json.stringify(tools)
  let toolkit = toolkits.get(key)
  if (toolkit === undefined) {
    if (toolkits.size >= toolkitsKept) toolkits.clear()
    // `fromEntries` defines each key as an own property, so a tool named "__proto__" is an ordinary entry.
    const parameters = Object.fromEntries(
      tools.map((tool) => [tool.function.name, parametersOf(tool.function.parameters)])
    )
    toolkit = { parameters, tools }
    toolkits.set(key, toolkit)
  }
  return toolkit
}

/**
 * A tool call whose arguments decoded, with where it was found.
 *
 * @since 0.1.0
 * @category models
 */
export interface Decoded<Name extends string, A> {
  readonly _tag: "Decoded"
  readonly tool: Name
  readonly arguments: A
  readonly id: string
  readonly completionId: string
  readonly choiceIndex: number
  readonly callIndex: number
}

/**
 * A decoded call of any tool of a toolkit; narrowing on `tool` narrows `arguments`.
 *
 * @since 0.1.0
 * @category models
 */
export type DecodedCall<Tools extends Record<string, Schema.Schema.AnyNoContext>> = {
  readonly [K in keyof Tools & string]: Decoded<K, Schema.Schema.Type<Tools[K]>>
}[keyof Tools & string]

/**
 * The result for one tool call: decoded, or why not.
 *
 * @since 0.1.0
 * @category models
 */
export type Result<Tools extends Record<string, Schema.Schema.AnyNoContext>> =
  | DecodedCall<Tools>
  | AnalysisError.ToolCallError

/**
 * What extraction reads: a completion, or a stored completion, whose request's `tools` then also bound which
 * tools count as known.
 *
 * @since 0.1.0
 * @category models
 */
export type Source = ChatCompletion.ChatCompletion | StoredChatCompletion.StoredChatCompletion

type Decode = (input: unknown) => Either.Either<unknown, ParseResult.ParseError>

const decoderCache = new WeakMap<object, Map<string, Decode>>()

// A Map rather than the record itself, so that a model calling "constructor" or "toString" finds nothing inherited.
const decodersOf = (kit: Toolkit<Record<string, Schema.Schema.AnyNoContext>>): Map<string, Decode> => {
  let decoders = decoderCache.get(kit)
  if (decoders === undefined) {
    decoders = new Map()
    for (const [name, schema] of Object.entries(kit.parameters)) {
      decoders.set(name, Schema.decodeUnknownEither(schema, { errors: "all" }))
    }
    decoderCache.set(kit, decoders)
  }
  return decoders
}

const issuesOf = (error: ParseResult.ParseError): ReadonlyArray<AnalysisError.ToolCallIssue> =>
  ParseResult.ArrayFormatter.formatErrorSync(error).map((issue) => ({
    path: issue.path.map((key) => typeof key === "symbol" ? String(key) : key),
    message: issue.message
  }))

const extractAll = <Tools extends Record<string, Schema.Schema.AnyNoContext>>(
  source: Source,
  kit: Toolkit<Tools>
): Array<Result<Tools>> => {
  const completion = "choices" in source ? source : source.response
  const declared = "choices" in source
    ? undefined
    : new Set((source.request.tools ?? []).map((tool) => tool.function.name))
  const decoders = decodersOf(kit)
  const results: Array<Result<Tools>> = []
  for (const choice of completion.choices) {
    const calls = choice.message.tool_calls ?? []
    for (let callIndex = 0; callIndex < calls.length; callIndex++) {
      const { function: { arguments: text, name: tool }, id } = calls[callIndex]
      const fields = { tool, arguments: text, id, completionId: completion.id, choiceIndex: choice.index, callIndex }
      const decode = decoders.get(tool)
      if (decode === undefined || (declared !== undefined && !declared.has(tool))) {
        results.push(new AnalysisError.UnknownTool(fields))
        continue
      }
      // Only the last call can have been cut off: the ones before it were complete when the next began.
      const cutOff = choice.finish_reason === "length" && callIndex === calls.length - 1
      const parsed = Arguments.parse(text)
      if (parsed._tag === "Concatenated") {
        results.push(new AnalysisError.ConcatenatedJson({ ...fields, parts: parsed.parts }))
      } else if (cutOff && (parsed._tag === "Invalid" || parsed._tag === "Empty")) {
        results.push(new AnalysisError.Truncated(fields))
      } else if (parsed._tag === "Invalid") {
        results.push(new AnalysisError.InvalidJson({ ...fields, reason: parsed.reason }))
      } else {
        const decoded = decode(parsed._tag === "Empty" ? {} : parsed.value)
        results.push(
          Either.isLeft(decoded)
            ? new AnalysisError.SchemaMismatch({ ...fields, issues: issuesOf(decoded.left) })
            : { _tag: "Decoded", ...fields, arguments: decoded.right } as DecodedCall<Tools>
        )
      }
    }
  }
  return results
}

/**
 * One result per tool call of every choice, in order. For a streamed completion, merge its chunks first
 * (`ChatCompletionChunk.merge`).
 *
 * @example
 * ```ts
 * import { Schema } from "effect"
 * import type { ChatCompletion } from "@objectiveai-effect/domain"
 * import { ToolCalls } from "@objectiveai-effect/analysis"
 *
 * const toolkit = ToolCalls.toolkit({ get_weather: Schema.Struct({ city: Schema.String }) })
 *
 * const citiesAskedFor = (completion: ChatCompletion.ChatCompletion) =>
 *   ToolCalls.extract(completion, toolkit).flatMap((result) =>
 *     result._tag === "Decoded" && result.tool === "get_weather" ? [result.arguments.city] : []
 *   )
 * ```
 *
 * @since 0.1.0
 * @category parsing
 */
export const extract: {
  <Tools extends Record<string, Schema.Schema.AnyNoContext>>(
    toolkit: Toolkit<Tools>
  ): (source: Source) => ReadonlyArray<Result<Tools>>
  <Tools extends Record<string, Schema.Schema.AnyNoContext>>(
    source: Source,
    toolkit: Toolkit<Tools>
  ): ReadonlyArray<Result<Tools>>
} = dual(2, extractAll)

/**
 * Every tool call decoded, or a failure with the first call that could not be (use {@link extract} to see them all).
 *
 * @example
 * ```ts
 * import { Effect, Schema } from "effect"
 * import type { ChatCompletion } from "@objectiveai-effect/domain"
 * import { ToolCalls } from "@objectiveai-effect/analysis"
 *
 * const toolkit = ToolCalls.toolkit({ get_weather: Schema.Struct({ city: Schema.String }) })
 *
 * const calls = (completion: ChatCompletion.ChatCompletion) => ToolCalls.extractOrFail(completion, toolkit).pipe(
 *   Effect.catchTag("UnknownTool", () => Effect.succeed([]))
 * )
 * ```
 *
 * @since 0.1.0
 * @category parsing
 */
export const extractOrFail: {
  <Tools extends Record<string, Schema.Schema.AnyNoContext>>(
    toolkit: Toolkit<Tools>
  ): (source: Source) => Effect.Effect<ReadonlyArray<DecodedCall<Tools>>, AnalysisError.ToolCallError>
  <Tools extends Record<string, Schema.Schema.AnyNoContext>>(
    source: Source,
    toolkit: Toolkit<Tools>
  ): Effect.Effect<ReadonlyArray<DecodedCall<Tools>>, AnalysisError.ToolCallError>
} = dual(
  2,
  <Tools extends Record<string, Schema.Schema.AnyNoContext>>(
    source: Source,
    kit: Toolkit<Tools>
  ): Effect.Effect<ReadonlyArray<DecodedCall<Tools>>, AnalysisError.ToolCallError> => {
    const decoded: Array<DecodedCall<Tools>> = []
    for (const result of extractAll(source, kit)) {
      if (result._tag !== "Decoded") return Effect.fail(result)
      decoded.push(result)
    }
    return Effect.succeed(decoded)
  }
)

/**
 * A sink collecting the results of every tool call of a stream of completions, in order.
 *
 * @example
 * ```ts
 * import { Schema, Stream } from "effect"
 * import type { ChatCompletion } from "@objectiveai-effect/domain"
 * import { ToolCalls } from "@objectiveai-effect/analysis"
 *
 * const toolkit = ToolCalls.toolkit({ get_weather: Schema.Struct({ city: Schema.String }) })
 *
 * const results = <E, R>(completions: Stream.Stream<ChatCompletion.ChatCompletion, E, R>) =>
 *   Stream.run(completions, ToolCalls.sink(toolkit))
 * ```
 *
 * @since 0.1.0
 * @category sinks
 */
export const sink = <Tools extends Record<string, Schema.Schema.AnyNoContext>>(
  kit: Toolkit<Tools>
): Sink.Sink<ReadonlyArray<Result<Tools>>, Source> =>
  Sink.foldLeftChunks(
    Chunk.empty<Result<Tools>>(),
    (results, sources: Chunk.Chunk<Source>) =>
      Chunk.appendAll(
        results,
        Chunk.unsafeFromArray(Chunk.toReadonlyArray(sources).flatMap((source) => extractAll(source, kit)))
      )
  ).pipe(Sink.map(Chunk.toReadonlyArray))
