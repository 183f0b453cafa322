/**
 * The dashboard page, run in the browser: reads the analytics endpoints (or, in a report file, the answers inlined
 * in it), draws the charts with uPlot and the tables, and redraws everything when a filter changes. Bundled with
 * uPlot by scripts/page.ts into src/internal/assets.ts; nothing is fetched from another host.
 *
 * Every chart says what it shows without colour: stacked series are filled with patterns, lines are dashed
 * differently, and each legend names its series beside a swatch of its pattern.
 */
import uPlot from "uplot"

type Decimal = string

interface Filter {
  since?: string
  until?: string
  model?: Array<string>
  provider?: Array<string>
  tag?: Array<string>
  timeZone?: string
}

interface Overview {
  completions: number
  first: number | null
  last: number | null
  models: Array<string>
  providers: Array<string>
  tags: Record<string, Array<string>>
}

interface CostOverTime {
  by: string
  days: Array<string>
  series: Array<{ key: string | null; cost: Array<Decimal>; completions: Array<number> }>
}

interface TokensOverTime {
  days: Array<string>
  prompt: Array<number>
  completion: Array<number>
  reasoning: Array<number>
  cached: Array<number>
}

interface Totals {
  completions: number
  unpriced: number
  byok: number
  cost: Decimal
  upstreamInferenceCost: Decimal
  tokens: Record<string, number>
}

interface CostSummary {
  total: Totals
  groups: Array<{ key: Array<string | null>; totals: Totals }>
}

interface Measures {
  tokens: number
  perplexity: number | null
  meanEntropy: number | null
  meanMargin: number | null
  lowestProbability: number | null
}

interface LogprobsOverTime {
  days: Array<string>
  total: Measures
  models: Array<
    {
      model: string
      total: Measures
      perplexity: Array<number | null>
      meanEntropy: Array<number | null>
      meanMargin: Array<number | null>
      lowestProbability: Array<number | null>
    }
  >
}

interface ToolCalls {
  calls: number
  outcomes: Record<string, number>
  tools: Array<{ tool: string; calls: number; outcomes: Record<string, number> }>
  problems: Array<
    { completionId: string; choiceIndex: number; callIndex: number; tool: string; outcome: string; reason: string }
  >
}

interface Failures {
  completions: number
  failed: number
  rate: number
  byError: Array<{ error: string; failed: number }>
  byModel: Array<{ key: string | null; completions: number; failed: number; rate: number }>
  byProvider: Array<{ key: string | null; completions: number; failed: number; rate: number }>
  failures: Array<{ id: string; error: string; reason: string; attempts: number; lastAttempt: number }>
}

interface Expensive {
  id: string
  created: number
  model: string
  provider: string | null
  cost: Decimal
  promptTokens: number | null
  completionTokens: number | null
}

interface Answers {
  costByModel: CostOverTime
  costByProvider: CostOverTime
  costByTag?: CostOverTime
  tokens: TokensOverTime
  costTable: { byModel: CostSummary; byProvider: CostSummary }
  logprobs: LogprobsOverTime
  toolCalls: ToolCalls
  failures: Failures
  expensive: Array<Expensive>
}

/** What a report file carries: the overview, the answers for its filter, and the bodies of its expensive rows. */
interface Snapshot {
  filter: Filter
  overview: Overview
  answers: Answers
  completions: Record<string, string>
}

declare global {
  interface Window {
    /** Set once every chart is drawn for the current filter: the time since navigation, in milliseconds. */
    dashboardDrawn?: number
    /** Counts the draws, so that a test can wait for the draw that follows a filter change. */
    dashboardGeneration?: number
  }
}

// Okabe and Ito's palette, told apart by people with any colour vision; patterns tell the series apart without it.
const palette = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
const dashes: Array<Array<number>> = [[], [8, 4], [2, 3], [10, 3, 2, 3], [4, 4], [1, 6], [12, 6], [6, 2, 2, 2]]
const outcomes = ["Decoded", "InvalidJson", "ConcatenatedJson", "SchemaMismatch", "Truncated", "UnknownTool"] as const
const outcomeLabels: Record<string, string> = {
  Decoded: "decoded",
  InvalidJson: "invalid JSON",
  ConcatenatedJson: "concatenated JSON",
  SchemaMismatch: "schema mismatch",
  Truncated: "truncated",
  UnknownTool: "unknown tool"
}

