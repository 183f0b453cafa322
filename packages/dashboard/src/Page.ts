/**
 * The dashboard page: one HTML document with its script (uPlot and the page's code) and style inline, so that it needs
 * nothing from another host. Served by `DashboardServer`, it reads the analytics endpoints beside it; written by
 * {@link file}, it carries the answers of one filter and opens from disk with the network off. Its Content Security
 * Policy allows no request but to the server that sent it.
 *
 * @since 0.1.0
 */
import { ToolCallSummary } from "@objectiveai-effect/analysis"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import type * as Analytics from "./Analytics.js"
import * as AnalyticsApi from "./AnalyticsApi.js"
import type * as AnalyticsError from "./AnalyticsError.js"
import * as Assets from "./internal/assets.js"

/**
 * The answers a page draws, one per chart or table, for one filter: each as its endpoint answers.
 *
 * @since 0.1.0
 * @category schemas
 */
export const Answers = Schema.Struct({
  costByModel: AnalyticsApi.CostOverTime,
  costByProvider: AnalyticsApi.CostOverTime,
  costByTag: Schema.optional(AnalyticsApi.CostOverTime).annotations({
    description: "By the first tag key of the overview, when the store holds tags."
  }),
  tokens: AnalyticsApi.TokensOverTime,
  costTable: AnalyticsApi.CostTable,
  logprobs: AnalyticsApi.LogprobsOverTime,
  toolCalls: ToolCallSummary.ToolCallSummary,
  failures: AnalyticsApi.Failures,
  expensive: Schema.Array(AnalyticsApi.Expensive)
}).annotations({ identifier: "DashboardAnswers" })
/**
 * @since 0.1.0
 * @category models
 */
export interface Answers extends Schema.Schema.Type<typeof Answers> {}

/**
 * What a report file carries: its filter, the overview, the answers, and the stored JSON of each completion listed
 * among the most expensive (so that the file shows them too).
 *
 * @since 0.1.0
 * @category schemas
 */
export const Snapshot = Schema.Struct({
  filter: AnalyticsApi.Filter,
  overview: AnalyticsApi.Overview,
  answers: Answers,
  completions: Schema.Record({ key: Schema.String, value: Schema.String })
}).annotations({ identifier: "DashboardSnapshot" })
/**
 * @since 0.1.0
 * @category models
 */
export interface Snapshot extends Schema.Schema.Type<typeof Snapshot> {}

const encodeSnapshot = Schema.encodeSync(Snapshot)

const shell = (head: string, tail: string): string =>
  `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
${head}
<title>ObjectiveAI dashboard</title>
<style>${Assets.style}</style>
</head>
<body>
<header><h1>ObjectiveAI dashboard</h1><span id="count"></span></header>
<main>
<form id="filters" aria-label="Filters">
<fieldset id="filter-fields">
<legend>Filters</legend>
<label class="field" for="since">From (inclusive)<input type="date" id="since" name="since"></label>
<label class="field" for="until">Until (exclusive)<input type="date" id="until" name="until"></label>
<fieldset class="field"><legend>Models</legend><div class="choices" id="models"></div></fieldset>
<fieldset class="field"><legend>Providers</legend><div class="choices" id="providers"></div></fieldset>
<fieldset class="field" id="tags-field" hidden><legend>Tags</legend><div class="choices" id="tags"></div></fieldset>
<label class="field" for="timeZone">Time zone of the days<select id="timeZone" name="timeZone"></select></label>
<button type="submit">Apply</button>
</fieldset>
<p id="file-note" hidden>This file holds the figures of the filters shown, as they were when it was written.</p>
</form>
<form id="key-form" hidden><label for="key">API key of this dashboard <input id="key" type="password" autocomplete="off"></label> <button type="submit">Use</button></form>
<p id="status" role="status" aria-live="polite">Loading…</p>
<div class="grid">
<section class="card" id="chart-cost-model" data-chart><h2>Cost by day, stacked by model</h2><div class="plot"></div><ul class="legend"></ul></section>
<section class="card" id="chart-cost-provider" data-chart><h2>Cost by day, stacked by provider</h2><div class="plot"></div><ul class="legend"></ul></section>
<section class="card" id="chart-cost-tag" hidden><h2>Cost by day, stacked by tag <select id="cost-tag-key" aria-label="The tag the cost is stacked by"></select></h2><div class="plot"></div><ul class="legend"></ul></section>
<section class="card" id="chart-tokens" data-chart><h2>Tokens by day</h2><div class="plot"></div><ul class="legend"></ul></section>
<section class="card" id="chart-logprobs" data-chart><h2>Logprob measures by model <label>measure <select id="measure"><option value="perplexity">perplexity</option><option value="meanEntropy">mean entropy</option><option value="meanMargin">mean margin</option><option value="lowestProbability">lowest probability</option></select></label></h2><div class="plot"></div><ul class="legend"></ul><div class="figures" id="logprob-total"></div></section>
<section class="card wide" id="cost-table" data-chart><h2>Cost</h2><div class="plot"></div></section>
<section class="card wide" id="chart-tools" data-chart><h2>Tool calls by tool and outcome</h2><div class="plot"></div></section>
<section class="card" id="failures" data-chart><h2>Failed calls and error rates</h2><div class="plot"></div></section>
<section class="card wide" id="expensive" data-chart><h2>Most expensive completions</h2><div class="plot"></div><section id="completion" aria-label="Completion" hidden></section></section>
</div>
</main>
${tail}
<script>${Assets.script}</script>
</body>
</html>
`

/**
 * The page as served: it reads the analytics endpoints at `api/` beside it, and may connect to nothing else.
 *
 * @since 0.1.0
 * @category constructors
 */
export const served: string = shell(
  `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; connect-src 'self'">`,
  ""
)

// JSON inside a <script> element: `<` written as an escape, so that no text of the data can close the element.
const inlineJson = (value: unknown): string => JSON.stringify(value).replace(/</g, "\\u003c")

/**
 * The page as one self-contained file: the snapshot inline, no connection allowed at all.
 *
 * @since 0.1.0
 * @category constructors
 */
export const html = (snapshot: Snapshot): string =>
  shell(
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">`,
    `<script type="application/json" id="snapshot">${inlineJson(encodeSnapshot(snapshot))}</script>`
  )

/**
 * The snapshot of a filter: every answer the page draws, from the analytics service, and the bodies of the most
 * expensive completions.
 *
 * @since 0.1.0
 * @category constructors
 */
export const snapshot = (
  analytics: Analytics.Service,
  filter: AnalyticsApi.Filter
): Effect.Effect<Snapshot, Analytics.Failed | AnalyticsError.CompletionNotFound> =>
  Effect.gen(function*() {
    const overview = yield* analytics.overview
    const tagKey = Object.keys(overview.tags)[0]
    const answers = yield* Effect.all({
      costByModel: analytics.cost({ ...filter, by: "model" }),
      costByProvider: analytics.cost({ ...filter, by: "provider" }),
      costByTag: tagKey === undefined ? Effect.succeed(undefined) : analytics.cost({ ...filter, by: `tag:${tagKey}` }),
      tokens: analytics.tokens(filter),
      costTable: analytics.costTable(filter),
      logprobs: analytics.logprobs(filter),
      toolCalls: analytics.toolCalls(filter),
      failures: analytics.failures(filter),
      expensive: analytics.expensive(filter)
    })
    const completions = yield* Effect.forEach(
      answers.expensive,
      (row) => Effect.map(analytics.completion(row.id), (body) => [row.id, body] as const)
    )
    return {
      filter,
      overview,
      answers,
      completions: Object.fromEntries(completions)
    }
  })
