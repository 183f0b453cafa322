/**
 * The three ways `report` prints a `Report.Report` (the analysis package's report):
 *
 * - `table`: aligned sections for people: cost by model, provider and day (exact decimals, unpriced and
 *   bring-your-own-key counted apart), logprob measures, tool calls by tool and outcome with the first problems, and
 *   the failed ids.
 * - `json`: one JSON document, {@link Document} encoded: the analysis summaries in their Schemas' encodings
 *   (amounts as exact decimal strings) beside the derived logprob measures.
 * - `csv`: one long-format table, `section,key,metric,value`, one line per figure, that a spreadsheet pivots or a
 *   data frame filters. Sections: `completions`; `cost.total`, `cost.model`, `cost.provider`, `cost.day` (key: the
 *   group, empty for none; metrics: the totals' fields, nested ones dotted as `tokens.prompt`); `logprobs.content`,
 *   `logprobs.refusal` (the measures; empty value where there is none); `toolCalls` (metric `calls` and one per
 *   outcome); `toolCalls.tool` (key: the tool name); `toolCalls.problem` (key: `completionId:choice:call`, metric: the
 *   outcome, value: the reason); `failure` (key: the id, metric: the error, value: the reason).
 *
 * @since 0.1.0
 */
import { Cost, LogprobMetrics, LogprobSummary, Report, ToolCallSummary } from "@objectiveai-effect/analysis"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import * as Formats from "./internal/formats.js"
import * as Render from "./Render.js"

/**
 * The output formats.
 *
 * @since 0.1.0
 * @category constants
 */
export const formats = Formats.formats

/**
 * One output format.
 *
 * @since 0.1.0
 * @category models
 */
export type Format = typeof formats[number]

/**
 * The measures of a logprob section, as the JSON document writes them (`null` where there is no value).
 *
 * @since 0.1.0
 * @category schemas
 */
export const Metrics = Schema.Struct({
  tokens: Schema.NonNegativeInt,
  perplexity: Schema.OptionFromNullOr(Schema.Number),
  jointLogprob: Schema.Number,
  lowestProbability: Schema.OptionFromNullOr(Schema.Number),
  meanEntropy: Schema.OptionFromNullOr(Schema.Number),
  meanMargin: Schema.OptionFromNullOr(Schema.Number),
  placeholders: LogprobMetrics.Placeholders
}).annotations({ identifier: "ReportMetrics" })

/**
 * The JSON document `report --format json` prints: the `Report.Report`, with the measures of its content and refusal
 * logprobs (perplexity and the rest) worked out.
 *
 * @since 0.1.0
 * @category schemas
 */
export const Document = Schema.Struct({
  ...Report.Report.fields,
  logprobMetrics: Schema.Struct({ content: Metrics, refusal: Metrics })
}).annotations({ identifier: "ReportDocument" })
/**
 * @since 0.1.0
 * @category models
 */
export interface Document extends Schema.Schema.Type<typeof Document> {}

/**
 * The document of a report.
 *
 * @since 0.1.0
 * @category utils
 */
export const document = (report: Report.Report): Document => ({
  ...report,
  logprobMetrics: {
    content: LogprobSummary.toTokenMetrics(report.logprobs.content),
    refusal: LogprobSummary.toTokenMetrics(report.logprobs.refusal)
  }
})

const encodeDocument = Schema.encodeSync(Document)
const encodeTotals = Schema.encodeSync(Cost.Totals)
const encodeMetrics = Schema.encodeSync(Metrics)

/**
 * The report as one JSON document, indented.
 *
 * @since 0.1.0
 * @category utils
 */
export const json = (report: Report.Report): string => JSON.stringify(encodeDocument(document(report)), null, 2)

/** A nested JSON object as `[dotted.name, text]` pairs, `null` as the empty text. */
const flatten = (value: object, prefix = ""): Array<readonly [string, string]> =>
  Object.entries(value).flatMap(([key, field]): Array<readonly [string, string]> =>
    field !== null && typeof field === "object"
      ? flatten(field, `${prefix}${key}.`)
      : [[`${prefix}${key}`, field === null ? "" : String(field)]]
  )

