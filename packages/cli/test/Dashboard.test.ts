/**
 * `objectiveai dashboard` and `report --format html` in a real browser: Debian's chromium through playwright-core (as
 * the server's /docs test drives it), over the sample data set imported into a store by the built CLI. Screenshots at
 * 1280×800 go to test/screenshots/ (not committed).
 */
import { describe, expect, it } from "@effect/vitest"
import { CompletionStore, Database } from "@objectiveai-effect/store"
import { capturedCall } from "@objectiveai-effect/testing/CapturedCalls"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Stream from "effect/Stream"
import { spawn } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { type Browser, chromium, type Page } from "playwright-core"
import { sampleDataFile } from "../src/internal/server.js"
import { bin, cli } from "./support.js"

/** Debian's chromium (`apt-get install -y chromium`, as `.ci/run` does); never a downloaded browser. */
const executablePath = "/usr/bin/chromium"
const installed = fs.existsSync(executablePath)
if (!installed && process.env.CI === "true") {
  throw new Error(
    `${executablePath} is missing: CI must install Debian's chromium (see .ci/run) for the dashboard test`
  )
}
if (!installed) {
  console.warn(`Skipping the dashboard browser tests: ${executablePath} is missing (apt-get install -y chromium)`)
}

const screenshots = fileURLToPath(new URL("screenshots", import.meta.url))

/** A store of the sample data set, imported by the CLI, in a directory removed when the scope closes. */
const sampleStore = Effect.gen(function*() {
  const dir = yield* Effect.acquireRelease(
    Effect.sync(() => fs.mkdtempSync(path.join(os.tmpdir(), "objectiveai-dashboard-"))),
    (dir) => Effect.sync(() => fs.rmSync(dir, { recursive: true, force: true }))
  )
  const database = path.join(dir, "completions.sqlite")
  const imported = yield* cli(["import", "--database", database, sampleDataFile()])
  expect(imported.code, imported.stderr).toBe(0)
  return { dir, database }
})

/** The feature the `i`th stored completion's captured call was tagged with. */
const featureOf = (i: number) => i % 3 === 0 ? "search" : "chat"

/** How many calls {@link tagStore} captures as failed, each tagged `search`. */
const failedSearches = 4

/**
 * Tags the completions of a store as an app's captured calls would (`feature` by {@link featureOf}), and adds
 * {@link failedSearches} failed calls of the first completion's model.
 */
const tagStore = (database: string) =>
  Effect.gen(function*() {
    const store = yield* CompletionStore.CompletionStore
    const stored = Chunk.toArray(yield* Stream.runCollect(store.stream()))
    yield* store.putCalls([
      ...stored.map((completion, i) => ({
        ...capturedCall(`call-${i}`, { startedAt: completion.response.created * 1000, request: completion.request }),
        completion: completion.response,
        outcome: "Success",
        tags: { feature: featureOf(i), user: i % 2 === 0 ? "ada" : "bob" }
      })),
      ...Array.from({ length: failedSearches }, (_, i) => ({
        ...capturedCall(`failed-${i}`, { startedAt: stored[0].response.created * 1000, request: stored[0].request }),
        completion: undefined,
        outcome: "RateLimitedError",
        status: 429,
        tags: { feature: "search" }
      }))
    ])
    return stored[0].request.model
  }).pipe(
    Effect.provide(Layer.orDie(CompletionStore.layer(Database.Location.Sqlite({ filename: database })))),
    Effect.orDie
  )

/** `objectiveai dashboard` on a free port, until the scope closes; its URL, read from what it prints. */
const dashboard = (database: string) =>
  Effect.acquireRelease(
    Effect.async<{ readonly url: string; readonly stop: () => void }>((resume) => {
      const child = spawn(process.execPath, [bin, "dashboard", "--database", database, "--port", "0"], {
        stdio: ["ignore", "pipe", "pipe"]
      })
      let output = ""
      const stop = () => child.kill("SIGTERM")
      child.stdout.setEncoding("utf8").on("data", (data: string) => {
        output += data
        const url = /is on (http:\/\/\S+)/.exec(output)?.[1]
        if (url !== undefined) resume(Effect.succeed({ url, stop }))
      })
      child.stderr.setEncoding("utf8").on("data", (data: string) => (output += data))
      child.on("close", (code) => resume(Effect.die(new Error(`dashboard exited with ${code}: ${output}`))))
      return Effect.sync(stop)
    }),
    ({ stop }) => Effect.sync(stop)
  )

