/**
 * `export --format parquet`, read back with an independent reader: DuckDB.
 */
import { DuckDBInstance } from "@duckdb/node-api"
import { describe, expect, it } from "@effect/vitest"
import { CompletionId, StoredChatCompletion } from "@objectiveai-effect/domain"
import { Database } from "@objectiveai-effect/store"
import { engines, tempDir } from "@objectiveai-effect/testing/StoreEngines"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import * as fs from "node:fs"
import * as path from "node:path"
import { ExportCommand } from "../src/index.js"
import { cli, inProcess, testData } from "./support.js"

const slow = 180_000

const encodeStored = Schema.encodeSync(StoredChatCompletion.StoredChatCompletionFromJson)

const argumentOf = (location: Database.Location): string =>
  Database.Location.$match(location, {
    Sqlite: ({ filename }) => filename,
    Postgres: ({ url }) => Redacted.value(url)
  })

const shellQuote = (arg: string) => `'${arg.replace(/'/g, "'\\''")}'`

/** Runs the CLI with its stdout sent to a file, as a user redirects a binary export. */
const exportTo = (file: string, args: ReadonlyArray<string>) =>
  cli(args, { wrap: (command) => ["sh", ["-c", `${command.map(shellQuote).join(" ")} > ${shellQuote(file)}`]] })

const query = (sql: string) =>
  Effect.promise(async () => {
    const instance = await DuckDBInstance.create(":memory:")
    const connection = await instance.connect()
    try {
      return (await connection.runAndReadAll(sql)).getRowObjectsJS()
    } finally {
      connection.closeSync()
      instance.closeSync()
    }
  })

// More completions than two row groups hold, so that the file is written a row group at a time.
const completions = Array.from({ length: 70 }, (_, copy) =>
  testData.map((completion) => ({
    ...completion,
    response: { ...completion.response, id: CompletionId.make(`${completion.response.id}-${copy}`) }
  }))).flat()

const tokens = (value: number | null | undefined) => typeof value === "number" ? BigInt(value) : null

for (const engine of engines) {
  describe(`export --format parquet on ${engine.name}`, () => {
    it.scoped(
      "typed columns and the exact body of every completion, read back by DuckDB",
      () =>
        Effect.gen(function*() {
          const dir = yield* tempDir
          const database = argumentOf(yield* engine.fresh)
          const source = path.join(dir, "all.jsonl")
          fs.writeFileSync(source, completions.map((completion) => encodeStored(completion)).join("\n") + "\n")
          expect((yield* inProcess(["import", "--database", database, source])).code).toBe(0)
          const file = path.join(dir, "completions.parquet")
          const run = yield* exportTo(file, ["export", "--database", database, "--format", "parquet"])
          expect(run.code, run.stderr).toBe(0)
          expect(run.stderr).toBe("")
          const from = `read_parquet('${file}')`

          const types = yield* query(`SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM ${from})`)
          expect(Object.fromEntries(types.map((row) => [row.column_name, row.column_type]))).toEqual({
            id: "VARCHAR",
            created: "TIMESTAMP WITH TIME ZONE",
            model: "VARCHAR",
            provider: "VARCHAR",
            finish_reasons: "VARCHAR",
            prompt_tokens: "BIGINT",
            completion_tokens: "BIGINT",
            reasoning_tokens: "BIGINT",
            cached_tokens: "BIGINT",
            cost: "DECIMAL(38,18)",
            upstream_inference_cost: "DECIMAL(38,18)",
            upstream_upstream_inference_cost: "DECIMAL(38,18)",
            is_byok: "BOOLEAN",
            logprobs: "BOOLEAN",
            tool_calls: "BOOLEAN",
            body: "VARCHAR",
            tags: "VARCHAR"
          })

          const rows = yield* query(
            `SELECT *, epoch_ms(created) AS created_ms, prompt_tokens AS prompt, completion_tokens AS completion,
             reasoning_tokens AS reasoning, cached_tokens AS cached, body AS text FROM ${from}`
          )
          expect(rows.length).toBe(completions.length)
          expect(new Set(rows.map((row) => row.id)).size).toBe(completions.length)
          // Imported, not captured: no call's tags.
          expect(rows.every((row) => row.tags === null)).toBe(true)
          const [{ groups }] = yield* query(
            `SELECT count(DISTINCT row_group_id) AS groups FROM parquet_metadata('${file}')`
          )
          expect(groups).toBe(BigInt(Math.ceil(completions.length / ExportCommand.parquetRowGroup)))
          const byId = new Map(completions.map((completion) => [completion.response.id as string, completion]))
          for (const row of rows) {
            const completion = byId.get(row.id as string)!
            const { response } = completion
            expect(row.text).toBe(encodeStored(completion))
            expect(row.created_ms).toBe(BigInt(Math.floor(response.created * 1000)))
            expect(row.model).toBe(response.model)
            expect(row.provider).toBe(response.provider ?? null)
            expect(row.finish_reasons).toBe(response.choices.map((choice) => choice.finish_reason ?? "").join(" "))
            expect(row.prompt).toBe(tokens(response.usage?.prompt_tokens))
            expect(row.completion).toBe(tokens(response.usage?.completion_tokens))
            expect(row.reasoning).toBe(tokens(response.usage?.completion_tokens_details?.reasoning_tokens))
            expect(row.cached).toBe(tokens(response.usage?.prompt_tokens_details?.cached_tokens))
            expect(row.is_byok).toBe(response.usage?.is_byok === true)
            expect(row.logprobs).toBe(response.choices.some((choice) => choice.logprobs != null))
            expect(row.tool_calls).toBe(response.choices.some((choice) => (choice.message.tool_calls?.length ?? 0) > 0))
          }

          // Every amount equals the one in the body, read from the JSON by DuckDB as an exact decimal.
          const amounts = [
            ["cost", "$.response.usage.cost"],
            ["upstream_inference_cost", "$.response.usage.cost_details.upstream_inference_cost"],
            ["upstream_upstream_inference_cost", "$.response.usage.cost_details.upstream_upstream_inference_cost"]
          ]
          for (const [name, at] of amounts) {
            const [check] = yield* query(
              `SELECT count(*) FILTER (WHERE ${name} IS NOT NULL) AS priced,
               count(*) FILTER (WHERE ${name} IS DISTINCT FROM
                 CAST(json_extract_string(body, '${at}') AS DECIMAL(38,18))) AS differing
             FROM ${from}`
            )
            expect(check.differing, name).toBe(0n)
            expect(check.priced, name).toBeGreaterThan(0n)
          }
        }),
      slow
    )
  })
}

describe("export --format parquet", () => {
  it.effect("on a terminal: refused with one line, exit 2", () =>
    Effect.gen(function*() {
      const run = yield* cli(["export", "--database", "x.sqlite", "--format", "parquet"], {
        wrap: (command) => ["script", ["-qefc", command.map(shellQuote).join(" "), "/dev/null"]]
      })
      expect(run.code).toBe(2)
      expect(run.stdout.trim()).toBe(
        "objectiveai: parquet is binary: redirect stdout to a file (objectiveai export --format parquet > out.parquet)"
      )
    }), slow)
})
