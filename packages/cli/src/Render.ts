/**
 * Text helpers shared by the commands' outputs: aligned tables, CSV lines, one-line excerpts and numbers for people.
 *
 * @since 0.1.0
 */

/**
 * A table column: its header and which side its cells align to.
 *
 * @since 0.1.0
 * @category models
 */
export interface Column {
  readonly header: string
  readonly align: "left" | "right"
}

/**
 * A left-aligned column.
 *
 * @since 0.1.0
 * @category rendering
 */
export const left = (header: string): Column => ({ header, align: "left" })

/**
 * A right-aligned column, for numbers.
 *
 * @since 0.1.0
 * @category rendering
 */
export const right = (header: string): Column => ({ header, align: "right" })

// Code points, so that an accented or CJK key does not push its row out of line by its UTF-16 length.
const width = (text: string): number => {
  let count = 0
  for (const _ of text) count++
  return count
}

const pad = (text: string, size: number, align: Column["align"]): string => {
  const fill = " ".repeat(Math.max(0, size - width(text)))
  return align === "left" ? text + fill : fill + text
}

/**
 * The lines of an aligned table: the header, then one line per row, columns two spaces apart, trailing spaces cut;
 * control characters in cells are escaped ({@link printable}).
 *
 * @example
 * ```ts
 * import { Render } from "@objectiveai-effect/cli"
 *
 * Render.table([Render.left("model"), Render.right("cost")], [["openai/gpt-4o", "0.25"], ["x", "12.5"]])
 * // ["model          cost", "openai/gpt-4o  0.25", "x              12.5"]
 * ```
 *
 * @since 0.1.0
 * @category rendering
 */
export const table = (
  columns: ReadonlyArray<Column>,
  rawRows: ReadonlyArray<ReadonlyArray<string>>
): Array<string> => {
  // Cells are often what a server said (a model, a tool name): escaped before they are measured.
  const rows = rawRows.map((row) => row.map(printable))
  const sizes = columns.map((column, index) =>
    rows.reduce((size, row) => Math.max(size, width(row[index] ?? "")), width(column.header))
  )
  const line = (cells: ReadonlyArray<string>) =>
    columns.map((column, index) => pad(cells[index] ?? "", sizes[index], column.align)).join("  ").trimEnd()
  return [line(columns.map((column) => column.header)), ...rows.map(line)]
}

// What a spreadsheet reads as the start of a formula (OWASP's list), and a number, which it reads as a number.
const formulaStart = /^[=+\-@\t\r]/
const plainNumber = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/

/**
 * A CSV cell a spreadsheet shows as text: one beginning with `=`, `+`, `-`, `@`, a tab or a carriage return, and not a
 * number, gets a leading `'`, as OWASP recommends against formula injection (`=HYPERLINK(…)` stays text); `-12.5`
 * and `+3` stay numbers.
 *
 * @example
 * ```ts
 * import { Render } from "@objectiveai-effect/cli"
 *
 * Render.csvCell("=HYPERLINK(\"http://x\")") // "'=HYPERLINK(\"http://x\")"
 * Render.csvCell("-12.5") // "-12.5"
 * ```
 *
 * @since 0.1.0
 * @category encoding
 */
export const csvCell = (cell: string): string => formulaStart.test(cell) && !plainNumber.test(cell) ? `'${cell}` : cell

/**
 * One CSV record (RFC 4180): each cell made safe for a spreadsheet ({@link csvCell}) and a terminal
 * ({@link printable}); a cell with a comma, a quote or a line break is quoted, its quotes doubled.
 *
 * @since 0.1.0
 * @category encoding
 */
export const csvLine = (cells: ReadonlyArray<string>): string =>
  cells.map((cell) => {
    const safe = printable(csvCell(cell))
    return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, "\"\"")}"` : safe
  }).join(",")

// C0 controls but tab and line feed, DEL, and the C1 controls (0x9b is a one-byte CSI on some terminals).
const controls = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g

const escapeControl = (character: string): string => `\\x${character.charCodeAt(0).toString(16).padStart(2, "0")}`

/**
 * Text a server controls, made safe to write to a terminal: every control character but tab and line feed is shown
 * escaped (`\x1b`), so that no escape sequence in it can set the window title, write a hyperlink, clear the screen
 * or ask the terminal to type into stdin. Every human-readable output passes what it prints through this; JSON
 * output is escaped by its encoder already.
 *
 * @example
 * ```ts
 * import { Render } from "@objectiveai-effect/cli"
 *
 * Render.printable("gpt\u001b]0;pwned\u0007") // "gpt\\x1b]0;pwned\\x07"
 * ```
 *
 * @since 0.1.0
 * @category rendering
 */
export const printable = (text: string): string => text.replace(controls, escapeControl)

/**
 * Text on one line of at most `max` characters: whitespace runs (line breaks included) become one space, and a cut
 * ends with `…`; control characters are escaped as by {@link printable}.
 *
 * @since 0.1.0
 * @category rendering
 */
export const oneLine = (text: string, max: number): string => {
  const flat = text.replace(/\s+/g, " ").trim()
  const characters = [...flat]
  return printable(characters.length <= max ? flat : `${characters.slice(0, Math.max(0, max - 1)).join("")}…`)
}

/**
 * A measure for people: four significant digits, never an exponent for the magnitudes logprob measures take.
 *
 * @since 0.1.0
 * @category rendering
 */
export const measure = (value: number): string => {
  if (!Number.isFinite(value)) return String(value)
  if (value === 0) return "0"
  const digits = Math.max(0, 3 - Math.floor(Math.log10(Math.abs(value))))
  return value.toFixed(Math.min(digits, 12))
}

/**
 * An integer with thousands separators: `12,345`.
 *
 * @since 0.1.0
 * @category rendering
 */
export const integer = (value: number): string => value.toLocaleString("en-US", { maximumFractionDigits: 0 })
