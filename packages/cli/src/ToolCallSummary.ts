/**
 * What the tool calls of many stored completions came to: how many calls, per tool and per outcome (decoded, unknown
 * tool, invalid JSON, JSON objects run together, arguments that break the tool's schema, cut off by the token limit),
 * and the first few problems. Each call is extracted with the analysis package's `ToolCalls.extract`, against the
 * tools the completion's own request declared, their JSON Schema parameters checked as written.
 *
 * A {@link ToolCallSummary} is a Schema and merges associatively with {@link empty} as identity, like the analysis
 * summaries, so a stream of completions is summarized chunk by chunk without keeping any of them.
 *
 * @since 0.1.0
 */
import { ToolCalls } from "@objectiveai-effect/analysis"
import { Json, type StoredChatCompletion } from "@objectiveai-effect/domain"
import { dual } from "effect/Function"
import * as Schema from "effect/Schema"
import * as JsonSchema from "./internal/jsonSchema.js"

/**
 * Every outcome of a tool call, in the order the report shows them.
 *
 * @since 0.1.0
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
 * The outcome of one tool call: `Decoded`, or the tag of the `ToolCalls.ToolCallError` that says why not.
 *
 * @since 0.1.0
 */
export type Outcome = typeof outcomes[number]

const count = Schema.NonNegativeInt

/**
 * Calls counted per outcome.
 *
 * @since 0.1.0
 */
export const OutcomeCounts = Schema.Struct({
  Decoded: count,
  UnknownTool: count,
  InvalidJson: count,
  ConcatenatedJson: count,
  SchemaMismatch: count,
  Truncated: count
}).annotations({ identifier: "OutcomeCounts" })
/** @since 0.1.0 */
export interface OutcomeCounts extends Schema.Schema.Type<typeof OutcomeCounts> {}

/**
 * The calls of one tool name, by outcome.
 *
 * @since 0.1.0
 */
export const ToolCount = Schema.Struct({
  tool: Schema.String,
  calls: count,
  outcomes: OutcomeCounts
}).annotations({ identifier: "ToolCount" })
/** @since 0.1.0 */
export interface ToolCount extends Schema.Schema.Type<typeof ToolCount> {}

/**
 * A call that did not decode: where it is, and why in one line.
 *
 * @since 0.1.0
 */
export const Problem = Schema.Struct({
  completionId: Schema.String,
  choiceIndex: Schema.Number,
  callIndex: Schema.Number,
  tool: Schema.String,
  outcome: Schema.Literal(...outcomes.filter((outcome) => outcome !== "Decoded")),
  reason: Schema.String
}).annotations({ identifier: "ToolCallProblem" })
/** @since 0.1.0 */
export interface Problem extends Schema.Schema.Type<typeof Problem> {}

/**
 * How many problems a summary keeps: the first ones, in the order the completions came.
 *
 * @since 0.1.0
 */
export const problemsKept = 10

/**
 * The tool calls of a set of completions: counted in all, per outcome and per tool (sorted by name), with the first
 * {@link problemsKept} problems.
 *
 * @since 0.1.0
 */
export const ToolCallSummary = Schema.Struct({
  calls: count,
  outcomes: OutcomeCounts,
  tools: Schema.Array(ToolCount),
  problems: Schema.Array(Problem)
}).annotations({ identifier: "ToolCallSummary" })
/** @since 0.1.0 */
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

/**
 * The tool-call parameters a toolkit checks arguments with: any value, refined by the declared JSON Schema, which it
 * also carries as its own JSON Schema.
 */
const parametersOf = (jsonSchema: Json.JsonValue | undefined): Schema.Schema<unknown> => {
  const check = JsonSchema.checker(jsonSchema)
  return Schema.Unknown.pipe(Schema.filter((value) => check(value)))
}

type Toolkit = ToolCalls.Toolkit<Record<string, Schema.Schema<unknown>>>

// Requests repeat the same few tool lists, and `ToolCalls.extract` caches its decoders per toolkit, so one toolkit
// per distinct list is built. The cache is cleared when it fills, which bounds it on data with endless variety.
const toolkits = new Map<string, Toolkit>()
const toolkitsKept = 256

/**
 * The toolkit of a stored request: each tool it declared, its arguments checked against its JSON Schema parameters.
 * A call of a tool the request did not declare is an `UnknownTool`.
 *
 * @since 0.1.0
 */
export const toolkitOf = (request: StoredChatCompletion.StoredChatCompletionRequest): Toolkit => {
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

const issueText = (issue: ToolCalls.Issue) => `${issue.path.join(".") || "(root)"}: ${issue.message}`

/** Why a call did not decode, without repeating the call and tool the problem already names. */
const reasonOf = (error: ToolCalls.ToolCallError): string => {
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
 * import { ToolCallSummary } from "@objectiveai-effect/cli"
 *
 * const summary = ToolCallSummary.summarize(storedCompletions)
 * summary.outcomes.SchemaMismatch // calls whose arguments broke their tool's JSON Schema
 * ```
 *
 * @since 0.1.0
 */
export const summarize = (completions: Iterable<StoredChatCompletion.StoredChatCompletion>): ToolCallSummary => {
  const tools = new Map<string, { calls: number; outcomes: Record<Outcome, number> }>()
  const outcomeCounts: Record<Outcome, number> = { ...noOutcomes }
  const problems: Array<Problem> = []
  let calls = 0
  for (const completion of completions) {
    for (const result of ToolCalls.extract(completion, toolkitOf(completion.request))) {
      calls++
      outcomeCounts[result._tag]++
      let tool = tools.get(result.tool)
      if (tool === undefined) {
        tool = { calls: 0, outcomes: { ...noOutcomes } }
        tools.set(result.tool, tool)
      }
      tool.calls++
      tool.outcomes[result._tag]++
      if (result._tag !== "Decoded" && problems.length < problemsKept) {
        problems.push({
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
  return {
    calls,
    outcomes: outcomeCounts,
    tools: [...tools].map(([tool, counts]) => ({ tool, ...counts })).sort(byName),
    problems
  }
}
