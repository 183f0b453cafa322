/**
 * The errors of the analytics endpoints, one family: each carries {@link TypeId} and its HTTP status, so that the
 * declaration, the server and a client built from the declaration agree on them.
 *
 * @since 0.1.0
 */
import * as HttpApiSchema from "@effect/platform/HttpApiSchema"
import { hasProperty } from "effect/Predicate"
import * as Schema from "effect/Schema"

/**
 * The brand of every analytics error.
 *
 * @since 0.1.0
 * @category type ids
 */
export const TypeId: unique symbol = Symbol.for("@objectiveai-effect/dashboard/AnalyticsError")

/**
 * @since 0.1.0
 * @category type ids
 */
export type TypeId = typeof TypeId

/**
 * A filter the store cannot apply: a time zone the runtime does not know, say. `message` says which and why, in one
 * line.
 *
 * @since 0.1.0
 * @category errors
 */
export class InvalidFilter extends Schema.TaggedError<InvalidFilter>()(
  "InvalidFilter",
  { message: Schema.String },
  HttpApiSchema.annotations({ status: 400, description: "A filter the store cannot apply." })
) {
  /**
   * @since 0.1.0
   */
  readonly [TypeId]: TypeId = TypeId
}

/**
 * No stored completion has the id asked for.
 *
 * @since 0.1.0
 * @category errors
 */
export class CompletionNotFound extends Schema.TaggedError<CompletionNotFound>()(
  "CompletionNotFound",
  { id: Schema.String },
  HttpApiSchema.annotations({ status: 404, description: "No stored completion has this id." })
) {
  /**
   * @since 0.1.0
   */
  readonly [TypeId]: TypeId = TypeId

  /**
   * @since 0.1.0
   */
  override get message(): string {
    return `no stored completion has the id ${this.id}`
  }
}

/**
 * The store failed to answer (a lost connection, a damaged file); `message` is the store's one line.
 *
 * @since 0.1.0
 * @category errors
 */
export class StoreFailed extends Schema.TaggedError<StoreFailed>()(
  "StoreFailed",
  { message: Schema.String },
  HttpApiSchema.annotations({ status: 503, description: "The store failed to answer." })
) {
  /**
   * @since 0.1.0
   */
  readonly [TypeId]: TypeId = TypeId
}

/**
 * The request bears no key, or one the dashboard was not started with.
 *
 * @since 0.1.0
 * @category errors
 */
export class Unauthorized extends Schema.TaggedError<Unauthorized>()(
  "Unauthorized",
  { message: Schema.String },
  HttpApiSchema.annotations({ status: 401, description: "The authorization token is missing or not accepted." })
) {
  /**
   * @since 0.1.0
   */
  readonly [TypeId]: TypeId = TypeId
}

/**
 * Any analytics error.
 *
 * @since 0.1.0
 * @category errors
 */
export type AnalyticsError = InvalidFilter | CompletionNotFound | StoreFailed | Unauthorized

/**
 * Whether a value is an analytics error.
 *
 * @since 0.1.0
 * @category guards
 */
export const isAnalyticsError = (u: unknown): u is AnalyticsError => hasProperty(u, TypeId)
