/**
 * `cli.start.vs_node` (see start.ts), then `cli.report.100k_peak_rss_mb`: the peak RSS of the built CLI running `report --all --format json` over 100,000
 * stored completions, served by the local server in this process and retrieved through the client over HTTP; and
 * its wall time. The peer is the same run over 1,000 completions: a report that streams needs about as much memory
 * for 100,000 as for 1,000, so the ratio should stay near 1x. Target: under 300 MB.
 *
 * Run with `pnpm bench` from packages/cli, after `pnpm build` at the root.
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { ObjectiveAiServer, SampleData } from "@objectiveai-effect/server"
import * as Effect from "effect/Effect"
import { spawn } from "node:child_process"
import * as fs from "node:fs"
import { fileURLToPath } from "node:url"
import { startUp } from "./start.js"

const bin = fileURLToPath(new URL("../dist/bin.js", import.meta.url))
const apiKey = "bench-key"
const gnuTime = "/usr/bin/time"

interface Measured {
  readonly peakRssMb: number
  readonly wallSeconds: number
  readonly retrieved: number
}

/** `VmHWM` of a live process, in kB: its peak resident set so far. */
const highWaterMark = (pid: number): number | undefined => {
  try {
    const match = /^VmHWM:\s+(\d+) kB$/m.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"))
    return match === null ? undefined : Number(match[1])
  } catch {
    return undefined
  }
}

/**
 * Runs `report --all --format json` against `url` and measures the CLI process: with GNU time's maximum resident
 * set where it is installed, else by polling the process's `VmHWM` (which only grows, so the last reading is the
 * peak up to a few milliseconds before the end).
 */
const measureReport = (url: string): Effect.Effect<Measured, Error> =>
  Effect.async<Measured, Error>((resume) => {
    const command = [
      process.execPath,
      bin,
      "report",
      "--all",
      "--format",
      "json",
      "--base-url",
      url,
      "--api-key",
      apiKey
    ]
    const withTime = fs.existsSync(gnuTime)
    const child = withTime ? spawn(gnuTime, ["-v", ...command]) : spawn(command[0], command.slice(1))
    const started = performance.now()
    let stdout = ""
    let stderr = ""
    let polledKb = 0
    const poll = withTime ? undefined : setInterval(() => {
      polledKb = Math.max(polledKb, highWaterMark(child.pid ?? 0) ?? 0)
    }, 20)
    child.stdout.setEncoding("utf8").on("data", (data: string) => (stdout += data))
    child.stderr.setEncoding("utf8").on("data", (data: string) => (stderr += data))
    child.on("close", (code) => {
      clearInterval(poll)
      const wallSeconds = (performance.now() - started) / 1000
      if (code !== 0) return resume(Effect.fail(new Error(`report exited with ${code}:\n${stderr}`)))
      const reportedKb = withTime ? Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(stderr)?.[1]) : polledKb
      const retrieved: number = JSON.parse(stdout).completions.retrieved
      resume(Effect.succeed({ peakRssMb: reportedKb / 1024, wallSeconds, retrieved }))
    })
    return Effect.sync(() => child.kill("SIGKILL"))
  })

/** Serves `count` generated completions while the CLI reports on them. */
const reportOn = (count: number) =>
  Effect.gen(function*() {
    const { url } = yield* ObjectiveAiServer.ObjectiveAiServer
    const measured = yield* measureReport(url)
    if (measured.retrieved !== count) {
      return yield* Effect.fail(new Error(`retrieved ${measured.retrieved} completions, expected ${count}`))
    }
    return measured
  }).pipe(Effect.provide(ObjectiveAiServer.layer({ completions: SampleData.generate({ count }), apiKeys: [apiKey] })))

const program = Effect.gen(function*() {
  yield* startUp
  const small = yield* reportOn(1_000)
  const large = yield* reportOn(100_000)
  console.log(`cli.report.1k_peak_rss_mb: ${Math.round(small.peakRssMb)} MB`)
  console.log(`cli.report.100k_peak_rss_mb: ${Math.round(large.peakRssMb)} MB`)
  console.log(`cli.report.100k_vs_1k_peak_rss: ${(large.peakRssMb / small.peakRssMb).toFixed(2)}x`)
  console.log(`cli.report.100k_wall_s: ${large.wallSeconds.toFixed(1)} s`)
})

NodeRuntime.runMain(program)
