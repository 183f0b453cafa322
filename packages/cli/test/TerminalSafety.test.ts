/**
 * What a server controls never drives the terminal or a spreadsheet: escape sequences in a completion's model,
 * provider, content, tool calls and ids, and in error messages, are shown escaped by `retrieve`, `report` and the
 * error lines; CSV cells that a spreadsheet would run as formulas are written as text.
 */
import { describe, expect, it } from "@effect/vitest"
import type { StoredChatCompletion } from "@objectiveai-effect/domain"
import * as Effect from "effect/Effect"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { Render } from "../src/index.js"
import * as Hostile from "./hostile.js"
import { cli, expectOneLine, inProcess, testData } from "./support.js"

const slow = 180_000

// A window title, a hyperlink, clear-screen, a cursor-position request (the terminal answers it on stdin) and an
// 8-bit CSI.
const title = "\u001b]0;pwned\u0007"
const link = "\u001b]8;;http://evil.example\u001b\\click\u001b]8;;\u001b\\"
const clear = "\u001b[2J\u001b[H"
const report = "\u001b[6n"
const csi = "\u009b31m"
const raw = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/

const base = testData[0]
const hostileCompletion: StoredChatCompletion.StoredChatCompletion = {
  ...base,
  response: {
    ...base.response,
    id: `chtcpl-escape${clear}` as typeof base.response.id,
    model: `=HYPERLINK("http://evil.example","model")${title}`,
    provider: `@SUM(1+1)*cmd|' /C calc'!A0${link}`,
    choices: [{
      ...base.response.choices[0],
      finish_reason: "tool_calls",
      message: {
        ...base.response.choices[0].message,
        content: `line one${report}\nline two${csi}`,
        tool_calls: [{
          id: `call_${clear}`,
          type: "function",
          function: { name: `lookup${title}`, arguments: `{"q":"${report.replace("\u001b", "\\u001b")}"}` }
        }]
      }
    }]
  }
}

const connection = (port: number) => ["--base-url", `http://127.0.0.1:${port}`, "--api-key", "k"]

describe("text a server controls, on a terminal", () => {
  it.scoped("retrieve, report and an error line show every control character escaped", () =>
    Effect.gen(function*() {
      const server = yield* Hostile.serve([hostileCompletion], {
        unknown: { code: 403, message: `moderation ${title}${clear}${report}` }
      })
      const id = hostileCompletion.response.id
      const retrieve = yield* inProcess(["retrieve", id, ...connection(server.port)])
      expect(retrieve.code, retrieve.stderr).toBe(0)
      expect(retrieve.stdout).not.toMatch(raw)
      expect(retrieve.stdout).toContain("lookup\\x1b]0;pwned\\x07")
      expect(retrieve.stdout).toContain("line one\\x1b[6n\n")
      expect(retrieve.stdout).toContain("line two\\x9b31m")
      expect(retrieve.stdout).toContain("chtcpl-escape\\x1b[2J\\x1b[H")

      const table = yield* inProcess(["report", id, ...connection(server.port)])
      expect(table.code, table.stderr).toBe(0)
      expect(table.stdout).not.toMatch(raw)
      expect(table.stdout).toContain("\\x1b]8;;http://evil.example\\x1b\\click")

      const refused = yield* inProcess(["retrieve", "chtcpl-unknown", ...connection(server.port)])
      expectOneLine(refused, 1, "forbidden (HTTP 403): moderation \\x1b]0;pwned\\x07\\x1b[2J\\x1b[H\\x1b[6n")

      const failures = yield* inProcess(["report", id, "chtcpl-unknown", ...connection(server.port)])
      expect(failures.stdout + failures.stderr).not.toMatch(raw)
    }), slow)
})

describe("CSV for a spreadsheet", () => {
  it("a cell a spreadsheet would run as a formula gets a leading quote; numbers stay numbers", () => {
    for (const formula of ["=1+1", "+cmd", "-cmd|x", "@SUM(A1)", "\tcmd", "\rcmd", "-", "+"]) {
      expect(Render.csvCell(formula)).toBe(`'${formula}`)
    }
    for (const plain of ["-12.5", "+3", "-0.000123", "1e-7", "-2E+5", "0", "openai/gpt-4o", "", "a=b"]) {
      expect(Render.csvCell(plain)).toBe(plain)
    }
    expect(Render.csvLine([`=HYPERLINK("http://x","y")`, "-1.5"])).toBe(`"'=HYPERLINK(""http://x"",""y"")",-1.5`)
  })

  it.scoped("export --format csv and report --format csv write formulas as text", () =>
    Effect.gen(function*() {
      const server = yield* Hostile.serve([hostileCompletion, ...testData.slice(1, 4)], {})
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "objectiveai-csv-"))
      const database = path.join(dir, "store.sqlite")
      const sync = yield* inProcess(["sync", "--database", database, ...connection(server.port)])
      expect(sync.code, sync.stderr).toBe(0)
      const exported = yield* cli(["export", "--database", database, "--format", "csv"])
      expect(exported.code, exported.stderr).toBe(0)
      const row = exported.stdout.split("\n").find((line) => line.startsWith("chtcpl-escape"))!
      expect(row).toContain(`"'=HYPERLINK(""http://evil.example"",""model"")\\x1b]0;pwned\\x07"`)
      expect(row).toContain(`'@SUM(1+1)*cmd|' /C calc'!A0\\x1b]8;;`)
      expect(exported.stdout).not.toMatch(raw)

      const reported = yield* inProcess(["report", "--database", database, "--format", "csv"])
      expect(reported.code, reported.stderr).toBe(0)
      const cells = reported.stdout.trimEnd().split("\n").slice(1).map((line) => line.split(","))
      expect(reported.stdout).toContain(`cost.model,"'=HYPERLINK(`)
      // Every figure is still a number a spreadsheet reads as one.
      for (const cell of cells.map((row) => row[row.length - 1])) {
        if (/^'?[+-]?\d/.test(cell)) expect(cell).toMatch(/^[+-]?\d/)
      }
      fs.rmSync(dir, { recursive: true, force: true })
    }), slow)
})