const element = <K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Record<string, string> = {},
  ...children: Array<Node | string>
): HTMLElementTagNameMap[K] => {
  const node = document.createElement(tag)
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value)
  node.append(...children)
  return node
}

const byId = (id: string): HTMLElement => document.getElementById(id)!

/** A fill pattern per series: a colour and a texture (hatches, dots, crosses, …) drawn on a small tile. */
const patternTile = (index: number): HTMLCanvasElement => {
  const size = 8
  const tile = element("canvas")
  tile.width = size
  tile.height = size
  const context = tile.getContext("2d")!
  const colour = palette[index % palette.length]
  context.fillStyle = colour
  context.globalAlpha = 0.35
  context.fillRect(0, 0, size, size)
  context.globalAlpha = 1
  context.strokeStyle = colour
  context.fillStyle = colour
  context.lineWidth = 1.5
  context.beginPath()
  switch (index % 6) {
    case 0:
      context.fillRect(0, 0, size, size)
      break
    case 1:
      context.moveTo(0, size)
      context.lineTo(size, 0)
      break
    case 2:
      context.arc(size / 2, size / 2, 1.6, 0, Math.PI * 2)
      context.fill()
      break
    case 3:
      context.moveTo(0, size / 2)
      context.lineTo(size, size / 2)
      break
    case 4:
      context.moveTo(0, 0)
      context.lineTo(size, size)
      context.moveTo(0, size)
      context.lineTo(size, 0)
      break
    case 5:
      context.moveTo(size / 2, 0)
      context.lineTo(size / 2, size)
      break
  }
  context.stroke()
  return tile
}

const patterns = new Map<number, CanvasPattern>()
const patternOf = (index: number): CanvasPattern => {
  let pattern = patterns.get(index)
  if (pattern === undefined) {
    pattern = document.createElement("canvas").getContext("2d")!.createPattern(patternTile(index), "repeat")!
    patterns.set(index, pattern)
  }
  return pattern
}

const swatch = (index: number, kind: "fill" | "line"): HTMLCanvasElement => {
  const canvas = element("canvas", { "aria-hidden": "true", class: "swatch" })
  canvas.width = 28
  canvas.height = 12
  const context = canvas.getContext("2d")!
  if (kind === "fill") {
    context.fillStyle = context.createPattern(patternTile(index), "repeat")!
    context.fillRect(0, 0, 28, 12)
    context.strokeStyle = palette[index % palette.length]
    context.strokeRect(0.5, 0.5, 27, 11)
  } else {
    context.strokeStyle = palette[index % palette.length]
    context.lineWidth = 2
    context.setLineDash(dashes[index % dashes.length])
    context.beginPath()
    context.moveTo(0, 6)
    context.lineTo(28, 6)
    context.stroke()
  }
  return canvas
}

const legend = (entries: Array<{ label: string; value: string }>, kind: "fill" | "line"): HTMLElement =>
  element(
    "ul",
    { class: "legend" },
    ...entries.map((entry, index) =>
      element(
        "li",
        {},
        swatch(index, kind),
        element("span", {}, entry.label),
        element("span", { class: "value" }, entry.value)
      )
    )
  )

const integer = new Intl.NumberFormat("en-US")
const formatNumber = (value: number | null, digits = 4): string =>
  value === null ? "—" : Number.isInteger(value) ? integer.format(value) : value.toPrecision(digits)
const formatCost = (value: Decimal): string => {
  const number = Number(value)
  return number === 0 ? "0" : number.toPrecision(6).replace(/\.?0+$/, "")
}
const label = (key: string | null): string => key ?? "(none)"

const charts: Array<uPlot> = []

// The draw in progress: each chart or table marks itself with it and with how many values it shows.
let generation = 0
const mark = (container: HTMLElement, points: string) => {
  container.dataset["points"] = points
  container.dataset["drawn"] = String(generation)
}

