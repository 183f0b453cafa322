/**
 * What the tool calls of many stored completions came to: how many calls, per tool and per outcome (decoded, unknown
 * tool, invalid JSON, JSON objects run together, arguments that break the tool's schema, cut off by the token limit),
 * and the first few problems. Each call is extracted with `ToolCalls.extract` against the tools the completion's own
 * request declared ({@link ToolCalls.toolkitFromRequest}), their JSON Schema parameters checked as written.
 *
 * A {@link ToolCallSummary} is a Schema and merges associatively with {@link empty} as identity, like the analysis
 * summaries, so a stream of completions is summarized chunk by chunk without keeping any of them.
 *
 * @since 0.1.0
 */
import type { StoredChatCompletion } from "@objectiveai-effect/domain"
import type * as Chunk from "effect/Chunk"
import { dual } from "effect/Function"
import * as Schema from "effect/Schema"
import * as Sink from "effect/Sink"
import type * as AnalysisError from "./AnalysisError.js"
import * as ToolCalls from "./ToolCalls.js"

/**
 * Every outcome of a tool call, in the order the report shows them.
 *
 * @since 0.1.0
 * @category constants
 */
export const outcomes = [
  "Decoded",
  "UnknownTool",
  "InvalidJson",
  "ConcatenatedJson",
  "SchemaMismatch",
  "Truncated"
] as const

/**
 * The outcome of one tool call: `Decoded`, or the tag of the `AnalysisError.ToolCallError` that says why not.
 *
 * @since 0.1.0
 * @category models
 */
export type Outcome = typeof outcomes[number]

const count = Schema.NonNegativeInt

/**
 * Calls counted per outcome.
 *
 * @since 0.1.0
 * @category schemas
 */
export const OutcomeCounts = Schema.Struct({
  Decoded: count,
  UnknownTool: count,
  InvalidJson: count,
  ConcatenatedJson: count,
  SchemaMismatch: count,
  Truncated: count
}).annotations({ identifier: "OutcomeCounts" })
/**
 * @since 0.1.0
 * @category models
 */
export interface OutcomeCounts extends Schema.Schema.Type<typeof OutcomeCounts> {}

/**
 * The calls of one tool name, by outcome.
 *
 * @since 0.1.0
 * @category schemas
 */
export const ToolCount = Schema.Struct({
  tool: Schema.String,
  calls: count,
  outcomes: OutcomeCounts
}).annotations({ identifier: "ToolCount" })
/**
 * @since 0.1.0
 * @category models
 */
export interface ToolCount extends Schema.Schema.Type<typeof ToolCount> {}

/**
 * A call that did not decode: where it is, and why in one line.
 *
 * @since 0.1.0
 * @category schemas
 */
export const Problem = Schema.Struct({
  completionId: Schema.String,
  choiceIndex: Schema.Number,
  callIndex: Schema.Number,
  tool: Schema.String,
  outcome: Schema.Literal(...outcomes.filter((outcome) => outcome !== "Decoded")),
  reason: Schema.String
}).annotations({ identifier: "ToolCallProblem" })
/**
 * @since 0.1.0
 * @category models
 */
export interface Problem extends Schema.Schema.Type<typeof Problem> {}

/**
 * How many problems a summary keeps: the first ones, in the order the completions came.
 *
 * @since 0.1.0
 * @category constants
 */
export const problemsKept = 10

/**
 * The tool calls of a set of completions: counted in all, per outcome and per tool (sorted by name), with the first
 * {@link problemsKept} problems.
 *
 * @since 0.1.0
 * @category schemas
 */
export const ToolCallSummary = Schema.Struct({
  calls: count,
  outcomes: OutcomeCounts,
  tools: Schema.Array(ToolCount),
  problems: Schema.Array(Problem)
}).annotations({ identifier: "ToolCallSummary" })
/**
 * @since 0.1.0
 * @category models
 */
export interface ToolCallSummary extends Schema.Schema.Type<typeof ToolCallSummary> {}

const noOutcomes: OutcomeCounts = {
  Decoded: 0,
  UnknownTool: 0,
  InvalidJson: 0,
  ConcatenatedJson: 0,
  SchemaMismatch: 0,
  Truncated: 0
}

/**
 * The summary of no completions: the identity of {@link merge}.
 *
 * @since 0.1.0
 * @category constructors
 */
export const empty: ToolCallSummary = { calls: 0, outcomes: noOutcomes, tools: [], problems: [] }

const addOutcomes = (self: OutcomeCounts, that: OutcomeCounts): OutcomeCounts => ({
  Decoded: self.Decoded + that.Decoded,
  UnknownTool: self.UnknownTool + that.UnknownTool,
  InvalidJson: self.InvalidJson + that.InvalidJson,
  ConcatenatedJson: self.ConcatenatedJson + that.ConcatenatedJson,
  SchemaMismatch: self.SchemaMismatch + that.SchemaMismatch,
  Truncated: self.Truncated + that.Truncated
})

const byName = (self: ToolCount, that: ToolCount) => self.tool < that.tool ? -1 : self.tool > that.tool ? 1 : 0

