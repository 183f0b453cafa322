/**
 * A JSON Schema sampler: the local server writes tool-call arguments and `json_schema` answers as values the request's
 * own JSON Schema accepts, drawn from the completion's seeded random source. (Its opposite, checking a value against a
 * JSON Schema, is analysis's `internal/jsonSchemaChecker.ts`.)
 */
import { Json } from "@objectiveai-effect/domain"
import type { Prng } from "./random.js"

type JsonObject = { readonly [key: string]: Json.JsonValue }

const isObject = (value: unknown): value is JsonObject =>
  value !== null && typeof value === "object" && !Array.isArray(value)

const numberOf = (value: Json.JsonValue | undefined): number | undefined =>
  typeof value === "number" && Number.isFinite(value) ? value : undefined

// Past this depth optional properties and array items are left out, so a recursive schema still ends; past the hard
// limit even required ones are cut to null, for schemas that require themselves.
const maxDepth = 6
const hardDepth = 16

// Bounds that keep absurd schemas (`minItems: 1e9`) from exhausting memory: such a schema gets a shorter value.
const maxItems = 64
const maxLength = 4096

/** A JSON value valid for `schema`; see `CompletionGenerator.sampleJson` for the keywords it honours. */
export const sample = (schema: Json.JsonValue, words: ReadonlyArray<string>, prng: Prng): Json.JsonValue =>
  new Sampler(isObject(schema) ? schema : {}, words.length > 0 ? words : fallbackWords, prng).value(schema, 0)

const fallbackWords = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot"]

class Sampler {
  constructor(
    private readonly root: JsonObject,
    private readonly words: ReadonlyArray<string>,
    private readonly prng: Prng
  ) {}

  value(input: Json.JsonValue, depth: number): Json.JsonValue {
    if (depth > hardDepth) return null
    if (input === true || !isObject(input)) return this.word()
    const schema = this.resolve(input)
    if ("const" in schema) return schema.const
    if (Array.isArray(schema.enum) && schema.enum.length > 0) return this.prng.pick(schema.enum)
    const branches = Array.isArray(schema.anyOf) ? schema.anyOf : Array.isArray(schema.oneOf) ? schema.oneOf : undefined
    if (branches !== undefined && branches.length > 0) {
      const { anyOf: _anyOf, oneOf: _oneOf, ...rest } = schema
      const branch = this.prng.pick(branches)
      return this.value(isObject(branch) ? merge(rest, this.resolve(branch)) : rest, depth + 1)
    }
    switch (this.type(schema)) {
      case "object":
        return this.object(schema, depth)
      case "array":
        return this.array(schema, depth)
      case "integer":
        return this.number(schema, true)
      case "number":
        return this.number(schema, false)
      case "boolean":
        return this.prng.chance(0.5)
      case "null":
        return null
      default:
        return this.string(schema)
    }
  }

  /** Follows `$ref` and folds `allOf`, keeping sibling keywords (Effect's JSON Schema puts bounds beside a `$ref`). */
  private resolve(schema: JsonObject, seen: ReadonlySet<string> = new Set()): JsonObject {
    let out = schema
    const ref = out.$ref
    if (typeof ref === "string" && ref.startsWith("#") && !seen.has(ref)) {
      const { $ref: _ref, ...siblings } = out
      const target = Json.resolvePointer(this.root, ref)
      out = merge(isObject(target) ? this.resolve(target, new Set([...seen, ref])) : {}, siblings)
    }
    if (Array.isArray(out.allOf)) {
      const { allOf, ...rest } = out
      out = allOf.reduce<JsonObject>((acc, part) => isObject(part) ? merge(acc, this.resolve(part, seen)) : acc, rest)
    }
    return out
  }

  private type(schema: JsonObject): string {
    const type = schema.type
    if (typeof type === "string") return type
    if (Array.isArray(type) && type.length > 0) {
      const concrete = type.filter((t) => t !== "null")
      return String(concrete.length > 0 && this.prng.chance(0.85) ? this.prng.pick(concrete) : this.prng.pick(type))
    }
    if ("properties" in schema || "additionalProperties" in schema) return "object"
    if ("items" in schema) return "array"
    if ("minimum" in schema || "maximum" in schema) return "number"
    return "string"
  }

  private object(schema: JsonObject, depth: number): Json.JsonValue {
    const properties = isObject(schema.properties) ? schema.properties : {}
    const required = new Set(Array.isArray(schema.required) ? schema.required.map(String) : [])
    const out: Record<string, Json.JsonValue> = {}
    for (const [key, property] of Object.entries(properties)) {
      if (required.has(key) || (depth < maxDepth && this.prng.chance(0.6))) out[key] = this.value(property, depth + 1)
    }
    for (const key of required) {
      if (!(key in out)) out[key] = this.value(schema.additionalProperties ?? true, depth + 1)
    }
    const extra = schema.additionalProperties
    if (Object.keys(properties).length === 0 && isObject(extra) && depth < maxDepth) {
      const count = this.prng.int(1, 3)
      for (let i = 0; i < count; i++) {
        const key = `${this.word()}${i === 0 ? "" : `_${i}`}`
        if (!(key in out)) out[key] = this.value(extra, depth + 1)
      }
    }
    return out
  }

