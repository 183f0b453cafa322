/**
 * Parse error messages that stay readable and bounded: Effect prints the whole offending value into a message, so a
 * 2 MB string where a number belongs makes a 2-million-character message. Here a value shown in a message is cut to
 * {@link maxValueLength} characters; the path, the expected type and the value's start stay.
 *
 * Every `Json.parseJson` schema (so every `…FromJson` schema of this package) already reports bounded issues.
 *
 * {@link format} writes an issue for a person reading it in any language: one line per problem naming the field's path
 * and the rule (`temperature: must be between 0 and 2, got 5`), at most {@link maxProblems} lines and then how many
 * more there are. The client's validation and the local server's 400 answers give that text. It is written here
 * because Effect's formatters give either its parse tree (`ChatCompletionCreateParams\n└─ ["temperature"]\n   └─
 * between(0, 2) | null …`, which a client in another language shows as it is) or a list with one entry per member of
 * every union tried, and neither is bounded: for a body of 10,000 bad messages (330 kB) the tree is 4.6 MB, where
 * {@link format} gives 3.1 kB.
 *
 * @since 0.1.0
 */
import * as Option from "effect/Option"
import * as ParseResult from "effect/ParseResult"
import * as AST from "effect/SchemaAST"

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
 * @category rendering
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

// The issues `bound` rewrote: their message is Effect's own wording with the value cut, which `format` words afresh,
// rather than a rule's own message, which `format` keeps.
const boundIssues = new WeakSet<ParseResult.ParseIssue>()

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
 * @category rendering
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
      const cut = new ParseResult.Type(issue.ast, issue.actual, message)
      boundIssues.add(cut)
      return cut
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
 * @category constructors
 */
export const boundError = (
  error: ParseResult.ParseError,
  maxLength: number = maxValueLength
): ParseResult.ParseError => {
  const issue = bound(error.issue, maxLength)
  return issue === error.issue ? error : new ParseResult.ParseError({ issue })
}

/**
 * How many problems {@link format} lists before it only counts the rest: a body with 10,000 bad messages gets a
 * message of a few lines, not one of megabytes.
 *
 * @since 0.1.0
 * @category constants
 */
export const maxProblems = 20

/**
 * Every problem of an issue, one line each: the path of the field (`messages[0].role`; `body` for the value itself),
 * then the rule it breaks and the value it got, cut to {@link maxValueLength} characters
 * (`temperature: must be between 0 and 2, got 5`). A rule's own message is kept as it is. Where a field may take
 * several types, it is one line naming them all when the value has none of them (`stop: must be a string, an array
 * or null, got 5`), and otherwise the problems inside the one the value has.
 *
 * @since 0.1.0
 * @category rendering
 */
export const problems = (issue: ParseResult.ParseIssue): Array<string> => {
  const out: Array<string> = []
  collect(issue, [], out)
  return out
}

/**
 * The problems of an issue as text, one line each (see {@link problems}): the first `limit` of them, then a line
 * counting the rest.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { ChatCompletionCreateParams, ParseMessages } from "@objectiveai-effect/domain"
 *
 * const message = ChatCompletionCreateParams.validate({ model: "m", messages: [], temperature: 5 }).pipe(
 *   Effect.flip,
 *   Effect.map((error) => ParseMessages.format(error.issue))
 * )
 * // "messages: must have at least 1 item, got []\ntemperature: must be between 0 and 2, got 5"
 * ```
 *
 * @since 0.1.0
 * @category rendering
 */
export const format = (issue: ParseResult.ParseIssue, limit: number = maxProblems): string => {
  const all = problems(issue)
  const rest = all.length - limit
  return rest > 0
    ? [...all.slice(0, limit), `and ${rest} more problem${rest === 1 ? "" : "s"}`].join("\n")
    : all.join("\n")
}

const identifierLike = /^[A-Za-z_$][\w$]*$/

const pathText = (path: ReadonlyArray<PropertyKey>): string => {
  let text = ""
  for (const key of path) {
    if (typeof key === "number") text += `[${key}]`
    else if (typeof key === "string" && identifierLike.test(key)) text += text === "" ? key : `.${key}`
    else text += `[${JSON.stringify(String(key))}]`
  }
  return text === "" ? "body" : text
}

/** A value as a problem line shows it: as JSON where it is JSON, cut by `preview` when long. */
const valueText = (value: unknown): string => {
  if (value === undefined) return "nothing"
  if (typeof value === "bigint") return String(value)
  const cut = preview(value)
  if (cut !== undefined) return cut
  try {
    return JSON.stringify(value, (_, each) => typeof each === "bigint" ? Number(each) : each) ?? String(value)
  } catch {
    return String(value)
  }
}

const article = (word: string): string => /^[aeiou]/.test(word) ? `an ${word}` : `a ${word}`