const launch = Effect.acquireRelease(
  Effect.promise(() =>
    chromium.launch({ executablePath, headless: true, args: ["--no-sandbox", "--disable-gpu", "--no-first-run"] })
  ),
  (browser: Browser) => Effect.promise(() => browser.close())
)

interface Metrics {
  readonly perplexity: number | null
  readonly meanEntropy: number | null
  readonly meanMargin: number | null
  readonly lowestProbability: number | null
}
interface Totals {
  readonly completions: number
  readonly cost: string
}
interface CallGroup {
  readonly key: string | null
  readonly calls: number
  readonly failed: number
}
interface ReportDocument {
  readonly completions: { readonly retrieved: number; readonly failed: number }
  readonly cost: {
    readonly byModel: { readonly total: Totals; readonly groups: ReadonlyArray<{ key: [string]; totals: Totals }> }
    readonly byProvider: { readonly groups: ReadonlyArray<{ key: [string | null]; totals: Totals }> }
    readonly byTag?: {
      readonly key: string
      readonly summary: { readonly groups: ReadonlyArray<{ key: [string | null]; totals: Totals }> }
    }
  }
  readonly calls?: {
    readonly total: CallGroup
    readonly byModel: ReadonlyArray<CallGroup>
    readonly byProvider: ReadonlyArray<CallGroup>
  }
  readonly toolCalls: { readonly calls: number; readonly tools: ReadonlyArray<{ tool: string; calls: number }> }
  readonly logprobMetrics: { readonly content: Metrics }
}

/** `report --database … --format json` with the flags given. */
const reportJson = (database: string, flags: ReadonlyArray<string> = []) =>
  Effect.map(cli(["report", "--database", database, "--format", "json", ...flags]), (run) => {
    expect(run.code, run.stderr).toBe(0)
    return JSON.parse(run.stdout) as ReportDocument
  })

/** Every `data-figure` the page shows, by name: the exact value it was drawn from. */
const figuresOf = (page: Page) =>
  page.evaluate(() =>
    Object.fromEntries(
      Array.from(document.querySelectorAll<HTMLElement>("[data-figure]"), (node) => [
        node.dataset["figure"]!,
        node.dataset["value"]!
      ])
    )
  )

/** Each chart's mark: how many values it shows, and the draw it was made in. */
const chartsOf = (page: Page) =>
  page.evaluate(() =>
    Object.fromEntries(
      Array.from(document.querySelectorAll<HTMLElement>("[data-chart]"), (node) => [
        node.id,
        { points: Number(node.dataset["points"]), drawn: Number(node.dataset["drawn"]) }
      ])
    )
  )

// The page drawn at least `generation` times with no change left to answer, and the generation it reached: a date
// typed digit by digit under load can make more than one request, and only the last one's answer counts.
const drawn = async (page: Page, generation: number) => {
  await page.waitForFunction(
    (generation) =>
      Number(document.body.dataset["generation"]) >= generation && document.body.dataset["settled"] !== "false",
    generation,
    { timeout: 30_000 }
  )
  return Number(await page.evaluate(() => document.body.dataset["generation"]))
}

