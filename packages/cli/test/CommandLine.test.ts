/**
 * The command line as a user meets it, spawned: unknown flags and bad values refused in one line before anything is
 * sent, help without colour when piped or under NO_COLOR, the progress line on a terminal, `--timeout`, `--retries`
 * and `serve --pace`.
 */
import { describe, expect, it, layer } from "@effect/vitest"
import { ClientConfig } from "@objectiveai-effect/client"
import { ObjectiveAiServer } from "@objectiveai-effect/server"
import * as Effect from "effect/Effect"
import * as fs from "node:fs"
import * as http from "node:http"
import type { AddressInfo } from "node:net"
import * as os from "node:os"
import * as path from "node:path"
import { apiKey, cli, expectOneLine, testData, TestServer } from "./support.js"

const slow = 120_000

/** `script` runs the command on a pseudo-terminal: stdout and stderr are both a TTY, and land in one output. */
const onTerminal = (command: ReadonlyArray<string>) =>
  [
    "script",
    ["-qefc", command.map((arg) => `'${arg.replace(/'/g, "'\\''")}'`).join(" "), "/dev/null"]
  ] as const

interface Recorder {
  readonly url: string
  /** Connections and requests the server received. */
  readonly connections: () => number
  readonly requests: () => number
}

/**
 * An HTTP server on 127.0.0.1 that counts what reaches it and answers with `answer` (which may also never answer),
 * closed with the scope.
 */
const recorder = (answer: (request: http.IncomingMessage, response: http.ServerResponse) => void) =>
  Effect.acquireRelease(
    Effect.async<{ readonly server: http.Server; readonly recorder: Recorder }>((resume) => {
      let connections = 0
      let requests = 0
      const server = http.createServer((request, response) => {
        requests++
        answer(request, response)
      })
      server.on("connection", () => connections++)
      server.listen(0, "127.0.0.1", () => {
        const { port } = server.address() as AddressInfo
        resume(Effect.succeed({
          server,
          recorder: { url: `http://127.0.0.1:${port}`, connections: () => connections, requests: () => requests }
        }))
      })
    }),
    ({ server }) =>
      Effect.async<void>((resume) => {
        server.closeAllConnections()
        server.close(() => resume(Effect.void))
      })
  ).pipe(Effect.map(({ recorder }) => recorder))

const tempFile = (name: string, text: string): string => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "objectiveai-cli-"))
  const file = path.join(dir, name)
  fs.writeFileSync(file, text)
  return file
}

