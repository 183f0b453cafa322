/**
 * `report --database … --by tag:<key>` and `prune --before` on each engine: a store holding synced completions and
 * captured calls, its report by a tag, and the same report after its old bodies are pruned.
 */
import { describe, expect, it } from "@effect/vitest"
import { Database } from "@objectiveai-effect/store"
import { engines, openStore, tempDir } from "@objectiveai-effect/testing/StoreEngines"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import * as fs from "node:fs"
import * as path from "node:path"
import { cli, inProcess, testData } from "./support.js"

const argumentOf = (location: Database.Location): string =>
  Database.Location.$match(location, {
    Sqlite: ({ filename }) => filename,
    Postgres: ({ url }) => Redacted.value(url)
  })

const captured = testData.slice(0, 10)
const synced = testData.slice(10, 60)

for (const engine of engines) {
  describe(`report --by and prune on ${engine.name}`, () => {
    it.scoped("the report by a tag, then a prune that keeps it the same", () =>
      Effect.gen(function*() {
        const location = yield* engine.fresh
        const database = argumentOf(location)
        yield* Effect.scoped(Effect.gen(function*() {
          const store = yield* openStore(location)
          yield* store.put(synced)
          yield* store.putCalls(captured.map((stored, i) => ({
            id: `call-${i}`,
            operation: "create",
            request: stored.request,
            completion: stored.response,
            partial: undefined,
            outcome: "Success",
            status: undefined,
            requestId: undefined,
            message: undefined,
            attempts: 1,
            startedAt: stored.response.created * 1000,
            timeToFirstByte: 10,
            timeToFirstChunk: undefined,
            duration: 20,
            tags: { feature: i % 2 === 0 ? "summary" : "chat" }
          })))
        }))
        // The export's CSV carries each captured completion's tags.
        const csv = yield* cli(["export", "--database", database, "--format", "csv"])
        const rows = csv.stdout.trimEnd().split("\n")
        expect(rows[0].endsWith(",tags")).toBe(true)
        const row = rows.find((line) => line.startsWith(`${captured[1].response.id},`))
        expect(row?.endsWith(`,"{""feature"":""chat""}"`)).toBe(true)
        expect(rows.find((line) => line.startsWith(`${synced[0].response.id},`))?.endsWith(",")).toBe(true)
        const before = yield* inProcess(["report", "--database", database, "--by", "tag:feature", "--format", "json"])
        expect(before.code, before.stderr).toBe(0)
        const document = JSON.parse(before.stdout)
        expect(document.cost.byTag.key).toBe("feature")
        expect(document.cost.byTag.summary.groups.map((group: { key: Array<string | null> }) => group.key[0]))
          .toStrictEqual([null, "chat", "summary"])
        expect(document.calls.total).toStrictEqual({ key: null, calls: 10, failed: 0, interrupted: 0, errors: {} })
        const table = yield* inProcess(["report", "--database", database, "--by", "tag:feature"])
        expect(table.stdout).toMatch(/^Cost by tag feature \(credits\)$/m)
        // Filtered by a tag: only what the calls tagged so brought, in every format, the page's filter included.
        const chat = yield* inProcess(["report", "--database", database, "--tag", "feature=chat", "--format", "json"])
        expect(chat.code, chat.stderr).toBe(0)
        const chatDocument = JSON.parse(chat.stdout)
        expect(chatDocument.completions.retrieved).toBe(5)
        expect(chatDocument.calls.total.calls).toBe(5)
        const page = yield* inProcess(["report", "--database", database, "--tag", "feature=chat", "--format", "html"])
        expect(page.code, page.stderr).toBe(0)
        expect(page.stdout).toContain(`"tag":["feature=chat"]`)

        const created = [...captured, ...synced].map((stored) => stored.response.created).sort((a, b) => a - b)
        const cutoff = new Date(created[30] * 1000).toISOString()
        const pruned = yield* inProcess(["prune", "--database", database, "--before", cutoff])
        expect(pruned.code, pruned.stderr).toBe(0)
        expect(pruned.stdout).toMatch(
          /^pruned .*: the bodies of \d+ completions and the requests of \d+ calls from before /
        )
        const after = yield* inProcess(["report", "--database", database, "--by", "tag:feature", "--format", "json"])
        expect(after.stdout).toBe(before.stdout)
        const exported = yield* cli(["export", "--database", database, "--format", "jsonl"])
        expect(exported.stdout.trim().split("\n").length).toBe(
          [...captured, ...synced].filter((stored) => stored.response.created >= created[30]).length
        )
      }))

    it.effect("--by takes tag:<key> and --tag key=value, on a store only", () =>
      Effect.gen(function*() {
        const bad = yield* inProcess(["report", "--database", "nowhere.sqlite", "--by", "feature"])
        expect(bad.code).toBe(2)
        expect(bad.stderr).toBe("objectiveai: --by feature: expected tag:<key>, such as tag:feature\n")
        const noStore = yield* inProcess(["report", "--all", "--by", "tag:feature"])
        expect(noStore.code).toBe(2)
        expect(noStore.stderr).toContain("--by and --tag apply to a store: give --database")
        const badTag = yield* inProcess(["report", "--database", "nowhere.sqlite", "--tag", "feature"])
        expect(badTag.code).toBe(2)
        expect(badTag.stderr).toBe("objectiveai: --tag feature: expected key=value, such as feature=search\n")
        const tagNoStore = yield* inProcess(["report", "--all", "--tag", "feature=chat"])
        expect(tagNoStore.code).toBe(2)
        expect(tagNoStore.stderr).toContain("--by and --tag apply to a store: give --database")
      }))

    it.scoped("a prune of a store that is not there fails in one line and makes none", () =>
      Effect.gen(function*() {
        const missing = path.join(yield* tempDir, "missing.sqlite")
        const run = yield* inProcess(["prune", "--database", missing, "--before", "2025-01-01"])
        expect(run.code).toBe(1)
        expect(run.stderr.trim().split("\n")).toHaveLength(1)
        expect(fs.existsSync(missing)).toBe(false)
      }))
  })
}
