/**
 * `import`, and the store commands that only read (`report --database`, `export`): a missing store is one line and
 * stays missing, a store on read-only media still reads.
 */
import { describe, expect, it } from "@effect/vitest"
import { Cost } from "@objectiveai-effect/analysis"
import { ChatCompletion, Json, StoredChatCompletion } from "@objectiveai-effect/domain"
import { Database } from "@objectiveai-effect/store"
import { engines, tempDir } from "@objectiveai-effect/testing/StoreEngines"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import { spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as path from "node:path"
import { bigSeed, cli, expectOneLine, inProcess, stackLine, testData } from "./support.js"

const slow = 180_000

const encodeCost = Schema.encodeSync(Cost.CostSummary)
const encodeStored = Schema.encodeSync(StoredChatCompletion.StoredChatCompletionFromJson)
const encodeResponse = Schema.encodeSync(Json.parseJson(ChatCompletion.ChatCompletion))

const argumentOf = (location: Database.Location): string =>
  Database.Location.$match(location, {
    Sqlite: ({ filename }) => filename,
    Postgres: ({ url }) => Redacted.value(url)
  })

const writeLines = (file: string, lines: ReadonlyArray<string>) => fs.writeFileSync(file, lines.join("\n") + "\n")

for (const engine of engines) {
  describe(`import on ${engine.name}`, () => {
    it.scoped(
      "stores every good line, names each bad one with its file and line, exits 1; a second import stores nothing new",
      () =>
        Effect.gen(function*() {
          const dir = yield* tempDir
          const database = argumentOf(yield* engine.fresh)
          const first = path.join(dir, "first.jsonl")
          const second = path.join(dir, "second.jsonl")
          const bare = testData[testData.length - 2]
          writeLines(first, [
            ...testData.slice(0, 20).map((completion) => encodeStored(completion)),
            "{\"request\":{}}",
            ""
          ])
          writeLines(second, [
            ...testData.slice(20, -2).map((completion) => encodeStored(completion)),
            "not json at all",
            encodeResponse(bare.response),
            encodeStored(testData[testData.length - 1])
          ])
          const run = yield* inProcess(["import", "--database", database, first, second])
          expect(run.stdout).toBe(`imported into ${database}: ${testData.length} new, 0 already stored, 2 bad lines\n`)
          expect(run.stderr.trimEnd().split("\n")).toEqual([
            expect.stringMatching(new RegExp(`^objectiveai: ${first}:21: request\\.`)),
            expect.stringMatching(new RegExp(`^objectiveai: ${second}:${testData.length - 21}: not JSON: `)),
            `objectiveai: 2 of ${testData.length + 2} lines were not stored completions and were skipped (listed above)`
          ])
          expect(run.code).toBe(1)

          const again = yield* inProcess(["import", "--database", database, second])
          expect(again.code, again.stderr).toBe(1)
          expect(again.stdout).toBe(
            `imported into ${database}: 0 new, ${testData.length - 20} already stored, 1 bad line\n`
          )

          const clean = path.join(dir, "clean.jsonl")
          writeLines(clean, testData.slice(0, 5).map((completion) => encodeStored(completion)))
          const cleanRun = yield* inProcess(["import", "--database", database, clean])
          expect(cleanRun.code, cleanRun.stderr).toBe(0)
          expect(cleanRun.stderr).toBe("")

          const report = yield* inProcess(["report", "--database", database, "--format", "json"])
          expect(report.code, report.stderr).toBe(0)
          const json = JSON.parse(report.stdout)
          expect(json.completions.retrieved).toBe(testData.length)
          expect(json.cost.byModel).toEqual(
            encodeCost(Cost.summarize(testData.map((completion) => completion.response), { by: "model" }))
          )

          const exported = yield* cli(["export", "--database", database, "--format", "jsonl"])
          expect(exported.code, exported.stderr).toBe(0)
          const expected = [
            ...testData.filter((completion) => completion !== bare).map((completion) => encodeStored(completion)),
            `{"response":${encodeResponse(bare.response)}}`
          ]
          expect(exported.stdout.trimEnd().split("\n").sort()).toEqual(expected.sort())
          expect(exported.stdout).toContain(`"seed":${bigSeed}`)
        }),
      slow
    )
  })
}

describe("import on a terminal", () => {
  it.scoped("draws the progress line on stderr, then the summary", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const file = path.join(dir, "all.jsonl")
      writeLines(file, testData.map((completion) => encodeStored(completion)))
      const database = path.join(dir, "store.sqlite")
      // `script` runs the CLI on a pseudo-terminal, so both its streams are a TTY and land in one output.
      const tty = yield* cli(["import", "--database", database, file], {
        wrap: (command) => [
          "script",
          ["-qefc", command.map((arg) => `'${arg.replace(/'/g, "'\\''")}'`).join(" "), "/dev/null"]
        ]
      })
      expect(tty.code, tty.stdout).toBe(0)
      expect(tty.stdout).toMatch(/importing \d+ +\d+\/s/)
      expect(tty.stdout).toContain(`imported into ${database}: ${testData.length} new, 0 already stored, 0 bad lines`)
    }), slow)
})