describe("usage errors: one line, exit 2, nothing sent", () => {
  const cases: ReadonlyArray<readonly [string, (url: string) => ReadonlyArray<string>, string | RegExp]> = [
    [
      "a mistyped flag, with the nearest known one",
      (url) => ["report", "--formt", "json", "--all", "--base-url", url, "--api-key", "k"],
      "unknown flag --formt for objectiveai report; did you mean --format? (objectiveai report --help lists its flags)"
    ],
    [
      "a flag of another command",
      (url) => ["retrieve", "some-id", "--all", "--base-url", url, "--api-key", "k"],
      "unknown flag --all for objectiveai retrieve (objectiveai retrieve --help lists its flags)"
    ],
    [
      "a dash-word where an id goes is a flag, never an id",
      (url) => ["retrieve", "-x", "--base-url", url, "--api-key", "k"],
      /^objectiveai: unknown flag -x for objectiveai retrieve/
    ],
    [
      "@effect/cli's built-in --wizard, which this tool does not offer",
      (url) => ["retrieve", "some-id", "--wizard", "--base-url", url, "--api-key", "k"],
      /^objectiveai: unknown flag --wizard for objectiveai retrieve/
    ],
    [
      "@effect/cli's built-in --log-level",
      (url) => ["report", "--all", "--log-level", "debug", "--base-url", url, "--api-key", "k"],
      /^objectiveai: unknown flag --log-level for objectiveai report/
    ],
    [
      "@effect/cli's built-in --completions",
      () => ["--completions", "bash"],
      /^objectiveai: unknown flag --completions for objectiveai /
    ],
    [
      "a concurrency of 0",
      (url) => ["report", "--all", "--concurrency", "0", "--base-url", url, "--api-key", "k"],
      "--concurrency 0: expected a whole number from 1 to 256"
    ],
    [
      "a concurrency that is not a number",
      (url) => ["report", "--all", "--concurrency", "many", "--base-url", url, "--api-key", "k"],
      "--concurrency many: expected a whole number from 1 to 256"
    ],
    [
      "an unknown format",
      (url) => ["report", "--all", "--format", "xml", "--base-url", url, "--api-key", "k"],
      "--format xml: expected one of table, json, csv, html"
    ],
    [
      "a flag without its value",
      (url) => ["report", "--all", "--base-url", url, "--api-key", "k", "--format"],
      "--format needs a value (objectiveai report --help says which)"
    ],
    [
      "a flag followed by another flag instead of its value",
      (url) => ["report", "--format", "--all", "--base-url", url, "--api-key", "k"],
      "--format needs a value (objectiveai report --help says which)"
    ],
    [
      "a timeout of 0",
      (url) => ["retrieve", "some-id", "--timeout", "0", "--base-url", url, "--api-key", "k"],
      "--timeout 0: expected a time above 0 and at most 1h, in seconds (2.5) or as 500ms, 30s, 2m"
    ],
    [
      "too many retries",
      (url) => ["retrieve", "some-id", "--retries", "11", "--base-url", url, "--api-key", "k"],
      "--retries 11: expected a whole number from 0 to 10"
    ],
    [
      "a missing id",
      (url) => ["retrieve", "--base-url", url, "--api-key", "k"],
      "missing argument <id>"
    ],
    [
      "a mistyped command",
      () => ["repot", "--all"],
      "unknown command repot; did you mean report? (commands: dashboard, demo, export, import, prune, report, retrieve, serve or sync)"
    ],
    [
      "a --file that holds no ids, like no source at all",
      (url) => [
        "report",
        "--file",
        tempFile("empty.txt", "# nothing yet\n\n"),
        "--base-url",
        url,
        "--api-key",
        "k"
      ],
      /^objectiveai: nothing to report: --file \S+empty\.txt holds no ids; give ids, --file or --all$/
    ],
    [
      "a --file that does not exist",
      (url) => ["report", "--file", "/nonexistent/ids.txt", "--base-url", url, "--api-key", "k"],
      "--file /nonexistent/ids.txt: expected an existing file"
    ],
    [
      "a fault rate above 1",
      () => ["serve", "--faults", "2"],
      "--faults 2: expected a number from 0 to 1, such as 0.1"
    ],
    [
      "a port out of range",
      () => ["serve", "--port", "70000"],
      "--port 70000: expected a whole number from 0 to 65535"
    ],
    ["a negative pace", () => ["serve", "--pace", "-5"], "--pace -5: expected a whole number from 0 to 60000"]
  ]
  for (const [name, args, message] of cases) {
    it.effect(name, () =>
      Effect.gen(function*() {
        const server = yield* recorder((_, response) => response.end())
        const run = yield* cli(args(server.url))
        expectOneLine(run, 2, message)
        expect(server.connections()).toBe(0)
      }).pipe(Effect.scoped), slow)
  }
})