const jsonTypeWords: Record<string, string> = {
  string: "a string",
  number: "a number",
  integer: "an integer",
  boolean: "a boolean",
  null: "null",
  array: "an array",
  object: "an object"
}

const jsonSchemaOf = (ast: AST.Annotated): Record<string, unknown> | undefined =>
  Option.getOrUndefined(AST.getJSONSchemaAnnotation(ast)) as Record<string, unknown> | undefined

const describedAs = (ast: AST.AST): string | undefined => {
  const type = jsonSchemaOf(ast)?.type
  if (typeof type === "string" && type in jsonTypeWords) return jsonTypeWords[type]
  const description = Option.getOrUndefined(AST.getDescriptionAnnotation(ast))
  return description === undefined
    ? undefined
    : description.charAt(0).toLowerCase() + description.slice(1).replace(/\.$/, "")
}

/** What a type expects, in words: `a string`, `an object`, `"user"`. */
const expected = (ast: AST.AST): Array<string> => {
  switch (ast._tag) {
    case "Literal":
      return [
        ast.literal === null
          ? "null"
          : typeof ast.literal === "string"
          ? JSON.stringify(ast.literal)
          : String(ast.literal)
      ]
    case "StringKeyword":
      return ["a string"]
    case "NumberKeyword":
      return ["a number"]
    case "BooleanKeyword":
      return ["a boolean"]
    case "BigIntKeyword":
      return ["an integer"]
    case "TupleType":
      return ["an array"]
    case "TypeLiteral":
      return ["an object"]
    case "Union":
      return ast.types.flatMap(expected)
    case "Suspend":
      return expected(ast.f())
    case "Refinement":
      return jsonSchemaOf(ast)?.type === "integer" ? ["an integer"] : expected(ast.from)
    case "Transformation":
      return expected(ast.from)
    default: {
      const described = describedAs(ast)
      return [described ?? article(String(ast))]
    }
  }
}

/** `a string, an array or null`; literals as `one of "a", "b"`. */
const expectedText = (ast: AST.AST): string => {
  const all = Array.from(new Set(expected(ast)))
  const literals = all.filter((each) => each.startsWith("\""))
  const others = all.filter((each) => !each.startsWith("\""))
  const parts = [
    ...(literals.length === 0 ? [] : [literals.length === 1 ? literals[0] : `one of ${literals.join(", ")}`]),
    ...others
  ]
  return parts.length === 1 ? parts[0] : `${parts.slice(0, -1).join(", ")} or ${parts[parts.length - 1]}`
}

const plural = (count: unknown, word: string): string => `${count} ${word}${count === 1 ? "" : "s"}`

/** The rule a refinement states, from the JSON Schema keywords Effect's filters carry, else from its description. */
const rule = (ast: AST.Refinement): string => {
  const json = jsonSchemaOf(ast) ?? {}
  const { exclusiveMaximum, exclusiveMinimum, maximum, maxItems, maxLength, minimum, minItems, minLength, pattern } =
    json
  if (minimum !== undefined && maximum !== undefined) return `must be between ${minimum} and ${maximum}`
  if (minimum !== undefined) return `must be at least ${minimum}`
  if (maximum !== undefined) return `must be at most ${maximum}`
  if (exclusiveMinimum !== undefined) return `must be greater than ${exclusiveMinimum}`
  if (exclusiveMaximum !== undefined) return `must be less than ${exclusiveMaximum}`
  if (json.type === "integer") return "must be an integer"
  if (minItems !== undefined) return `must have at least ${plural(minItems, "item")}`
  if (maxItems !== undefined) return `must have at most ${plural(maxItems, "item")}`
  if (minLength === 1) return "must not be empty"
  if (minLength !== undefined) return `must be at least ${plural(minLength, "character")} long`
  if (maxLength !== undefined) return `must be at most ${plural(maxLength, "character")} long`
  if (pattern !== undefined) return `must match ${pattern}`
  const described = describedAs(ast)
  return described === undefined ? `must be ${String(ast)}` : `must be ${described}`
}

const ownMessage = (issue: ParseResult.Type): string | undefined =>
  issue.message === undefined || boundIssues.has(issue) ? undefined : issue.message

/** Whether an issue only says the value is of none of the expected types (nothing inside it was checked). */
const wrongType = (issue: ParseResult.ParseIssue): boolean => {
  switch (issue._tag) {
    case "Type":
      return ownMessage(issue) === undefined && !AST.isRefinement(issue.ast)
    case "Refinement":
      return issue.kind === "From" && wrongType(issue.issue)
    case "Transformation":
      return issue.kind === "Encoded" && wrongType(issue.issue)
    case "Composite":
      return AST.isUnion(issue.ast) && members(issue).every(wrongType)
    default:
      return false
  }
}

const members = (issue: ParseResult.Composite): ReadonlyArray<ParseResult.ParseIssue> =>
  Array.isArray(issue.issues) ? issue.issues : [issue.issues as ParseResult.ParseIssue]

