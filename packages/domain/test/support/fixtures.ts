import * as fs from "node:fs"
import * as path from "node:path"

// CI clones the repository next to a copy of `shared/`, as the working checkout sits beside it.
const shared = path.resolve(__dirname, "../../../../../shared")

/** The text of a recorded payload in `shared/reference/fixtures`. */
export const fixture = (name: string): string => fs.readFileSync(path.join(shared, "reference/fixtures", name), "utf8")

/** The text of the API page the domain implements. */
export const seedPage = (): string => fs.readFileSync(path.join(shared, "seed/000_6ee7868564fa0505.txt"), "utf8")

/** The JSON texts of the `data:` events of a Server-Sent Events stream, up to `[DONE]`. */
export const sseData = (text: string): Array<string> => {
  const events: Array<string> = []
  for (const block of text.split(/\r?\n\r?\n/)) {
    const data = block.split(/\r?\n/).filter((line) => line.startsWith("data:")).map((line) =>
      line.slice(5).replace(/^ /, "")
    ).join("\n")
    if (data === "[DONE]") break
    if (data !== "") events.push(data)
  }
  return events
}
