/**
 * Tags that say who and what made a call (`user`, `session`, `feature`, or any key an application chooses), carried
 * with the fiber: a handler tags once, and every `create` and `stream` below it, however deep, carries the tags. What
 * records calls (capture into a store, OpenTelemetry spans) reads them from here.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as FiberRef from "effect/FiberRef"
import { dual } from "effect/Function"
import * as Predicate from "effect/Predicate"
import * as Schema from "effect/Schema"

/**
 * Tags by key: one value per key.
 *
 * @since 0.1.0
 * @category models
 */
export type CallTags = { readonly [key: string]: string }

/**
 * The most characters of a tag key; a key is never empty.
 *
 * @since 0.2.0
 * @category constants
 */
export const maxKeyLength = 64

/**
 * The most characters of a tag value.
 *
 * @since 0.2.0
 * @category constants
 */
export const maxValueLength = 256

/**
 * The most tags a call carries, those set around it included: each is a row of the store and a span attribute.
 *
 * @since 0.2.0
 * @category constants
 */
export const maxTags = 32

/**
 * The brand of {@link InvalidCallTags}.
 *
 * @since 0.2.0
 * @category type ids
 */
export const TypeId: unique symbol = Symbol.for("@objectiveai-effect/client/CallTags")

/**
 * @since 0.2.0
 * @category type ids
 */
export type TypeId = typeof TypeId

/**
 * Tags past a bound: an empty key, a key longer than {@link maxKeyLength}, a value longer than
 * {@link maxValueLength}, a key or value with a control character (a line break, say), or more than {@link maxTags}
 * tags with those around them. `reason` names the first, on one line.
 *
 * @since 0.2.0
 * @category errors
 */
export class InvalidCallTags extends Schema.TaggedError<InvalidCallTags>()("InvalidCallTags", {
  reason: Schema.String
}) {
  /** @since 0.2.0 */
  readonly [TypeId]: TypeId = TypeId

  /** @since 0.2.0 */
  override get message(): string {
    return `invalid call tags: ${this.reason}`
  }
}

/**
 * Whether a value is an {@link InvalidCallTags}.
 *
 * @since 0.2.0
 * @category guards
 */
export const isInvalidCallTags = (u: unknown): u is InvalidCallTags => Predicate.hasProperty(u, TypeId)

const controlCharacter = /[\u0000-\u001f\u007f]/

// A key or value in a reason: quoted, cut to 40 characters.
const quoted = (text: string): string => JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text)

/**
 * Tags as given, when within the bounds, else the first bound they break as an {@link InvalidCallTags}.
 *
 * @example
 * ```ts
 * import { CallTags } from "@objectiveai-effect/client"
 * import { Either } from "effect"
 *
 * console.log(Either.isRight(CallTags.validate({ user: "u-42" }))) // true
 * console.log(Either.isLeft(CallTags.validate({ user: "x".repeat(300) }))) // true: longer than maxValueLength
 * ```
 *
 * @since 0.2.0
 * @category constructors
 */
export const validate = (tags: CallTags): Either.Either<CallTags, InvalidCallTags> => {
  const keys = Object.keys(tags)
  if (keys.length > maxTags) {
    return Either.left(new InvalidCallTags({ reason: `${keys.length} tags, more than ${maxTags}` }))
  }
  for (const key of keys) {
    const value: unknown = tags[key]
    const problem = key.length === 0
      ? `an empty key (value ${typeof value === "string" ? quoted(value) : typeof value})`
      : key.length > maxKeyLength
      ? `the key ${quoted(key)} is ${key.length} characters, more than ${maxKeyLength}`
      : controlCharacter.test(key)
      ? `the key ${quoted(key)} holds a control character`
      : typeof value !== "string"
      ? `the value of ${quoted(key)} is a ${value === null ? "null" : typeof value}, not a string`
      : value.length > maxValueLength
      ? `the value of ${quoted(key)} is ${value.length} characters, more than ${maxValueLength}`
      : controlCharacter.test(value)
      ? `the value of ${quoted(key)} holds a control character`
      : undefined
    if (problem !== undefined) return Either.left(new InvalidCallTags({ reason: problem }))
  }
  return Either.right(tags)
}

/**
 * The tags of the running fiber; none unless a caller set some with {@link tagged}. A forked fiber starts with its
 * parent's.
 *
 * @since 0.1.0
 * @category fiber refs
 */
export const currentCallTags: FiberRef.FiberRef<CallTags> = FiberRef.unsafeMake<CallTags>({})

/**
 * The tags calls made here would carry.
 *
 * @since 0.1.0
 * @category getters
 */
export const get: Effect.Effect<CallTags> = FiberRef.get(currentCallTags)

/**
 * Runs an effect with tags added to the ones around it: a key set here replaces the same key from outside, for the
 * effect only. A stream is tagged by the effect that runs it. Tags past a bound (see {@link validate}), or more than
 * {@link maxTags} with those around them, fail the effect with {@link InvalidCallTags} before it runs.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { CallTags } from "@objectiveai-effect/client"
 *
 * const handler = Effect.gen(function*() {
 *   return yield* CallTags.get // { user: "u-42", feature: "summary" }
 * }).pipe(
 *   CallTags.tagged({ feature: "summary" }),
 *   CallTags.tagged({ user: "u-42" })
 * )
 * ```
 *
 * @since 0.1.0
 * @category combinators
 */
export const tagged: {
  (tags: CallTags): <A, E, R>(self: Effect.Effect<A, E, R>) => Effect.Effect<A, E | InvalidCallTags, R>
  <A, E, R>(self: Effect.Effect<A, E, R>, tags: CallTags): Effect.Effect<A, E | InvalidCallTags, R>
} = dual(
  2,
  <A, E, R>(self: Effect.Effect<A, E, R>, tags: CallTags): Effect.Effect<A, E | InvalidCallTags, R> =>
    Effect.flatMap(FiberRef.get(currentCallTags), (outer): Effect.Effect<A, E | InvalidCallTags, R> => {
      const checked = validate({ ...outer, ...tags })
      return Either.isLeft(checked) ? Effect.fail(checked.left) : Effect.locally(self, currentCallTags, checked.right)
    })
)
