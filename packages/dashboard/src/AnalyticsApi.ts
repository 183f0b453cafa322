/**
 * The analytics of a completion store declared once with `@effect/platform`'s `HttpApi`, as an API of its own (not
 * part of `ObjectiveAiApi`, which describes ObjectiveAI's API): the figures the dashboard draws, each an endpoint
 * under `/api` taking the same filter. `DashboardServer` answers it from the store's engine, `OpenApi.fromApi` gives
 * the `openapi.json` published beside this package, and `HttpApiClient.make(AnalyticsApi)` is a typed client.
 *
 * The filter is the query `since`, `until` (ISO 8601), `model`, `provider` and `tag` (`key=value`; repeated for
 * several) and `timeZone` (IANA; the days of every series are days there). A series groups by a {@link GroupBy}.
 *
 * @example
 * ```ts
 * import { FetchHttpClient, HttpApiClient } from "@effect/platform"
 * import { AnalyticsApi } from "@objectiveai-effect/dashboard"
 * import { Effect } from "effect"
 *
 * const costByModel = Effect.gen(function*() {
 *   const client = yield* HttpApiClient.make(AnalyticsApi.AnalyticsApi, { baseUrl: "http://127.0.0.1:8787" })
 *   return yield* client.analytics.cost({ urlParams: { by: "model", timeZone: "Europe/Paris" } })
 * }).pipe(Effect.provide(FetchHttpClient.layer))
 * ```
 *
 * @since 0.1.0
 */
import * as HttpApi from "@effect/platform/HttpApi"
import * as HttpApiEndpoint from "@effect/platform/HttpApiEndpoint"
import * as HttpApiGroup from "@effect/platform/HttpApiGroup"
import * as HttpApiMiddleware from "@effect/platform/HttpApiMiddleware"
import * as HttpApiSecurity from "@effect/platform/HttpApiSecurity"
import * as OpenApi from "@effect/platform/OpenApi"
import { Cost, ToolCallSummary } from "@objectiveai-effect/analysis"
import { StoredChatCompletion } from "@objectiveai-effect/domain"
import * as Schema from "effect/Schema"
import * as AnalyticsError from "./AnalyticsError.js"

/** One value or several: a query parameter given once is text, given more than once a list. */
const listOf = (item: Schema.Schema<string>) =>
  Schema.transform(
    Schema.Union(item, Schema.Array(item)),
    Schema.Array(item),
    {
      strict: true,
      decode: (value) => typeof value === "string" ? [value] : value,
      encode: (values) => values
    }
  )

const List = listOf(Schema.String)

/**
 * A tag of the filter, `key=value`: the key up to the first `=`, the value after it.
 *
 * @since 0.2.0
 * @category schemas
 */
export const TagParam = Schema.String.pipe(
  Schema.pattern(/^[^=]+=/, { message: () => "a tag is key=value, such as feature=search" })
).annotations({ identifier: "AnalyticsTag", description: "key=value, such as feature=search." })

/**
 * The tags of a filter by key, from its `key=value` parameters: a key given several values matches any of them.
 *
 * @since 0.2.0
 * @category parsing
 */
export const tagsByKey = (tags: ReadonlyArray<string>): Record<string, ReadonlyArray<string>> => {
  const byKey: Record<string, Array<string>> = {}
  for (const tag of tags) {
    const at = tag.indexOf("=")
    const values = byKey[tag.slice(0, at)] ??= []
    if (!values.includes(tag.slice(at + 1))) values.push(tag.slice(at + 1))
  }
  return byKey
}

/**
 * The filter every endpoint takes, as query parameters: completions created in `[since, until)` (ISO 8601; a date
 * without a time is midnight UTC), among the `model`s and `provider`s named (all when absent), captured with the
 * `tag`s named (`key=value`), days in `timeZone` (an IANA zone; UTC by default).
 *
 * @since 0.1.0
 * @category schemas
 */
