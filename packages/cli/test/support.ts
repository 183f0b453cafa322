/**
 * Running the built `objectiveai` as a user would, against a server this process starts on 127.0.0.1 with test data.
 */
import * as NodeContext from "@effect/platform-node/NodeContext"
import { expect } from "@effect/vitest"
import { StoredChatCompletion } from "@objectiveai-effect/domain"
import { ObjectiveAiServer, SampleData } from "@objectiveai-effect/server"
import type * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { spawn } from "node:child_process"
import { fileURLToPath } from "node:url"
import { Cli } from "../src/index.js"

/** The bundled executable, as published; `pnpm test` builds it before it runs the tests. */
export const bin = fileURLToPath(new URL("../dist/objectiveai.js", import.meta.url))

/** The only key the test server accepts. */
export const apiKey = "cli-test-key-5f1d0c"

/** A seed `JSON.parse` would round: 2^64 + 1. */
export const bigSeed = 2n ** 64n + 1n

const samples = Array.from(SampleData.generate({ count: 60, seed: "cli-tests" }))

/** A stored completion whose request's seed is beyond 2^53. */
export const bigSeedCompletion: StoredChatCompletion.StoredChatCompletion = Schema.decodeUnknownSync(
  StoredChatCompletion.StoredChatCompletion
)({
  request: { ...samples[0].request, seed: bigSeed },
  response: { ...samples[0].response, id: "chtcpl-big-seed-0001" }
})

/** What the test server stores. */
export const testData: ReadonlyArray<StoredChatCompletion.StoredChatCompletion> = [...samples, bigSeedCompletion]

/** The test server, accepting only {@link apiKey}. */
export const TestServer = ObjectiveAiServer.layer({ completions: testData, apiKeys: [apiKey] })

/** How a run of the CLI ended. */
export interface Run {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  readonly stdout: string
  readonly stderr: string
}

// The runs must not pick up a developer's real key or base URL.
const baseEnv = Object.fromEntries(
  Object.entries(process.env).filter(([name]) => name !== "OBJECTIVEAI_API_KEY" && name !== "OBJECTIVEAI_BASE_URL")
)

/** Options of {@link cli}. */
export interface CliOptions {
  /** Variables added to the environment. */
  readonly env?: Readonly<Record<string, string>>
  /** The command to run instead of `node bin.js …`: given the node command line, returns the program and its args. */
  readonly wrap?: (command: ReadonlyArray<string>) => readonly [string, ReadonlyArray<string>]
  /** Called with the child once it started, for tests that signal it. */
  readonly started?: (child: { readonly kill: (signal: NodeJS.Signals) => void; readonly stdout: string }) => void
}

/** Runs `node dist/objectiveai.js …args` to the end and gathers its output; interrupting the effect kills the process. */
export const cli = (args: ReadonlyArray<string>, options: CliOptions = {}): Effect.Effect<Run> =>
  Effect.async<Run>((resume) => {
    const command = [process.execPath, bin, ...args]
    const [program, programArgs] = options.wrap?.(command) ?? [command[0], command.slice(1)]
    const child = spawn(program, programArgs, {
      env: { ...baseEnv, ...options.env },
      stdio: ["ignore", "pipe", "pipe"]
    })
    const output = { stdout: "", stderr: "" }
    child.stdout.setEncoding("utf8").on("data", (data: string) => (output.stdout += data))
    child.stderr.setEncoding("utf8").on("data", (data: string) => (output.stderr += data))
    // A program that cannot start (no `script` on the machine, say) fails the test rather than the test process.
    child.on("error", (error) => resume(Effect.die(error)))
    child.on("close", (code, signal) => resume(Effect.succeed({ code, signal, ...output })))
    options.started?.({
      kill: (signal) => child.kill(signal),
      get stdout() {
        return output.stdout
      }
    })
    return Effect.sync(() => child.kill("SIGKILL"))
  })

/**
 * Runs the command line in this process, with its stdout and stderr gathered from the Console and its exit code from
 * `Cli.teardown`: for tests of what a command prints, which need no process of their own. (What only a process
 * shows, the exit of the executable, a terminal, a signal, stays with {@link cli}.)
 */
export const inProcess = (args: ReadonlyArray<string>): Effect.Effect<Run> =>
  Effect.gen(function*() {
    const output = { stdout: "", stderr: "" }
    const console = yield* Effect.console
    const captured: Console.Console = {
      ...console,
      log: (...parts) => Effect.sync(() => void (output.stdout += `${parts.join(" ")}\n`)),
      error: (...parts) => Effect.sync(() => void (output.stderr += `${parts.join(" ")}\n`))
    }
    const exit = yield* Cli.run(["node", "objectiveai", ...args]).pipe(
      Effect.withConsole(captured),
      Effect.provide(NodeContext.layer),
      Effect.exit
    )
    let code: number | null = null
    Cli.teardown(exit, (exitCode) => (code = exitCode))
    return { code, signal: null, ...output }
  })

/** The base URL and key flags for the test server. */
export const against = Effect.map(
  ObjectiveAiServer.ObjectiveAiServer,
  ({ url }) => ["--base-url", url, "--api-key", apiKey]
)

/** A line of a stack trace, which no output of the CLI may hold. */
export const stackLine = /^\s+at\s/m

/** Asserts a run printed one line, `objectiveai: <message>`, on stderr, nothing on stdout, and exited with `code`. */
export const expectOneLine = (run: Run, code: number, message: string | RegExp) => {
  expect(run.code, run.stderr).toBe(code)
  expect(run.stdout).toBe("")
  const lines = run.stderr.trimEnd().split("\n")
  expect(lines, run.stderr).toHaveLength(1)
  if (typeof message === "string") expect(lines[0]).toBe(`objectiveai: ${message}`)
  else expect(lines[0]).toMatch(message)
  expect(run.stderr).not.toMatch(stackLine)
}
