/**
 * `sync`, `report --database` and `export` against the local server and a store on each engine the store's tests run
 * on. What a command prints is the same in this process as in its own, so most runs are in-process; a run that must
 * be a process (killed midway, its own environment, `export`, which writes to stdout as it drains) is spawned.
 */
import { describe, expect, layer } from "@effect/vitest"
import { Cost } from "@objectiveai-effect/analysis"
import { StoredChatCompletion, UrlRedaction } from "@objectiveai-effect/domain"
import { ServedCompletions } from "@objectiveai-effect/server"
import { Database } from "@objectiveai-effect/store"
import { engines, tempDir } from "@objectiveai-effect/testing/StoreEngines"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import { createHash } from "node:crypto"
import * as fs from "node:fs"
import * as path from "node:path"
import { against, bigSeed, cli, inProcess, stackLine, testData, TestServer } from "./support.js"

const slow = 180_000

const encodeCost = Schema.encodeSync(Cost.CostSummary)
const encodeStored = Schema.encodeSync(StoredChatCompletion.StoredChatCompletionFromJson)
const responses = testData.map((completion) => completion.response)

const argumentOf = (location: Database.Location): string =>
  Database.Location.$match(location, {
    Sqlite: ({ filename }) => filename,
    Postgres: ({ url }) => Redacted.value(url)
  })

