/**
 * A JSON Schema checker for tool-call arguments: a stored request declares its tools' parameters as JSON Schema, not
 * as Effect Schemas, so the report checks arguments against the JSON Schema itself. It covers the keywords tool
 * definitions use: `type`, `enum`, `const`, `properties`, `required`, `additionalProperties`, `patternProperties`,
 * `minProperties`, `maxProperties`, `items` (a schema or a tuple), `minItems`, `maxItems`, `uniqueItems`,
 * `minLength`, `maxLength`, `pattern`, `minimum`, `maximum`, `exclusiveMinimum`, `exclusiveMaximum` (draft-04
 * booleans or draft-06 numbers), `multipleOf`, `allOf`, `anyOf`, `oneOf`, `not`, and `$ref` into the same document.
 * Other keywords (`format`, `if`/`then`, `dependencies`, …) are not checked: an argument is only refused for a rule
 * the checker understands.
 *
 * Kept rather than a maintained validator, measured against both candidates (ajv 8.20 with `strict: false`,
 * `@cfworker/json-schema` 4.1.6; a four-property tool schema, on the shared 2-core machine):
 * - Both overflow the stack on a schema that refers to itself without consuming the value (`{ "allOf": [{ "$ref":
 *   "#" }] }`, the last test of `test/jsonSchemaChecker.test.ts`): a stored request is untrusted input, and a thrown
 *   `RangeError` inside a Schema filter would end the whole report. Here it is one issue.
 * - `@cfworker/json-schema` asserts `format` (the first test's `date-time` given `"anything"` is refused), where
 *   2020-12 makes it an annotation and models fill it loosely, and names every ancestor of a broken rule
 *   (`Property "tags" does not match schema.`) besides the rule.
 * - ajv compiles each schema to code with `new Function`, from stored (untrusted) text, and a new schema's first
 *   check took 1.2 to 3.0 ms against 0.01 to 0.02 ms here; it checks faster once compiled (0.05 to 0.13 ms per 1,000
 *   arguments against 2.7 to 3.0 ms), but a report meets a schema per distinct tool list and checks few arguments
 *   with each. `@cfworker/json-schema` was as fast as this checker (1.9 to 2.0 ms per 1,000).
 */
import { Json } from "@objectiveai-effect/domain"

/** One rule a value broke: where (keys and indices from the root) and why. */
export interface Issue {
  readonly path: ReadonlyArray<string | number>
  readonly message: string
}

type Schema = { readonly [key: string]: unknown } | boolean

const isObject = (u: unknown): u is { readonly [key: string]: unknown } =>
  typeof u === "object" && u !== null && !Array.isArray(u)

const isSchema = (u: unknown): u is Schema => typeof u === "boolean" || isObject(u)

const finite = (u: unknown): number | undefined => typeof u === "number" && Number.isFinite(u) ? u : undefined

// A schema such as `{ "allOf": [{ "$ref": "#" }] }` refers to itself without consuming the value; this bound ends it.
const maxDepth = 64

const typeOf = (value: unknown): string =>
  value === null ? "null" : Array.isArray(value) ? "array" : typeof value === "number" ? "number" : typeof value

const hasType = (value: unknown, type: unknown): boolean => {
  switch (type) {
    case "integer":
      return typeof value === "number" && Number.isInteger(value)
    case "number":
      return typeof value === "number"
    case "string":
    case "boolean":
      return typeof value === type
    case "null":
      return value === null
    case "array":
      return Array.isArray(value)
    case "object":
      return isObject(value)
    default:
      // An unknown type name is a broken schema, not a broken argument.
      return true
  }
}

// Canonical text with sorted keys, so that `enum`, `const` and `uniqueItems` compare objects by value.
const canonical = (value: unknown): string =>
  Array.isArray(value)
    ? `[${value.map(canonical).join(",")}]`
    : isObject(value)
    ? `{${Object.keys(value).sort().map((key) => `${JSON.stringify(key)}:${canonical(value[key])}`).join(",")}}`
    : JSON.stringify(value) ?? "null"

const show = (value: unknown): string => {
  const text = canonical(value)
  return text.length > 40 ? `${text.slice(0, 39)}…` : text
}

const compile = (pattern: unknown): RegExp | undefined => {
  if (typeof pattern !== "string") return undefined
  try {
    return new RegExp(pattern, "u")
  } catch {
    return undefined
  }
}

const codePoints = (text: string): number => {
  let count = 0
  for (const _ of text) count++
  return count
}

