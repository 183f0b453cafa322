/**
 * The store's benchmarks, on the built packages, each beside its peer in the same run (the sync's are the ingest
 * package's):
 *
 * - `store.report.1m_s`, `store.report.1m_peak_rss_mb`: the built CLI's `report --database --format json` over a
 *   SQLite store of 1,000,000 completions seeded through the store's write path (targets: under 5 s, under 200 MB),
 *   and `store.report.vs_row_scan`, over a bare loop that reads the same rows' bodies with better-sqlite3 and
 *   `JSON.parse`s them (target: at most 0.2x).
 * - `store.report.1m_pg_s`: the same report over the same completions in PostgreSQL (target: under 5 s), when
 *   `OBJECTIVEAI_BENCH_DATABASE_URL` (or `OBJECTIVEAI_TEST_DATABASE_URL`, as `.ci/postgres.sh` sets it) names a
 *   server whose user may create databases.
 * - `store.rollup.vs_fold`: the cost rollups the report runs (by model, provider and day) over the SQLite store,
 *   against `Cost.summarize` folding the same figures held in memory (target: at most 1x).
 *
 * Run with `pnpm bench` from packages/store, after `pnpm build` at the root (`.ci/postgres.sh pnpm bench` for
 * PostgreSQL). `STORE_BENCH_REPORT` changes the size.
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Cost } from "@objectiveai-effect/analysis"
import type { ChatCompletion } from "@objectiveai-effect/domain"
import { SampleData } from "@objectiveai-effect/server"
import { Database } from "@objectiveai-effect/store"
import { throwawayDatabase } from "@objectiveai-effect/testing/ThrowawayPostgres"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import type * as Scope from "effect/Scope"
import { spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { distinctOf, sampleSeed, seed } from "./seed.js"
import { openStore, print, timed } from "./support.js"

const reportCount = Number(process.env.STORE_BENCH_REPORT ?? 1_000_000)
const postgresUrl = process.env.OBJECTIVEAI_BENCH_DATABASE_URL ?? process.env.OBJECTIVEAI_TEST_DATABASE_URL
const distinct = distinctOf(reportCount)
const packageDir = fileURLToPath(new URL("..", import.meta.url))
const cliBin = fileURLToPath(new URL("../../cli/dist/bin.js", import.meta.url))
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "objectiveai-store-bench-"))

/** Runs a command under GNU time: its wall time and peak resident set. */
const measure = (command: ReadonlyArray<string>, cwd: string) => {
  const result = spawnSync("/usr/bin/time", ["-v", ...command], {
    cwd,
    encoding: "utf8",
    maxBuffer: 1024 * 1024 * 1024,
    stdio: ["ignore", "ignore", "pipe"]
  })
  if (result.status !== 0) throw new Error(`${command.join(" ")} failed: ${result.stderr}`)
  const rssKb = Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(result.stderr)?.[1])
  const wall = /Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (?:(\d+):)?(\d+):([\d.]+)/.exec(result.stderr)!
  const seconds = Number(wall[1] ?? 0) * 3600 + Number(wall[2]) * 60 + Number(wall[3])
  return { seconds, rssMb: rssKb / 1024 }
}

const rowScan = `
const Database = require("better-sqlite3")
const db = new Database(process.argv[1], { readonly: true })
let rows = 0
for (const row of db.prepare("SELECT body FROM objectiveai_completions").iterate()) {
  JSON.parse(row.body)
  rows++
}
if (rows === 0) process.exit(1)
`

/** The fold's input held in memory: the fields `Cost.summarize` reads, of the same completions as the store's. */
const foldInput = (): Array<ChatCompletion.ChatCompletion> => {
  const base = Array.from(SampleData.generate({ count: distinct, seed: sampleSeed }), ({ response }) => ({
    ...response,
    choices: []
  }))
  const completions: Array<ChatCompletion.ChatCompletion> = []
  for (let copy = 0; copy * distinct < reportCount; copy++) {
    for (const response of base) {
      completions.push(copy === 0 ? response : { ...response, created: response.created + copy * 3600 })
    }
  }
  return completions
}

const label = reportCount === 1_000_000 ? "1m" : `${reportCount / 1000}k`

// A new PostgreSQL database for the bench, dropped when the scope closes.
const postgresDatabase = (url: string): Effect.Effect<Database.Location, never, Scope.Scope> =>
  Effect.map(
    throwawayDatabase(url, `objectiveai_bench_${process.pid}`),
    (fresh) => Database.Location.Postgres({ url: fresh })
  )

const reportBench = Effect.gen(function*() {
  const file = path.join(dir, "report.sqlite")
  const seeded = yield* seed(Database.Location.Sqlite({ filename: file }), reportCount)
  yield* print(`store.seed.${label}_s`, seeded.seeded, "s")
  yield* print("store.put.rate", distinct / seeded.put, "completions/s")

  const report = measure([process.execPath, cliBin, "report", "--database", file, "--format", "json"], packageDir)
  const scan = measure([process.execPath, "-e", rowScan, file], packageDir)
  yield* print(`store.report.${label}_s`, report.seconds, "s")
  yield* print(`store.report.${label}_peak_rss_mb`, report.rssMb, "MB")
  yield* print(`store.row_scan.${label}_s`, scan.seconds, "s")
  yield* print("store.report.vs_row_scan", report.seconds / scan.seconds, "x")

  yield* Effect.scoped(Effect.gen(function*() {
    const store = yield* openStore(file)
    const dimensions = ["model", "provider", "day"] as const
    const completions = foldInput()
    const [, fold] = yield* timed(
      Effect.sync(() => dimensions.map((by) => Cost.summarize(completions, { by })))
    )
    completions.length = 0
    const [, sql] = yield* timed(Effect.forEach(dimensions, (by) => store.rollup({ by })))
    yield* print(`store.rollup.${label}_s`, sql, "s")
    yield* print(`store.fold.${label}_s`, fold, "s")
    yield* print("store.rollup.vs_fold", sql / fold, "x")
  }))

  if (postgresUrl === undefined) return
  yield* Effect.scoped(Effect.gen(function*() {
    const location = yield* postgresDatabase(postgresUrl)
    const seededPg = yield* seed(location, reportCount)
    yield* print(`store.seed.${label}_pg_s`, seededPg.seeded, "s")
    yield* print("store.put.pg_rate", distinct / seededPg.put, "completions/s")
    const url = Redacted.value((location as Extract<Database.Location, { _tag: "Postgres" }>).url)
    const reportPg = measure([process.execPath, cliBin, "report", "--database", url, "--format", "json"], packageDir)
    yield* print(`store.report.${label}_pg_s`, reportPg.seconds, "s")
    yield* print(`store.report.${label}_pg_peak_rss_mb`, reportPg.rssMb, "MB")
  }))
})

reportBench.pipe(
  Effect.ensuring(Effect.sync(() => fs.rmSync(dir, { recursive: true, force: true }))),
  NodeRuntime.runMain
)
