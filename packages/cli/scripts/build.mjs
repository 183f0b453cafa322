/**
 * `pnpm build` at the repository root: compiles every package with `tsc -b` (their dist/ modules, for library use),
 * then bundles the `objectiveai` executable (bundle.mjs). On a fresh clone the compile takes a minute or more, so
 * each step says what it is doing and how long it took; tsc's own status lines are kept to the project it is
 * building, and its diagnostics pass through as they are.
 */
import { spawn } from "node:child_process"
import { createRequire } from "node:module"
import * as path from "node:path"
import { fileURLToPath } from "node:url"

const root = fileURLToPath(new URL("../../..", import.meta.url))
const tsc = createRequire(path.join(root, "package.json")).resolve("typescript/bin/tsc")
const seconds = (since) => `${((performance.now() - since) / 1000).toFixed(1)} s`

const compile = () =>
  new Promise((resolve) => {
    const started = performance.now()
    let built = 0
    console.log("build: compiling the packages with tsc -b (up to a minute or two on a fresh clone)")
    const child = spawn(process.execPath, [tsc, "-b", "tsconfig.build.json", "--verbose"], {
      cwd: root,
      stdio: ["ignore", "pipe", "inherit"]
    })
    let pending = ""
    const status = /^\d{1,2}:\d{2}:\d{2}( [AP]M)? - /
    const onLine = (line) => {
      const building = /Building project '(.+)\/tsconfig\.json'/.exec(line)
      if (building !== null) {
        built++
        console.log(`build:   ${path.relative(root, building[1])}`)
      } else if (!status.test(line) && !/^\s+\* /.test(line) && line.trim() !== "") {
        console.log(line)
      }
    }
    child.stdout.setEncoding("utf8").on("data", (data) => {
      const lines = (pending + data).split("\n")
      pending = lines.pop()
      lines.forEach(onLine)
    })
    child.on("close", (code) => {
      if (pending !== "") onLine(pending)
      if (code === 0) {
        console.log(
          built === 0
            ? `build: every package is up to date (${seconds(started)})`
            : `build: compiled in ${seconds(started)}`
        )
      }
      resolve(code ?? 1)
    })
  })

const code = await compile()
if (code !== 0) process.exit(code)
await import("./bundle.mjs")