/**
 * The report as one long-format CSV table, `section,key,metric,value`, with its header line.
 *
 * @since 0.1.0
 * @category utils
 */
export const csv = (report: Report.Report): string => {
  const lines = [Render.csvLine(["section", "key", "metric", "value"])]
  const add = (section: string, key: string, pairs: ReadonlyArray<readonly [string, string]>) => {
    for (const [metric, value] of pairs) lines.push(Render.csvLine([section, key, metric, value]))
  }
  add("completions", "", flatten(report.completions))
  add("cost.total", "", flatten(encodeTotals(report.cost.byModel.total)))
  const groups = [
    ["cost.model", report.cost.byModel],
    ["cost.provider", report.cost.byProvider],
    ["cost.day", report.cost.byDay]
  ] as const
  for (const [section, summary] of groups) {
    for (const group of summary.groups) add(section, group.key[0] ?? "", flatten(encodeTotals(group.totals)))
  }
  const { content, refusal } = document(report).logprobMetrics
  add("logprobs.content", "", flatten(encodeMetrics(content)))
  add("logprobs.refusal", "", flatten(encodeMetrics(refusal)))
  const toolCalls = report.toolCalls
  add("toolCalls", "", [["calls", String(toolCalls.calls)], ...flatten(toolCalls.outcomes)])
  for (const tool of toolCalls.tools) {
    add("toolCalls.tool", tool.tool, [["calls", String(tool.calls)], ...flatten(tool.outcomes)])
  }
  for (const problem of toolCalls.problems) {
    add("toolCalls.problem", `${problem.completionId}:${problem.choiceIndex}:${problem.callIndex}`, [[
      problem.outcome,
      problem.reason
    ]])
  }
  for (const failure of report.failures) add("failure", failure.id, [[failure.error, failure.reason]])
  return lines.join("\n")
}

const costColumns = [
  Render.right("completions"),
  Render.right("unpriced"),
  Render.right("byok"),
  Render.right("cost"),
  Render.right("upstream cost"),
  Render.right("BYOK upstream cost"),
  Render.right("prompt tok"),
  Render.right("completion tok"),
  Render.right("reasoning tok")
]

const costCells = (totals: Cost.Totals): Array<string> => {
  const encoded = encodeTotals(totals)
  return [
    Render.integer(totals.completions),
    Render.integer(totals.unpriced),
    Render.integer(totals.byok),
    encoded.cost,
    encoded.upstreamInferenceCost,
    encoded.upstreamUpstreamInferenceCost,
    Render.integer(totals.tokens.prompt),
    Render.integer(totals.tokens.completion),
    Render.integer(totals.tokens.reasoning)
  ]
}

const costTable = (title: string, dimension: string, summary: Cost.CostSummary): Array<string> => [
  title,
  ...Render.table([Render.left(dimension), ...costColumns], [
    ...summary.groups.map((group) => [group.key[0] ?? "(none)", ...costCells(group.totals)]),
    ["total", ...costCells(summary.total)]
  ])
]

const optionalMeasure = (value: Option.Option<number>): string =>
  Option.match(value, {
    onNone: () => "-",
    onSome: Render.measure
  })

const logprobTable = (report: Report.Report): Array<string> => {
  const { content, refusal } = document(report).logprobMetrics
  const sections = [["content", content, report.logprobs.content], [
    "refusal",
    refusal,
    report.logprobs.refusal
  ]] as const
  return [
    `Logprobs (${Render.integer(report.logprobs.choices)} choices; placeholders and non-finite logprobs excluded)`,
    ...Render.table(
      [
        Render.left("tokens of"),
        Render.right("choices"),
        Render.right("tokens"),
        Render.right("perplexity"),
        Render.right("joint logprob"),
        Render.right("lowest p"),
        Render.right("mean entropy"),
        Render.right("mean margin"),
        Render.right("excluded")
      ],
      sections.map(([name, metrics, section]) => [
        name,
        Render.integer(section.choices),
        Render.integer(metrics.tokens),
        optionalMeasure(metrics.perplexity),
        metrics.tokens === 0 ? "-" : Render.measure(metrics.jointLogprob),
        optionalMeasure(metrics.lowestProbability),
        optionalMeasure(metrics.meanEntropy),
        optionalMeasure(metrics.meanMargin),
        Render.integer(metrics.placeholders.excluded)
      ])
    )
  ]
}

