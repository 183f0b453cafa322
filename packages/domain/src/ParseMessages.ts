/**
 * Parse error messages that stay readable and bounded: Effect prints the whole offending value into a message, so a
 * 2 MB string where a number belongs makes a 2-million-character message. Here a value shown in a message is cut to
 * {@link maxValueLength} characters; the path, the expected type and the value's start stay.
 *
 * Every `Json.parseJson` schema (so every `…FromJson` schema of this package) already reports bounded issues.
 *
 * @since 0.1.0
 */
import * as ParseResult from "effect/ParseResult"

/**
 * How many characters of a value a message shows before cutting it.
 *
 * @since 0.1.0
 * @category constants
 */
export const maxValueLength = 200

/**
 * A value as a message shows it, cut to `maxLength` characters (and marked as cut), or `undefined` when Effect's own
 * rendering of it is no longer than that, so that short values read exactly as Effect writes them.
 *
 * @since 0.1.0
 * @category utils
 */
export const preview = (value: unknown, maxLength: number = maxValueLength): string | undefined => {
  if (typeof value === "string") {
    // JSON.stringify adds at least the two quotes.
    if (value.length + 2 <= maxLength) return undefined
    return `${JSON.stringify(value.slice(0, maxLength))}… (${value.length} characters)`
  }
  const written = writeBounded(value, maxLength)
  return written === undefined ? undefined : `${written.slice(0, maxLength)}…`
}

/**
 * Writes a value as Effect's messages do (`Inspectable.formatUnknown`: strings quoted, bigints with `n`, objects and
 * arrays key by key, class instances wrapped in their class name, a custom `toString` used), stopping as soon as the
 * text is longer than `maxLength`: `undefined` when it fits, else at least `maxLength` characters of it.
 */
const writeBounded = (value: unknown, maxLength: number): string | undefined => {
  let text = ""
  const seen = new Set<object>()
  // Returns false once the text is too long, before going deeper: nesting is bounded by the length too.
  const write = (value: unknown): boolean => {
    if (text.length > maxLength) return false
    if (Array.isArray(value)) {
      if (seen.has(value)) {
        text += "[Circular]"
      } else {
        seen.add(value)
        text += "["
        for (let i = 0; i < value.length; i++) {
          if (i > 0) text += ","
          if (!write(value[i])) return false
        }
        text += "]"
      }
    } else if (value instanceof Date) {
      text += Number.isNaN(value.getTime()) ? "Invalid Date" : value.toISOString()
    } else if (hasOwnToString(value)) {
      text += safeToString(value as { toString: () => unknown })
    } else if (typeof value === "string") {
      text += JSON.stringify(value.length > maxLength ? value.slice(0, maxLength + 1) : value)
    } else if (typeof value === "bigint") {
      text += `${value}n`
    } else if (typeof value !== "object" || value === null) {
      text += String(value)
    } else if (seen.has(value)) {
      text += "[Circular]"
    } else {
      seen.add(value)
      const constructor = (value as { constructor?: { name?: unknown } }).constructor
      const name = constructor !== undefined && constructor !== Object && typeof constructor.name === "string" &&
          constructor.name !== ""
        ? constructor.name
        : undefined
      if (name !== undefined) text += `${name}(`
      if (value instanceof Set || value instanceof Map) {
        if (!write(Array.from(value))) return false
      } else {
        text += "{"
        let first = true
        for (const key of Reflect.ownKeys(value)) {
          text += `${first ? "" : ","}${typeof key === "string" ? JSON.stringify(key) : String(key)}:`
          first = false
          if (!write((value as Record<PropertyKey, unknown>)[key])) return false
        }
        text += "}"
      }
      if (name !== undefined) text += ")"
    }
    return text.length <= maxLength
  }
  return write(value) ? undefined : text
}

// Effect shows a value through its own `toString`, when it has one other than the generic ones.
const hasOwnToString = (value: unknown): boolean => {
  if (typeof value !== "object" && typeof value !== "function" || value === null) return false
  const toString = (value as { toString?: unknown }).toString
  return typeof toString === "function" && toString !== Object.prototype.toString &&
    toString !== Array.prototype.toString
}

const safeToString = (value: { toString: () => unknown }): string => {
  try {
    return String(value.toString())
  } catch {
    return "[toString threw]"
  }
}

/**
 * The issue with every value its messages would show cut to `maxLength` characters; the values themselves, the
 * paths and every other message stay as they are. An issue with nothing to cut is returned as it is.
 *
 * @example
 * ```ts
 * import { Effect, ParseResult, Schema } from "effect"
 * import { ParseMessages } from "@objectiveai-effect/domain"
 *
 * const decodeNumber = (input: unknown) =>
 *   ParseResult.decodeUnknown(Schema.Number)(input).pipe(Effect.mapError(ParseMessages.bound))
 * ```
 *
 * @since 0.1.0
 * @category utils
 */
export const bound = (issue: ParseResult.ParseIssue, maxLength: number = maxValueLength): ParseResult.ParseIssue => {
  switch (issue._tag) {
    case "Type": {
      if (issue.message !== undefined) return issue
      const shown = preview(issue.actual, maxLength)
      if (shown === undefined) return issue
      // Effect words the message (the expected type, any message annotation) as it would for the value; only the
      // value it shows is the cut one.
      const stand = { toString: () => shown }
      const message = ParseResult.TreeFormatter.formatIssueSync(new ParseResult.Type(issue.ast, stand))
      return new ParseResult.Type(issue.ast, issue.actual, message)
    }
    case "Pointer": {
      const inner = bound(issue.issue, maxLength)
      return inner === issue.issue ? issue : new ParseResult.Pointer(issue.path, issue.actual, inner)
    }
    case "Refinement": {
      const inner = bound(issue.issue, maxLength)
      return inner === issue.issue ? issue : new ParseResult.Refinement(issue.ast, issue.actual, issue.kind, inner)
    }
    case "Transformation": {
      const inner = bound(issue.issue, maxLength)
      return inner === issue.issue ? issue : new ParseResult.Transformation(issue.ast, issue.actual, issue.kind, inner)
    }
    case "Composite": {
      if (!Array.isArray(issue.issues)) {
        const single = issue.issues as ParseResult.ParseIssue
        const inner = bound(single, maxLength)
        return inner === single ? issue : new ParseResult.Composite(issue.ast, issue.actual, inner, issue.output)
      }
      const issues = issue.issues as ReadonlyArray<ParseResult.ParseIssue>
      const inner = issues.map((each) => bound(each, maxLength))
      return inner.every((each, i) => each === issues[i])
        ? issue
        : new ParseResult.Composite(
          issue.ast,
          issue.actual,
          inner as [ParseResult.ParseIssue, ...Array<ParseResult.ParseIssue>],
          issue.output
        )
    }
    default:
      return issue
  }
}

/**
 * A `ParseError` whose message shows every value cut to `maxLength` characters (see {@link bound}).
 *
 * @since 0.1.0
 * @category utils
 */
export const boundError = (
  error: ParseResult.ParseError,
  maxLength: number = maxValueLength
): ParseResult.ParseError => {
  const issue = bound(error.issue, maxLength)
  return issue === error.issue ? error : new ParseResult.ParseError({ issue })
}