describe("help", () => {
  const commands = ["retrieve", "report", "serve", "demo"]
  // Any escape sequence: colours, bold, cursor movement.
  const ansi = /\x1b\[/

  it.effect(
    "piped: plain text, the full command in each usage line, defaults, no boilerplate or fake options",
    () =>
      Effect.gen(function*() {
        for (const command of commands) {
          const run = yield* cli([command, "--help"])
          expect(run.code, run.stderr).toBe(0)
          expect(run.stdout).not.toMatch(ansi)
          expect(run.stdout).toMatch(new RegExp(`^\\$ objectiveai ${command} `, "m"))
          expect(run.stdout).not.toContain("A user-defined piece of text")
          expect(run.stdout).not.toContain("A true or false value")
          for (const fake of ["--wizard", "--completions", "--log-level"]) expect(run.stdout).not.toContain(fake)
          expect(run.stdout).toContain("--help, -h")
        }
        const report = yield* cli(["report", "--help"])
        expect(report.stdout).toMatch(
          /--concurrency N\n\n {2}How many completions to retrieve at once, from 1 to 256\.\n\n {2}Default: 16\./
        )
        expect(report.stdout).toContain("Default: table.")
        expect(report.stdout).toContain(`Default: OBJECTIVEAI_BASE_URL, else ${ClientConfig.defaultBaseUrl}.`)
        const root = yield* cli(["--help"])
        expect(root.stdout).toContain("$ objectiveai <command> [flags]")
        expect(root.stdout).not.toMatch(ansi)
      }),
    slow
  )

  it.effect("on a terminal: coloured, unless NO_COLOR is set", () =>
    Effect.gen(function*() {
      const coloured = yield* cli(["report", "--help"], { wrap: onTerminal })
      expect(coloured.code, coloured.stdout).toBe(0)
      expect(coloured.stdout).toMatch(ansi)
      const plain = yield* cli(["report", "--help"], { wrap: onTerminal, env: { NO_COLOR: "1" } })
      expect(plain.code, plain.stdout).toBe(0)
      expect(plain.stdout).toContain("$ objectiveai report ")
      expect(plain.stdout).not.toMatch(ansi)
    }), slow)

  it.effect("--version prints the version alone", () =>
    Effect.gen(function*() {
      const run = yield* cli(["--version"])
      expect(run.code).toBe(0)
      expect(run.stdout).toBe("0.1.0\n")
    }), slow)
})

describe("--timeout and --retries", () => {
  it.effect("--retries N makes N + 1 attempts at a failing server", () =>
    Effect.gen(function*() {
      const server = yield* recorder((_, response) => {
        response.writeHead(503, { "content-type": "application/json" })
        response.end(JSON.stringify({ error: { code: 503, message: "down for the test" } }))
      })
      const once = yield* cli(["retrieve", "some-id", "--retries", "0", "--base-url", server.url, "--api-key", "k"])
      expectOneLine(once, 1, /^objectiveai: server error \(HTTP 503\)/)
      expect(server.requests()).toBe(1)
      const thrice = yield* cli(["retrieve", "some-id", "--retries", "2", "--base-url", server.url, "--api-key", "k"])
      expectOneLine(thrice, 1, /^objectiveai: server error \(HTTP 503\) after 3 attempts/)
      expect(server.requests()).toBe(4)
    }).pipe(Effect.scoped), slow)

  it.effect("--timeout bounds a call to a server that never answers", () =>
    Effect.gen(function*() {
      const server = yield* recorder(() => {})
      const run = yield* cli(["retrieve", "some-id", "--timeout", "500ms", "--base-url", server.url, "--api-key", "k"])
      expectOneLine(run, 1, new RegExp(`^objectiveai: no answer from ${server.url.replace(/\./g, "\\.")} within 500ms`))
      expect(server.requests()).toBeGreaterThanOrEqual(1)
    }).pipe(Effect.scoped), slow)
})

describe("serve --pace", () => {
  it.effect("sends the events of a streamed answer that many milliseconds apart", () =>
    Effect.gen(function*() {
      const arrivals: Array<number> = []
      let failure: string | undefined
      const run = yield* cli(["serve", "--port", "0", "--pace", "120", "--api-key", "pace-key"], {
        started: (child) => {
          const poll = setInterval(async () => {
            const found = /on (http:\/\/127\.0\.0\.1:\d+)/.exec(child.stdout)?.[1]
            if (found === undefined) return
            clearInterval(poll)
            try {
              const response = await fetch(`${found}/chat/completions`, {
                method: "POST",
                headers: { authorization: "Bearer pace-key", "content-type": "application/json" },
                body: JSON.stringify({
                  model: "openai/gpt-4o-mini",
                  messages: [{ role: "user", content: "Say hello in a few words." }],
                  stream: true
                })
              })
              const reader = response.body!.getReader()
              for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
                const text = new TextDecoder().decode(chunk.value)
                for (const _ of text.matchAll(/^data: /gm)) arrivals.push(performance.now())
              }
            } catch (error) {
              failure = String(error)
            }
            child.kill("SIGINT")
          }, 100)
        }
      })
      expect(failure).toBeUndefined()
      expect(run.stdout).toContain("streaming one event every 120 ms")
      expect(run.code, run.stderr).toBe(130)
      expect(arrivals.length).toBeGreaterThanOrEqual(3)
      const gaps = arrivals.slice(1).map((at, index) => at - arrivals[index])
      // Events sent at once would arrive within a millisecond or two of each other. One event held up on a busy
      // machine arrives closer to the next, so the typical gap and the whole span are what the pace must set.
      const median = [...gaps].sort((a, b) => a - b)[gaps.length >> 1]
      expect(median, gaps.join(", ")).toBeGreaterThanOrEqual(100)
      expect(arrivals[arrivals.length - 1] - arrivals[0], gaps.join(", ")).toBeGreaterThanOrEqual(100 * gaps.length)
    }), slow)
})