const outcomeHeaders: Readonly<Record<ToolCallSummary.Outcome, string>> = {
  Decoded: "decoded",
  UnknownTool: "unknown tool",
  InvalidJson: "invalid JSON",
  ConcatenatedJson: "run together",
  SchemaMismatch: "schema mismatch",
  Truncated: "truncated"
}

const toolCallTable = (summary: ToolCallSummary.ToolCallSummary): Array<string> => {
  const problems = summary.calls - summary.outcomes.Decoded
  const outcomeCells = (outcomes: ToolCallSummary.OutcomeCounts) =>
    ToolCallSummary.outcomes.map((outcome) => Render.integer(outcomes[outcome]))
  const lines = [`Tool calls: ${Render.integer(summary.calls)} (${Render.integer(problems)} not decoded)`]
  if (summary.calls === 0) return lines
  lines.push(
    ...Render.table(
      [
        Render.left("tool"),
        Render.right("calls"),
        ...ToolCallSummary.outcomes.map((outcome) => Render.right(outcomeHeaders[outcome]))
      ],
      [
        ...summary.tools.map((tool) => [tool.tool, Render.integer(tool.calls), ...outcomeCells(tool.outcomes)]),
        ["total", Render.integer(summary.calls), ...outcomeCells(summary.outcomes)]
      ]
    )
  )
  if (summary.problems.length > 0) {
    lines.push(
      "",
      `First ${summary.problems.length} of ${Render.integer(problems)} problems`,
      ...Render.table(
        [
          Render.left("completion"),
          Render.left("choice.call"),
          Render.left("tool"),
          Render.left("outcome"),
          Render.left("reason")
        ],
        summary.problems.map((problem) => [
          problem.completionId,
          `${problem.choiceIndex}.${problem.callIndex}`,
          problem.tool,
          problem.outcome,
          Render.oneLine(problem.reason, 80)
        ])
      )
    )
  }
  return lines
}

/**
 * How many failed ids the table lists; `json` and `csv` list them all.
 *
 * @since 0.1.0
 * @category constants
 */
export const failuresListed = 20

const failureTable = (failures: ReadonlyArray<Report.Failure>): Array<string> => {
  const more = failures.length - failuresListed
  return [
    `Failed ids (${Render.integer(failures.length)})`,
    ...Render.table(
      [Render.left("id"), Render.left("error"), Render.left("reason")],
      failures.slice(0, failuresListed).map((
        failure
      ) => [failure.id, failure.error, Render.oneLine(failure.reason, 120)])
    ),
    ...(more > 0 ? [`… and ${Render.integer(more)} more: --format json or csv lists every one`] : [])
  ]
}

/**
 * How a report is printed: the time zone its days are in, for the table's title (UTC by default).
 *
 * @since 0.1.0
 * @category models
 */
export interface RenderOptions {
  readonly timeZone?: string | undefined
}

/**
 * The report as aligned text sections.
 *
 * @since 0.1.0
 * @category utils
 */
export const table = (report: Report.Report, options: RenderOptions = {}): string => {
  const { retrieved, failed } = report.completions
  const sections = [
    [`Completions: ${Render.integer(retrieved)} retrieved, ${Render.integer(failed)} failed`],
    costTable("Cost by model (credits)", "model", report.cost.byModel),
    costTable("Cost by provider (credits)", "provider", report.cost.byProvider),
    costTable(`Cost by day, ${options.timeZone ?? "UTC"} (credits)`, "day", report.cost.byDay),
    logprobTable(report),
    toolCallTable(report.toolCalls),
    ...(report.failures.length === 0 ? [] : [failureTable(report.failures)])
  ]
  return sections.map((lines) => lines.join("\n")).join("\n\n")
}

/**
 * The report in a format.
 *
 * @since 0.1.0
 * @category utils
 */
export const render = (report: Report.Report, format: Format, options: RenderOptions = {}): string =>
  format === "json" ? json(report) : format === "csv" ? csv(report) : table(report, options)
