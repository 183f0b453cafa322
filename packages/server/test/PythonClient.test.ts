import { describe, expect, layer } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { execFile, execFileSync } from "node:child_process"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { ObjectiveAiServer } from "../src/index.js"
import { apiKey } from "./support.js"

// A client in a second language against the contract: Debian's Python with its httpx and jsonschema (CI installs
// python3-httpx and python3-jsonschema). Called by its full path: a `python3` earlier on PATH may be another build
// without Debian's modules.
const python = "/usr/bin/python3"

const ready = (() => {
  try {
    execFileSync(python, ["-c", "import httpx, jsonschema"], { stdio: "ignore" })
    return true
  } catch {
    return false
  }
})()
if (!ready && process.env.CI === "true") {
  throw new Error(
    `${python} with httpx and jsonschema is missing: CI must install python3-httpx and python3-jsonschema`
  )
}
if (!ready) {
  console.warn(
    `Skipping the Python client test: ${python} cannot import httpx and jsonschema (apt-get install -y python3-httpx python3-jsonschema)`
  )
}

const here = path.dirname(fileURLToPath(import.meta.url))
const script = path.join(here, "python", "contract_check.py")
const schemasDir = path.join(here, "..", "..", "domain", "schemas")

/** A second server whose every answer is an injected fault, tagged so both can live in one layer. */
class FaultyServer extends Effect.Tag("test/FaultyServer")<FaultyServer, ObjectiveAiServer.Address>() {}

const servers = Layer.merge(
  ObjectiveAiServer.layer({ apiKeys: [apiKey], maxBodySize: 65_536 }),
  Layer.effect(FaultyServer, ObjectiveAiServer.ObjectiveAiServer).pipe(
    Layer.provide(ObjectiveAiServer.layer({
      apiKeys: [apiKey],
      faults: { rate: 1, seed: "python", kinds: ["rate_limit", "server_error", "midstream_objectiveai"] }
    }))
  )
)

const run = (args: ReadonlyArray<string>) =>
  Effect.async<{ readonly code: number; readonly stdout: string; readonly stderr: string }>((resume) => {
    const child = execFile(
      python,
      [script, ...args],
      { timeout: 120_000 },
      (error, stdout, stderr) =>
        resume(
          Effect.succeed({ code: error === null ? 0 : typeof error.code === "number" ? error.code : 1, stdout, stderr })
        )
    )
    return Effect.sync(() => child.kill())
  })

describe.skipIf(!ready)("a Python client", () => {
  layer(servers, { timeout: 60_000 })((it) => {
    it.effect(
      "lists, retrieves, creates, streams and meets each error status, every answer valid for the schemas",
      () =>
        Effect.gen(function*() {
          const { url } = yield* ObjectiveAiServer.ObjectiveAiServer
          const faulty = yield* FaultyServer
          const { code, stderr, stdout } = yield* run([url, faulty.url, apiKey, schemasDir])
          expect(stderr).toBe("")
          expect(code).toBe(0)
          const lines = stdout.trim().split("\n")
          expect(lines.map((line) => line.split(":")[0])).toEqual([
            "create",
            "stream",
            "retrieve",
            "list",
            "unknown key",
            "fractional created",
            "checked before sending",
            "400",
            "401",
            "404",
            "413",
            "faults"
          ])
          expect(lines).toContain("400: temperature: must be between 0 and 2, got 5")
          expect(lines).toContain("faults: 429 500 502 503")
        }),
      { timeout: 150_000 }
    )
  })
})
