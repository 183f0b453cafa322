/**
 * Tags that say who and what made a call (`user`, `session`, `feature`, or any key an application chooses), carried
 * with the fiber: a handler tags once, and every `create` and `stream` below it, however deep, carries the tags. What
 * records calls (capture into a store, OpenTelemetry spans) reads them from here.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as FiberRef from "effect/FiberRef"
import { dual } from "effect/Function"

/**
 * Tags by key: one value per key.
 *
 * @since 0.1.0
 * @category models
 */
export type CallTags = { readonly [key: string]: string }

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
 * effect only. A stream is tagged by the effect that runs it.
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
  (tags: CallTags): <A, E, R>(self: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>
  <A, E, R>(self: Effect.Effect<A, E, R>, tags: CallTags): Effect.Effect<A, E, R>
} = dual(
  2,
  <A, E, R>(self: Effect.Effect<A, E, R>, tags: CallTags): Effect.Effect<A, E, R> =>
    Effect.locallyWith(self, currentCallTags, (outer) => ({ ...outer, ...tags }))
)
