import * as Either from "effect/Either"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"

/** How a decode failed: the TreeFormatter text callers read, and the flat issues with their paths. */
export interface Failure {
  readonly tree: string
  readonly issues: ReadonlyArray<ParseResult.ArrayFormatterIssue>
}

/** Decodes `input`, which must fail with a ParseError (a throw fails the test), and formats the error. */
export const failure = <A, I>(schema: Schema.Schema<A, I>, input: unknown, options?: { readonly all?: boolean }) => {
  const result = Schema.decodeUnknownEither(schema, options?.all === true ? { errors: "all" } : undefined)(input)
  if (Either.isRight(result)) throw new Error(`expected a failure, decoded ${JSON.stringify(result.right)}`)
  if (!ParseResult.isParseError(result.left)) throw new Error("expected a ParseError")
  return {
    tree: ParseResult.TreeFormatter.formatErrorSync(result.left),
    issues: ParseResult.ArrayFormatter.formatErrorSync(result.left)
  } satisfies Failure
}

/** Decodes `input`, which must succeed. */
export const decoded = <A, I>(schema: Schema.Schema<A, I>, input: unknown): A => {
  const result = Schema.decodeUnknownEither(schema)(input)
  if (Either.isLeft(result)) throw new Error(ParseResult.TreeFormatter.formatErrorSync(result.left))
  return result.right
}
