/**
 * The built CLI, spawned as a user runs it, against a server started by this test process.
 */
import { describe, expect, it, layer } from "@effect/vitest"
import { Cost, LogprobSummary, ToolCalls, ToolCallSummary } from "@objectiveai-effect/analysis"
import { Json, StoredChatCompletion } from "@objectiveai-effect/domain"
import { ObjectiveAiServer } from "@objectiveai-effect/server"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import { spawn } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { Cli, ReportFormat } from "../src/index.js"
import * as CommandLine from "../src/internal/commandLine.js"
import {
  against,
  apiKey,
  bigSeed,
  bigSeedCompletion,
  cli,
  expectOneLine,
  inProcess,
  stackLine,
  testData,
  TestServer
} from "./support.js"

const slow = 120_000

const responses = testData.map((completion) => completion.response)
const decodeDocument = Schema.decodeUnknownSync(ReportFormat.Document)
const encodeCost = Schema.encodeSync(Cost.CostSummary)
const encodeLogprobs = Schema.encodeSync(LogprobSummary.LogprobSummary)

const tempFile = (name: string, text: string): string => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "objectiveai-cli-"))
  const file = path.join(dir, name)
  fs.writeFileSync(file, text)
  return file
}

// Help and usage errors print the same in this process as in their own; CommandLine.test.ts spawns the executable
// for what only a process shows (exit codes as the shell sees them, colour on a terminal, nothing sent).
describe("help", () => {
  for (const command of ["retrieve", "report", "serve", "demo"]) {
    it.effect(`${command} --help`, () =>
      Effect.gen(function*() {
        const run = yield* inProcess([command, "--help"])
        expect(run.code, run.stderr).toBe(0)
        expect(run.stdout).toContain("USAGE")
        expect(run.stdout).toContain(`$ objectiveai ${command}`)
        expect(run.stdout).toContain("DESCRIPTION")
      }), slow)
  }

  it.effect("every help fits 100 columns", () =>
    Effect.gen(function*() {
      for (const command of [[], ["retrieve"], ["report"], ["sync"], ["export"], ["serve"], ["demo"]]) {
        const run = yield* inProcess([...command, "--help"])
        expect(run.code, run.stderr).toBe(0)
        const widest = run.stdout.split("\n").reduce((max, line) => Math.max(max, [...line].length), 0)
        expect(widest, `${command.join(" ")} --help`).toBeLessThanOrEqual(100)
      }
    }), slow)

  it.effect("--help lists every command, and no command is a usage error", () =>
    Effect.gen(function*() {
      const help = yield* inProcess(["--help"])
      expect(help.code).toBe(0)
      for (const command of ["retrieve", "report", "serve", "demo"]) expect(help.stdout).toContain(`- ${command}`)
      const bare = yield* inProcess([])
      expectOneLine(
        bare,
        2,
        "a command is required: retrieve, report, sync, import, export, prune, serve, dashboard or demo (see objectiveai --help)"
      )
    }), slow)
})