/** The figures of the page equal those of the report, field for field. */
const expectSameFigures = (figures: Record<string, string>, report: ReportDocument) => {
  expect(figures["completions.retrieved"]).toBe(String(report.completions.retrieved))
  expect(figures["failures.failed"]).toBe(String(report.completions.failed + (report.calls?.total.failed ?? 0)))
  expect(figures["cost.total"]).toBe(report.cost.byModel.total.cost)
  for (const { key: [model], totals } of report.cost.byModel.groups) {
    expect(figures[`cost.model.${model}.cost`], model).toBe(totals.cost)
    expect(figures[`cost.model.${model}.completions`], model).toBe(String(totals.completions))
  }
  for (const { key: [provider], totals } of report.cost.byProvider.groups) {
    expect(figures[`cost.provider.${provider ?? "(none)"}.cost`], String(provider)).toBe(totals.cost)
  }
  expect(figures["toolCalls.calls"]).toBe(String(report.toolCalls.calls))
  for (const { calls, tool } of report.toolCalls.tools) {
    expect(figures[`toolCalls.tool.${tool}`], tool).toBe(String(calls))
  }
  const content = report.logprobMetrics.content
  for (const measure of ["perplexity", "meanEntropy", "meanMargin", "lowestProbability"] as const) {
    expect(figures[`logprobs.${measure}`], measure).toBe(String(content[measure]))
  }
}

const chartIds = [
  "chart-cost-model",
  "chart-cost-provider",
  "chart-tokens",
  "chart-logprobs",
  "cost-table",
  "chart-tools",
  "failures",
  "expensive"
]