// Last in the file: @effect/vitest's layer() leaves the shared `it` bound to its runtime for what follows it.
layer(TestServer, { timeout: slow })("against the local server", (it) => {
  it.effect("the progress line on a terminal: done/total, rate, time left, a few redraws a second", () =>
    Effect.gen(function*() {
      const { url } = yield* ObjectiveAiServer.ObjectiveAiServer
      // A proxy that takes 40 ms per answer, so that the run lasts long enough for the line to be redrawn.
      const slowProxy = yield* recorder((request, response) => {
        setTimeout(async () => {
          const upstream = await fetch(`${url}${request.url}`, {
            headers: { authorization: request.headers.authorization ?? "" }
          })
          response.writeHead(upstream.status, { "content-type": "application/json" })
          response.end(await upstream.text())
        }, 40)
      })
      const ids = testData.slice(0, 30).map((completion) => completion.response.id)
      const started = Date.now()
      const run = yield* cli(
        ["report", ...ids, "--concurrency", "1", "--format", "csv", "--base-url", slowProxy.url, "--api-key", apiKey],
        { wrap: onTerminal }
      )
      const elapsedSeconds = (Date.now() - started) / 1000
      expect(run.code, run.stdout).toBe(0)
      const frames = run.stdout.split("\r\x1b[2K").slice(1)
      const drawn = frames.filter((frame) => frame.startsWith("retrieving"))
      const progress = /^retrieving \[[#-]{24}\] +(\d+)\/30 {2}(\d+)\/s {2}(\d+s|\d+m\d\ds) left$/
      const withRate = drawn.map((frame) => progress.exec(frame)).filter((match) => match !== null)
      expect(withRate.length, drawn.join("\n")).toBeGreaterThanOrEqual(2)
      for (const match of withRate) {
        expect(Number(match[1])).toBeGreaterThan(0)
        expect(Number(match[1])).toBeLessThanOrEqual(30)
      }
      // At most four redraws a second, and one more at the start.
      expect(drawn.length).toBeLessThanOrEqual(Math.ceil(elapsedSeconds * 4) + 1)
      // The line is erased before the report, which follows it alone.
      expect(frames[frames.length - 1]).toMatch(/^(\r?\n)*section,key,metric,value/)
    }).pipe(Effect.scoped))
})