describe("bad flags", () => {
  const cases: ReadonlyArray<readonly [string, ReadonlyArray<string>, RegExp]> = [
    ["an unknown format", ["report", "--all", "--format", "xml"], /table, json, csv/],
    ["a concurrency out of range", ["report", "--all", "--concurrency", "0"], /concurrency|between|greater/i],
    ["a missing id", ["retrieve"], /id/i],
    ["an unknown command", ["frobnicate"], /frobnicate|unknown|invalid|expected/i],
    ["a base URL that is not http", ["retrieve", "x", "--api-key", "k", "--base-url", "ftp://host"], /http/],
    ["a data file that does not exist", ["serve", "--data", "/nonexistent/data.jsonl"], /nonexistent|exist/i]
  ]
  for (const [name, args, message] of cases) {
    it.effect(`${name}: one line that says what is accepted, exit 2`, () =>
      Effect.gen(function*() {
        const run = yield* inProcess(args)
        expect(run.code, run.stderr).toBe(2)
        expect(run.stdout + run.stderr).toMatch(message)
        expect(run.stderr).not.toMatch(stackLine)
        expectOneLine(run, 2, /^objectiveai: /)
      }), slow)
  }

  // Every flag that takes a value, of every command, given one no flag accepts: the line names the flag and the value,
  // never @effect/cli's parser text. Flags that take any text (a key, a host, a store) have no bad value.
  const anyText = new Set(["--api-key", "--host", "--database"])
  const commandTree = CommandLine.tree(Cli.command.descriptor, "objectiveai")
  // What a command needs besides the flag, so that the flag is the only thing wrong.
  const needs: Readonly<Record<string, ReadonlyArray<string>>> = {
    retrieve: ["some-id"],
    export: ["--format", "jsonl"]
  }
  for (const [name, node] of commandTree.subcommands) {
    for (const [flag, { takesValue }] of node.flags) {
      if (!takesValue || anyText.has(flag)) continue
      it.effect(`${name} ${flag} with a bad value: one line naming the flag`, () =>
        Effect.gen(function*() {
          const base = (needs[name] ?? []).filter((arg, i, all) => arg !== flag && all[i - 1] !== flag)
          const run = yield* inProcess([name, ...base, flag, "1e999%"])
          expectOneLine(run, 2, new RegExp(`^objectiveai: ${flag} 1e999%: expected [^{}└]+$`))
        }), slow)
    }
  }

  it.effect("OBJECTIVEAI_BASE_URL without a scheme: the flag's one line, nothing sent", () =>
    Effect.gen(function*() {
      expectOneLine(
        yield* cli(["report", "--all", "--api-key", "k"], { env: { OBJECTIVEAI_BASE_URL: "localhost:18631" } }),
        2,
        "--base-url localhost:18631: expected an http:// or https:// URL"
      )
    }), slow)

  it.effect(
    "a required flag left out, an argument too many, an empty --flag=: one line naming it",
    () =>
      Effect.gen(function*() {
        expectOneLine(
          yield* inProcess(["retrieve", "a", "b", "--api-key", "k"]),
          2,
          "unexpected argument b for objectiveai retrieve (objectiveai retrieve --help says what it takes)"
        )
        expectOneLine(
          yield* inProcess(["sync", "--concurrency="]),
          2,
          "--concurrency needs a value (objectiveai sync --help says which)"
        )
        expectOneLine(
          yield* inProcess(["export"]),
          2,
          "objectiveai export needs --format (objectiveai export --help says which values)"
        )
      }),
    slow
  )

  it.effect("report without a source, or --all with ids, is a usage error", () =>
    Effect.gen(function*() {
      expectOneLine(
        yield* inProcess(["report", "--api-key", "k"]),
        2,
        "nothing to report: give ids, --file, --all or --database"
      )
      expectOneLine(
        yield* inProcess(["report", "--all", "some-id", "--api-key", "k"]),
        2,
        "--all reports every completion: give it no ids or --file"
      )
    }), slow)

  it.effect("no API key from the flag or the environment is a usage error", () =>
    Effect.gen(function*() {
      expectOneLine(yield* cli(["retrieve", "x"]), 2, "no API key: set OBJECTIVEAI_API_KEY or pass --api-key")
      // An empty variable is no key either.
      expectOneLine(
        yield* cli(["report", "--all"], { env: { OBJECTIVEAI_API_KEY: "" } }),
        2,
        "no API key: set OBJECTIVEAI_API_KEY or pass --api-key"
      )
    }), slow)
})

it.effect("an unreachable server: one line naming it, exit 1", () =>
  Effect.gen(function*() {
    const secret = "sk-unreachable-secret"
    const retrieve = yield* cli(["retrieve", "x", "--api-key", secret, "--base-url", "http://127.0.0.1:1"])
    expectOneLine(retrieve, 1, "cannot reach http://127.0.0.1:1: connection refused")
    const report = yield* cli(["report", "--all"], {
      env: { OBJECTIVEAI_API_KEY: secret, OBJECTIVEAI_BASE_URL: "http://127.0.0.1:1" }
    })
    expectOneLine(report, 1, "cannot reach http://127.0.0.1:1: connection refused")
    expect(retrieve.stderr + report.stderr).not.toContain(secret)
  }), slow)