layer(TestServer, { timeout: slow })("store commands against the local server", (it) => {
  for (const engine of engines) {
    describe(engine.name, () => {
      it.scoped(
        "sync, then report --database equals the report through the API, exactly",
        () =>
          Effect.gen(function*() {
            const database = argumentOf(yield* engine.fresh)
            const connection = yield* against
            const first = yield* inProcess(["sync", "--database", database, ...connection])
            expect(first.code, first.stderr).toBe(0)
            expect(first.stdout).toBe(
              `synced ${UrlRedaction.redact(database)}: ${testData.length} new, 0 already stored, 0 failed\n`
            )
            const second = yield* inProcess(["sync", "--database", database, ...connection])
            expect(second.code, second.stderr).toBe(0)
            expect(second.stdout).toMatch(/: 0 new, \d+ already stored, 0 failed\n$/)

            for (const format of ["json", "table"]) {
              const fromApi = yield* inProcess(["report", "--all", "--format", format, ...connection])
              const fromStore = yield* inProcess(["report", "--database", database, "--format", format])
              expect(fromStore.code, fromStore.stderr).toBe(0)
              expect(fromStore.stderr).toBe("")
              expect(fromStore.stdout).toBe(fromApi.stdout)
            }
          }),
        slow
      )

      it.scoped(
        "report --database --since --until --tz: the completions of the range, days in the zone",
        () =>
          Effect.gen(function*() {
            const database = argumentOf(yield* engine.fresh)
            yield* inProcess(["sync", "--database", database, ...(yield* against)])
            const since = "2025-06-03T00:00:00Z"
            const until = "2025-06-06T12:00:00Z"
            const run = yield* inProcess([
              "report",
              "--database",
              database,
              "--since",
              since,
              "--until",
              until,
              "--tz",
              "America/Los_Angeles",
              "--format",
              "json"
            ])
            expect(run.code, run.stderr).toBe(0)
            const inRange = responses.filter((response) =>
              response.created >= Date.parse(since) / 1000 && response.created < Date.parse(until) / 1000
            )
            expect(inRange.length).toBeGreaterThan(0)
            expect(inRange.length).toBeLessThan(responses.length)
            const format = new Intl.DateTimeFormat("en-CA", { timeZone: "America/Los_Angeles" })
            const json = JSON.parse(run.stdout)
            expect(json.completions.retrieved).toBe(inRange.length)
            expect(json.cost.byModel).toEqual(encodeCost(Cost.summarize(inRange, { by: "model" })))
            expect(json.cost.byDay).toEqual(
              encodeCost(
                Cost.summarize(inRange, { by: (response) => format.format(new Date(response.created * 1000)) })
              )
            )
          }),
        slow
      )

      it.scoped(
        "export: the exact JSON of every completion, a seed beyond 2^53 included, or CSV rows",
        () =>
          Effect.gen(function*() {
            const database = argumentOf(yield* engine.fresh)
            yield* inProcess(["sync", "--database", database, ...(yield* against)])
            const jsonl = yield* cli(["export", "--database", database, "--format", "jsonl"])
            expect(jsonl.code, jsonl.stderr).toBe(0)
            const lines = jsonl.stdout.trimEnd().split("\n")
            expect(lines.sort()).toEqual(testData.map((completion) => encodeStored(completion)).sort())
            expect(jsonl.stdout).toContain(`"seed":${bigSeed}`)
            const csv = yield* cli(["export", "--database", database, "--format", "csv"])
            expect(csv.code, csv.stderr).toBe(0)
            const rows = csv.stdout.trimEnd().split("\n")
            expect(rows[0]).toBe(
              "id,created,model,provider,finish_reasons,prompt_tokens,completion_tokens,reasoning_tokens,cached_tokens,cost,upstream_inference_cost,upstream_upstream_inference_cost,is_byok,logprobs,tool_calls,tags"
            )
            expect(rows.length).toBe(testData.length + 1)
          }),
        slow
      )

      it.scoped(
        "a sync killed at random points, then run again: every completion stored once",
        () =>
          Effect.gen(function*() {
            const database = argumentOf(yield* engine.fresh)
            const connection = yield* against
            for (let kill = 0; kill < 3; kill++) {
              const delay = 150 + Math.floor(Math.random() * 1200)
              const run = yield* cli(["sync", "--database", database, "--concurrency", "2", ...connection], {
                started: (child) => setTimeout(() => child.kill("SIGKILL"), delay)
              })
              expect(run.stderr).not.toMatch(stackLine)
            }
            const last = yield* inProcess(["sync", "--database", database, ...connection])
            expect(last.code, last.stderr).toBe(0)
            expect(last.stdout).toMatch(/ 0 failed\n$/)
            const exported = yield* cli(["export", "--database", database, "--format", "jsonl"])
            const server = yield* ServedCompletions.ServedCompletions
            const lines = exported.stdout.trimEnd().split("\n")
            expect(lines.length).toBe(testData.length)
            for (const completion of testData) {
              expect(lines).toContain(yield* server.getJson(completion.response.id))
            }
          }),
        slow
      )
      if (engine.name === "postgres") {
        it.scoped(
          "eight syncs at once into one store: none fails, every completion stored once, the report exact",
          () =>
            Effect.gen(function*() {
              const database = argumentOf(yield* engine.fresh)
              const connection = yield* against
              const runs = yield* Effect.all(
                Array.from({ length: 8 }, () => cli(["sync", "--database", database, ...connection])),
                { concurrency: "unbounded" }
              )
              for (const run of runs) {
                expect(run.code, run.stderr).toBe(0)
                expect(run.stderr).toBe("")
              }
              const stored = runs.map((run) => Number(/: (\d+) new,/.exec(run.stdout)?.[1]))
              expect(stored.reduce((a, b) => a + b, 0)).toBe(testData.length)
              const fromApi = yield* inProcess(["report", "--all", "--format", "json", ...connection])
              const fromStore = yield* inProcess(["report", "--database", database, "--format", "json"])
              expect(fromStore.stdout).toBe(fromApi.stdout)
            }),
          slow
        )
      }
    })
  }

  it.scoped(
    "a file that is not a database: one line naming it, exit 1, the file untouched",
    () =>
      Effect.gen(function*() {
        const dir = yield* tempDir
        const file = path.join(dir, "notes.sqlite")
        fs.writeFileSync(file, "these are my notes\n")
        const digest = () => createHash("sha256").update(fs.readFileSync(file)).digest("hex")
        const before = digest()
        for (const args of [["report", "--database", file], ["export", "--database", file, "--format", "jsonl"]]) {
          const run = yield* cli(args)
          expect(run.code, run.stderr).toBe(1)
          expect(run.stdout).toBe("")
          expect(run.stderr).toBe(
            `objectiveai: ${file} is not a usable SQLite database: its header is not SQLite's\n`
          )
        }
        const sync = yield* cli(["sync", "--database", file, ...(yield* against)])
        expect(sync.code).toBe(1)
        expect(digest()).toBe(before)
      }),
    slow
  )

  it.scoped("--database with ids, or --tz without --database, is a usage error", () =>
    Effect.gen(function*() {
      const withIds = yield* inProcess(["report", "--database", "x.sqlite", "--all"])
      expect(withIds.code).toBe(2)
      expect(withIds.stderr).toBe("objectiveai: --database reports the store: give it no ids, --file or --all\n")
      const tzAlone = yield* inProcess(["report", "--all", "--tz", "Europe/Paris"])
      expect(tzAlone.code).toBe(2)
      const badZone = yield* inProcess(["report", "--database", "x.sqlite", "--tz", "Mars/Base"])
      expect(badZone.code).toBe(2)
      expect(badZone.stderr).toBe(
        "objectiveai: --tz Mars/Base: expected an IANA time zone such as Europe/Paris or UTC\n"
      )
    }), slow)

  it.scoped("sync uses OBJECTIVEAI_DATABASE when --database is absent", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const file = path.join(dir, "from-env.sqlite")
      const run = yield* cli(["sync", ...(yield* against)], { env: { OBJECTIVEAI_DATABASE: file } })
      expect(run.code, run.stderr).toBe(0)
      expect(run.stdout).toContain(`synced ${file}: ${testData.length} new`)
      expect(fs.existsSync(file)).toBe(true)
    }), slow)
})
