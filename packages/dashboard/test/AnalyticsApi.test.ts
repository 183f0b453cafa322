/**
 * The analytics endpoints over HTTP, served on 127.0.0.1 from a store of the sample data set: each answer equals the
 * store's own report for the same filter; bad filters, unknown ids and missing keys get one typed error each; the
 * committed OpenAPI document and page assets are what the scripts render.
 */
import { describe, expect, it } from "@effect/vitest"
import { Cost, LogprobSummary, ToolCallSummary } from "@objectiveai-effect/analysis"
import { CompletionStore, Database } from "@objectiveai-effect/store"
import * as BigDecimal from "effect/BigDecimal"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import * as fs from "node:fs"
import * as OpenApiScript from "../scripts/openapi.js"
import * as PageScript from "../scripts/page.js"
import type { AnalyticsApi } from "../src/index.js"
import { DashboardServer, Page } from "../src/index.js"
import { failedSearches, featureOf, sample, sampleStore, taggedStore } from "./support.js"

const encodeCostSummary = Schema.encodeSync(Cost.CostSummary)
const encodeToolCalls = Schema.encodeSync(ToolCallSummary.ToolCallSummary)

/** A dashboard of the sample store on a free port, with the store itself, until the scope closes. */
const serve = (options: DashboardServer.Options = {}, stored: typeof sampleStore = sampleStore) =>
  Effect.gen(function*() {
    const filename = yield* stored
    const context = yield* Layer.build(
      DashboardServer.layer(options).pipe(
        Layer.provideMerge(CompletionStore.layer(Database.Location.Sqlite({ filename }), { readOnly: true }))
      )
    )
    return {
      url: Context.get(context, DashboardServer.DashboardServer).url,
      store: Context.get(context, CompletionStore.CompletionStore)
    }
  })

const get = (url: string, headers: Record<string, string> = {}) =>
  Effect.promise(async () => {
    const response = await fetch(url, { headers })
    return { status: response.status, type: response.headers.get("content-type"), text: await response.text() }
  })

const json = <A>(url: string) =>
  Effect.map(get(url), (response) => {
    expect(response.status, response.text).toBe(200)
    return JSON.parse(response.text) as A
  })

const sumDecimals = (values: ReadonlyArray<string>) =>
  BigDecimal.format(
    values.reduce(
      (sum, value) => BigDecimal.sum(sum, BigDecimal.unsafeFromString(value)),
      BigDecimal.unsafeFromNumber(0)
    )
  )