/** Width of a chart in its card. */
const widthOf = (container: HTMLElement): number => Math.max(320, container.clientWidth - 8)

// Days of one year are labelled without it, so that a week of labels fits a card.
const axisOfDays = (days: Array<string>): uPlot.Axis => {
  const oneYear = days.length > 0 && days[0].slice(0, 4) === days[days.length - 1].slice(0, 4)
  return {
    label: oneYear ? `day (${days[0].slice(0, 4)})` : "day",
    values: (_self, ticks) =>
      ticks.map((tick) => Number.isInteger(tick) ? (oneYear ? days[tick]?.slice(5) : days[tick]) ?? "" : ""),
    space: 50
  }
}

/** A uPlot chart in a card, with the card's own legend, marked drawn with how many points it has. */
const chart = (
  id: string,
  options: { days: Array<string>; series: Array<uPlot.Series>; data: Array<Array<number | null>>; yLabel: string },
  legendNode: HTMLElement
) => {
  const container = byId(id)
  const plot = container.querySelector<HTMLElement>(".plot")!
  plot.replaceChildren()
  container.querySelector(".legend")?.replaceWith(legendNode)
  const points = options.data.reduce((count, values) => count + values.filter((value) => value !== null).length, 0)
  mark(container, String(points))
  if (options.days.length === 0) {
    plot.append(element("p", { class: "empty" }, "No completion matches the filters."))
    return
  }
  charts.push(
    new uPlot(
      {
        width: widthOf(container),
        height: 220,
        legend: { show: false },
        cursor: { drag: { x: false, y: false } },
        scales: { x: { time: false, range: [-0.5, options.days.length - 0.5] } },
        axes: [axisOfDays(options.days), { label: options.yLabel, size: 70 }],
        series: [{}, ...options.series]
      },
      [options.days.map((_, i) => i), ...options.data] as uPlot.AlignedData,
      plot
    )
  )
}

const stackedCost = (id: string, answer: CostOverTime) => {
  // Highest total first; each series is drawn as the sum of itself and every series after it, tallest first, so that
  // the bars stack.
  const values = answer.series.map((series) => series.cost.map(Number))
  const stacked = values.map((_, index) =>
    answer.days.map((__, day) => values.slice(index).reduce((sum, series) => sum + series[day], 0))
  )
  const bars = uPlot.paths.bars!({ size: [0.7, 60] })
  chart(
    id,
    {
      days: answer.days,
      yLabel: "credits",
      series: answer.series.map((series, index) => ({
        label: label(series.key),
        stroke: palette[index % palette.length],
        fill: () => patternOf(index),
        paths: bars,
        points: { show: false }
      })),
      data: stacked
    },
    legend(
      answer.series.map((series) => ({
        label: label(series.key),
        value: formatCost(String(series.cost.reduce((sum, value) => sum + Number(value), 0)))
      })),
      "fill"
    )
  )
}

const lineSeries = (name: string, index: number): uPlot.Series => ({
  label: name,
  stroke: palette[index % palette.length],
  width: 2,
  dash: dashes[index % dashes.length],
  spanGaps: false,
  points: { show: true, size: 5 }
})

const drawTokens = (answer: TokensOverTime) => {
  const parts = [
    ["prompt", answer.prompt],
    ["completion", answer.completion],
    ["reasoning", answer.reasoning],
    ["cached", answer.cached]
  ] as const
  chart(
    "chart-tokens",
    {
      days: answer.days,
      yLabel: "tokens",
      series: parts.map(([name], index) => lineSeries(name, index)),
      data: parts.map(([, values]) => values)
    },
    legend(
      parts.map(([name, values]) => ({ label: name, value: integer.format(values.reduce((a, b) => a + b, 0)) })),
      "line"
    )
  )
}

type Measure = "perplexity" | "meanEntropy" | "meanMargin" | "lowestProbability"
const measureLabels: Record<Measure, string> = {
  perplexity: "perplexity",
  meanEntropy: "mean entropy (nats)",
  meanMargin: "mean margin",
  lowestProbability: "lowest probability"
}