describe.skipIf(!installed)("the dashboard in a real browser", () => {
  it.live(
    "serves a page that reaches no other host, draws every chart with data, shows the figures of report --format json, and redraws every chart when a filter changes from the keyboard",
    () =>
      Effect.gen(function*() {
        const { database } = yield* sampleStore
        const { url } = yield* dashboard(database)
        const browser = yield* launch
        const page = yield* Effect.promise(() => browser.newPage({ viewport: { width: 1280, height: 800 } }))
        const elsewhere: Array<string> = []
        page.on("request", (request) => {
          if (!request.url().startsWith(url)) elsewhere.push(request.url())
        })
        const errors: Array<string> = []
        page.on("pageerror", (error) => errors.push(error.message))

        yield* Effect.promise(async () => {
          const loaded = await page.goto(url)
          expect(loaded?.status()).toBe(200)
          await drawn(page, 1)
        })
        const first = yield* Effect.promise(() => chartsOf(page))
        expect(Object.keys(first).sort()).toEqual([...chartIds].sort())
        for (const id of chartIds) {
          expect(first[id].points, id).toBeGreaterThan(0)
          expect(first[id].drawn, id).toBe(1)
        }
        // The time-series charts are drawn on canvases.
        for (const id of chartIds.filter((id) => id.startsWith("chart-") && id !== "chart-tools")) {
          expect(yield* Effect.promise(() => page.locator(`#${id} canvas`).count()), id).toBeGreaterThan(0)
        }
        expectSameFigures(yield* Effect.promise(() => figuresOf(page)), yield* reportJson(database))
        fs.mkdirSync(screenshots, { recursive: true })
        yield* Effect.promise(() => page.screenshot({ path: path.join(screenshots, "dashboard.png") }))

        // A range typed from the keyboard: every chart is drawn again, with the figures of the same range's report.
        const rangedAt = yield* Effect.promise(async () => {
          await page.locator("#since").focus()
          await page.keyboard.type("06042025")
          await page.locator("#until").focus()
          await page.keyboard.type("06072025")
          await page.keyboard.press("Enter")
          return await drawn(page, 2)
        })
        const ranged = yield* Effect.promise(() => chartsOf(page))
        for (const id of chartIds) expect(ranged[id].drawn, id).toBe(rangedAt)
        expect(ranged["chart-cost-model"].points).toBeLessThan(first["chart-cost-model"].points)
        expectSameFigures(
          yield* Effect.promise(() => figuresOf(page)),
          yield* reportJson(database, ["--since", "2025-06-04", "--until", "2025-06-07"])
        )

        // A model unticked with the space bar: the charts leave it out.
        const model = "deepseek/deepseek-r1"
        const untickedAt = yield* Effect.promise(async () => {
          await page.locator(`input[name=model][value="${model}"]`).focus()
          await page.keyboard.press("Space")
          return await drawn(page, rangedAt + 1)
        })
        const withoutModel = yield* Effect.promise(() => figuresOf(page))
        expect(withoutModel[`cost.model.${model}.cost`]).toBeUndefined()
        for (const [id, chart] of Object.entries(yield* Effect.promise(() => chartsOf(page)))) {
          expect(chart.drawn, id).toBe(untickedAt)
        }

        // Another time zone, chosen from the keyboard, draws every chart again too.
        const zonedAt = yield* Effect.promise(async () => {
          await page.locator("#timeZone").focus()
          await page.keyboard.type("Europe/Paris")
          const at = await drawn(page, untickedAt + 1)
          expect(await page.locator("#timeZone").inputValue()).toBe("Europe/Paris")
          return at
        })
        for (const [id, chart] of Object.entries(yield* Effect.promise(() => chartsOf(page)))) {
          expect(chart.drawn, id).toBe(zonedAt)
        }

        // One completion, readable: its request's messages and its answer.
        yield* Effect.promise(async () => {
          const row = page.locator("#expensive button.link").first()
          const id = await row.textContent()
          await row.focus()
          await page.keyboard.press("Enter")
          await page.locator("#completion h3").filter({ hasText: id! }).waitFor({ timeout: 10_000 })
          expect(await page.locator("#completion").getByText("Answer").count()).toBe(1)
        })
        expect(errors).toEqual([])
        expect(elsewhere).toEqual([])
      }).pipe(Effect.scoped),
    { timeout: 180_000 }
  )

  it.live(
    "over captured calls: a tag picked from the keyboard redraws every chart with that tag's figures of report --by tag, and failed calls show with their rate",
    () =>
      Effect.gen(function*() {
        const { database } = yield* sampleStore
        const model = yield* tagStore(database)
        const { url } = yield* dashboard(database)
        const browser = yield* launch
        const page = yield* Effect.promise(() => browser.newPage({ viewport: { width: 1280, height: 800 } }))
        const errors: Array<string> = []
        page.on("pageerror", (error) => errors.push(error.message))
        yield* Effect.promise(async () => {
          await page.goto(url)
          await drawn(page, 1)
        })
        const report = yield* reportJson(database, ["--by", "tag:feature"])
        const all = yield* Effect.promise(() => figuresOf(page))
        expectSameFigures(all, report)
        // The failed calls, by model and provider, with the report's counts and their rate.
        const calls = report.calls!
        expect(calls.total.failed).toBe(failedSearches)
        expect(all["failures.failed"]).toBe(String(failedSearches))
        const completionsOf = report.cost.byModel.groups.find((group) => group.key[0] === model)!.totals.completions
        expect(all[`failures.model.${model}.failed`]).toBe(String(failedSearches))
        expect(Number(all[`failures.model.${model}.rate`])).toBe(failedSearches / (completionsOf + failedSearches))
        expect(all["failures.provider.(none).failed"]).toBe(String(failedSearches))
        expect(yield* Effect.promise(() => page.locator("#tags-field").isVisible())).toBe(true)
        // The cost stacked by the tag: one series per value, as report --by tag:feature groups it.
        const byTag = yield* Effect.promise(() => chartsOf(page))
        expect(byTag["chart-cost-tag"]).toMatchObject({ drawn: 1 })
        expect(yield* Effect.promise(() => page.locator("#chart-cost-tag .legend li").count())).toBe(
          report.cost.byTag!.summary.groups.length
        )

        // feature=search picked from the keyboard: every chart drawn again, with that tag's figures.
        yield* Effect.promise(async () => {
          await page.locator("select[name='tag:feature']").focus()
          // One key, one change: a select's type-ahead picks the first value starting with it.
          await page.keyboard.press("s")
          await drawn(page, 2)
          expect(await page.locator("select[name='tag:feature']").inputValue()).toBe("search")
        })
        for (const [id, chart] of Object.entries(yield* Effect.promise(() => chartsOf(page)))) {
          expect(chart.drawn, id).toBe(2)
          expect(chart.points, id).toBeGreaterThan(0)
        }
        const search = report.cost.byTag!.summary.groups.find((group) => group.key[0] === "search")!.totals
        const tagged = yield* Effect.promise(() => figuresOf(page))
        expect(tagged["cost.total"]).toBe(search.cost)
        expect(tagged["completions.retrieved"]).toBe(String(search.completions))
        expect(tagged["cost.total"]).not.toBe(all["cost.total"])
        expect(tagged["failures.failed"]).toBe(String(failedSearches))
        expect(Number(tagged["failures.rate"])).toBe(failedSearches / (search.completions + failedSearches))

        yield* Effect.promise(async () => {
          await page.locator("select[name='tag:feature']").focus()
          // The value before: a letter typed so soon after the last would extend the type-ahead's search instead.
          await page.keyboard.press("ArrowUp")
          await drawn(page, 3)
          expect(await page.locator("select[name='tag:feature']").inputValue()).toBe("chat")
        })
        const chat = report.cost.byTag!.summary.groups.find((group) => group.key[0] === "chat")!.totals
        const chatFigures = yield* Effect.promise(() => figuresOf(page))
        expect(chatFigures["cost.total"]).toBe(chat.cost)
        expect(chatFigures["failures.failed"]).toBe("0")

        // The cost stacked by the other tag, picked from the keyboard: one series per user, as report --by tag:user
        // groups the completions of the filter's tag.
        const byUser = yield* reportJson(database, ["--by", "tag:user", "--tag", "feature=chat"])
        yield* Effect.promise(async () => {
          await page.locator("#cost-tag-key").focus()
          await page.keyboard.press("u")
          await drawn(page, 4)
          expect(await page.locator("#cost-tag-key").inputValue()).toBe("user")
          expect(await page.locator("#chart-cost-tag .legend li").count()).toBe(
            byUser.cost.byTag!.summary.groups.length
          )
        })
        expect(byUser.cost.byTag!.summary.groups.map((group) => group.key[0])).toStrictEqual(["ada", "bob"])
        fs.mkdirSync(screenshots, { recursive: true })
        yield* Effect.promise(() => page.screenshot({ path: path.join(screenshots, "dashboard-tags.png") }))
        expect(errors).toEqual([])
      }).pipe(Effect.scoped),
    { timeout: 180_000 }
  )

  it.live(
    "report --format html is one file that opens from disk with the network off, every chart drawn with the report's figures",
    () =>
      Effect.gen(function*() {
        const { database, dir } = yield* sampleStore
        const written = yield* cli(["report", "--database", database, "--format", "html"])
        expect(written.code, written.stderr).toBe(0)
        const file = path.join(dir, "report.html")
        fs.writeFileSync(file, written.stdout)
        const browser = yield* launch
        const context = yield* Effect.promise(() =>
          browser.newContext({ offline: true, viewport: { width: 1280, height: 800 } })
        )
        const page = yield* Effect.promise(() => context.newPage())
        const requests: Array<string> = []
        page.on("request", (request) => {
          if (request.url() !== `file://${file}`) requests.push(request.url())
        })
        yield* Effect.promise(async () => {
          await page.goto(`file://${file}`)
          await drawn(page, 1)
        })
        const charts = yield* Effect.promise(() => chartsOf(page))
        for (const id of chartIds) expect(charts[id].points, id).toBeGreaterThan(0)
        expectSameFigures(yield* Effect.promise(() => figuresOf(page)), yield* reportJson(database))
        // The filters of a file are shown, not offered: it holds the figures of one range.
        expect(yield* Effect.promise(() => page.locator("#since").isDisabled())).toBe(true)
        // The most expensive completions open from the file too.
        yield* Effect.promise(async () => {
          await page.locator("#expensive button.link").first().click()
          await page.locator("#completion").getByText("Request").waitFor({ timeout: 10_000 })
        })
        fs.mkdirSync(screenshots, { recursive: true })
        yield* Effect.promise(() => page.screenshot({ path: path.join(screenshots, "report.png") }))
        expect(requests).toEqual([])
      }).pipe(Effect.scoped),
    { timeout: 120_000 }
  )
})