describe("the analytics endpoints", () => {
  it.scoped("answer with the figures of the store's report, for every filter", () =>
    Effect.gen(function*() {
      const { store, url } = yield* serve()
      const filters = [
        ["", {}],
        [
          "?since=2025-06-03T07:20:13Z&until=2025-06-07&timeZone=Asia%2FKathmandu&provider=OpenAI&provider=Azure",
          {
            filter: {
              since: new Date("2025-06-03T07:20:13Z"),
              until: new Date("2025-06-07"),
              providers: ["OpenAI", "Azure"]
            },
            timeZone: "Asia/Kathmandu"
          }
        ]
      ] as const
      for (const [query, options] of filters) {
        const report = yield* store.report(options)
        const join = query === "" ? "?" : `${query}&`
        const table = yield* json<AnalyticsApi.CostTable>(`${url}/api/cost-table${query}`)
        expect(table).toEqual({
          byModel: encodeCostSummary(report.cost.byModel),
          byProvider: encodeCostSummary(report.cost.byProvider)
        })
        // Each day of the stacked series sums to the report's day, and each series to its model's total.
        const byModel = yield* json<AnalyticsApi.CostOverTime>(`${url}/api/cost${join}by=model`)
        expect(byModel.days).toEqual(report.cost.byDay.groups.map((group) => group.key[0]))
        byModel.days.forEach((day, i) => {
          expect(sumDecimals(byModel.series.map((series) => series.cost[i])), day).toBe(
            BigDecimal.format(report.cost.byDay.groups[i].totals.cost)
          )
        })
        for (const series of byModel.series) {
          const group = report.cost.byModel.groups.find((group) => group.key[0] === series.key)!
          expect(sumDecimals(series.cost)).toBe(BigDecimal.format(group.totals.cost))
          expect(series.completions.reduce((a, b) => a + b, 0)).toBe(group.totals.completions)
        }
        const byProvider = yield* json<AnalyticsApi.CostOverTime>(`${url}/api/cost${join}by=provider`)
        expect(byProvider.series.map((series) => series.key).sort()).toEqual(
          report.cost.byProvider.groups.map((group) => group.key[0]).sort()
        )
        const tokens = yield* json<AnalyticsApi.TokensOverTime>(`${url}/api/tokens${query}`)
        expect(tokens.prompt.reduce((a, b) => a + b, 0)).toBe(report.cost.byModel.total.tokens.prompt)
        expect(tokens.cached).toEqual(report.cost.byDay.groups.map((group) => group.totals.tokens.cached))
        const logprobs = yield* json<AnalyticsApi.LogprobsOverTime>(`${url}/api/logprobs${query}`)
        const content = LogprobSummary.toTokenMetrics(report.logprobs.content)
        expect(logprobs.total.perplexity).toBe(content.perplexity._tag === "Some" ? content.perplexity.value : null)
        expect(logprobs.total.tokens).toBe(content.tokens)
        expect(logprobs.models.every((model) => model.perplexity.length === logprobs.days.length)).toBe(true)
        expect(yield* json(`${url}/api/tool-calls${query}`)).toEqual(encodeToolCalls(report.toolCalls))
        const failures = yield* json<AnalyticsApi.Failures>(`${url}/api/failures${query}`)
        expect(failures).toMatchObject({ completions: report.completions.retrieved, failed: 0, rate: 0 })
        const expensive = yield* json<Array<AnalyticsApi.Expensive>>(`${url}/api/expensive${join}limit=5`)
        expect(expensive).toHaveLength(5)
        const costs = expensive.map((row) => BigDecimal.unsafeFromString(row.cost))
        expect(costs).toEqual([...costs].sort((a, b) => BigDecimal.Order(b, a)))
      }
      const overview = yield* json<AnalyticsApi.Overview>(`${url}/api/overview`)
      expect(overview.completions).toBe(sample.length)
      expect(overview.models).toEqual([...new Set(sample.map((stored) => stored.response.model))].sort())
    }), { timeout: 60_000 })

  it.scoped("give one stored completion as the exact JSON stored, and a typed 404 for an id not stored", () =>
    Effect.gen(function*() {
      const { store, url } = yield* serve()
      const id = sample[7].response.id
      const stored = yield* get(`${url}/api/completions/${id}`)
      expect(stored.status).toBe(200)
      expect(stored.type).toContain("application/json")
      expect(stored.text).toBe((yield* store.body(id)).pipe((body) => body._tag === "Some" ? body.value.body : ""))
      const missing = yield* get(`${url}/api/completions/chtcpl-nowhere`)
      expect(missing.status).toBe(404)
      expect(JSON.parse(missing.text)).toEqual({ _tag: "CompletionNotFound", id: "chtcpl-nowhere" })
    }))

  it.scoped("refuse a filter they cannot apply with a 400 that says why", () =>
    Effect.gen(function*() {
      const { url } = yield* serve()
      const zone = yield* get(`${url}/api/tokens?timeZone=Mars%2FOlympus`)
      expect(zone.status).toBe(400)
      expect(JSON.parse(zone.text)).toEqual({
        _tag: "InvalidFilter",
        message: "unknown time zone \"Mars/Olympus\": name an IANA zone such as \"Europe/Paris\" or \"UTC\""
      })
      for (
        const query of ["cost?by=tool", "cost", "tokens?since=yesterday", "expensive?limit=0", "expensive?limit=101"]
      ) {
        const refused = yield* get(`${url}/api/${query}`)
        expect(refused.status, query).toBe(400)
        const body = JSON.parse(refused.text) as { _tag: string; message: string }
        expect(body._tag, query).toBe("HttpApiDecodeError")
        expect(body.message, query).not.toContain("\n")
      }
    }))

  it.scoped("started with keys, answer only a request bearing one; the page itself holds no figure", () =>
    Effect.gen(function*() {
      const key = "dashboard-test-key-81c2"
      const { url } = yield* serve({ apiKeys: [Redacted.make(key)] })
      for (const headers of [{}, { authorization: "Bearer wrong-key" }, { authorization: `Basic ${key}` }]) {
        const refused = yield* get(`${url}/api/overview`, headers)
        expect(refused.status).toBe(401)
        expect(refused.text).not.toContain(key)
        expect(JSON.parse(refused.text)._tag).toBe("Unauthorized")
      }
      expect((yield* get(`${url}/api/overview`, { authorization: `Bearer ${key}` })).status).toBe(200)
      const page = yield* get(url)
      expect(page.status).toBe(200)
      expect(page.text).toBe(Page.served)
    }))

  it.scoped("describe themselves at /openapi.json as the committed document does", () =>
    Effect.gen(function*() {
      const { url } = yield* serve()
      const served = yield* json<{ paths: Record<string, unknown> }>(`${url}/openapi.json`)
      expect(served).toEqual(JSON.parse(OpenApiScript.render()))
      expect(Object.keys(served.paths)).toContain("/api/cost")
    }))
})

