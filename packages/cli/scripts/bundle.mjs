/**
 * Bundles the `objectiveai` executable into one minified file, dist/objectiveai.js, from the modules `tsc -b` wrote.
 *
 * Started unbundled, the command loads several hundred ES modules before it does anything, which costs about ten
 * times a bare `node` start; one file parsed at once costs a fraction of that. Modules that only some commands need
 * (the local server and its generator, for `serve` and `demo`) are imported dynamically: without code splitting,
 * esbuild keeps such a module in the same file but evaluates it only when the import runs.
 */
import * as esbuild from "esbuild"
import * as fs from "node:fs"
import * as path from "node:path"
import { fileURLToPath } from "node:url"

const started = performance.now()
const outfile = fileURLToPath(new URL("../dist/objectiveai.js", import.meta.url))
// The inputs of the last bundle, so that a build with nothing changed does not bundle again.
const inputsFile = fileURLToPath(new URL("../dist/objectiveai.inputs.json", import.meta.url))

const mtime = (file) => {
  try {
    return fs.statSync(file).mtimeMs
  } catch {
    return Infinity
  }
}

const upToDate = () => {
  const bundled = mtime(outfile)
  if (bundled === Infinity || mtime(inputsFile) === Infinity) return false
  const inputs = JSON.parse(fs.readFileSync(inputsFile, "utf8"))
  return inputs.every((input) => mtime(input) <= bundled)
}

if (upToDate()) {
  console.log(`build: the objectiveai executable is up to date (${path.relative(process.cwd(), outfile)})`)
} else {
  const result = await esbuild.build({
    entryPoints: [fileURLToPath(new URL("../dist/bin.js", import.meta.url))],
    outfile,
    bundle: true,
    minify: true,
    format: "esm",
    platform: "node",
    target: "node20",
    sourcemap: "linked",
    metafile: true,
    logLevel: "warning",
    // A native addon finds its compiled binary next to its own files, so it stays a package the bundle imports.
    external: ["better-sqlite3"],
    // CommonJS dependencies in an ES module bundle still call `require` for Node's built-ins.
    banner: { js: "import { createRequire as __cr } from \"node:module\"; const require = __cr(import.meta.url);" }
  })

  fs.writeFileSync(
    inputsFile,
    JSON.stringify([
      ...Object.keys(result.metafile.inputs).map((input) => path.resolve(input)),
      fileURLToPath(import.meta.url),
      // An install that changes a dependency may link files older than the bundle: the lockfile says it happened.
      fileURLToPath(new URL("../../../pnpm-lock.yaml", import.meta.url))
    ])
  )

  const bytes = result.metafile.outputs[Object.keys(result.metafile.outputs).find((name) => name.endsWith(".js"))].bytes
  console.log(
    `build: bundled the objectiveai executable into ${path.relative(process.cwd(), outfile)} (${
      (bytes / 1024).toFixed(0)
    } kB) in ${((performance.now() - started) / 1000).toFixed(1)} s`
  )
}
