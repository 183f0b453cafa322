/**
 * `pnpm consumer`: the repository as a newcomer's application meets it. In a consumer project outside the workspace:
 *
 * 1. the library packages are built and packed with `pnpm pack` (as they would be published), and the install lines of
 *    the root README's "Installing the packages" are run with npm one after the other, each tarball standing in for
 *    its package name; each line must install on its own and leave `npm ls` clean;
 * 2. every ```ts block of every README.md is written out as a module of its own and type-checked against the installed
 *    packages with the repository's strict settings (tsconfig.base.json) and `skipLibCheck: false`, so the packages'
 *    declaration files are checked as a consumer's compiler reads them;
 * 3. every block that runs a program (`Effect.runPromise`, `Effect.runFork`, `NodeRuntime.runMain`) is run against a
 *    local `objectiveai serve` on a free port, with OBJECTIVEAI_BASE_URL and OBJECTIVEAI_API_KEY pointing at it; it
 *    must exit 0 with nothing on stderr.
 *
 * A block that provides its program's layers (`Effect.provide(`) builds a program, and must run it; one that serves
 * until stopped says so with `<!-- consumer: no-run (why) -->` on the line before it. A failure names the README and
 * the line (`packages/store/README.md:42:7 TS2339 …`). The npm install takes minutes (better-sqlite3 compiles);
 * `--reuse` keeps the last consumer project and only checks and runs the blocks again, for editing examples.
 * `--dir <path>` puts the project elsewhere than the temporary directory.
 */
import { spawn, spawnSync } from "node:child_process"
import * as fs from "node:fs"
import { createRequire } from "node:module"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"

const root = fileURLToPath(new URL("..", import.meta.url))
const require = createRequire(path.join(root, "package.json"))
const ts = require("typescript")

const args = process.argv.slice(2)
const reuse = args.includes("--reuse")
const dirIndex = args.indexOf("--dir")
const dir = path.resolve(dirIndex === -1 ? path.join(os.tmpdir(), "objectiveai-consumer") : args[dirIndex + 1])
const tarballs = path.join(dir, "tarballs")
const app = path.join(dir, "app")
const scope = "@objectiveai-effect/"
const libraries = ["domain", "client", "analysis", "store", "ingest", "server", "dashboard", "ai", "cli"]

const started = performance.now()
const problems = []
const fail = (message) => problems.push(message)
const log = (message) => console.log(`consumer: ${message}`)

const run = (command, commandArgs, options) => {
  const result = spawnSync(command, commandArgs, { encoding: "utf8", maxBuffer: 64 * 1024 * 1024, ...options })
  return { code: result.status ?? 1, output: `${result.stdout ?? ""}${result.stderr ?? ""}` }
}

const pnpm = ["-y", "pnpm@10.34.8"]