export const Filter = Schema.Struct({
  since: Schema.optional(Schema.Date.annotations({
    description: "Completions created at or after this time (ISO 8601).",
    jsonSchema: { type: "string", description: "Completions created at or after this time (ISO 8601)." }
  })),
  until: Schema.optional(Schema.Date.annotations({
    description: "Completions created before this time (ISO 8601).",
    jsonSchema: { type: "string", description: "Completions created before this time (ISO 8601)." }
  })),
  model: Schema.optional(List.annotations({ description: "Only these models; repeat for several." })),
  provider: Schema.optional(List.annotations({ description: "Only these providers; repeat for several." })),
  tag: Schema.optional(
    listOf(TagParam).annotations({
      description: "Only completions and calls captured with these tags, key=value; repeat for several (a key given "
        + "several values matches any of them, every key must match)."
    })
  ),
  timeZone: Schema.optional(
    Schema.String.annotations({ description: "The IANA time zone of the days, such as Europe/Paris; UTC by default." })
  )
}).annotations({ identifier: "AnalyticsFilter" })
/**
 * @since 0.1.0
 * @category models
 */
export interface Filter extends Schema.Schema.Type<typeof Filter> {}

/**
 * What a series is stacked by: the model or the provider of each completion, or the value of one of its call's tags,
 * `tag:feature` say.
 *
 * @since 0.1.0
 * @category schemas
 */
export const GroupBy = Schema.Union(
  Schema.Literal("model", "provider"),
  Schema.TemplateLiteral("tag:", Schema.String)
).annotations({
  identifier: "AnalyticsGroupBy",
  description: "What the series are split by."
})
/**
 * @since 0.1.0
 * @category models
 */
export type GroupBy = Schema.Schema.Type<typeof GroupBy>

/**
 * The days of a series, oldest first, as `YYYY-MM-DD` in the filter's time zone: every day from the first to the
 * last with a matching completion, so that the values of a series line up with them.
 *
 * @since 0.1.0
 * @category schemas
 */
export const Days = Schema.Array(Schema.String).annotations({ description: "Days, oldest first, YYYY-MM-DD." })

/**
 * The exact cost of each day (a decimal string, as `Cost.Totals` writes amounts) and the completions counted.
 *
 * @since 0.1.0
 * @category schemas
 */
export const CostSeries = Schema.Struct({
  key: Schema.NullOr(Schema.String).annotations({ description: "The model, provider or tag value; null for none." }),
  cost: Schema.Array(Schema.String).annotations({ description: "The exact cost of each day, as decimal strings." }),
  completions: Schema.Array(Schema.Number)
}).annotations({ identifier: "AnalyticsCostSeries" })

/**
 * Cost over time: by day, one series per model or provider (highest total first).
 *
 * @since 0.1.0
 * @category schemas
 */
export const CostOverTime = Schema.Struct({
  by: GroupBy,
  days: Days,
  series: Schema.Array(CostSeries)
}).annotations({ identifier: "AnalyticsCostOverTime" })
/**
 * @since 0.1.0
 * @category models
 */
export interface CostOverTime extends Schema.Schema.Type<typeof CostOverTime> {}

/**
 * Tokens by day: prompt, completion, reasoning and cached (a part of prompt), summed over the matching completions.
 *
 * @since 0.1.0
 * @category schemas
 */
export const TokensOverTime = Schema.Struct({
  days: Days,
  prompt: Schema.Array(Schema.Number),
  completion: Schema.Array(Schema.Number),
  reasoning: Schema.Array(Schema.Number),
  cached: Schema.Array(Schema.Number)
}).annotations({ identifier: "AnalyticsTokensOverTime" })
/**
 * @since 0.1.0
 * @category models
 */
export interface TokensOverTime extends Schema.Schema.Type<typeof TokensOverTime> {}

/**
 * The cost table `objectiveai report` prints: totals by model and by provider, amounts exact.
 *
 * @since 0.1.0
 * @category schemas
 */
export const CostTable = Schema.Struct({
  byModel: Cost.CostSummary,
  byProvider: Cost.CostSummary
}).annotations({ identifier: "AnalyticsCostTable" })
/**
 * @since 0.1.0
 * @category models
 */
export interface CostTable extends Schema.Schema.Type<typeof CostTable> {}

/**
 * The measures of content tokens' logprobs over a set of completions (`null` where there is no token to measure), as
 * `report --format json` writes them.
 *
 * @since 0.1.0
 * @category schemas
 */
export const Measures = Schema.Struct({
  tokens: Schema.Number,
  perplexity: Schema.NullOr(Schema.Number),
  meanEntropy: Schema.NullOr(Schema.Number),
  meanMargin: Schema.NullOr(Schema.Number),
  lowestProbability: Schema.NullOr(Schema.Number)
}).annotations({ identifier: "AnalyticsMeasures" })
/**
 * @since 0.1.0
 * @category models
 */
export interface Measures extends Schema.Schema.Type<typeof Measures> {}

