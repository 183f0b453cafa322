/**
 * What `objectiveai` does around `@effect/cli` (0.77), and why:
 *
 * - @effect/cli hands a flag it does not know to the command's arguments, so `report --formt json` asked for a
 *   completion with the id `--formt`. {@link check} reads the command line first, against the flags each command of
 *   the tree declares, and refuses a flag no command there declares, suggesting the nearest one.
 * - @effect/cli prints its usage errors itself, over several lines, with the help appended. {@link run} in Cli.ts
 *   silences that and prints {@link oneLine} instead.
 * - @effect/cli's help names a subcommand without the program (`$ retrieve …`), opens each option with its type's
 *   boilerplate ("A user-defined piece of text."), colours its output whatever stdout is, and lists built-in options
 *   this tool does not offer (`--wizard`, `--completions`, `--log-level`). {@link help} renders the same documents
 *   with the full command, without the boilerplate, in colour only on a terminal without `NO_COLOR`, and with only the
 *   built-ins that are real here: `--help` and `--version`.
 *
 * Everything is read from the command tree (`Command.getUsage`, `Command.getSubcommands`, `getHelp`), so a command
 * added to the tree gets the same checks and help without further code.
 */
import * as AutoCorrect from "@effect/cli/AutoCorrect"
import * as CliConfig from "@effect/cli/CliConfig"
import * as Descriptor from "@effect/cli/CommandDescriptor"
import * as HelpDoc from "@effect/cli/HelpDoc"
import type * as Span from "@effect/cli/HelpDoc/Span"
import * as Usage from "@effect/cli/Usage"
import type * as ValidationError from "@effect/cli/ValidationError"
import * as AnsiDoc from "@effect/printer-ansi/AnsiDoc"
import * as Doc from "@effect/printer/Doc"
import * as Arr from "effect/Array"
import * as HashMap from "effect/HashMap"
import * as Option from "effect/Option"

/** The built-in flags this tool honours; @effect/cli's others are refused as unknown. */
const helpFlags = ["--help", "-h"]
const versionFlag = "--version"

/** One command of the tree: the flags it declares (and whether each takes a value), and its subcommands. */
interface Node {
  readonly name: string
  readonly descriptor: Descriptor.Command<unknown>
  readonly flags: ReadonlyMap<string, { readonly takesValue: boolean }>
  readonly subcommands: ReadonlyMap<string, Node>
}

const namedFlags = (usage: Usage.Usage, into: Map<string, { readonly takesValue: boolean }>): void => {
  switch (usage._tag) {
    case "Named":
      for (const name of usage.names) {
        // Arguments (`<id>`) and the command's own name are named too; flags start with a dash.
        if (name.startsWith("-")) into.set(name, { takesValue: Option.isSome(usage.acceptedValues) })
      }
      return
    case "Optional":
    case "Repeated":
      return namedFlags(usage.usage, into)
    case "Alternation":
    case "Concat":
      namedFlags(usage.left, into)
      return namedFlags(usage.right, into)
    case "Empty":
    case "Mixed":
      return
  }
}

/** The tree of a command, read once per run. */
export const tree = (descriptor: Descriptor.Command<unknown>, name: string): Node => {
  const flags = new Map<string, { readonly takesValue: boolean }>()
  // A command with subcommands gives its own usage followed by `Mixed` for theirs, so these are its own flags.
  namedFlags(Descriptor.getUsage(descriptor), flags)
  const subcommands = new Map<string, Node>()
  // `getSubcommands` gives a command's children one level down, and a command without children itself.
  for (const [childName, child] of HashMap.toEntries(Descriptor.getSubcommands(descriptor))) {
    if (child !== descriptor) subcommands.set(childName, tree(child, childName))
  }
  return { name, descriptor, flags, subcommands }
}

/**
 * The candidate closest to `word` by @effect/cli's edit distance (`AutoCorrect.levensteinDistance`, case ignored), when
 * close enough to be what was meant.
 */
export const nearest = (word: string, candidates: Iterable<string>): string | undefined => {
  let best: { readonly candidate: string; readonly distance: number } | undefined
  for (const candidate of candidates) {
    const d = AutoCorrect.levensteinDistance(word, candidate, CliConfig.defaultConfig)
    if (best === undefined || d < best.distance) best = { candidate, distance: d }
  }
  return best !== undefined && best.distance <= Math.max(2, Math.floor(word.length / 3)) ? best.candidate : undefined
}

