import { Json } from "@objectiveai-effect/domain"
import { createHash } from "node:crypto"

/** Lowercase hex SHA-256 of the parts, joined so that `["a", "bc"]` and `["ab", "c"]` differ. */
export const digest = (...parts: ReadonlyArray<string>): string =>
  createHash("sha256").update(parts.map((part) => `${part.length}:${part}`).join("|")).digest("hex")

/**
 * JSON with object keys sorted at every level, so two requests that differ only in key order hash the same.
 * `bigint` seeds are written as their digits by the lossless stringify.
 */
export const canonicalJson = (value: unknown): string => Json.stringify(sortKeys(value))

const sortKeys = (value: unknown): unknown => {
  if (Array.isArray(value)) return value.map(sortKeys)
  if (value !== null && typeof value === "object") {
    const sorted: Record<string, unknown> = {}
    for (const key of Object.keys(value).sort()) {
      const entry = (value as Record<string, unknown>)[key]
      if (entry !== undefined) sorted[key] = sortKeys(entry)
    }
    return sorted
  }
  return value
}

/**
 * A small, fast, seedable PRNG (sfc32), seeded with the SHA-256 digest of its seed parts, so any list of strings
 * names a reproducible stream of numbers; `Math.random` and Effect's `Random` are avoided because the generator must
 * stay a pure function. The digest's bits are already well mixed, so sfc32's usual warm-up rounds are not needed.
 */
export class Prng {
  private a: number
  private b: number
  private c: number
  private d: number

  constructor(...seed: ReadonlyArray<string>) {
    const hex = digest(...seed)
    this.a = parseInt(hex.slice(0, 8), 16) | 0
    this.b = parseInt(hex.slice(8, 16), 16) | 0
    this.c = parseInt(hex.slice(16, 24), 16) | 0
    this.d = parseInt(hex.slice(24, 32), 16) | 0
  }

  /** A float in [0, 1). */
  next(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0
    this.d = (this.d + 1) | 0
    this.a = this.b ^ (this.b >>> 9)
    this.b = (this.c + (this.c << 3)) | 0
    this.c = (this.c << 21) | (this.c >>> 11)
    this.c = (this.c + t) | 0
    return (t >>> 0) / 4294967296
  }

  /** An integer in [min, max], both inclusive. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1))
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.next() < p
  }

  /** A uniformly chosen element of a non-empty array. */
  pick<A>(items: ReadonlyArray<A>): A {
    return items[Math.floor(this.next() * items.length)]
  }

  /** `length` lowercase hex digits. */
  hex(length: number): string {
    let out = ""
    while (out.length < length) out += Math.floor(this.next() * 16).toString(16)
    return out
  }

  /** `length` characters from `[A-Za-z0-9]`, as tool-call ids are. */
  alphanumeric(length: number): string {
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
    let out = ""
    for (let i = 0; i < length; i++) out += alphabet[Math.floor(this.next() * alphabet.length)]
    return out
  }
}