it.effect("demo serves the sample data, prints the report and exits 0", () =>
  Effect.gen(function*() {
    const run = yield* cli(["demo"])
    expect(run.code, run.stderr).toBe(0)
    expect(run.stderr).toMatch(/^objectiveai demo: serving the sample data set on http:\/\/127\.0\.0\.1:\d+/)
    expect(run.stdout).toMatch(/^Completions: 300 retrieved, 0 failed$/m)
    for (const title of ["Cost by model", "Cost by provider", "Cost by day, UTC", "Logprobs", "Tool calls:"]) {
      expect(run.stdout).toContain(title)
    }
    // Then the captured traffic: the tagged calls' report by feature, the refused call counted as failed.
    expect(run.stderr).toContain("captured into a store in memory; its report by tag:feature")
    expect(run.stdout).toMatch(/^Completions: 5 retrieved, 0 failed$/m)
    expect(run.stdout).toMatch(
      /^Cost by tag feature \(credits\)\nfeature +completions.*\nchat +2 .*\nsummary +2 .*\ntranslate +1 /m
    )
    expect(run.stdout).toMatch(/^Captured calls: 6, 1 failed \(16\.7%\)$/m)
  }), slow)

describe("serve", () => {
  it.effect(
    "serves until Ctrl-C, printing its URL, with the docs page and Scalar's script inline",
    () =>
      Effect.gen(function*() {
        let url: string | undefined
        const run = yield* cli(["serve", "--port", "0", "--api-key", "serve-key"], {
          started: (child) => {
            const poll = setInterval(async () => {
              const found = /on (http:\/\/127\.0\.0\.1:\d+)/.exec(child.stdout)?.[1]
              if (found === undefined) return
              clearInterval(poll)
              url = found
              const list = await fetch(`${found}/chat/completions?count=5`, {
                headers: { authorization: "Bearer serve-key" }
              })
              const denied = await fetch(`${found}/chat/completions?count=5`, {
                headers: { authorization: "Bearer other" }
              })
              // The bundle reads Scalar's script from the file beside it: the page must still carry all of it.
              const docs = await (await fetch(`${found}/docs`)).text()
              const scalarInline = docs.includes("/npm/@scalar/api-reference@") && docs.length > 3_000_000
              if (
                list.status === 200 && (await list.json()).data.length === 5 && denied.status === 401 && scalarInline
              ) {
                child.kill("SIGINT")
              } else child.kill("SIGKILL")
            }, 100)
          }
        })
        expect(url).toBeDefined()
        expect(run.stdout).toMatch(/^Serving 300 completions from the sample data set on http/m)
        expect(run.stdout).toContain("Accepting 1 API key.")
        expect(run.signal).toBeNull()
        expect(run.code, run.stderr).toBe(130)
      }),
    slow
  )

  it.effect("a data file that does not load: one line naming the file and line, exit 1", () =>
    Effect.gen(function*() {
      const file = tempFile(
        "bad.jsonl",
        `${Json.stringify(Schema.encodeSync(StoredChatCompletion.StoredChatCompletion)(testData[0]))}\n{"request": 1}\n`
      )
      const run = yield* cli(["serve", "--port", "0", "--data", file])
      expectOneLine(run, 1, new RegExp(`^objectiveai: cannot load the data: ${file.replace(/[.]/g, "\\.")}:2: `))
    }), slow)

  it.effect("beyond loopback with no --api-key: refuses to start, one line, exit 2", () =>
    Effect.gen(function*() {
      const run = yield* cli(["serve", "--host", "0.0.0.0", "--port", "0"])
      expectOneLine(
        run,
        2,
        /^objectiveai: listening on 0\.0\.0\.0 with no --api-key accepts any key .*--allow-any-key/
      )
      expect(run.stdout).toBe("")
    }), slow)

  it.effect("beyond loopback with --allow-any-key: warns on stderr and serves any key", () =>
    Effect.gen(function*() {
      let listed: number | undefined
      const run = yield* cli(["serve", "--host", "0.0.0.0", "--port", "0", "--allow-any-key"], {
        started: (child) => {
          const poll = setInterval(async () => {
            const port = /on http:\/\/0\.0\.0\.0:(\d+)/.exec(child.stdout)?.[1]
            if (port === undefined) return
            clearInterval(poll)
            const list = await fetch(`http://127.0.0.1:${port}/chat/completions?count=1`, {
              headers: { authorization: "Bearer anything" }
            })
            listed = list.status
            child.kill("SIGINT")
          }, 100)
        }
      })
      expect(run.stderr).toMatch(/^objectiveai: warning: listening on 0\.0\.0\.0 with no --api-key accepts any key/)
      expect(listed).toBe(200)
      expect(run.code, run.stderr).toBe(130)
    }), slow)

  it.effect("a port in use: one line, exit 1", () =>
    Effect.gen(function*() {
      const run = yield* Effect.flatMap(ObjectiveAiServer.ObjectiveAiServer, ({ port }) =>
        cli(["serve", "--port", String(port)]))
      expectOneLine(run, 1, /^objectiveai: cannot listen on 127\.0\.0\.1:\d+: the address is already in use$/)
    }).pipe(Effect.provide(TestServer)), slow)
})