/**
 * The logprob measures of one model: of all its matching completions, and of each day (`null` on a day with no
 * token to measure).
 *
 * @since 0.1.0
 * @category schemas
 */
export const ModelMeasures = Schema.Struct({
  model: Schema.String,
  total: Measures,
  perplexity: Schema.Array(Schema.NullOr(Schema.Number)),
  meanEntropy: Schema.Array(Schema.NullOr(Schema.Number)),
  meanMargin: Schema.Array(Schema.NullOr(Schema.Number)),
  lowestProbability: Schema.Array(Schema.NullOr(Schema.Number))
}).annotations({ identifier: "AnalyticsModelMeasures" })

/**
 * Perplexity and the other logprob measures of content tokens, per model over time, and over every matching
 * completion.
 *
 * @since 0.1.0
 * @category schemas
 */
export const LogprobsOverTime = Schema.Struct({
  days: Days,
  total: Measures,
  models: Schema.Array(ModelMeasures)
}).annotations({ identifier: "AnalyticsLogprobsOverTime" })
/**
 * @since 0.1.0
 * @category models
 */
export interface LogprobsOverTime extends Schema.Schema.Type<typeof LogprobsOverTime> {}

/**
 * Completions and failed calls of one model or provider, and the share that failed.
 *
 * @since 0.1.0
 * @category schemas
 */
export const ErrorRate = Schema.Struct({
  key: Schema.NullOr(Schema.String),
  completions: Schema.Number,
  failed: Schema.Number,
  rate: Schema.Number.annotations({ description: "failed / (completions + failed); 0 with neither." })
}).annotations({ identifier: "AnalyticsErrorRate" })

/**
 * A failure as the store keeps it: the id, the error's tag, a one-line reason, how many attempts failed and when the
 * last did (Unix milliseconds).
 *
 * @since 0.1.0
 * @category schemas
 */
export const Failure = Schema.Struct({
  id: Schema.String,
  error: Schema.String,
  reason: Schema.String,
  attempts: Schema.Number,
  lastAttempt: Schema.Number
}).annotations({ identifier: "AnalyticsFailure" })

/**
 * Failed calls and error rates: overall, by error, by model and by provider, and the failures themselves (the first
 * {@link failuresListed}, oldest first).
 *
 * @since 0.1.0
 * @category schemas
 */
export const Failures = Schema.Struct({
  completions: Schema.Number,
  failed: Schema.Number,
  rate: Schema.Number,
  byError: Schema.Array(Schema.Struct({ error: Schema.String, failed: Schema.Number })),
  byModel: Schema.Array(ErrorRate),
  byProvider: Schema.Array(ErrorRate),
  failures: Schema.Array(Failure)
}).annotations({ identifier: "AnalyticsFailures" })
/**
 * @since 0.1.0
 * @category models
 */
export interface Failures extends Schema.Schema.Type<typeof Failures> {}

/**
 * How many failures {@link Failures} lists.
 *
 * @since 0.1.0
 * @category constants
 */
export const failuresListed = 100

/**
 * A completion among the most expensive.
 *
 * @since 0.1.0
 * @category schemas
 */
export const Expensive = Schema.Struct({
  id: Schema.String,
  created: Schema.Number.annotations({ description: "Unix seconds." }),
  model: Schema.String,
  provider: Schema.NullOr(Schema.String),
  cost: Schema.String.annotations({ description: "The exact cost, as a decimal string." }),
  promptTokens: Schema.NullOr(Schema.Number),
  completionTokens: Schema.NullOr(Schema.Number)
}).annotations({ identifier: "AnalyticsExpensive" })
/**
 * @since 0.1.0
 * @category models
 */
export interface Expensive extends Schema.Schema.Type<typeof Expensive> {}

/**
 * The largest `limit` of {@link AnalyticsApi}'s `expensive`.
 *
 * @since 0.1.0
 * @category constants
 */
export const maxExpensive = 100

/**
 * What the filters of the page offer: every model and provider stored, and the span of `created` (Unix seconds;
 * `null` for an empty store).
 *
 * @since 0.1.0
 * @category schemas
 */
export const Overview = Schema.Struct({
  completions: Schema.Number,
  first: Schema.NullOr(Schema.Number),
  last: Schema.NullOr(Schema.Number),
  models: Schema.Array(Schema.String),
  providers: Schema.Array(Schema.String),
  tags: Schema.Record({ key: Schema.String, value: Schema.Array(Schema.String) }).annotations({
    description: "Every tag key of the captured calls, with the values it takes."
  })
}).annotations({ identifier: "AnalyticsOverview" })
/**
 * @since 0.1.0
 * @category models
 */