describe("the analytics endpoints over captured, tagged calls", () => {
  it.scoped(
    "filter every figure by tag, group the cost by a tag, and list the tags present",
    () =>
      Effect.gen(function*() {
        const { url } = yield* serve({}, taggedStore)
        const overview = yield* json<AnalyticsApi.Overview>(`${url}/api/overview`)
        expect(overview.tags).toEqual({ feature: ["chat", "search"] })
        for (const feature of ["search", "chat"]) {
          const responses = sample.flatMap((stored, i) => featureOf(i) === feature ? [stored.response] : [])
          const query = `?tag=feature%3D${feature}`
          const table = yield* json<AnalyticsApi.CostTable>(`${url}/api/cost-table${query}`)
          expect(table.byModel).toEqual(encodeCostSummary(Cost.summarize(responses, { by: "model" })))
          expect(table.byProvider).toEqual(encodeCostSummary(Cost.summarize(responses, { by: "provider" })))
          const tokens = yield* json<AnalyticsApi.TokensOverTime>(`${url}/api/tokens${query}`)
          expect(tokens.prompt.reduce((a, b) => a + b, 0)).toBe(
            responses.reduce((sum, response) => sum + (response.usage?.prompt_tokens ?? 0), 0)
          )
          const byModel = yield* json<AnalyticsApi.CostOverTime>(`${url}/api/cost${query}&by=model`)
          expect(byModel.series.reduce((sum, series) => sum + series.completions.reduce((a, b) => a + b, 0), 0)).toBe(
            responses.length
          )
          const ids = new Set<string>(responses.map((response) => response.id))
          const expensive = yield* json<Array<AnalyticsApi.Expensive>>(`${url}/api/expensive${query}&limit=20`)
          expect(expensive.length).toBeGreaterThan(0)
          expect(expensive.every((row) => ids.has(row.id))).toBe(true)
          const logprobs = yield* json<AnalyticsApi.LogprobsOverTime>(`${url}/api/logprobs${query}`)
          expect(logprobs.models.map((model) => model.model)).toEqual(
            [...new Set(responses.map((response) => response.model))].sort()
          )
        }
        const byTag = yield* json<AnalyticsApi.CostOverTime>(`${url}/api/cost?by=tag%3Afeature`)
        expect(byTag.by).toBe("tag:feature")
        const expected = Cost.summarize(sample.map((stored) => stored.response))
        expect(byTag.series.map((series) => series.key).sort()).toEqual(["chat", "search"])
        expect(sumDecimals(byTag.series.flatMap((series) => series.cost))).toBe(BigDecimal.format(expected.total.cost))
        // Each series day by day, and the series in order of their total cost, as the fold by tag and day gives them;
        // by model likewise, where a model's day is several groups (one per provider) merged.
        const responses = sample.map((stored) => stored.response)
        const tagOf = new Map<string, string>(sample.map((stored, i) => [stored.response.id, featureOf(i)]))
        for (
          const [series, by] of [
            [byTag, (completion: { readonly id: string }) => tagOf.get(completion.id) ?? null],
            [yield* json<AnalyticsApi.CostOverTime>(`${url}/api/cost?by=model`), "model"]
          ] as const
        ) {
          const folded = Cost.summarize(responses, { by: ["day", by] }).groups
          const cost = new Map(folded.map((group) => [JSON.stringify(group.key), group.totals] as const))
          const totals = [...Cost.summarize(responses, { by }).groups].sort((a, b) =>
            BigDecimal.Order(b.totals.cost, a.totals.cost) || Cost.keyOrder(a.key, b.key)
          )
          expect(series.series.map((one) => one.key)).toEqual(totals.map((group) => group.key[0]))
          for (const one of series.series) {
            series.days.forEach((day, i) => {
              const expected = cost.get(JSON.stringify([day, one.key])) ?? Cost.emptyTotals
              expect([one.cost[i], one.completions[i]]).toEqual([
                BigDecimal.format(expected.cost),
                expected.completions
              ])
            })
          }
        }
        const search = byTag.series.find((series) => series.key === "search")!
        expect(search.completions.reduce((a, b) => a + b, 0)).toBe(
          sample.filter((_, i) => featureOf(i) === "search").length
        )
        const none = yield* json<AnalyticsApi.CostTable>(`${url}/api/cost-table?tag=feature%3Dnowhere`)
        expect(none.byModel.total.completions).toBe(0)
        // Two tags of one key: either value.
        const both = yield* json<AnalyticsApi.CostTable>(
          `${url}/api/cost-table?tag=feature%3Dsearch&tag=feature%3Dchat`
        )
        expect(both.byModel).toEqual(
          encodeCostSummary(Cost.summarize(sample.map((stored) => stored.response), { by: "model" }))
        )
      }),
    { timeout: 60_000 }
  )

  it.scoped(
    "count captured failed calls by model and provider, under the tag filter too",
    () =>
      Effect.gen(function*() {
        const { url } = yield* serve({}, taggedStore)
        const model = sample[0].response.model
        for (
          const [query, completions] of [
            ["", sample.length],
            ["?tag=feature%3Dsearch", sample.filter((_, i) => featureOf(i) === "search").length]
          ] as const
        ) {
          const failures = yield* json<AnalyticsApi.Failures>(`${url}/api/failures${query}`)
          expect(failures.completions).toBe(completions)
          expect(failures.failed).toBe(failedSearches)
          expect(failures.rate).toBe(failedSearches / (completions + failedSearches))
          expect(failures.byError).toEqual([{ error: "RateLimitedError", failed: failedSearches }])
          const row = failures.byModel.find((row) => row.key === model)!
          expect(row.failed).toBe(failedSearches)
          expect(row.rate).toBe(failedSearches / (row.completions + failedSearches))
          expect(failures.byModel.filter((row) => row.key !== model).every((row) => row.failed === 0)).toBe(true)
          // A call refused before any answer has no provider.
          expect(failures.byProvider.find((row) => row.key === null)).toMatchObject({ failed: failedSearches })
        }
        const chat = yield* json<AnalyticsApi.Failures>(`${url}/api/failures?tag=feature%3Dchat`)
        expect(chat.failed).toBe(0)
      }),
    { timeout: 60_000 }
  )

  it.scoped("refuse a tag that is not key=value with a 400 of one line", () =>
    Effect.gen(function*() {
      const { url } = yield* serve({}, taggedStore)
      for (const query of ["tokens?tag=feature", "cost?by=tag", "failures?tag=%3Dsearch"]) {
        const refused = yield* get(`${url}/api/${query}`)
        expect(refused.status, query).toBe(400)
        const body = JSON.parse(refused.text) as { _tag: string; message: string }
        expect(body._tag, query).toBe("HttpApiDecodeError")
        expect(body.message, query).not.toContain("\n")
      }
    }))
})

