/**
 * Run-time checks of JSON values against the types an SDK declares, for SDKs that validate nothing themselves
 * (openai-node). Each {@link Shape} is typed by the type it checks, and {@link object} demands a field for every key
 * that type declares, required or optional: a shape that disagrees with the SDK's type, or misses one of its keys,
 * does not compile, so the checks follow the SDK when it changes.
 */
import { expect } from "@effect/vitest"

/** Checks that a value is an `A`, recording each problem with its path. */
export interface Shape<A> {
  readonly check: (value: unknown, path: string, problems: Array<string>) => void
  /** Ties the shape to `A` exactly (both ways), so that `Shape<string>` is no `Shape<string | null>`. */
  readonly _A?: (a: A) => A
}

/** The field of an optional key: it may be absent, and must be an `A` when present. */
export interface Optional<A> {
  readonly optional: Shape<A> | "absent"
}

type Fields<T> = {
  readonly [K in keyof T]-?: {} extends Pick<T, K> ? Optional<Exclude<T[K], undefined>> : Shape<T[K]>
}

const describe = (value: unknown): string =>
  value === null ? "null" : Array.isArray(value) ? "an array" : `${typeof value} ${JSON.stringify(value)}`

const primitive = <A>(name: string, is: (value: unknown) => boolean): Shape<A> => ({
  check: (value, path, problems) => {
    if (!is(value)) problems.push(`${path}: expected ${name}, got ${describe(value)}`)
  }
})

/** A string. */
export const string: Shape<string> = primitive("a string", (value) => typeof value === "string")

/** A finite number. */
export const number: Shape<number> = primitive("a number", (value) => Number.isFinite(value))

/** An integer, for the counts and times the SDKs declare as `number`. */
export const integer: Shape<number> = primitive("an integer", (value) => Number.isInteger(value))

/** One of the given strings. */
export const literal = <const L extends ReadonlyArray<string>>(...values: L): Shape<L[number]> =>
  primitive(values.map((value) => JSON.stringify(value)).join(" | "), (value) => values.includes(value as string))

/** An `A` or `null`. */
export const nullable = <A>(shape: Shape<A>): Shape<A | null> => ({
  check: (value, path, problems) => {
    if (value !== null) shape.check(value, path, problems)
  }
})

/** An array of `A`. */
export const array = <A>(shape: Shape<A>): Shape<Array<A>> => ({
  check: (value, path, problems) => {
    if (!Array.isArray(value)) return void problems.push(`${path}: expected an array, got ${describe(value)}`)
    value.forEach((item, index) => shape.check(item, `${path}[${index}]`, problems))
  }
})

/** An `A` or a `B`: whichever fits, or the problems of both. */
export const union = <A, B>(first: Shape<A>, second: Shape<B>): Shape<A | B> => ({
  check: (value, path, problems) => {
    const firstProblems: Array<string> = []
    first.check(value, path, firstProblems)
    if (firstProblems.length === 0) return
    const secondProblems: Array<string> = []
    second.check(value, path, secondProblems)
    if (secondProblems.length > 0) problems.push(...firstProblems, ...secondProblems)
  }
})

/** An optional key: absent, or an `A`. */
export const optional = <A>(shape: Shape<A>): Optional<A> => ({ optional: shape })

/** An optional key the server never sends: it must be absent. */
export const absent = <A>(): Optional<A> => ({ optional: "absent" })

/** An object with a field for every key `T` declares; keys `T` does not declare are allowed, as the SDKs allow them. */
export const object = <T>(fields: Fields<T>): Shape<T> => ({
  check: (value, path, problems) => {
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      return void problems.push(`${path}: expected an object, got ${describe(value)}`)
    }
    const record = value as Record<string, unknown>
    for (const [key, field] of Object.entries(fields) as Array<[string, Shape<unknown> | Optional<unknown>]>) {
      const at = `${path}.${key}`
      if ("optional" in field) {
        if (!(key in record)) continue
        if (field.optional === "absent") problems.push(`${at}: expected absent, got ${describe(record[key])}`)
        else field.optional.check(record[key], at, problems)
      } else if (key in record) {
        field.check(record[key], at, problems)
      } else {
        problems.push(`${at}: required but missing`)
      }
    }
  }
})

/** Asserts that `value` is an `A`, listing every problem with its path otherwise. */
export const expectShape = <A>(shape: Shape<A>, value: unknown, name = "value"): A => {
  const problems: Array<string> = []
  shape.check(value, name, problems)
  expect(problems).toEqual([])
  return value as A
}
