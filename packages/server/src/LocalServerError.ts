/**
 * The errors of the local server, as one family: every one carries {@link TypeId}, so {@link isLocalServerError}
 * tells them from another library's error that happens to share a `_tag` (`InvalidRequest`, say).
 *
 * @since 0.1.0
 */
import * as Predicate from "effect/Predicate"
import type * as CompletionGenerator from "./CompletionGenerator.js"
import type * as FaultInjection from "./FaultInjection.js"
import type * as ServedCompletions from "./ServedCompletions.js"

/**
 * The brand every local server error carries.
 *
 * @since 0.1.0
 * @category type ids
 */
export const TypeId: unique symbol = Symbol.for("@objectiveai-effect/server/LocalServerError")

/**
 * @since 0.1.0
 * @category type ids
 */
export type TypeId = typeof TypeId

/**
 * Any error the local server's services fail with.
 *
 * @since 0.1.0
 * @category models
 */
export type LocalServerError =
  | CompletionGenerator.InvalidRequest
  | ServedCompletions.DataFileError
  | ServedCompletions.DuplicateCompletion
  | ServedCompletions.CompletionNotFound
  | FaultInjection.InvalidFaultOptions

/**
 * Whether a value is one of the local server's errors, by its brand rather than its tag.
 *
 * @since 0.1.0
 * @category guards
 */
export const isLocalServerError = (u: unknown): u is LocalServerError => Predicate.hasProperty(u, TypeId)
