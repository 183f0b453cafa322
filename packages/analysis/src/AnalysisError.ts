/**
 * The errors of the analysis package, as one family: every one carries {@link TypeId}, so {@link isAnalysisError}
 * tells them from another library's error that happens to share a `_tag` (`UnknownTool`, say).
 *
 * @since 0.1.0
 */
import * as Predicate from "effect/Predicate"
import * as Schema from "effect/Schema"
import * as Placeholders from "./internal/placeholders.js"

/**
 * The brand every analysis error carries.
 *
 * @since 0.1.0
 * @category type ids
 */
export const TypeId: unique symbol = Symbol.for("@objectiveai-effect/analysis/AnalysisError")

/**
 * @since 0.1.0
 * @category type ids
 */
export type TypeId = typeof TypeId

/**
 * Raised by `Cost.chargedOrFail` for a completion that reported no cost.
 *
 * @since 0.1.0
 * @category errors
 */
export class UnpricedCompletion extends Schema.TaggedError<UnpricedCompletion>()("UnpricedCompletion", {
  id: Schema.String,
  model: Schema.String
}) {
  /** @since 0.1.0 */
  readonly [TypeId]: TypeId = TypeId

  /** @since 0.1.0 */
  override get message(): string {
    return `Completion ${this.id} (${this.model}) reported no cost`
  }
}

/**
 * Raised by `LogprobMetrics.perplexityOrFail` for a choice with no content token to measure.
 *
 * @since 0.1.0
 * @category errors
 */
export class NoContentTokens extends Schema.TaggedError<NoContentTokens>()("NoContentTokens", {
  index: Schema.Number,
  placeholders: Placeholders.Placeholders
}) {
  /** @since 0.1.0 */
  readonly [TypeId]: TypeId = TypeId

  /** @since 0.1.0 */
  override get message(): string {
    return `Choice ${this.index} has no content token logprobs to measure (${this.placeholders.excluded} excluded)`
  }
}

const call = {
  tool: Schema.String.annotations({ description: "The name of the tool called." }),
  arguments: Schema.String.annotations({ description: "The arguments as the model wrote them." }),
  id: Schema.String.annotations({ description: "The tool call's id." }),
  completionId: Schema.String.annotations({ description: "The id of the completion the call is in." }),
  choiceIndex: Schema.Number.annotations({ description: "The `index` of the choice that made the call." }),
  callIndex: Schema.Number.annotations({ description: "The position of the call in the choice's `tool_calls`." })
}

/**
 * A call of a tool the toolkit has no schema for, or (for a stored completion) that its request did not declare.
 *
 * @since 0.1.0
 * @category errors
 */
export class UnknownTool extends Schema.TaggedError<UnknownTool>()("UnknownTool", call) {
  /** @since 0.1.0 */
  readonly [TypeId]: TypeId = TypeId

  /** @since 0.1.0 */
  override get message(): string {
    return `Tool call ${this.id} calls unknown tool ${JSON.stringify(this.tool)}`
  }
}

/**
 * Arguments that are not JSON, with the parser's reason.
 *
 * @since 0.1.0
 * @category errors
 */
export class InvalidJson extends Schema.TaggedError<InvalidJson>()("InvalidJson", {
  ...call,
  reason: Schema.String
}) {
  /** @since 0.1.0 */
  readonly [TypeId]: TypeId = TypeId

  /** @since 0.1.0 */
  override get message(): string {
    return `Tool call ${this.id} (${this.tool}) has invalid JSON arguments: ${this.reason}`
  }
}

/**
 * Arguments that are two or more JSON objects run together (`{"a":1}{"b":2}`), with the text of each.
 *
 * @since 0.1.0
 * @category errors
 */
export class ConcatenatedJson extends Schema.TaggedError<ConcatenatedJson>()("ConcatenatedJson", {
  ...call,
  parts: Schema.Array(Schema.String)
}) {
  /** @since 0.1.0 */
  readonly [TypeId]: TypeId = TypeId

  /** @since 0.1.0 */
  override get message(): string {
    return `Tool call ${this.id} (${this.tool}) has ${this.parts.length} JSON values run together as its arguments`
  }
}

/**
 * One reason a schema rejected arguments: where (a path of keys and indices) and why.
 *
 * @since 0.1.0
 * @category schemas
 */
export const ToolCallIssue = Schema.Struct({
  path: Schema.Array(Schema.Union(Schema.String, Schema.Number)),
  message: Schema.String
}).annotations({ identifier: "ToolCallIssue" })
/**
 * @since 0.1.0
 * @category models
 */
export interface ToolCallIssue extends Schema.Schema.Type<typeof ToolCallIssue> {}

/**
 * Arguments that are JSON but do not match the tool's parameters Schema.
 *
 * @since 0.1.0
 * @category errors
 */
export class SchemaMismatch extends Schema.TaggedError<SchemaMismatch>()("SchemaMismatch", {
  ...call,
  issues: Schema.Array(ToolCallIssue)
}) {
  /** @since 0.1.0 */
  readonly [TypeId]: TypeId = TypeId

  /** @since 0.1.0 */
  override get message(): string {
    const issues = this.issues.map((issue) => `${issue.path.join(".") || "(root)"}: ${issue.message}`)
    return `Tool call ${this.id} (${this.tool}) has arguments that do not match its schema: ${issues.join("; ")}`
  }
}

/**
 * The last call of a choice that stopped at the token limit (`finish_reason: "length"`), its arguments cut off.
 *
 * @since 0.1.0
 * @category errors
 */
export class Truncated extends Schema.TaggedError<Truncated>()("Truncated", call) {
  /** @since 0.1.0 */
  readonly [TypeId]: TypeId = TypeId

  /** @since 0.1.0 */
  override get message(): string {
    return `Tool call ${this.id} (${this.tool}) was cut off by the token limit`
  }
}

/**
 * Why a tool call could not be decoded.
 *
 * @since 0.1.0
 * @category models
 */
export type ToolCallError = UnknownTool | InvalidJson | ConcatenatedJson | SchemaMismatch | Truncated

const toolCallErrorTags: ReadonlySet<string> = new Set([
  "UnknownTool",
  "InvalidJson",
  "ConcatenatedJson",
  "SchemaMismatch",
  "Truncated"
])

/**
 * Any error the analysis package fails with or reports.
 *
 * @since 0.1.0
 * @category models
 */
export type AnalysisError = UnpricedCompletion | NoContentTokens | ToolCallError

/**
 * Whether a value is one of the analysis package's errors, by its brand rather than its tag.
 *
 * @since 0.1.0
 * @category guards
 */
export const isAnalysisError = (u: unknown): u is AnalysisError => Predicate.hasProperty(u, TypeId)

/**
 * Whether a value is a {@link ToolCallError}: an analysis error (by its brand, not only its tag) about a tool call.
 *
 * @since 0.1.0
 * @category guards
 */
export const isToolCallError = (u: unknown): u is ToolCallError => isAnalysisError(u) && toolCallErrorTags.has(u._tag)
