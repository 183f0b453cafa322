/**
 * Writes the committed sample data set, `data/sample.jsonl`: `SampleData.defaultCount` stored completions made from
 * `SampleData.defaultSeed`, one per line. Rerunning it gives the same file byte for byte.
 *
 * Run from the package directory: `pnpm exec tsx scripts/generate-sample.ts [count] [seed] [output]`.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { SampleData, ServedCompletions } from "../src/index.js"

const [count = String(SampleData.defaultCount), seed = String(SampleData.defaultSeed), output] = process.argv.slice(2)
const target = output ?? path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "data", "sample.jsonl")

const lines: Array<string> = []
for (const completion of SampleData.generate({ count: Number(count), seed })) {
  lines.push(ServedCompletions.toJsonLine(completion))
}
fs.mkdirSync(path.dirname(target), { recursive: true })
fs.writeFileSync(target, lines.map((line) => `${line}\n`).join(""))
console.log(`wrote ${lines.length} completions to ${target}`)