interface MissedKind {
  readonly key: PropertyKey
  readonly literals: ReadonlyArray<AST.AST>
  readonly actual: unknown
}

const literalsOf = (ast: AST.AST): ReadonlyArray<AST.AST> | undefined =>
  AST.isLiteral(ast)
    ? [ast]
    : AST.isUnion(ast) && ast.types.every(AST.isLiteral)
    ? ast.types
    : undefined

/** The literal field of an object whose value is none of the object kind's: the value is of another kind. */
const missedKind = (issue: ParseResult.ParseIssue): MissedKind | undefined => {
  if (issue._tag === "Refinement" && issue.kind === "From") return missedKind(issue.issue)
  // Effect reports the kinds a value names none of as one issue on the literal field, and each other kind apart.
  if (issue._tag === "Pointer") return literalField(issue)
  if (issue._tag === "Composite" && AST.isUnion(issue.ast) && members(issue).length === 1) {
    return missedKind(members(issue)[0])
  }
  if (issue._tag !== "Composite" || !AST.isTypeLiteral(issue.ast)) return undefined
  for (const member of members(issue)) {
    const kind = member._tag === "Pointer" ? literalField(member) : undefined
    if (kind !== undefined) return kind
  }
  return undefined
}

const literalField = (issue: ParseResult.Pointer): MissedKind | undefined => {
  if (Array.isArray(issue.path)) return undefined
  const literals = literalMismatch(issue.issue)
  return literals === undefined ? undefined : { key: issue.path as PropertyKey, literals, actual: issue.issue.actual }
}

/** The literals a value is none of, when that is all an issue says. */
const literalMismatch = (issue: ParseResult.ParseIssue): ReadonlyArray<AST.AST> | undefined => {
  if (issue._tag === "Type") return ownMessage(issue) === undefined ? literalsOf(issue.ast) : undefined
  if (issue._tag !== "Composite" || !AST.isUnion(issue.ast)) return undefined
  const each = members(issue).map(literalMismatch)
  return each.every((literals) => literals !== undefined) ? each.flat() : undefined
}

/** A schema's own `message` annotation for an issue, when it gives its text at once, as Effect's formatters read it. */
const annotatedMessage = (issue: ParseResult.ParseIssue): string | undefined => {
  if (!("ast" in issue)) return undefined
  const annotation = Option.getOrUndefined(AST.getMessageAnnotation(issue.ast))
  if (annotation === undefined) return undefined
  const given = annotation(issue)
  const text = typeof given === "object" && "override" in given ? given.message : given
  return typeof text === "string" ? text : undefined
}

const collect = (issue: ParseResult.ParseIssue, path: ReadonlyArray<PropertyKey>, out: Array<string>): void => {
  const at = pathText(path)
  const annotated = annotatedMessage(issue)
  if (annotated !== undefined) return void out.push(`${at}: ${annotated}`)
  switch (issue._tag) {
    case "Type": {
      const own = ownMessage(issue)
      const text = own ?? (AST.isRefinement(issue.ast) ? rule(issue.ast) : `must be ${expectedText(issue.ast)}`)
      return void out.push(own === undefined ? `${at}: ${text}, got ${valueText(issue.actual)}` : `${at}: ${text}`)
    }
    case "Missing":
      return void out.push(`${at}: is required`)
    case "Unexpected":
      return void out.push(`${at}: ${issue.message ?? "is not allowed"}`)
    case "Forbidden":
      return void out.push(`${at}: ${issue.message ?? "cannot be checked here"}`)
    case "Pointer":
      return collect(issue.issue, [...path, ...(Array.isArray(issue.path) ? issue.path : [issue.path])], out)
    case "Refinement":
    case "Transformation":
      return collect(issue.issue, path, out)
    case "Composite": {
      const all = members(issue)
      if (AST.isUnion(issue.ast)) {
        const inside = all.filter((member) => !wrongType(member))
        if (inside.length === 0) {
          return void out.push(`${at}: must be ${expectedText(issue.ast)}, got ${valueText(issue.actual)}`)
        }
        // Objects of several kinds (content parts, messages) are told apart by a literal field such as `type`: the
        // problems worth reading are those of the kind the value names, or, when it names none, that field's.
        const kinds = inside.map(missedKind)
        const named = inside.filter((_, i) => kinds[i] === undefined)
        if (named.length > 0) return void named.forEach((member) => collect(member, path, out))
        const key = kinds[0]!.key
        if (kinds.every((kind) => kind!.key === key)) {
          const literals = AST.Union.make(kinds.flatMap((kind) => kind!.literals))
          return void out.push(
            `${pathText([...path, key])}: must be ${expectedText(literals)}, got ${valueText(kinds[0]!.actual)}`
          )
        }
        for (const member of inside) collect(member, path, out)
        return
      }
      for (const member of all) collect(member, path, out)
    }
  }
}