const drawLogprobs = (answer: LogprobsOverTime) => {
  const measure = (byId("measure") as HTMLSelectElement).value as Measure
  chart(
    "chart-logprobs",
    {
      days: answer.days,
      yLabel: measureLabels[measure],
      series: answer.models.map((model, index) => lineSeries(model.model, index)),
      data: answer.models.map((model) => model[measure])
    },
    legend(answer.models.map((model) => ({ label: model.model, value: formatNumber(model.total[measure]) })), "line")
  )
  const total = byId("logprob-total")
  total.replaceChildren(
    ...(["perplexity", "meanEntropy", "meanMargin", "lowestProbability"] as const).map((name) =>
      element(
        "div",
        { class: "figure" },
        element("span", { class: "name" }, measureLabels[name]),
        element(
          "span",
          { "data-figure": `logprobs.${name}`, "data-value": String(answer.total[name]) },
          formatNumber(answer.total[name])
        )
      )
    )
  )
}

const table = (headers: Array<string>, rows: Array<Array<Node | string>>, attributes: Record<string, string> = {}) =>
  element(
    "table",
    attributes,
    element("thead", {}, element("tr", {}, ...headers.map((header) => element("th", { scope: "col" }, header)))),
    element("tbody", {}, ...rows.map((cells) => element("tr", {}, ...cells.map((cell) => element("td", {}, cell)))))
  )

const figure = (name: string, value: string, shown = value) =>
  element("span", { "data-figure": name, "data-value": value }, shown)

const drawCostTable = (answer: { byModel: CostSummary; byProvider: CostSummary }) => {
  const rows = (summary: CostSummary, dimension: string) =>
    summary.groups.map((group) => {
      const key = label(group.key[0] ?? null)
      return [
        key,
        figure(`cost.${dimension}.${key}.completions`, String(group.totals.completions)),
        figure(`cost.${dimension}.${key}.cost`, group.totals.cost),
        String(group.totals.unpriced),
        String(group.totals.byok),
        integer.format(group.totals.tokens.prompt),
        integer.format(group.totals.tokens.completion),
        integer.format(group.totals.tokens.reasoning),
        integer.format(group.totals.tokens.cached)
      ]
    })
  const headers = [
    "",
    "completions",
    "cost (credits)",
    "unpriced",
    "BYOK",
    "prompt",
    "completion",
    "reasoning",
    "cached"
  ]
  const total = answer.byModel.total
  const container = byId("cost-table")
  mark(container, String(answer.byModel.groups.length))
  container.querySelector(".plot")!.replaceChildren(
    element("h3", {}, "By model"),
    table(headers, [
      ...rows(answer.byModel, "model"),
      [
        element("strong", {}, "total"),
        figure("completions.retrieved", String(total.completions)),
        figure("cost.total", total.cost),
        String(total.unpriced),
        String(total.byok),
        integer.format(total.tokens.prompt),
        integer.format(total.tokens.completion),
        integer.format(total.tokens.reasoning),
        integer.format(total.tokens.cached)
      ]
    ]),
    element("h3", {}, "By provider"),
    table(headers, rows(answer.byProvider, "provider"))
  )
}