/** The repository's root, where the READMEs' commands are run. */
const root = fileURLToPath(new URL("../../..", import.meta.url))

/** The PATH without any node_modules/.bin, which the test runner adds: a newcomer's shell. */
const shellPath = (process.env.PATH ?? "").split(path.delimiter).filter((dir) => !dir.includes("node_modules"))
  .join(path.delimiter)

/** The line of the root README's Quick start section that puts the `objectiveai` command on the PATH. */
const quickStartPathLine = (): string => {
  const readme = fs.readFileSync(path.join(root, "README.md"), "utf8")
  const quickStart = readme.slice(
    readme.indexOf("## Quick start"),
    readme.indexOf("\n## ", readme.indexOf("## Quick start"))
  )
  const line = quickStart.split("\n").find((candidate) => candidate.startsWith("export PATH="))
  expect(line, "the Quick start section puts objectiveai on the PATH").toBeDefined()
  return line!.replace(/\s+#.*$/, "")
}

/** Runs a command line in sh from the repository root, as a person pastes it, with `PATH`. */
const shell = (line: string, pathVariable: string) =>
  Effect.async<{ readonly code: number | null; readonly stdout: string; readonly stderr: string }>((resume) => {
    const env = Object.fromEntries(
      Object.entries(process.env).filter(([name]) => !name.startsWith("OBJECTIVEAI_") && name !== "NODE_PATH")
    )
    const child = spawn("sh", ["-c", line], { cwd: root, env: { ...env, PATH: pathVariable } })
    const output = { stdout: "", stderr: "" }
    child.stdout.setEncoding("utf8").on("data", (data: string) => (output.stdout += data))
    child.stderr.setEncoding("utf8").on("data", (data: string) => (output.stderr += data))
    child.on("close", (code) => resume(Effect.succeed({ code, ...output })))
    return Effect.sync(() => child.kill("SIGKILL"))
  })

describe("from the repository root", () => {
  it.effect("the Quick start's PATH line makes `objectiveai` a command", () =>
    Effect.gen(function*() {
      const run = yield* shell(`${quickStartPathLine()} && objectiveai --version`, shellPath)
      expect(run.code, run.stderr).toBe(0)
      expect(run.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/)
    }), slow)

  // serve runs from the repository root, with the Quick start's PATH or without it; the line it prints is pasted as
  // it is into a shell there.
  for (const [name, withQuickStart] of [["objectiveai", true], ["node and the script", false]] as const) {
    it.effect(`serve's Try line works pasted into a shell (${name})`, () =>
      Effect.gen(function*() {
        const pathVariable = withQuickStart
          ? `${path.join(root, "node_modules", ".bin")}${path.delimiter}${shellPath}`
          : shellPath
        let line: string | undefined
        let tried: { readonly code: number | null; readonly stdout: string; readonly stderr: string } | undefined
        const served = yield* cli(["serve", "--port", "0"], {
          env: { PATH: pathVariable },
          started: (child) => {
            const poll = setInterval(() => {
              line = /^Try: (.+)$/m.exec(child.stdout)?.[1]
              if (line === undefined) return
              clearInterval(poll)
              Effect.runPromise(shell(line, pathVariable)).then((pasted) => {
                tried = pasted
                child.kill("SIGINT")
              })
            }, 100)
          }
        })
        expect(served.code, served.stderr).toBe(130)
        expect(line).toMatch(withQuickStart ? / objectiveai report --all$/ : / node \S+objectiveai\.js report --all$/)
        expect(tried?.code, tried?.stderr).toBe(0)
        expect(tried?.stdout).toContain("Completions: 300 retrieved, 0 failed")
      }), slow)
  }
})

// Last in the file: @effect/vitest's layer() leaves the shared `it` bound to its runtime for what follows it.
layer(TestServer, { timeout: slow })("against the local server", (it) => {
  // What these commands print is the same in this process as in their own; the runs that need one spawn it.
  const retrieve = (...args: ReadonlyArray<string>) =>
    Effect.flatMap(against, (flags) => inProcess(["retrieve", ...args, ...flags]))
  const report = (...args: ReadonlyArray<string>) =>
    Effect.flatMap(against, (flags) => inProcess(["report", ...args, ...flags]))

  it.effect("retrieve prints the completion readably", () =>
    Effect.gen(function*() {
      const stored = testData.find((completion) => completion.response.usage?.cost != null)!
      const response = stored.response
      const run = yield* retrieve(response.id)
      expect(run.code, run.stderr).toBe(0)
      expect(run.stderr).toBe("")
      const lines = run.stdout.split("\n")
      expect(lines[0]).toBe(response.id)
      expect(run.stdout).toMatch(new RegExp(`^model +${response.model.replace(/[.]/g, "\\.")}$`, "m"))
      expect(run.stdout).toMatch(new RegExp(`^provider +${response.provider}$`, "m"))
      expect(run.stdout).toMatch(
        new RegExp(`^created +${new Date(response.created * 1000).toISOString().replace(".000Z", "Z")}$`, "m")
      )
      expect(run.stdout).toContain(`${stored.request.messages.length} message`)
      for (const choice of response.choices) {
        expect(run.stdout).toContain(`choice ${choice.index}  finish: ${choice.finish_reason}`)
        for (const call of choice.message.tool_calls ?? []) expect(run.stdout).toContain(call.id)
      }
      const cost = Schema.encodeSync(Cost.Totals)(Cost.summarize([response]).total).cost
      expect(run.stdout).toMatch(new RegExp(`^cost +${cost.replace(".", "\\.")} credits`, "m"))
      expect(run.stdout).toMatch(
        new RegExp(
          `^usage +${response.usage!.prompt_tokens} prompt \\+ ${response.usage!.completion_tokens} completion`,
          "m"
        )
      )
    }))

  it.effect("retrieve --json prints the exact stored JSON, a seed beyond 2^53 included", () =>
    Effect.gen(function*() {
      const run = yield* retrieve(bigSeedCompletion.response.id, "--json")
      expect(run.code, run.stderr).toBe(0)
      expect(run.stdout.trimEnd().split("\n")).toHaveLength(1)
      expect(run.stdout).toContain(`"seed":${bigSeed}`)
      const decoded = Schema.decodeUnknownSync(StoredChatCompletion.StoredChatCompletion)(Json.parse(run.stdout))
      expect(decoded.request.seed).toBe(bigSeed)
      expect(decoded).toEqual(bigSeedCompletion)
    }))

  it.effect("retrieve of an unknown id: a 404 line, exit 1", () =>
    Effect.gen(function*() {
      expectOneLine(
        yield* retrieve("chtcpl-no-such-id"),
        1,
        "not found: no completion with id \"chtcpl-no-such-id\" (HTTP 404)"
      )
    }))

  it.effect("a bad key: a 401 line that never shows the key, exit 1", () =>
    Effect.gen(function*() {
      const { url } = yield* ObjectiveAiServer.ObjectiveAiServer
      const wrongKey = "sk-wrong-key-do-not-print"
      const id = testData[0].response.id
      const message = "unauthorized (HTTP 401): check OBJECTIVEAI_API_KEY or --api-key"
      const byFlag = yield* cli(["retrieve", id, "--api-key", wrongKey, "--base-url", url])
      expectOneLine(byFlag, 1, message)
      const byEnv = yield* cli(["report", "--all", "--format", "json"], {
        env: { OBJECTIVEAI_API_KEY: wrongKey, OBJECTIVEAI_BASE_URL: url }
      })
      expectOneLine(byEnv, 1, message)
      expect(byFlag.stderr + byEnv.stderr).not.toContain(wrongKey)
    }))

  it.effect("report --format json equals the analysis functions on the same data", () =>
    Effect.gen(function*() {
      const run = yield* report("--all", "--format", "json")
      expect(run.code, run.stderr).toBe(0)
      expect(run.stderr).toBe("")
      const document = decodeDocument(JSON.parse(run.stdout))
      const json = JSON.parse(run.stdout)
      expect(document.completions).toEqual({ retrieved: testData.length, failed: 0 })
      expect(json.cost.byModel).toEqual(encodeCost(Cost.summarize(responses, { by: "model" })))
      expect(json.cost.byProvider).toEqual(encodeCost(Cost.summarize(responses, { by: "provider" })))
      expect(json.cost.byDay).toEqual(encodeCost(Cost.summarize(responses, { by: "day" })))
      const logprobs = LogprobSummary.summarize(responses)
      expect(json.logprobs).toEqual(encodeLogprobs(logprobs))
      const content = LogprobSummary.toTokenMetrics(logprobs.content)
      expect(content.tokens).toBeGreaterThan(0)
      expect(json.logprobMetrics.content.perplexity).toBe(Option.getOrThrow(content.perplexity))
      expect(json.logprobMetrics.content.jointLogprob).toBe(content.jointLogprob)
      expect(json.logprobMetrics.refusal.tokens).toBe(LogprobSummary.toTokenMetrics(logprobs.refusal).tokens)

      // Tool calls: every call of every choice, each with the outcome `ToolCalls.extract` gives it.
      const results = testData.flatMap((stored) =>
        ToolCalls.extract(stored, ToolCalls.toolkitFromRequest(stored.request))
      )
      const calls = testData.flatMap((stored) =>
        stored.response.choices.flatMap((choice) => choice.message.tool_calls ?? [])
      )
      expect(results.length).toBe(calls.length)
      expect(document.toolCalls.calls).toBe(calls.length)
      for (const outcome of ToolCallSummary.outcomes) {
        expect(document.toolCalls.outcomes[outcome], outcome).toBe(
          results.filter((result) => result._tag === outcome).length
        )
      }
      for (const tool of document.toolCalls.tools) {
        expect(tool.calls, tool.tool).toBe(calls.filter((call) => call.function.name === tool.tool).length)
      }
      const problems = results.filter((result) => result._tag !== "Decoded")
      expect(problems.length).toBeGreaterThan(0)
      expect(document.toolCalls.problems).toHaveLength(Math.min(problems.length, ToolCallSummary.problemsKept))
      for (const problem of document.toolCalls.problems) {
        const found = problems.find((result) =>
          result.completionId === problem.completionId && result.choiceIndex === problem.choiceIndex &&
          result.callIndex === problem.callIndex
        )
        expect(found?._tag).toBe(problem.outcome)
      }
      expect(document.failures).toEqual([])
    }))

  it.effect("report --format table: the sections, totals equal to the JSON's", () =>
    Effect.gen(function*() {
      const run = yield* report("--all")
      expect(run.code, run.stderr).toBe(0)
      expect(run.stderr).toBe("")
      const total = Cost.summarize(responses).total
      const encoded = Schema.encodeSync(Cost.Totals)(total)
      expect(run.stdout).toContain(`Completions: ${testData.length} retrieved, 0 failed`)
      for (const title of ["Cost by model", "Cost by provider", "Cost by day, UTC", "Logprobs", "Tool calls:"]) {
        expect(run.stdout).toContain(title)
      }
      const totalRows = run.stdout.split("\n").filter((line) => line.startsWith("total "))
      // One per cost table and one in the tool calls.
      expect(totalRows).toHaveLength(4)
      const tokens = [total.tokens.prompt, total.tokens.completion, total.tokens.reasoning].map((n) =>
        n.toLocaleString("en-US")
      )
      for (const row of totalRows.slice(0, 3)) {
        expect(row.split(/\s+/).slice(1)).toEqual([
          String(total.completions),
          String(total.unpriced),
          String(total.byok),
          encoded.cost,
          ...tokens
        ])
      }
      // --wide adds the upstream costs.
      const wide = yield* report("--all", "--wide")
      for (const row of wide.stdout.split("\n").filter((line) => line.startsWith("total ")).slice(0, 3)) {
        expect(row.split(/\s+/).slice(1)).toEqual([
          String(total.completions),
          String(total.unpriced),
          String(total.byok),
          encoded.cost,
          encoded.upstreamInferenceCost,
          encoded.upstreamUpstreamInferenceCost,
          ...tokens
        ])
      }
      for (const model of new Set(responses.map((response) => response.model))) {
        expect(run.stdout).toMatch(new RegExp(`^${model.replace(/[.]/g, "\\.")} `, "m"))
      }
    }))

  it.effect("report --format csv: one long-format table with the JSON's figures", () =>
    Effect.gen(function*() {
      const [csv, json] = [yield* report("--all", "--format", "csv"), yield* report("--all", "--format", "json")]
      expect(csv.code, csv.stderr).toBe(0)
      const lines = csv.stdout.trimEnd().split("\n")
      expect(lines[0]).toBe("section,key,metric,value")
      const figures = new Map(
        lines.slice(1).map((line) => {
          const [section, key, metric, ...value] = line.split(",")
          return [`${section}|${key}|${metric}`, value.join(",")] as const
        })
      )
      const document = JSON.parse(json.stdout)
      expect(figures.get("completions||retrieved")).toBe(String(testData.length))
      expect(figures.get("cost.total||cost")).toBe(document.cost.byModel.total.cost)
      expect(figures.get("cost.total||tokens.prompt")).toBe(String(document.cost.byModel.total.tokens.prompt))
      for (const group of document.cost.byProvider.groups) {
        expect(figures.get(`cost.provider|${group.key[0] ?? ""}|cost`)).toBe(group.totals.cost)
        expect(figures.get(`cost.provider|${group.key[0] ?? ""}|unpriced`)).toBe(String(group.totals.unpriced))
      }
      for (const group of document.cost.byDay.groups) {
        expect(figures.get(`cost.day|${group.key[0]}|upstreamUpstreamInferenceCost`)).toBe(
          group.totals.upstreamUpstreamInferenceCost
        )
      }
      expect(figures.get("logprobs.content||perplexity")).toBe(String(document.logprobMetrics.content.perplexity))
      expect(figures.get("toolCalls||calls")).toBe(String(document.toolCalls.calls))
      expect(figures.get("toolCalls||SchemaMismatch")).toBe(String(document.toolCalls.outcomes.SchemaMismatch))
      for (const tool of document.toolCalls.tools) {
        expect(figures.get(`toolCalls.tool|${tool.tool}|calls`)).toBe(String(tool.calls))
      }
    }))

  it.effect("report of ids and a file: failed ids are counted and listed, and the run succeeds", () =>
    Effect.gen(function*() {
      const [first, second, third] = testData.map((completion) => completion.response.id)
      const file = tempFile("ids.txt", `# ids to check\n${second}\n\n  ${third}  \nchtcpl-missing-2\n`)
      const run = yield* report(first, "chtcpl-missing-1", "--file", file, "--format", "json")
      expect(run.code, run.stderr).toBe(0)
      expect(run.stderr.trimEnd()).toBe("objectiveai: 2 of 5 ids failed: the report lists why")
      const document = decodeDocument(JSON.parse(run.stdout))
      expect(document.completions).toEqual({ retrieved: 3, failed: 2 })
      expect(document.failures).toEqual([
        {
          id: "chtcpl-missing-1",
          error: "NotFoundError",
          reason: "not found: no completion with id \"chtcpl-missing-1\" (HTTP 404)"
        },
        {
          id: "chtcpl-missing-2",
          error: "NotFoundError",
          reason: "not found: no completion with id \"chtcpl-missing-2\" (HTTP 404)"
        }
      ])
      const retrieved = testData.filter((completion) => [first, second, third].includes(completion.response.id))
      expect(JSON.parse(run.stdout).cost.byModel).toEqual(
        encodeCost(Cost.summarize(retrieved.map((completion) => completion.response), { by: "model" }))
      )
      const table = yield* report("chtcpl-missing-1", first)
      expect(table.code).toBe(0)
      expect(table.stdout).toMatch(/^Failed ids \(1\)$/m)
      expect(table.stdout).toMatch(/^chtcpl-missing-1 +NotFoundError\n  not found: no completion with id/m)
    }))

  it.effect("report where every id fails: the report, then exit 1", () =>
    Effect.gen(function*() {
      const run = yield* report("chtcpl-missing-1", "chtcpl-missing-2", "--format", "csv")
      expect(run.code).toBe(1)
      expect(run.stdout).toContain("failure,chtcpl-missing-1,NotFoundError,")
      expect(run.stderr.trimEnd()).toBe("objectiveai: every one of the 2 ids failed: the report lists why")
    }))

  it.effect("the progress bar is drawn on a terminal's stderr, and only there", () =>
    Effect.gen(function*() {
      const piped = yield* Effect.flatMap(against, (flags) => cli(["report", "--all", "--format", "json", ...flags]))
      expect(piped.code).toBe(0)
      expect(piped.stderr).toBe("")
      // `script` runs the CLI on a pseudo-terminal, so both its streams are a TTY and land in one output.
      const tty = yield* Effect.flatMap(against, (flags) =>
        cli(["report", "--all", "--format", "csv", ...flags], {
          wrap: (command) => [
            "script",
            ["-qefc", command.map((arg) => `'${arg.replace(/'/g, "'\\''")}'`).join(" "), "/dev/null"]
          ]
        }))
      expect(tty.code, tty.stdout).toBe(0)
      expect(tty.stdout).toMatch(/retrieving \[[#-]+\] +\d+\/\d+|retrieving \d+/)
      expect(tty.stdout).toContain("section,key,metric,value")
    }))

  it.effect("demo with OBJECTIVEAI_API_KEY set reports on that API; --local keeps to the sample data", () =>
    Effect.gen(function*() {
      const { url } = yield* ObjectiveAiServer.ObjectiveAiServer
      const env = { OBJECTIVEAI_API_KEY: apiKey, OBJECTIVEAI_BASE_URL: url }
      const remote = yield* cli(["demo", "--format", "json"], { env })
      expect(remote.code, remote.stderr).toBe(0)
      expect(remote.stderr).toContain(`reporting on every completion at ${url}`)
      expect(JSON.parse(remote.stdout).completions).toEqual({ retrieved: testData.length, failed: 0 })
      const local = yield* cli(["demo", "--local", "--format", "json"], { env })
      expect(local.code, local.stderr).toBe(0)
      expect(JSON.parse(local.stdout).completions).toEqual({ retrieved: 300, failed: 0 })
      expect(remote.stderr + local.stderr).not.toContain(apiKey)
    }))
})