// 1. Build, pack, install as the README says.
const installLines = () => {
  const readme = fs.readFileSync(path.join(root, "README.md"), "utf8").split("\n")
  const section = readme.findIndex((line) => /^## Installing the packages/.test(line))
  if (section === -1) throw new Error("README.md has no \"## Installing the packages\" section")
  const open = readme.findIndex((line, i) => i > section && line.startsWith("```sh"))
  const lines = []
  let pending = ""
  let pendingLine = 0
  for (let i = open + 1; i < readme.length && !readme[i].startsWith("```"); i++) {
    const line = readme[i].replace(/\s+#.*$/, "").replace(/^#.*$/, "")
    if (pending === "") pendingLine = i + 1
    pending += line.replace(/\\$/, " ")
    if (!line.endsWith("\\")) {
      if (pending.trim() !== "") lines.push({ line: pendingLine, command: pending.trim().split(/\s+/) })
      pending = ""
    }
  }
  return lines
}

const install = () => {
  log("building the packages")
  const built = run(process.execPath, [path.join(root, "packages/cli/scripts/build.mjs")], { cwd: root })
  if (built.code !== 0) throw new Error(`the build failed:\n${built.output}`)
  fs.rmSync(dir, { recursive: true, force: true })
  fs.mkdirSync(tarballs, { recursive: true })
  fs.mkdirSync(app, { recursive: true })
  const packed = new Map()
  for (const name of libraries) {
    const result = run("npx", [...pnpm, "pack", "--pack-destination", tarballs], {
      cwd: path.join(root, "packages", name)
    })
    if (result.code !== 0) throw new Error(`pnpm pack of ${scope}${name} failed:\n${result.output}`)
    const file = fs.readdirSync(tarballs).find((entry) => entry.startsWith(`objectiveai-effect-${name}-`))
    packed.set(`${scope}${name}`, path.join(tarballs, file))
  }
  log(`packed ${[...packed.keys()].join(", ")}`)
  fs.writeFileSync(
    path.join(app, "package.json"),
    JSON.stringify({ name: "consumer", private: true, type: "module" }, null, 2)
  )
  for (const { command, line } of installLines()) {
    const [npm, verb, ...packages] = command
    if (npm !== "npm" || verb !== "install") {
      fail(`README.md:${line} the install section runs \`${command.join(" ")}\`; only npm install lines are checked`)
      continue
    }
    const substituted = packages.map((name) => packed.get(name) ?? name)
    log(`README.md:${line} npm install ${packages.join(" ")}`)
    const result = run("npm", ["install", "--no-audit", "--no-fund", ...substituted], { cwd: app })
    if (result.code !== 0) {
      fail(`README.md:${line} \`${command.join(" ")}\` fails:\n${result.output.trim()}`)
      return
    }
    const listed = run("npm", ["ls", "--all"], { cwd: app })
    if (listed.code !== 0) {
      fail(`README.md:${line} after \`${command.join(" ")}\`, npm ls says:\n${listed.output.trim()}`)
    }
  }
  const installed = libraries.filter((name) => fs.existsSync(path.join(app, "node_modules", scope + name)))
  for (const name of libraries) {
    if (!installed.includes(name)) fail(`README.md: no install line installs ${scope}${name}`)
  }
  // The compiler and Node's types, as any TypeScript application has them.
  const tsVersion = require("typescript/package.json").version
  const types = run("npm", ["install", "--no-audit", "--no-fund", "-D", `typescript@${tsVersion}`, "@types/node@^20"], {
    cwd: app
  })
  if (types.code !== 0) throw new Error(`installing typescript and @types/node failed:\n${types.output}`)
}

// 2. Every ```ts block of every README, as a module of its own.
const readmes = () =>
  run("git", ["ls-files", "README.md", "*/README.md"], { cwd: root }).output.split("\n").filter((file) =>
    file.endsWith("README.md") && !file.startsWith(".")
  )

const blocks = () => {
  const found = []
  for (const readme of readmes()) {
    const lines = fs.readFileSync(path.join(root, readme), "utf8").split("\n")
    for (let i = 0; i < lines.length; i++) {
      if (!/^```ts\s*$/.test(lines[i])) continue
      const end = lines.findIndex((line, j) => j > i && line.startsWith("```"))
      const name = `${readme.replace(/\/?README\.md$/, "").replace(/[^a-z0-9]+/gi, "_") || "root"}_${i + 2}`
      const runs = i > 0 && lines[i - 1].includes("<!-- consumer: no-run") ? false : undefined
      found.push({ readme, line: i + 2, name, code: lines.slice(i + 1, end).join("\n"), runs })
      i = end
    }
  }
  return found
}

const runsAProgram = (code) => /\b(Effect\.runPromise|Effect\.runFork|NodeRuntime\.runMain)\(/.test(code)

const buildsAProgram = (code) => /\bEffect\.provide\(/.test(code)

const programsRun = (found) => {
  for (const block of found) {
    if (block.runs === undefined && buildsAProgram(block.code) && !runsAProgram(block.code)) {
      fail(
        `${block.readme}:${block.line} builds a program and never runs it: run it (Effect.runPromise), or mark a ` +
          "program that serves until stopped with <!-- consumer: no-run (why) --> before the block"
      )
    }
  }
}

const typeCheck = (found) => {
  const snippets = path.join(app, "snippets")
  fs.rmSync(snippets, { recursive: true, force: true })
  fs.mkdirSync(snippets)
  const files = new Map()
  for (const block of found) {
    const file = path.join(snippets, `${block.name}.ts`)
    fs.writeFileSync(file, `${block.code}\n`)
    files.set(file, block)
  }
  // Every package's whole surface, so that each declaration file is checked even where no example imports it.
  const installed = libraries.filter((name) => fs.existsSync(path.join(app, "node_modules", scope + name)))
  const everything = path.join(snippets, "every_package.ts")
  fs.writeFileSync(
    everything,
    installed.map((name, i) => `export * as Package${i} from "${scope}${name}"\n`).join("")
  )
  const base = ts.readConfigFile(path.join(root, "tsconfig.base.json"), ts.sys.readFile).config.compilerOptions
  const { options, errors } = ts.convertCompilerOptionsFromJson({
    ...base,
    // The repository's strict settings as a consumer's build has them: no project references, declarations checked.
    composite: false,
    incremental: false,
    declaration: false,
    declarationMap: false,
    sourceMap: false,
    plugins: [],
    skipLibCheck: false,
    // Examples name values to show them (`const summary = …`) without using each one.
    noUnusedLocals: false,
    noUnusedParameters: false,
    rootDir: snippets,
    outDir: path.join(app, "out"),
    typeRoots: [path.join(app, "node_modules", "@types")]
  }, app)
  if (errors.length > 0) throw new Error(ts.formatDiagnostics(errors, ts.createCompilerHost({})))
  const program = ts.createProgram([...files.keys(), everything], options)
  const diagnostics = ts.getPreEmitDiagnostics(program)
  for (const diagnostic of diagnostics) {
    const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, "\n  ")
    const file = diagnostic.file
    if (file === undefined) {
      fail(`TS${diagnostic.code} ${message}`)
      continue
    }
    const { character, line } = file.getLineAndCharacterOfPosition(diagnostic.start ?? 0)
    const block = files.get(path.resolve(file.fileName))
    const where = block === undefined
      ? `${path.relative(app, file.fileName)}:${line + 1}:${character + 1}`
      : `${block.readme}:${block.line + line}:${character + 1}`
    fail(`${where} TS${diagnostic.code} ${message}`)
  }
  program.emit()
  log(
    `type-checked ${found.length} blocks of ${readmes().length} READMEs and ${installed.length} packages' declarations`
  )
}

// 3. The blocks that run a program, against a local server.
const serve = () =>
  new Promise((resolve, reject) => {
    // The command as the consumer installed it.
    const child = spawn(path.join(app, "node_modules", ".bin", "objectiveai"), ["serve", "--port", "0"], {
      stdio: ["ignore", "pipe", "inherit"]
    })
    let output = ""
    child.stdout.setEncoding("utf8").on("data", (data) => {
      output += data
      const url = /on (http:\/\/127\.0\.0\.1:\d+)/.exec(output)
      if (url !== null) resolve({ url: url[1], stop: () => child.kill() })
    })
    child.on("exit", (code) => reject(new Error(`objectiveai serve exited with ${code}: ${output}`)))
  })

const runBlocks = async (found) => {
  const runnable = found.filter((block) => block.runs !== false && runsAProgram(block.code))
  if (runnable.length === 0) return
  const server = await serve()
  try {
    for (const block of runnable) {
      const cwd = path.join(app, "runs", block.name)
      fs.rmSync(cwd, { recursive: true, force: true })
      fs.mkdirSync(cwd, { recursive: true })
      const started = performance.now()
      const result = spawnSync(process.execPath, [path.join(app, "out", `${block.name}.js`)], {
        cwd,
        encoding: "utf8",
        timeout: 120_000,
        // Files an example writes by default (the store's ~/.local/share/objectiveai/…) stay in its directory.
        env: {
          ...process.env,
          OBJECTIVEAI_BASE_URL: server.url,
          OBJECTIVEAI_API_KEY: "local-key",
          HOME: cwd,
          XDG_DATA_HOME: path.join(cwd, "data")
        }
      })
      const where = `${block.readme}:${block.line}`
      const seconds = ((performance.now() - started) / 1000).toFixed(1)
      if (result.status !== 0 || result.stderr !== "") {
        fail(
          `${where} the example's program ${
            result.status === null ? "timed out" : `exited with ${result.status}`
          } against the local server:\n${result.stderr.trim()}`
        )
      } else {
        log(`ran ${where} against the local server (${seconds} s): ${result.stdout.trim().split("\n").length} lines`)
      }
    }
  } finally {
    server.stop()
  }
}

if (reuse && fs.existsSync(path.join(app, "node_modules"))) log(`reusing ${app}`)
else install()
if (problems.length === 0) {
  const found = blocks()
  programsRun(found)
  typeCheck(found)
  if (problems.length === 0) await runBlocks(found)
}
if (problems.length > 0) {
  for (const problem of problems) console.error(`consumer: ${problem}`)
  process.exit(1)
}
log(
  `every install line installs, every example type-checks and every program ran (${
    ((performance.now() - started) / 1000).toFixed(0)
  } s)`
)