const drawToolCalls = (answer: ToolCalls) => {
  const container = byId("chart-tools")
  mark(container, String(answer.tools.length))
  const most = Math.max(1, ...answer.tools.map((tool) => tool.calls))
  const bar = (tool: ToolCalls["tools"][number]) =>
    element(
      "div",
      {
        class: "hbar",
        role: "img",
        "aria-label": outcomes.map((outcome) => `${outcomeLabels[outcome]} ${tool.outcomes[outcome]}`).join(", ")
      },
      ...outcomes.filter((outcome) => tool.outcomes[outcome] > 0).map((outcome) =>
        element("span", {
          class: `segment outcome-${outcomes.indexOf(outcome)}`,
          style: `width:${(100 * tool.outcomes[outcome]) / most}%`,
          title: `${outcomeLabels[outcome]}: ${tool.outcomes[outcome]}`
        })
      )
    )
  container.querySelector(".plot")!.replaceChildren(
    answer.tools.length === 0 ? element("p", { class: "empty" }, "No tool call in the matching completions.") : table(
      ["tool", "calls", ...outcomes.map((outcome) => outcomeLabels[outcome]), ""],
      answer.tools.map((tool) => [
        tool.tool,
        figure(`toolCalls.tool.${tool.tool}`, String(tool.calls)),
        ...outcomes.map((outcome) => String(tool.outcomes[outcome])),
        bar(tool)
      ])
    ),
    element(
      "ul",
      { class: "legend" },
      ...outcomes.map((outcome, index) =>
        element(
          "li",
          {},
          element("span", { class: `key outcome-${index}`, "aria-hidden": "true" }),
          outcomeLabels[outcome]
        )
      )
    ),
    element("p", {}, "Calls: ", figure("toolCalls.calls", String(answer.calls))),
    ...(answer.problems.length === 0 ? [] : [
      element("h3", {}, "First problems"),
      table(
        ["completion", "choice", "call", "tool", "outcome", "reason"],
        answer.problems.map((problem) => [
          problem.completionId,
          String(problem.choiceIndex),
          String(problem.callIndex),
          problem.tool,
          outcomeLabels[problem.outcome] ?? problem.outcome,
          problem.reason
        ])
      )
    ])
  )
}

const drawFailures = (answer: Failures) => {
  const container = byId("failures")
  mark(container, String(answer.byModel.length + answer.failures.length))
  const rates = (rows: Failures["byModel"], dimension: string) =>
    rows.map((row) => [
      label(row.key),
      integer.format(row.completions),
      figure(`failures.${dimension}.${label(row.key)}.failed`, String(row.failed), integer.format(row.failed)),
      figure(`failures.${dimension}.${label(row.key)}.rate`, String(row.rate), `${(row.rate * 100).toFixed(2)} %`)
    ])
  container.querySelector(".plot")!.replaceChildren(
    element(
      "p",
      {},
      figure("failures.failed", String(answer.failed)),
      " failed of ",
      integer.format(answer.completions + answer.failed),
      " calls: an error rate of ",
      figure("failures.rate", String(answer.rate), `${(answer.rate * 100).toFixed(2)} %`)
    ),
    table(["error", "failed"], answer.byError.map((row) => [row.error, integer.format(row.failed)])),
    element("h3", {}, "By model"),
    table(["model", "completions", "failed", "error rate"], rates(answer.byModel, "model")),
    element("h3", {}, "By provider"),
    table(["provider", "completions", "failed", "error rate"], rates(answer.byProvider, "provider")),
    ...(answer.failures.length === 0 ? [] : [
      element("h3", {}, "Failures"),
      table(
        ["id", "error", "reason", "attempts"],
        answer.failures.map((failure) => [failure.id, failure.error, failure.reason, String(failure.attempts)])
      )
    ])
  )
}

const text = (value: unknown): string =>
  typeof value === "string"
    ? value
    : Array.isArray(value)
    ? value.map((
      part
    ) => (typeof part === "object" && part !== null && "text" in part ? String(part.text) : JSON.stringify(part))).join(
      "\n"
    )
    : value === null || value === undefined
    ? ""
    : JSON.stringify(value, null, 2)

/** A stored completion, readable: the request's messages, then each choice's answer and tool calls. */
const showCompletion = (json: string) => {
  const view = byId("completion")
  const stored = JSON.parse(json) as {
    request?: { messages?: Array<{ role: string; content?: unknown }> }
    response: {
      id: string
      model: string
      provider?: string
      choices: Array<
        {
          index: number
          finish_reason: string | null
          message: {
            content?: unknown
            refusal?: unknown
            tool_calls?: Array<{ function: { name: string; arguments: string } }>
          }
        }
      >
      usage?: unknown
    }
  }
  const response = stored.response
  view.replaceChildren(
    element("h3", { tabindex: "-1", id: "completion-title" }, response.id),
    element("p", {}, `${response.model}${response.provider === undefined ? "" : ` via ${response.provider}`}`),
    element("h4", {}, "Request"),
    ...(stored.request?.messages ?? []).map((message) =>
      element(
        "div",
        { class: `message role-${message.role}` },
        element("strong", {}, message.role),
        element("pre", {}, text(message.content))
      )
    ),
    element("h4", {}, "Answer"),
    ...response.choices.map((choice) =>
      element(
        "div",
        { class: "message role-assistant" },
        element("strong", {}, `choice ${choice.index} (${choice.finish_reason ?? "unfinished"})`),
        element("pre", {}, text(choice.message.content ?? choice.message.refusal)),
        ...(choice.message.tool_calls ?? []).map((call) =>
          element("pre", { class: "tool-call" }, `${call.function.name}(${call.function.arguments})`)
        )
      )
    ),
    element("h4", {}, "Usage"),
    element("pre", {}, JSON.stringify(response.usage ?? null, null, 2))
  )
  view.hidden = false
  byId("completion-title").focus()
}

