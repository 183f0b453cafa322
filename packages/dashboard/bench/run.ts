/**
 * The dashboard's benchmarks, on the built packages, over a SQLite store of 1,000,000 completions seeded as the
 * store's benchmark seeds it (10,000 generated completions through `put`, the rest copied in SQL):
 *
 * - `dashboard.api.<name>_ms`: each analytics endpoint's answer over HTTP, computed afresh (after the figures of the
 *   page's filter are no longer kept; target: under 1,000 ms each).
 * - `dashboard.api.tagged.<name>_ms`, `dashboard.api.tagged_user.<name>_ms`, `dashboard.api.tagged_both.<name>_ms`:
 *   the same endpoints filtered as the page's tag selects filter them: by a feature (one completion in ten), by a user
 *   (one in a thousand), and by both; `dashboard.api.cost_by_tag_<key>_ms`, the cost by day and tag of each key; and
 *   `dashboard.api.tagged_max_ms`, the slowest of these (target: under 1,000 ms).
 * - `dashboard.api.tagged_paris.<name>_ms`, `dashboard.api.cost_by_tag_user_paris_ms`: the feature's answers and the
 *   cost by user with days in Europe/Paris, where a day of the rollups by tag (a UTC day) is not whole, so that the
 *   answer reads the quarter hours at the days' edges too; `dashboard.api.tagged_paris_max_ms`, the slowest (target:
 *   under 1,000 ms); the same in Asia/Kolkata (`tagged_kolkata`), five and a half hours ahead, where the edges are a
 *   quarter of each day.
 * - `dashboard.first_paint_ms`: headless Debian chromium, from navigation to every chart drawn (target: under
 *   2,000 ms).
 * - `dashboard.page_kb`, `dashboard.page_gzip_kb`: the page as served, and gzipped.
 *
 * Every completion of the seeded store is captured with a `feature` and a `user` tag, and one in fifty has a failed
 * call beside it (see the store's `bench/seed.ts`).
 *
 * Run with `pnpm bench` from packages/dashboard, after `pnpm build` at the root. `DASHBOARD_BENCH_STORE` names a store
 * seeded before, to skip the seeding; `DASHBOARD_BENCH_COUNT` changes the size.
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Analytics, DashboardServer, Page } from "@objectiveai-effect/dashboard"
import { CompletionStore, Database } from "@objectiveai-effect/store"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import * as zlib from "node:zlib"
import { chromium } from "playwright-core"
import { features, seed } from "../../store/bench/seed.js"

const count = Number(process.env.DASHBOARD_BENCH_COUNT ?? 1_000_000)
const reused = process.env.DASHBOARD_BENCH_STORE
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "objectiveai-dashboard-bench-"))

const print = (name: string, value: number, unit: string) =>
  Effect.sync(() => console.log(`${name}: ${value.toFixed(unit === "ms" ? 0 : 1)} ${unit}`))

const endpoints = [
  ["overview", "overview"],
  ["cost_by_model", "cost?by=model"],
  ["cost_by_provider", "cost?by=provider"],
  ["tokens", "tokens"],
  ["cost_table", "cost-table"],
  ["logprobs", "logprobs"],
  ["tool_calls", "tool-calls"],
  ["failures", "failures"],
  ["expensive", "expensive"]
] as const

// The tag filters of the page's selects (one value of a key each), of the values the seed tags with.
const taggedFilters = [
  ["tagged", [`feature=${features[0]}`]],
  ["tagged_user", ["user=user-1"]],
  ["tagged_both", [`feature=${features[0]}`, "user=user-1"]]
] as const

const bench = Effect.gen(function*() {
  const filename = reused ?? path.join(dir, "dashboard.sqlite")
  if (reused === undefined) yield* seed(Database.Location.Sqlite({ filename }), count)
  const context = yield* Layer.build(
    DashboardServer.layer().pipe(
      Layer.provide(CompletionStore.layer(Database.Location.Sqlite({ filename }), { readOnly: true }))
    )
  )
  const { url } = Context.get(context, DashboardServer.DashboardServer)

  const page = Buffer.from(Page.served)
  yield* print("dashboard.page_kb", page.length / 1024, "kB")
  yield* print("dashboard.page_gzip_kb", zlib.gzipSync(page).length / 1024, "kB")

  // The page first, on a store no request has read yet: what a person opening the dashboard waits for.
  const browser = yield* Effect.acquireRelease(
    Effect.promise(() =>
      chromium.launch({ executablePath: "/usr/bin/chromium", headless: true, args: ["--no-sandbox", "--disable-gpu"] })
    ),
    (browser) => Effect.promise(() => browser.close())
  )
  const firstPaint = yield* Effect.promise(async () => {
    // A tab already open, as a person's browser has one: the time counted is the page's own, from navigation.
    const tab = await browser.newPage({ viewport: { width: 1280, height: 800 } })
    await tab.goto("about:blank")
    await tab.goto(url)
    await tab.waitForFunction(() => window.dashboardDrawn !== undefined, undefined, { timeout: 120_000 })
    return tab.evaluate(() => window.dashboardDrawn!)
  })
  yield* print("dashboard.first_paint_ms", firstPaint, "ms")

  const answer = (name: string, query: string) =>
    Effect.gen(function*() {
      // Past the time the figures of a filter are kept, so that each answer is computed afresh.
      yield* Effect.sleep(Duration.sum(Analytics.figuresTimeToLive, Duration.millis(500)))
      const started = performance.now()
      const response = yield* Effect.promise(() => fetch(`${url}/api/${query}`))
      yield* Effect.promise(() => response.arrayBuffer())
      if (!response.ok) return yield* Effect.die(new Error(`${query} answered ${response.status}`))
      const elapsed = performance.now() - started
      yield* print(`dashboard.api.${name}_ms`, elapsed, "ms")
      return elapsed
    })

  for (const [name, query] of endpoints) yield* answer(name, query)

  const tagged: Array<number> = []
  for (const [prefix, tags] of taggedFilters) {
    for (const [name, query] of endpoints) {
      const filter = tags.map((tag) => `tag=${encodeURIComponent(tag)}`).join("&")
      tagged.push(yield* answer(`${prefix}.${name}`, `${query}${query.includes("?") ? "&" : "?"}${filter}`))
    }
  }
  for (const key of ["feature", "user"]) {
    tagged.push(yield* answer(`cost_by_tag_${key}`, `cost?by=${encodeURIComponent(`tag:${key}`)}`))
  }
  yield* print("dashboard.api.tagged_max_ms", Math.max(...tagged), "ms")

  // The same answers with days in zones other than UTC, where a day of the rollups by tag (a UTC day) is not whole: an
  // hour or two ahead, and five and a half.
  for (const [name, timeZone] of [["paris", "Europe/Paris"], ["kolkata", "Asia/Kolkata"]] as const) {
    const zone = `timeZone=${encodeURIComponent(timeZone)}`
    const zoned: Array<number> = []
    for (const [endpoint, query] of endpoints) {
      const filter = `tag=${encodeURIComponent(`feature=${features[0]}`)}&${zone}`
      zoned.push(yield* answer(`tagged_${name}.${endpoint}`, `${query}${query.includes("?") ? "&" : "?"}${filter}`))
    }
    zoned.push(yield* answer(`cost_by_tag_user_${name}`, `cost?by=${encodeURIComponent("tag:user")}&${zone}`))
    yield* print(`dashboard.api.tagged_${name}_max_ms`, Math.max(...zoned), "ms")
  }
})

declare global {
  interface Window {
    dashboardDrawn?: number
  }
}

bench.pipe(
  Effect.scoped,
  Effect.ensuring(Effect.sync(() => fs.rmSync(dir, { recursive: true, force: true }))),
  NodeRuntime.runMain
)
