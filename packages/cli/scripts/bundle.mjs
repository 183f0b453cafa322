/**
 * Bundles the `objectiveai` executable into one minified file, dist/objectiveai.js, from the modules `tsc -b` wrote.
 *
 * Started unbundled, the command loads several hundred ES modules before it does anything, which costs about ten
 * times a bare `node` start; one file parsed at once costs a fraction of that. Modules that only some commands need
 * (the local server and its generator, for `serve` and `demo`) are imported dynamically: without code splitting,
 * esbuild keeps such a module in the same file but evaluates it only when the import runs.
 *
 * One module stays out: the script of Scalar's API reference, which the `/docs` page of `serve` inlines. It is 3.4 MB
 * of a 4.9 MB bundle, and every start parses the whole file, even for `--version` (2.8x a bare `node` with it, 2.3x
 * without). It is written beside the bundle as dist/scalar-api-reference.js, and the bundle reads it when the
 * docs page is first built.
 *
 * `import` decodes lines in worker threads, which run the store's `internal/importWorker.js` module found beside the
 * store's `Import` module, here beside the bundle: it is bundled on its own as dist/internal/importWorker.js. Capture
 * into a store on a file or a PostgreSQL database writes in a worker thread too, the store's
 * `internal/captureWorker.js` found beside its `CallWriter` module, bundled the same way (`demo` captures into a store
 * in memory, which its own thread writes).
 */
import * as esbuild from "esbuild"
import * as fs from "node:fs"
import { createRequire } from "node:module"
import * as path from "node:path"
import { fileURLToPath } from "node:url"

const started = performance.now()
const outfile = fileURLToPath(new URL("../dist/objectiveai.js", import.meta.url))
// The inputs of the last bundle, so that a build with nothing changed does not bundle again.
const inputsFile = fileURLToPath(new URL("../dist/objectiveai.inputs.json", import.meta.url))

// Where the store's modules, bundled, look for their workers: the same paths relative to the bundle.
const storeDirectory = path.dirname(createRequire(import.meta.url).resolve("@objectiveai-effect/store/package.json"))
const workers = ["importWorker.js", "captureWorker.js"].map((name) => ({
  file: fileURLToPath(new URL(`../dist/internal/${name}`, import.meta.url)),
  entry: path.join(storeDirectory, "dist/internal", name)
}))

const scalarFile = "scalar-api-reference.js"
let scalarReplaced = false

/** Replaces @effect/platform's module holding Scalar's script by one that reads the copy beside the bundle. */
const scalarBesideTheBundle = {
  name: "scalar-beside-the-bundle",
  setup(build) {
    build.onLoad(
      { filter: /[\\/]@effect[\\/]platform[\\/]dist[\\/]esm[\\/]internal[\\/]httpApiScalar\.js$/ },
      async (args) => {
        const { javascript } = await import(args.path)
        fs.writeFileSync(path.join(path.dirname(outfile), scalarFile), javascript)
        scalarReplaced = true
        return {
          contents: `import { readFileSync } from "node:fs"
export const javascript = readFileSync(new URL(${JSON.stringify(`./${scalarFile}`)}, import.meta.url), "utf8")`,
          loader: "js"
        }
      }
    )
  }
}

const mtime = (file) => {
  try {
    return fs.statSync(file).mtimeMs
  } catch {
    return Infinity
  }
}

const upToDate = () => {
  const bundled = mtime(outfile)
  if (mtime(path.join(path.dirname(outfile), scalarFile)) === Infinity) return false
  if (workers.some(({ file }) => mtime(file) === Infinity)) return false
  if (bundled === Infinity || mtime(inputsFile) === Infinity) return false
  const inputs = JSON.parse(fs.readFileSync(inputsFile, "utf8"))
  return inputs.every((input) => mtime(input) <= bundled)
}

if (upToDate()) {
  console.log(`build: the objectiveai executable is up to date (${path.relative(process.cwd(), outfile)})`)
} else {
  // The executable and the store's worker threads, built the same way.
  const common = {
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
  }
  const result = await esbuild.build({
    ...common,
    entryPoints: [fileURLToPath(new URL("../dist/bin.js", import.meta.url))],
    outfile,
    plugins: [scalarBesideTheBundle]
  })

  const workerBuilds = await Promise.all(
    workers.map(({ entry, file }) => esbuild.build({ ...common, entryPoints: [entry], outfile: file }))
  )

  // A new layout of @effect/platform would put the 3.4 MB back into the bundle without a word.
  if (!scalarReplaced) throw new Error("bundle: @effect/platform's Scalar module was not found; update the filter")

  fs.writeFileSync(
    inputsFile,
    JSON.stringify([
      ...[result, ...workerBuilds].flatMap((build) => Object.keys(build.metafile.inputs)).map((input) =>
        path.resolve(input)
      ),
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