let source: Source

const drawExpensive = (rows: Array<Expensive>) => {
  const container = byId("expensive")
  mark(container, String(rows.length))
  container.querySelector(".plot")!.replaceChildren(
    table(
      ["completion", "created (UTC)", "model", "provider", "cost", "prompt", "completion"],
      rows.map((row) => {
        const open = element("button", { type: "button", class: "link" }, row.id)
        open.addEventListener("click", () => {
          source.completion(row.id).then(showCompletion, (error: unknown) => showError(error))
        })
        return [
          open,
          new Date(row.created * 1000).toISOString().replace("T", " ").slice(0, 19),
          row.model,
          label(row.provider),
          figure(`expensive.${row.id}`, row.cost),
          formatNumber(row.promptTokens),
          formatNumber(row.completionTokens)
        ]
      })
    )
  )
}

const draw = (answers: Answers) => {
  generation++
  for (const plot of charts.splice(0)) plot.destroy()
  stackedCost("chart-cost-model", answers.costByModel)
  stackedCost("chart-cost-provider", answers.costByProvider)
  // Cost by tag only when the store holds tags: the card is a chart (data-chart) from then on.
  const byTag = byId("chart-cost-tag")
  byTag.hidden = answers.costByTag === undefined
  if (answers.costByTag !== undefined) {
    byTag.dataset["chart"] = ""
    ;(byId("cost-tag-key") as HTMLSelectElement).value = answers.costByTag.by.slice("tag:".length)
    stackedCost("chart-cost-tag", answers.costByTag)
  }
  drawTokens(answers.tokens)
  drawCostTable(answers.costTable)
  drawLogprobs(answers.logprobs)
  drawToolCalls(answers.toolCalls)
  drawFailures(answers.failures)
  drawExpensive(answers.expensive)
  window.dashboardGeneration = generation
  document.body.dataset["generation"] = String(generation)
  window.dashboardDrawn ??= performance.now()
}

/** Where the figures come from: the analytics endpoints, or the answers a report file carries. */
interface Source {
  readonly overview: () => Promise<Overview>
  /** `tagKey`: the tag the cost is also stacked by, when the store holds tags. */
  readonly answers: (filter: Filter, tagKey: string | undefined) => Promise<Answers>
  readonly completion: (id: string) => Promise<string>
}

const keyStorage = "objectiveai-dashboard-key"

class Unauthorized extends Error {}

