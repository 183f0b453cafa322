/**
 * `cli.start.vs_node`: the median wall time of the bundled `objectiveai --version`, and of `objectiveai retrieve <id>`
 * against a local server in this process, each over the median of a bare `node -e 0` measured in the same rounds (the
 * three commands take turns, so that a change in the machine's load falls on all of them). Target: `--version` at
 * most 3x bare node.
 */
import { ObjectiveAiServer, SampleData } from "@objectiveai-effect/server"
import * as Effect from "effect/Effect"
import { spawn } from "node:child_process"
import { fileURLToPath } from "node:url"

const bin = fileURLToPath(new URL("../dist/objectiveai.js", import.meta.url))
const apiKey = "bench-key"
const rounds = 21
const stored = Array.from(SampleData.generate({ count: 1, seed: "bench-start" }))

/** Runs a command to its end and gives its wall time in milliseconds; fails unless it exits 0. */
const wallMillis = (args: ReadonlyArray<string>): Effect.Effect<number, Error> =>
  Effect.async<number, Error>((resume) => {
    const started = performance.now()
    const child = spawn(process.execPath, args, { stdio: ["ignore", "ignore", "pipe"] })
    let stderr = ""
    child.stderr.setEncoding("utf8").on("data", (data: string) => (stderr += data))
    child.on("close", (code) => {
      const millis = performance.now() - started
      resume(
        code === 0 ? Effect.succeed(millis) : Effect.fail(new Error(`${args.join(" ")} exited ${code}: ${stderr}`))
      )
    })
    return Effect.sync(() => child.kill("SIGKILL"))
  })

const median = (values: ReadonlyArray<number>): number => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)]
}

/** Measures and prints the figures. */
export const startUp = Effect.gen(function*() {
  const { url } = yield* ObjectiveAiServer.ObjectiveAiServer
  const id = stored[0].response.id
  const commands = {
    node: ["-e", "0"],
    version: [bin, "--version"],
    retrieve: [bin, "retrieve", id, "--base-url", url, "--api-key", apiKey]
  }
  const times: Record<keyof typeof commands, Array<number>> = { node: [], version: [], retrieve: [] }
  // One round first, unmeasured, so that every file is in the page cache.
  for (const args of Object.values(commands)) yield* wallMillis(args)
  for (let round = 0; round < rounds; round++) {
    for (const [name, args] of Object.entries(commands)) {
      times[name as keyof typeof commands].push(yield* wallMillis(args))
    }
  }
  const node = median(times.node)
  const version = median(times.version)
  const retrieve = median(times.retrieve)
  console.log(`cli.start.node_ms: ${node.toFixed(0)} ms`)
  console.log(`cli.start.version_ms: ${version.toFixed(0)} ms`)
  console.log(`cli.start.retrieve_ms: ${retrieve.toFixed(0)} ms`)
  console.log(`cli.start.vs_node.version: ${(version / node).toFixed(2)}x`)
  console.log(`cli.start.vs_node.retrieve: ${(retrieve / node).toFixed(2)}x`)
}).pipe(
  Effect.provide(
    ObjectiveAiServer.layer({ completions: stored, apiKeys: [apiKey] })
  )
)