/** What a command line asks for before @effect/cli parses it. */
export type Checked =
  | { readonly _tag: "Run"; readonly path: ReadonlyArray<Node> }
  | { readonly _tag: "Help"; readonly path: ReadonlyArray<Node> }
  | { readonly _tag: "Version" }
  | { readonly _tag: "UsageError"; readonly message: string }

const listed = (items: ReadonlyArray<string>): string =>
  items.length <= 1 ? items.join("") : `${items.slice(0, -1).join(", ")} or ${items[items.length - 1]}`

/**
 * Reads the arguments (without the runtime and script) against the tree: `--help` anywhere asks for the help of the
 * command named before it, `--version` for the version; a flag that the commands named do not declare, a flag that
 * needs a value and has none, or an unknown command is a usage error. Anything else is left to @effect/cli.
 */
export const check = (root: Node, args: ReadonlyArray<string>): Checked => {
  const path: Array<Node> = [root]
  let help = false
  let version = false
  let positionals = 0
  for (let i = 0; i < args.length; i++) {
    const token = args[i]
    const command = path[path.length - 1]
    const usage = path.map((node) => node.name).join(" ")
    if (token.startsWith("-") && token.length > 1) {
      const name = token.includes("=") ? token.slice(0, token.indexOf("=")) : token
      if (helpFlags.includes(name)) help = true
      else if (name === versionFlag) version = true
      else {
        const flag = path.map((node) => node.flags.get(name)).find((found) => found !== undefined)
        if (flag === undefined) {
          const known = [...path.flatMap((node) => [...node.flags.keys()]), ...helpFlags, versionFlag]
          const suggestion = nearest(name, known)
          return {
            _tag: "UsageError",
            message: `unknown flag ${name} for ${usage}${
              suggestion === undefined ? "" : `; did you mean ${suggestion}?`
            } (${usage} --help lists its flags)`
          }
        }
        if (flag.takesValue && token.endsWith("=") && token.indexOf("=") === token.length - 1) {
          return { _tag: "UsageError", message: `${name} needs a value (${usage} --help says which)` }
        }
        if (flag.takesValue && !token.includes("=")) {
          const value = args[i + 1]
          if (value === undefined || path.some((node) => node.flags.has(value))) {
            return { _tag: "UsageError", message: `${name} needs a value (${usage} --help says which)` }
          }
          i++
        }
      }
    } else if (command.subcommands.size > 0 && positionals === 0) {
      const sub = command.subcommands.get(token)
      if (sub === undefined) {
        const names = [...command.subcommands.keys()].sort()
        const suggestion = nearest(token, names)
        return {
          _tag: "UsageError",
          message: `unknown command ${token}${
            suggestion === undefined ? "" : `; did you mean ${suggestion}?`
          } (commands: ${listed(names)})`
        }
      }
      path.push(sub)
    } else {
      positionals++
    }
  }
  if (help) return { _tag: "Help", path }
  if (version) return { _tag: "Version" }
  return { _tag: "Run", path }
}

const spanText = (span: Span.Span): string => {
  switch (span._tag) {
    case "Text":
    case "URI":
      return span.value
    case "Highlight":
    case "Weak":
    case "Strong":
      return spanText(span.value)
    case "Sequence":
      return spanText(span.left) + spanText(span.right)
  }
}

/**
 * The sentences @effect/cli 0.77 adds to every option and argument of a type, which say nothing the usage line and
 * the description do not: the descriptions of this tool say what a value is, its default and its variable.
 */
const boilerplate = new Set([
  "A user-defined piece of text.",
  "A user-defined piece of text that is confidential.",
  "A true or false value.",
  "An integer.",
  "A floating point number.",
  "A date without a time-zone in the ISO-8601 format, such as 2007-12-03T10:15:30.",
  "An existing file.",
  "A file that must not exist.",
  "A file.",
  "An existing directory.",
  "A path.",
  "This setting is optional.",
  "This option can be set from environment variables.",
  "This setting is optional and can be set from environment variables."
])

const withoutBoilerplate = (doc: HelpDoc.HelpDoc): HelpDoc.HelpDoc => {
  switch (doc._tag) {
    case "Paragraph":
      return boilerplate.has(spanText(doc.value).trim()) ? HelpDoc.empty : doc
    case "Sequence":
      return HelpDoc.sequence(withoutBoilerplate(doc.left), withoutBoilerplate(doc.right))
    case "DescriptionList":
      return HelpDoc.mapDescriptionList(doc, (span, description) => [span, withoutBoilerplate(description)])
    case "Enumeration":
      return HelpDoc.enumeration(Arr.map(doc.elements, withoutBoilerplate))
    default:
      return doc
  }
}