const live = (): Source => {
  const request = async (path: string, query: URLSearchParams = new URLSearchParams()): Promise<Response> => {
    const key = sessionStorage.getItem(keyStorage)
    const search = query.toString()
    const response = await fetch(`api/${path}${search === "" ? "" : `?${search}`}`, {
      headers: key === null ? {} : { authorization: `Bearer ${key}` }
    })
    if (response.status === 401) throw new Unauthorized("this dashboard asks for a key")
    if (!response.ok) {
      const body = (await response.json().catch(() => ({}))) as { message?: string }
      throw new Error(body.message ?? `${path} answered ${response.status}`)
    }
    return response
  }
  const json = async <A>(path: string, query?: URLSearchParams): Promise<A> =>
    (await request(path, query)).json() as Promise<A>
  const queryOf = (filter: Filter, extra: Record<string, string> = {}): URLSearchParams => {
    const query = new URLSearchParams()
    if (filter.since !== undefined) query.set("since", filter.since)
    if (filter.until !== undefined) query.set("until", filter.until)
    for (const model of filter.model ?? []) query.append("model", model)
    for (const provider of filter.provider ?? []) query.append("provider", provider)
    for (const tag of filter.tag ?? []) query.append("tag", tag)
    if (filter.timeZone !== undefined) query.set("timeZone", filter.timeZone)
    for (const [name, value] of Object.entries(extra)) query.set(name, value)
    return query
  }
  return {
    overview: () => json<Overview>("overview"),
    answers: async (filter, tagKey) => {
      const [costByModel, costByProvider, tokens, costTable, logprobs, toolCalls, failures, expensive, costByTag] =
        await Promise.all([
          json<CostOverTime>("cost", queryOf(filter, { by: "model" })),
          json<CostOverTime>("cost", queryOf(filter, { by: "provider" })),
          json<TokensOverTime>("tokens", queryOf(filter)),
          json<Answers["costTable"]>("cost-table", queryOf(filter)),
          json<LogprobsOverTime>("logprobs", queryOf(filter)),
          json<ToolCalls>("tool-calls", queryOf(filter)),
          json<Failures>("failures", queryOf(filter)),
          json<Array<Expensive>>("expensive", queryOf(filter)),
          tagKey === undefined ? undefined : json<CostOverTime>("cost", queryOf(filter, { by: `tag:${tagKey}` }))
        ])
      return {
        costByModel,
        costByProvider,
        ...(costByTag === undefined ? {} : { costByTag }),
        tokens,
        costTable,
        logprobs,
        toolCalls,
        failures,
        expensive
      }
    },
    completion: async (id) => (await request(`completions/${encodeURIComponent(id)}`)).text()
  }
}

const fromSnapshot = (snapshot: Snapshot): Source => ({
  overview: () => Promise.resolve(snapshot.overview),
  answers: () => Promise.resolve(snapshot.answers),
  completion: (id) => {
    const body = snapshot.completions[id]
    return body === undefined ? Promise.reject(new Error(`${id} is not in this file`)) : Promise.resolve(body)
  }
})

const showError = (error: unknown) => {
  const status = byId("status")
  status.textContent = error instanceof Error ? error.message : String(error)
  status.className = "error"
  if (error instanceof Unauthorized) byId("key-form").hidden = false
}

const checkboxes = (id: string, name: string, values: Array<string>, checked: Array<string> | undefined) => {
  byId(id).replaceChildren(
    ...values.map((value) =>
      element(
        "label",
        {},
        Object.assign(element("input", { type: "checkbox", name, value }), {
          checked: checked === undefined || checked.includes(value)
        }),
        ` ${value}`
      )
    )
  )
}

const tagPrefix = "tag:"

/** One select per tag key, any value by default: a call has one value of a key, so one is picked at a time. */
const tagSelects = (tags: Record<string, Array<string>>, picked: Array<string> | undefined) => {
  byId("tags-field").hidden = Object.keys(tags).length === 0
  byId("tags").replaceChildren(
    ...Object.entries(tags).map(([key, values]) => {
      const select = element(
        "select",
        { name: `${tagPrefix}${key}` },
        element("option", { value: "" }, "any"),
        ...values.map((value) => element("option", { value }, value))
      )
      const chosen = picked?.find((tag) => tag.startsWith(`${key}=`))
      select.value = chosen === undefined ? "" : chosen.slice(key.length + 1)
      return element("label", {}, `${key} `, select)
    })
  )
}

const readFilter = (overview: Overview): Filter => {
  const form = byId("filters") as HTMLFormElement
  const data = new FormData(form)
  const filter: Filter = {}
  const since = String(data.get("since") ?? "")
  const until = String(data.get("until") ?? "")
  if (since !== "") filter.since = since
  if (until !== "") filter.until = until
  const models = data.getAll("model").map(String)
  const providers = data.getAll("provider").map(String)
  // Every box ticked is no filter at all, so that completions of a model stored meanwhile are counted too.
  if (models.length < overview.models.length) filter.model = models
  if (providers.length < overview.providers.length) filter.provider = providers
  const tags = Array.from(
    data,
    ([name, value]) =>
      name.startsWith(tagPrefix) && value !== "" ? [`${name.slice(tagPrefix.length)}=${String(value)}`] : []
  ).flat()
  if (tags.length > 0) filter.tag = tags
  const timeZone = String(data.get("timeZone") ?? "UTC")
  if (timeZone !== "UTC") filter.timeZone = timeZone
  return filter
}