/**
 * Combines two summaries into the summary of both sets of completions, `self`'s completions first. Associative, with
 * {@link empty} as identity.
 *
 * @since 0.1.0
 * @category combinators
 */
export const merge: {
  (that: ToolCallSummary): (self: ToolCallSummary) => ToolCallSummary
  (self: ToolCallSummary, that: ToolCallSummary): ToolCallSummary
} = dual(2, (self: ToolCallSummary, that: ToolCallSummary): ToolCallSummary => {
  const tools = new Map(self.tools.map((tool) => [tool.tool, tool]))
  for (const tool of that.tools) {
    const known = tools.get(tool.tool)
    tools.set(
      tool.tool,
      known === undefined
        ? tool
        : { tool: tool.tool, calls: known.calls + tool.calls, outcomes: addOutcomes(known.outcomes, tool.outcomes) }
    )
  }
  return {
    calls: self.calls + that.calls,
    outcomes: addOutcomes(self.outcomes, that.outcomes),
    tools: [...tools.values()].sort(byName),
    problems: self.problems.length >= problemsKept
      ? self.problems
      : [...self.problems, ...that.problems].slice(0, problemsKept)
  }
})

const issueText = (issue: AnalysisError.ToolCallIssue) => `${issue.path.join(".") || "(root)"}: ${issue.message}`

/** Why a call did not decode, without repeating the call and tool the problem already names. */
const reasonOf = (error: AnalysisError.ToolCallError): string => {
  switch (error._tag) {
    case "UnknownTool":
      return "the request declared no tool of this name"
    case "InvalidJson":
      return `invalid JSON: ${error.reason}`
    case "ConcatenatedJson":
      return `${error.parts.length} JSON values run together`
    case "SchemaMismatch":
      return error.issues.map(issueText).join("; ")
    case "Truncated":
      return "cut off by the token limit"
  }
}

/**
 * The summary of stored completions' tool calls.
 *
 * @example
 * ```ts
 * import type { StoredChatCompletion } from "@objectiveai-effect/domain"
 * import { ToolCallSummary } from "@objectiveai-effect/analysis"
 *
 * // Calls whose arguments broke their tool's JSON Schema.
 * const schemaMismatches = (stored: ReadonlyArray<StoredChatCompletion.StoredChatCompletion>) =>
 *   ToolCallSummary.summarize(stored).outcomes.SchemaMismatch
 * ```
 *
 * @since 0.1.0
 * @category folding
 */
export const summarize = (completions: Iterable<StoredChatCompletion.StoredChatCompletion>): ToolCallSummary =>
  new Summarizer().addAll(completions).summary()

/** The state of one summary being built, owned by a summarize call or a sink run. */
class Summarizer {
  private readonly tools = new Map<string, { calls: number; outcomes: Record<Outcome, number> }>()
  private readonly outcomes: Record<Outcome, number> = { ...noOutcomes }
  private readonly problems: Array<Problem> = []
  private calls = 0

  addAll(completions: Iterable<StoredChatCompletion.StoredChatCompletion>): this {
    for (const completion of completions) {
      for (const result of ToolCalls.extract(completion, ToolCalls.toolkitFromRequest(completion.request))) {
        this.calls++
        this.outcomes[result._tag]++
        let tool = this.tools.get(result.tool)
        if (tool === undefined) {
          tool = { calls: 0, outcomes: { ...noOutcomes } }
          this.tools.set(result.tool, tool)
        }
        tool.calls++
        tool.outcomes[result._tag]++
        if (result._tag !== "Decoded" && this.problems.length < problemsKept) {
          this.problems.push({
            completionId: result.completionId,
            choiceIndex: result.choiceIndex,
            callIndex: result.callIndex,
            tool: result.tool,
            outcome: result._tag,
            reason: reasonOf(result)
          })
        }
      }
    }
    return this
  }

  summary(): ToolCallSummary {
    return {
      calls: this.calls,
      outcomes: { ...this.outcomes },
      tools: [...this.tools].map(([tool, counts]) => ({ tool, calls: counts.calls, outcomes: { ...counts.outcomes } }))
        .sort(byName),
      problems: [...this.problems]
    }
  }
}

/**
 * A sink that summarizes a stream of stored completions, however they are chunked, as {@link summarize} would.
 *
 * @example
 * ```ts
 * import { Stream } from "effect"
 * import type { StoredChatCompletion } from "@objectiveai-effect/domain"
 * import { ToolCallSummary } from "@objectiveai-effect/analysis"
 *
 * const summarizeStream = <E, R>(stored: Stream.Stream<StoredChatCompletion.StoredChatCompletion, E, R>) =>
 *   Stream.run(stored, ToolCallSummary.sink())
 * ```
 *
 * @since 0.1.0
 * @category sinks
 */
export const sink = (): Sink.Sink<ToolCallSummary, StoredChatCompletion.StoredChatCompletion> =>
  Sink.suspend(() =>
    Sink.foldLeftChunks(
      new Summarizer(),
      (summarizer, chunk: Chunk.Chunk<StoredChatCompletion.StoredChatCompletion>) => summarizer.addAll(chunk)
    ).pipe(Sink.map((summarizer) => summarizer.summary()))
  )