const plural = (count: number, noun: string) => `${count} ${noun}${count === 1 ? "" : "s"}`

class Checker {
  readonly issues: Array<Issue> = []

  constructor(private readonly root: Schema) {}

  check(schema: Schema, value: unknown, path: ReadonlyArray<string | number>, depth: number): void {
    if (schema === true) return
    if (schema === false) return this.fail(path, "is not allowed")
    if (depth > maxDepth) return this.fail(path, "cannot be checked: the schema refers to itself without end")
    if (typeof schema.$ref === "string") {
      const found = Json.resolvePointer(this.root, schema.$ref)
      const target = isSchema(found) ? found : undefined
      if (target !== undefined) this.check(target, value, path, depth + 1)
    }
    if (schema.type !== undefined) {
      const types = Array.isArray(schema.type) ? schema.type : [schema.type]
      if (!types.some((type) => hasType(value, type))) {
        // The other keywords would only repeat that the value has the wrong type.
        return this.fail(path, `expected ${types.join(" or ")}, got ${typeOf(value)} ${show(value)}`)
      }
    }
    if (Array.isArray(schema.enum) && !schema.enum.some((option) => canonical(option) === canonical(value))) {
      this.fail(path, `expected one of ${schema.enum.map(show).join(", ")}, got ${show(value)}`)
    }
    if ("const" in schema && canonical(schema.const) !== canonical(value)) {
      this.fail(path, `expected ${show(schema.const)}, got ${show(value)}`)
    }
    if (typeof value === "number") this.number(schema, value, path)
    else if (typeof value === "string") this.string(schema, value, path)
    else if (Array.isArray(value)) this.array(schema, value, path, depth)
    else if (isObject(value)) this.object(schema, value, path, depth)
    this.combinators(schema, value, path, depth)
  }

  private fail(path: ReadonlyArray<string | number>, message: string): void {
    this.issues.push({ path, message })
  }

  private number(schema: { readonly [key: string]: unknown }, value: number, path: ReadonlyArray<string | number>) {
    const minimum = finite(schema.minimum)
    const maximum = finite(schema.maximum)
    // Draft-04 writes `exclusiveMinimum: true` beside `minimum`; draft-06 on writes the bound itself.
    const exclusiveMinimum = schema.exclusiveMinimum === true ? minimum : finite(schema.exclusiveMinimum)
    const exclusiveMaximum = schema.exclusiveMaximum === true ? maximum : finite(schema.exclusiveMaximum)
    if (minimum !== undefined && schema.exclusiveMinimum !== true && value < minimum) {
      this.fail(path, `expected at least ${minimum}, got ${value}`)
    }
    if (maximum !== undefined && schema.exclusiveMaximum !== true && value > maximum) {
      this.fail(path, `expected at most ${maximum}, got ${value}`)
    }
    if (exclusiveMinimum !== undefined && value <= exclusiveMinimum) {
      this.fail(path, `expected more than ${exclusiveMinimum}, got ${value}`)
    }
    if (exclusiveMaximum !== undefined && value >= exclusiveMaximum) {
      this.fail(path, `expected less than ${exclusiveMaximum}, got ${value}`)
    }
    const multipleOf = finite(schema.multipleOf)
    if (multipleOf !== undefined && multipleOf > 0) {
      // Decimal steps such as 0.01 are not exact in binary, so the quotient is compared with a relative tolerance.
      const quotient = value / multipleOf
      if (Math.abs(quotient - Math.round(quotient)) > 1e-9 * Math.max(1, Math.abs(quotient))) {
        this.fail(path, `expected a multiple of ${multipleOf}, got ${value}`)
      }
    }
  }

  private string(schema: { readonly [key: string]: unknown }, value: string, path: ReadonlyArray<string | number>) {
    const length = codePoints(value)
    const minLength = finite(schema.minLength)
    const maxLength = finite(schema.maxLength)
    if (minLength !== undefined && length < minLength) {
      this.fail(path, `expected at least ${plural(minLength, "character")}, got ${length}`)
    }
    if (maxLength !== undefined && length > maxLength) {
      this.fail(path, `expected at most ${plural(maxLength, "character")}, got ${length}`)
    }
    const pattern = compile(schema.pattern)
    if (pattern !== undefined && !pattern.test(value)) this.fail(path, `expected to match /${pattern.source}/`)
  }