  private array(schema: JsonObject, depth: number): Json.JsonValue {
    const items = schema.items
    if (Array.isArray(items)) return items.map((item) => this.value(item, depth + 1))
    const min = Math.min(maxItems, Math.max(0, numberOf(schema.minItems) ?? 0))
    const max = Math.min(maxItems, Math.max(min, numberOf(schema.maxItems) ?? min + 3))
    const length = depth >= maxDepth ? min : this.prng.int(Math.min(Math.max(min, 1), max), max)
    const out: Array<Json.JsonValue> = []
    const seen = new Set<string>()
    // A unique array of a small enum may not reach `length`; a bounded number of attempts keeps this finite.
    for (let attempt = 0; out.length < length && attempt < length * 8; attempt++) {
      const item = this.value(items ?? true, depth + 1)
      if (schema.uniqueItems === true) {
        const key = JSON.stringify(item)
        if (seen.has(key)) continue
        seen.add(key)
      }
      out.push(item)
    }
    return out
  }

  private number(schema: JsonObject, integer: boolean): number {
    const exclusiveMinimum = numberOf(schema.exclusiveMinimum)
    const exclusiveMaximum = numberOf(schema.exclusiveMaximum)
    const minimum = numberOf(schema.minimum)
    const maximum = numberOf(schema.maximum)
    let low = Math.max(minimum ?? -Infinity, exclusiveMinimum ?? -Infinity)
    let high = Math.min(maximum ?? Infinity, exclusiveMaximum ?? Infinity)
    if (!Number.isFinite(low)) low = Number.isFinite(high) ? Math.min(0, high - 100) : 0
    if (!Number.isFinite(high)) high = low + 100
    const multipleOf = numberOf(schema.multipleOf) ?? (integer ? 1 : undefined)
    const accepts = (n: number) =>
      (exclusiveMinimum === undefined || n > exclusiveMinimum) &&
      (exclusiveMaximum === undefined || n < exclusiveMaximum)
    if (multipleOf !== undefined && multipleOf > 0) {
      const first = Math.ceil(low / multipleOf)
      const last = Math.floor(high / multipleOf)
      const candidates: Array<number> = []
      for (let k = first; k <= last && k < first + 64; k++) {
        const n = k * multipleOf
        if (accepts(n)) candidates.push(n)
      }
      return candidates.length > 0 ? this.prng.pick(candidates) : first * multipleOf
    }
    for (let attempt = 0; attempt < 16; attempt++) {
      const n = Math.round((low + (high - low) * this.prng.next()) * 100) / 100
      if (n >= low && n <= high && accepts(n)) return n
    }
    return (low + high) / 2
  }

  private string(schema: JsonObject): string {
    const formatted = this.formatted(schema.format)
    if (formatted !== undefined) return formatted
    const min = Math.min(maxLength, numberOf(schema.minLength) ?? 0)
    const max = Math.min(maxLength, numberOf(schema.maxLength) ?? Math.max(min, 40))
    let text = this.word()
    while (this.prng.chance(0.4) && text.length < max) text += ` ${this.word()}`
    if (text.length < min) text += "x".repeat(min - text.length)
    return [...text].slice(0, max).join("")
  }

  private formatted(format: Json.JsonValue | undefined): string | undefined {
    const day = new Date(Date.UTC(2025, 0, 1) + this.prng.int(0, 364) * 86_400_000)
    switch (format) {
      case "date-time":
        return day.toISOString().replace(
          "00:00:00.000Z",
          `${pad(this.prng.int(0, 23))}:${pad(this.prng.int(0, 59))}:00Z`
        )
      case "date":
        return day.toISOString().slice(0, 10)
      case "time":
        return `${pad(this.prng.int(0, 23))}:${pad(this.prng.int(0, 59))}:00Z`
      case "email":
        return `${slug(this.word())}@example.com`
      case "uri":
      case "url":
        return `https://example.com/${slug(this.word())}`
      case "uuid": {
        const hex = this.prng.hex(32)
        return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20)}`
      }
      default:
        return undefined
    }
  }

  private word(): string {
    return this.prng.pick(this.words)
  }
}

const pad = (n: number) => String(n).padStart(2, "0")

const slug = (word: string) => word.toLowerCase().replace(/[^a-z0-9]+/g, "-") || "user"

const merge = (base: JsonObject, extra: JsonObject): JsonObject => {
  const out: Record<string, Json.JsonValue> = { ...base, ...extra }
  if (isObject(base.properties) && isObject(extra.properties)) {
    out.properties = { ...base.properties, ...extra.properties }
  }
  if (Array.isArray(base.required) && Array.isArray(extra.required)) {
    out.required = [...new Set([...base.required, ...extra.required])]
  }
  return out
}