describe("stores that are only read", () => {
  it.scoped(
    "report and export on a store that does not exist: one line naming it, exit 1, nothing created",
    () =>
      Effect.gen(function*() {
        const dir = yield* tempDir
        const file = path.join(dir, "typo.sqlite")
        const hint = `no store at ${file}: \`objectiveai sync\` or \`objectiveai import\` creates one`
        expectOneLine(yield* inProcess(["report", "--database", file]), 1, hint)
        expectOneLine(yield* cli(["export", "--database", file, "--format", "jsonl"]), 1, hint)
        expect(fs.readdirSync(dir)).toEqual([])
      }),
    slow
  )

  const postgres = engines.find((engine) => engine.name === "postgres")
  it.scoped.runIf(postgres !== undefined)(
    "report on a PostgreSQL database without a store: one line, nothing created",
    () =>
      Effect.gen(function*() {
        const location = yield* postgres!.fresh
        const run = yield* inProcess(["report", "--database", argumentOf(location)])
        expectOneLine(
          run,
          1,
          new RegExp(
            `^objectiveai: no store at ${Database.describe(location).replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}: `
          )
        )
      }),
    slow
  )

  // A read-only bind mount of the store's directory is read-only media, even for root; mounting needs root.
  const canMount = process.getuid?.() === 0 && spawnSync("mount", ["--version"]).status === 0
  it.scoped.runIf(canMount)("report and export read a store on read-only media", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const file = path.join(dir, "store.sqlite")
      const source = path.join(dir, "all.jsonl")
      writeLines(source, testData.map((completion) => encodeStored(completion)))
      expect((yield* inProcess(["import", "--database", file, source])).code).toBe(0)
      fs.rmSync(source)
      yield* Effect.acquireRelease(
        Effect.sync(() => {
          for (const args of [["--bind", dir, dir], ["-o", "remount,bind,ro", dir]]) {
            const result = spawnSync("mount", args)
            if (result.status !== 0) throw new Error(`mount ${args.join(" ")} failed: ${result.stderr}`)
          }
        }),
        () => Effect.sync(() => spawnSync("umount", ["-l", dir]))
      )
      const report = yield* cli(["report", "--database", file, "--format", "json"])
      expect(report.code, report.stderr).toBe(0)
      expect(JSON.parse(report.stdout).completions.retrieved).toBe(testData.length)
      const exported = yield* cli(["export", "--database", file, "--format", "jsonl"])
      expect(exported.code, exported.stderr).toBe(0)
      expect(exported.stdout.trimEnd().split("\n").sort()).toEqual(
        testData.map((completion) => encodeStored(completion)).sort()
      )
      expect(report.stderr + exported.stderr).not.toMatch(stackLine)
      expect(fs.readdirSync(dir)).toEqual(["store.sqlite"])
    }), slow)
})
