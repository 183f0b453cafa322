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
import {
  CallSummary,
  Cost,
  LogprobMetrics,
  LogprobSummary,
  Report,
  ToolCallSummary
} from "@objectiveai-effect/analysis"
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
 * @category encoding
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
 * @category encoding
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
 * @category encoding
 */
export const csv = (report: Report.Report): string => {
  const lines = [Render.csvLine(["section", "key", "metric", "value"])]
  const add = (section: string, key: string, pairs: ReadonlyArray<readonly [string, string]>) => {
    for (const [metric, value] of pairs) lines.push(Render.csvLine([section, key, metric, value]))
  }
  add("completions", "", flatten(report.completions))
  add("cost.total", "", flatten(encodeTotals(report.cost.byModel.total)))
  const byTag = report.cost.byTag
  const groups = [
    ["cost.model", report.cost.byModel],
    ["cost.provider", report.cost.byProvider],
    ["cost.day", report.cost.byDay],
    ...(byTag === undefined ? [] : [[`cost.tag:${byTag.key}`, byTag.summary] as const])
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
  if (report.calls !== undefined) {
    const callPairs = (group: CallSummary.Group) => [
      ...flatten({ calls: group.calls, failed: group.failed, interrupted: group.interrupted }),
      ...flatten(group.errors, "error.")
    ]
    add("calls", "", callPairs(report.calls.total))
    for (const group of report.calls.byModel) add("calls.model", group.key ?? "", callPairs(group))
    for (const group of report.calls.byProvider) add("calls.provider", group.key ?? "", callPairs(group))
  }
  return lines.join("\n")
}

/**
 * The width the default table fits in; `wide` adds the upstream cost columns and gives problems their whole reason.
 *
 * @since 0.1.0
 * @category constants
 */
export const tableWidth = 120

/** How much of a long text (a problem's reason, a failure's) `wide` prints. */
const wideDetail = 200

/** The columns of a cost table, each with its cell; `wideOnly` ones are printed with `wide`. */
const costColumns: ReadonlyArray<{
  readonly column: Render.Column
  readonly cell: (totals: Cost.Totals, encoded: typeof Cost.Totals.Encoded) => string
  readonly wideOnly?: boolean
}> = [
  { column: Render.right("completions"), cell: (totals) => Render.integer(totals.completions) },
  { column: Render.right("unpriced"), cell: (totals) => Render.integer(totals.unpriced) },
  { column: Render.right("byok"), cell: (totals) => Render.integer(totals.byok) },
  { column: Render.right("cost"), cell: (_, encoded) => encoded.cost },
  { column: Render.right("upstream cost"), cell: (_, encoded) => encoded.upstreamInferenceCost, wideOnly: true },
  {
    column: Render.right("BYOK upstream cost"),
    cell: (_, encoded) => encoded.upstreamUpstreamInferenceCost,
    wideOnly: true
  },
  { column: Render.right("in tok"), cell: (totals) => Render.integer(totals.tokens.prompt) },
  { column: Render.right("out tok"), cell: (totals) => Render.integer(totals.tokens.completion) },
  { column: Render.right("reasoning tok"), cell: (totals) => Render.integer(totals.tokens.reasoning) }
]

const costTable = (title: string, dimension: string, summary: Cost.CostSummary, wide: boolean): Array<string> => {
  const columns = costColumns.filter((column) => wide || column.wideOnly !== true)
  const cells = (totals: Cost.Totals) => {
    const encoded = encodeTotals(totals)
    return columns.map((column) => column.cell(totals, encoded))
  }
  return [
    title,
    ...Render.table([Render.left(dimension), ...columns.map((column) => column.column)], [
      ...summary.groups.map((group) => [group.key[0] ?? "(none)", ...cells(group.totals)]),
      ["total", ...cells(summary.total)]
    ])
  ]
}

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
    `Logprobs: ${Render.integer(report.logprobs.content.choices)} choices with content tokens, ${
      Render.integer(report.logprobs.refusal.choices)
    } with refusal tokens (placeholders and non-finite logprobs excluded)`,
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

/**
 * A table whose last column is a long text (a reason): wide, a column like the others; by default, a line of its own
 * under its row, indented and cut to the table's width, so that the table fits whatever the ids and names.
 */
const withDetails = (
  columns: ReadonlyArray<Render.Column>,
  rows: ReadonlyArray<ReadonlyArray<string>>,
  wide: boolean
): Array<string> => {
  if (wide) {
    return Render.table(
      columns,
      rows.map((row) => [...row.slice(0, -1), Render.oneLine(row[row.length - 1], wideDetail)])
    )
  }
  const [header, ...lines] = Render.table(columns.slice(0, -1), rows.map((row) => row.slice(0, -1)))
  return [
    header,
    ...rows.flatMap((row, index) => [lines[index], `  ${Render.oneLine(row[row.length - 1], tableWidth - 2)}`])
  ]
}

/** A problem's outcome and reason, the outcome once where the reason already starts with it. */
const problemText = (problem: ToolCallSummary.Problem): string => {
  const outcome = outcomeHeaders[problem.outcome]
  return problem.reason.toLowerCase().startsWith(outcome.toLowerCase())
    ? problem.reason
    : `${outcome}: ${problem.reason}`
}

const toolCallTable = (summary: ToolCallSummary.ToolCallSummary, wide: boolean): Array<string> => {
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
    const columns = [
      Render.left("completion"),
      Render.right("choice"),
      Render.right("call"),
      Render.left("tool"),
      Render.left("problem")
    ]
    const rows = summary.problems.map((problem) => [
      problem.completionId,
      String(problem.choiceIndex),
      String(problem.callIndex),
      problem.tool,
      problemText(problem)
    ])
    lines.push(
      "",
      `First ${summary.problems.length} of ${Render.integer(problems)} problems`,
      ...withDetails(columns, rows, wide)
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

const failureTable = (failures: ReadonlyArray<Report.Failure>, wide: boolean): Array<string> => {
  const more = failures.length - failuresListed
  return [
    `Failed ids (${Render.integer(failures.length)})`,
    ...withDetails(
      [Render.left("id"), Render.left("error"), Render.left("reason")],
      failures.slice(0, failuresListed).map((failure) => [failure.id, failure.error, failure.reason]),
      wide
    ),
    ...(more > 0 ? [`… and ${Render.integer(more)} more: --format json or csv lists every one`] : [])
  ]
}

const percent = (rate: number) => `${(rate * 100).toFixed(1)}%`

// Captured calls by model and provider: how many failed, at what rate, and with which errors most.
const callTable = (calls: CallSummary.CallSummary): Array<string> => {
  const row = (label: string, group: CallSummary.Group) => [
    label,
    Render.integer(group.calls),
    Render.integer(group.failed),
    percent(CallSummary.errorRate(group)),
    Render.integer(group.interrupted),
    Object.entries(group.errors).sort(([, a], [, b]) => b - a).map(([error, count]) => `${error} ${count}`).join(", ")
  ]
  return [
    `Captured calls: ${Render.integer(calls.total.calls)}, ${Render.integer(calls.total.failed)} failed (${
      percent(CallSummary.errorRate(calls.total))
    })`,
    ...Render.table(
      [
        Render.left("model / provider"),
        Render.right("calls"),
        Render.right("failed"),
        Render.right("error rate"),
        Render.right("interrupted"),
        Render.left("errors")
      ],
      [
        ...calls.byModel.map((group) => row(group.key ?? "(none)", group)),
        ...calls.byProvider.map((group) => row(`provider ${group.key ?? "(unknown)"}`, group))
      ]
    )
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
  /** Every column, whatever the width: the upstream costs, and each problem's whole reason. */
  readonly wide?: boolean | undefined
}

/**
 * The report as aligned text sections.
 *
 * @since 0.1.0
 * @category rendering
 */
export const table = (report: Report.Report, options: RenderOptions = {}): string => {
  const { retrieved, failed } = report.completions
  const wide = options.wide === true
  const sections = [
    [`Completions: ${Render.integer(retrieved)} retrieved, ${Render.integer(failed)} failed`],
    costTable("Cost by model (credits)", "model", report.cost.byModel, wide),
    costTable("Cost by provider (credits)", "provider", report.cost.byProvider, wide),
    costTable(`Cost by day, ${options.timeZone ?? "UTC"} (credits)`, "day", report.cost.byDay, wide),
    ...(report.cost.byTag === undefined
      ? []
      : [
        costTable(
          `Cost by tag ${report.cost.byTag.key} (credits)`,
          report.cost.byTag.key,
          report.cost.byTag.summary,
          wide
        )
      ]),
    ...(report.calls === undefined ? [] : [callTable(report.calls)]),
    logprobTable(report),
    toolCallTable(report.toolCalls, wide),
    ...(report.failures.length === 0 ? [] : [failureTable(report.failures, wide)])
  ]
  return sections.map((lines) => lines.join("\n")).join("\n\n")
}

/**
 * The report in a format.
 *
 * @since 0.1.0
 * @category rendering
 */
export const render = (report: Report.Report, format: Format, options: RenderOptions = {}): string =>
  format === "json" ? json(report) : format === "csv" ? csv(report) : table(report, options)