  private array(
    schema: { readonly [key: string]: unknown },
    value: ReadonlyArray<unknown>,
    path: ReadonlyArray<string | number>,
    depth: number
  ) {
    const minItems = finite(schema.minItems)
    const maxItems = finite(schema.maxItems)
    if (minItems !== undefined && value.length < minItems) {
      this.fail(path, `expected at least ${plural(minItems, "item")}, got ${value.length}`)
    }
    if (maxItems !== undefined && value.length > maxItems) {
      this.fail(path, `expected at most ${plural(maxItems, "item")}, got ${value.length}`)
    }
    if (schema.uniqueItems === true && new Set(value.map(canonical)).size !== value.length) {
      this.fail(path, "expected unique items")
    }
    const items = schema.items
    value.forEach((item, index) => {
      const itemSchema = Array.isArray(items) ? items[index] : items
      if (isSchema(itemSchema)) this.check(itemSchema, item, [...path, index], depth + 1)
    })
  }

  private object(
    schema: { readonly [key: string]: unknown },
    value: { readonly [key: string]: unknown },
    path: ReadonlyArray<string | number>,
    depth: number
  ) {
    const keys = Object.keys(value)
    const minProperties = finite(schema.minProperties)
    const maxProperties = finite(schema.maxProperties)
    if (minProperties !== undefined && keys.length < minProperties) {
      this.fail(path, `expected at least ${plural(minProperties, "property")}, got ${keys.length}`)
    }
    if (maxProperties !== undefined && keys.length > maxProperties) {
      this.fail(path, `expected at most ${plural(maxProperties, "property")}, got ${keys.length}`)
    }
    if (Array.isArray(schema.required)) {
      for (const key of schema.required) {
        if (typeof key === "string" && !Object.hasOwn(value, key)) this.fail([...path, key], "is missing")
      }
    }
    const properties = isObject(schema.properties) ? schema.properties : {}
    const patterns = isObject(schema.patternProperties)
      ? Object.entries(schema.patternProperties).flatMap(([source, patternSchema]) => {
        const pattern = compile(source)
        return pattern !== undefined && isSchema(patternSchema) ? [[pattern, patternSchema] as const] : []
      })
      : []
    for (const key of keys) {
      const at = [...path, key]
      const declared = Object.hasOwn(properties, key) ? properties[key] : undefined
      if (isSchema(declared)) this.check(declared, value[key], at, depth + 1)
      const matching = patterns.filter(([pattern]) => pattern.test(key))
      for (const [, patternSchema] of matching) this.check(patternSchema, value[key], at, depth + 1)
      if (declared === undefined && matching.length === 0 && isSchema(schema.additionalProperties)) {
        if (schema.additionalProperties === false) this.fail(at, "is not a declared property")
        else this.check(schema.additionalProperties, value[key], at, depth + 1)
      }
    }
  }

  private combinators(
    schema: { readonly [key: string]: unknown },
    value: unknown,
    path: ReadonlyArray<string | number>,
    depth: number
  ) {
    if (Array.isArray(schema.allOf)) {
      for (const branch of schema.allOf) if (isSchema(branch)) this.check(branch, value, path, depth + 1)
    }
    const matches = (branches: ReadonlyArray<unknown>) =>
      branches.filter((branch) => isSchema(branch) && this.passes(branch, value, path, depth)).length
    if (Array.isArray(schema.anyOf) && matches(schema.anyOf) === 0) {
      this.fail(path, `expected to match one of the ${schema.anyOf.length} anyOf schemas`)
    }
    if (Array.isArray(schema.oneOf)) {
      const matched = matches(schema.oneOf)
      if (matched !== 1) {
        this.fail(path, `expected to match exactly one of the ${schema.oneOf.length} oneOf schemas, matched ${matched}`)
      }
    }
    if (isSchema(schema.not) && this.passes(schema.not, value, path, depth)) {
      this.fail(path, "expected not to match the `not` schema")
    }
  }

  private passes(schema: Schema, value: unknown, path: ReadonlyArray<string | number>, depth: number): boolean {
    const trial = new Checker(this.root)
    trial.check(schema, value, path, depth + 1)
    return trial.issues.length === 0
  }
}

/**
 * A checker for one JSON Schema: every rule a value breaks, or none. A value that is not a JSON Schema (neither an
 * object nor a boolean) accepts everything, as an absent `parameters` does.
 */
export const checker = (schema: unknown): (value: unknown) => ReadonlyArray<Issue> => {
  const root: Schema = isSchema(schema) ? schema : true
  return (value) => {
    const checker = new Checker(root)
    checker.check(root, value, [], 0)
    return checker.issues
  }
}
