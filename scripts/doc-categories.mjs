/**
 * Checks that every `@category` in the packages' sources is a word of the one vocabulary DEVELOPERS.md gives, so that
 * a module's documentation groups its exports under the same headings as every other package's. Run by `pnpm lint`.
 */
import * as fs from "node:fs"
import * as path from "node:path"

const vocabulary = new Set([
  "models",
  "schemas",
  "constants",
  "api",
  "tags",
  "layers",
  "config",
  "fiber refs",
  "flags",
  "errors",
  "type ids",
  "guards",
  "constructors",
  "combinators",
  "folding",
  "sinks",
  "getters",
  "metrics",
  "orders",
  "parsing",
  "encoding",
  "rendering",
  "json schema",
  "actions",
  "commands"
])

const root = path.join(import.meta.dirname, "..", "packages")
const sources = (dir) =>
  fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const file = path.join(dir, entry.name)
    return entry.isDirectory() ? sources(file) : entry.name.endsWith(".ts") ? [file] : []
  })

const problems = fs.readdirSync(root).flatMap((name) => {
  const src = path.join(root, name, "src")
  return fs.existsSync(src) ? sources(src) : []
}).flatMap((file) =>
  fs.readFileSync(file, "utf8").split("\n").flatMap((line, index) => {
    const category = /^\s*\* @category (.+)$/.exec(line)?.[1]
    return category === undefined || vocabulary.has(category)
      ? []
      : [
        `${path.relative(process.cwd(), file)}:${index + 1}: @category ${category} is not in DEVELOPERS.md's vocabulary`
      ]
  })
)

for (const problem of problems) console.error(problem)
process.exitCode = problems.length === 0 ? 0 : 1