const paragraph = HelpDoc.p

const header = HelpDoc.h1

/** Whether help may be coloured: stdout is a terminal and `NO_COLOR` is not set (https://no-color.org). */
export const colour = (): boolean =>
  process.stdout.isTTY === true && (process.env.NO_COLOR === undefined || process.env.NO_COLOR === "")

/**
 * The help of the last command of `path`: its usage with the full command line, its description, arguments,
 * options and subcommands, and the built-in flags that work.
 */
export const help = (
  path: ReadonlyArray<Node>,
  options: { readonly version: string; readonly config: CliConfig.CliConfig; readonly colour: boolean }
): string => {
  const command = path[path.length - 1]
  const prefix = path.slice(0, -1).map((node) => `${node.name} `).join("")
  // A command with subcommands gives no usage of its own beyond its name.
  const rest = command.subcommands.size > 0 ? " <command> [flags]" : ""
  const usageLines = Usage.enumerate(Descriptor.getUsage(command.descriptor), options.config).map((span) =>
    paragraph(`$ ${prefix}${spanText(span)}${rest}`)
  )
  const doc = HelpDoc.blocks([
    paragraph(`${path[0].name} ${options.version}`),
    header("USAGE"),
    ...usageLines,
    withoutBoilerplate(Descriptor.getHelp(command.descriptor, options.config)),
    header("ALSO"),
    paragraph(`--help, -h  this help; --version  the version (${options.version})`)
  ])
  const ansi = HelpDoc.toAnsiDoc(doc)
  const text = options.colour
    ? AnsiDoc.render(ansi, { style: "pretty" })
    : Doc.render(Doc.unAnnotate(ansi), { style: "pretty" })
  return text.split("\n").map((line) => wrap(line, helpWidth)).join("\n")
}

/** The widest line of the help: @effect/cli's documents put a usage or a description on one line, whatever its length. */
export const helpWidth = 100

const escapes = /\u001b\[[0-9;]*m/g

const visibleLength = (text: string): number => text.replace(escapes, "").length

/**
 * A line of the help broken at spaces to fit `width` columns (colour escapes take none); continuation lines keep the
 * line's indentation, and a usage line's (`$ …`) continues under its first flag.
 */
const wrap = (line: string, width: number): string => {
  if (visibleLength(line) <= width) return line
  const plain = line.replace(escapes, "")
  const indent = plain.length - plain.trimStart().length
  const continuation = " ".repeat(plain.trimStart().startsWith("$ ") ? indent + 4 : indent)
  const lines: Array<string> = []
  let current = line.slice(0, line.length - line.trimStart().length)
  for (const word of line.trimStart().split(" ")) {
    const candidate = current.trim() === "" ? current + word : `${current} ${word}`
    if (visibleLength(candidate) > width && current.trim() !== "") {
      lines.push(current)
      current = continuation + word
    } else {
      current = candidate
    }
  }
  lines.push(current)
  return lines.join("\n")
}

/** @effect/cli's text for a required flag that is not given: `Expected to find option: '--format'`. */
const missingFlag = /^Expected to find option: '([^']+)'/

/** @effect/cli's text for an argument beyond those a command takes: `Received unknown argument: 'b'`. */
const extraArgument = /^Received unknown argument: '(.*)'$/

/**
 * A usage error of @effect/cli as one line, for the command `path` names: a missing flag in the words of the others
 * (`objectiveai export needs --format (objectiveai export --help says which values)`); anything else, its document
 * flattened, blank lines and indentation collapsed.
 */
export const oneLine = (error: ValidationError.ValidationError, path: ReadonlyArray<Node>): string => {
  const text = "error" in error ? Doc.render(Doc.unAnnotate(HelpDoc.toAnsiDoc(error.error)), { style: "pretty" }) : ""
  const line = text.split("\n").map((part) => part.trim()).filter((part) => part !== "").join("; ")
  const usage = path.map((node) => node.name).join(" ")
  const missing = missingFlag.exec(line)
  if (missing !== null) return `${usage} needs ${missing[1]} (${usage} --help says which values)`
  const extra = extraArgument.exec(line)
  if (extra !== null) return `unexpected argument ${extra[1]} for ${usage} (${usage} --help says what it takes)`
  return line === "" ? error._tag : line.charAt(0).toLowerCase() + line.slice(1)
}