describe("the committed files", () => {
  it("openapi.json is what scripts/openapi.ts renders (pnpm build rewrites it)", () => {
    expect(fs.readFileSync(OpenApiScript.documentPath, "utf8")).toBe(OpenApiScript.render())
  })

  it.effect(
    "src/internal/assets.ts is what scripts/page.ts bundles from page/ (pnpm build rewrites it)",
    () =>
      Effect.promise(async () => {
        expect(fs.readFileSync(PageScript.assetsPath, "utf8")).toBe(await PageScript.render())
      }),
    { timeout: 60_000 }
  )
})

describe("the report file", () => {
  it.scoped("carries its answers as JSON no text of the store can close", () =>
    Effect.gen(function*() {
      const { store } = yield* serve()
      const report = yield* store.report()
      const html = Page.html({
        filter: {},
        overview: {
          completions: 0,
          first: null,
          last: null,
          models: ["</script><script>alert(1)</script>"],
          providers: [],
          tags: {}
        },
        answers: {
          costByModel: { by: "model", days: [], series: [] },
          costByProvider: { by: "provider", days: [], series: [] },
          tokens: { days: [], prompt: [], completion: [], reasoning: [], cached: [] },
          costTable: { byModel: report.cost.byModel, byProvider: report.cost.byProvider },
          logprobs: {
            days: [],
            total: { tokens: 0, perplexity: null, meanEntropy: null, meanMargin: null, lowestProbability: null },
            models: []
          },
          toolCalls: report.toolCalls,
          failures: { completions: 0, failed: 0, rate: 0, byError: [], byModel: [], byProvider: [], failures: [] },
          expensive: []
        },
        completions: {}
      })
      expect(html.match(/<\/script>/g)).toHaveLength(2)
      expect(html).toContain("\\u003c/script>\\u003cscript>alert(1)\\u003c/script>")
    }))
})