const zones = (): Array<string> => {
  const local = Intl.DateTimeFormat().resolvedOptions().timeZone
  const all = typeof Intl.supportedValuesOf === "function" ? Intl.supportedValuesOf("timeZone") : []
  return Array.from(new Set(["UTC", local, ...all]))
}

const start = async () => {
  const embedded = document.getElementById("snapshot")
  const snapshot = embedded === null ? undefined : (JSON.parse(embedded.textContent ?? "") as Snapshot)
  source = snapshot === undefined ? live() : fromSnapshot(snapshot)
  const status = byId("status")
  try {
    const initial = snapshot?.filter ?? {}
    // The overview and the first answers at once: they share the store's scan of the filter.
    const [overview, first] = await Promise.all([source.overview(), source.answers(initial, undefined)])
    // The cost by tag needs the overview's tag keys: asked for once they are known, only of a store that has some; by
    // the first key until another is picked.
    const tagKeys = byId("cost-tag-key") as HTMLSelectElement
    tagKeys.replaceChildren(...Object.keys(overview.tags).map((key) => element("option", { value: key }, key)))
    let tagKey = Object.keys(overview.tags)[0]
    let answers = tagKey !== undefined && first.costByTag === undefined ? await source.answers(initial, tagKey) : first
    checkboxes("models", "model", overview.models, initial.model)
    checkboxes("providers", "provider", overview.providers, initial.provider)
    tagSelects(overview.tags, initial.tag)
    const zone = byId("timeZone") as HTMLSelectElement
    zone.replaceChildren(...zones().map((name) => element("option", { value: name }, name)))
    zone.value = initial.timeZone ?? "UTC"
    ;(byId("since") as HTMLInputElement).value = initial.since?.slice(0, 10) ?? ""
    ;(byId("until") as HTMLInputElement).value = initial.until?.slice(0, 10) ?? ""
    byId("count").textContent = `${integer.format(overview.completions)} completions stored`
    draw(answers)
    status.textContent = ""
    if (snapshot !== undefined) {
      // A file holds the answers of one filter: the page shows which, and offers no other.
      ;(byId("filter-fields") as HTMLFieldSetElement).disabled = true
      tagKeys.disabled = true
      byId("file-note").hidden = false
      return
    }
    // Changes that come together (a date typed digit by digit, several boxes ticked) make one request for the filter
    // they end at, and an answer that a later change has overtaken is not drawn.
    let asked = 0
    let pending: ReturnType<typeof setTimeout> | undefined
    const refresh = async () => {
      const ask = ++asked
      status.textContent = "Updating…"
      status.className = ""
      try {
        const next = await source.answers(readFilter(overview), tagKey)
        if (ask !== asked) return
        answers = next
        draw(answers)
        status.textContent = ""
      } catch (error) {
        if (ask === asked) showError(error)
      }
      // Whether the page shows the filter as it stands: what a reader (or a test) waits for after a change.
      if (ask === asked && pending === undefined) document.body.dataset["settled"] = "true"
    }
    const schedule = () => {
      clearTimeout(pending)
      document.body.dataset["settled"] = "false"
      pending = setTimeout(() => {
        pending = undefined
        void refresh()
      }, 250)
    }
    byId("filters").addEventListener("change", schedule)
    byId("filters").addEventListener("submit", (event) => {
      event.preventDefault()
      schedule()
    })
    byId("measure").addEventListener("change", () => drawLogprobs(answers.logprobs))
    tagKeys.addEventListener("change", () => {
      tagKey = tagKeys.value
      schedule()
    })
  } catch (error) {
    showError(error)
  }
}

byId("key-form").addEventListener("submit", (event) => {
  event.preventDefault()
  sessionStorage.setItem(keyStorage, (byId("key") as HTMLInputElement).value)
  location.reload()
})

void start()
