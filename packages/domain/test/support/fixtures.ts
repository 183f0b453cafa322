import * as fs from "node:fs"
import * as path from "node:path"

/** The recorded payloads, each beside a `.source.txt` note saying where it comes from. */
const fixturesDirectory = path.resolve(__dirname, "../fixtures")

/** The text of a recorded payload in `test/fixtures`. */
export const fixture = (name: string): string => fs.readFileSync(path.join(fixturesDirectory, name), "utf8")

/** The text of the API page the domain implements. */
export const seedPage = (): string => fixture("objectiveai-retrieve-chat-completion-page.txt")

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