export interface Overview extends Schema.Schema.Type<typeof Overview> {}

/**
 * `authorization: Bearer <key>` on every endpoint; the dashboard asks for it only when started with keys.
 *
 * @since 0.1.0
 * @category api
 */
export class Authorization extends HttpApiMiddleware.Tag<Authorization>()(
  "@objectiveai-effect/dashboard/AnalyticsApi/Authorization",
  {
    failure: AnalyticsError.Unauthorized,
    security: {
      bearer: HttpApiSecurity.bearer.pipe(
        HttpApiSecurity.annotate(OpenApi.Description, "A key the dashboard was started with, when it was.")
      )
    }
  }
) {}

const LimitParam = Schema.NumberFromString.pipe(Schema.int(), Schema.between(1, maxExpensive)).annotations({
  description: `How many completions, from 1 to ${maxExpensive}; 10 by default.`
})

/**
 * The endpoints, all `GET` under `/api`.
 *
 * @since 0.1.0
 * @category api
 */
export class Analytics extends HttpApiGroup.make("analytics")
  .add(
    HttpApiEndpoint.get("overview", "/overview").addSuccess(Overview).annotate(
      OpenApi.Summary,
      "Every stored model, provider and tag, and the span of time stored"
    )
  )
  .add(
    HttpApiEndpoint.get("cost", "/cost")
      .setUrlParams(Schema.Struct({ ...Filter.fields, by: GroupBy }))
      .addSuccess(CostOverTime)
      .annotate(OpenApi.Summary, "Cost by day, one series per model, provider or tag value")
  )
  .add(
    HttpApiEndpoint.get("tokens", "/tokens").setUrlParams(Filter).addSuccess(TokensOverTime).annotate(
      OpenApi.Summary,
      "Prompt, completion, reasoning and cached tokens by day"
    )
  )
  .add(
    HttpApiEndpoint.get("costTable", "/cost-table").setUrlParams(Filter).addSuccess(CostTable).annotate(
      OpenApi.Summary,
      "The cost table of the report, by model and by provider"
    )
  )
  .add(
    HttpApiEndpoint.get("logprobs", "/logprobs").setUrlParams(Filter).addSuccess(LogprobsOverTime).annotate(
      OpenApi.Summary,
      "Perplexity and the other logprob measures per model by day"
    )
  )
  .add(
    HttpApiEndpoint.get("toolCalls", "/tool-calls").setUrlParams(Filter).addSuccess(ToolCallSummary.ToolCallSummary)
      .annotate(OpenApi.Summary, "Tool calls by tool and outcome, with the first problems")
  )
  .add(
    HttpApiEndpoint.get("failures", "/failures").setUrlParams(Filter).addSuccess(Failures).annotate(
      OpenApi.Summary,
      "Failed calls and error rates"
    )
  )
  .add(
    HttpApiEndpoint.get("expensive", "/expensive")
      .setUrlParams(Schema.Struct({ ...Filter.fields, limit: Schema.optional(LimitParam) }))
      .addSuccess(Schema.Array(Expensive))
      .annotate(OpenApi.Summary, "The most expensive completions, highest cost first")
  )
  .add(
    HttpApiEndpoint.get("completion", "/completions/:id")
      .setPath(Schema.Struct({ id: Schema.String }))
      .addSuccess(StoredChatCompletion.StoredChatCompletion)
      .addError(AnalyticsError.CompletionNotFound)
      .annotate(OpenApi.Summary, "One stored completion, request and answer, as the API sent it")
  )
  .addError(AnalyticsError.InvalidFilter)
  .addError(AnalyticsError.StoreFailed)
  .middleware(Authorization)
  .prefix("/api")
{}

/**
 * The analytics API.
 *
 * @since 0.1.0
 * @category api
 */
export class AnalyticsApi extends HttpApi.make("AnalyticsApi")
  .add(Analytics)
  .annotateContext(OpenApi.annotations({
    title: "objectiveai-effect analytics",
    version: "0.1.0",
    description: "The figures of a completion store, as the dashboard draws them, computed in the store's engine. "
      + "Every endpoint takes the same filter; amounts are exact decimal strings."
  }))
{}
