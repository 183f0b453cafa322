/**
 * How the store fails: a database that cannot be used (corrupt, foreign, unreachable), a query that failed, or a
 * time zone the runtime does not know. Every store operation fails with one of these tagged errors, so callers can
 * `catchTags` them; every one carries {@link TypeId}, so {@link isStoreError} tells them from another library's error
 * that happens to share a `_tag` (`DatabaseError`, say).
 *
 * @since 0.1.0
 */
import * as Predicate from "effect/Predicate"
import * as Schema from "effect/Schema"

/**
 * The brand every store error carries.
 *
 * @since 0.2.0
 * @category type ids
 */
export const TypeId: unique symbol = Symbol.for("@objectiveai-effect/store/StoreError")

/**
 * @since 0.2.0
 * @category type ids
 */
export type TypeId = typeof TypeId

/**
 * The file is not a SQLite database (or is damaged). Nothing was written to it.
 *
 * @since 0.1.0
 * @category errors
 */
export class CorruptDatabase extends Schema.TaggedError<CorruptDatabase>()("CorruptDatabase", {
  location: Schema.String,
  reason: Schema.String
}) {
  /** @since 0.2.0 */
  readonly [TypeId]: TypeId = TypeId

  /** @since 0.1.0 */
  override get message(): string {
    return `${this.location} is not a usable SQLite database: ${this.reason}`
  }
}

/**
 * The database holds another application's tables and none of the store's: the store refuses to add its tables to
 * it. Nothing was written to it.
 *
 * @since 0.1.0
 * @category errors
 */
export class ForeignDatabase extends Schema.TaggedError<ForeignDatabase>()("ForeignDatabase", {
  location: Schema.String,
  tables: Schema.Array(Schema.String)
}) {
  /** @since 0.2.0 */
  readonly [TypeId]: TypeId = TypeId

  /** @since 0.1.0 */
  override get message(): string {
    const shown = this.tables.slice(0, 5).join(", ")
    return `${this.location} belongs to another application (tables: ${shown}${
      this.tables.length > 5 ? ", …" : ""
    }); give the store its own database`
  }
}

/**
 * There is no store at the location: the SQLite file does not exist, or the database holds none of the store's
 * tables. Opening a store for reading never creates one.
 *
 * @since 0.1.0
 * @category errors
 */
export class MissingStore extends Schema.TaggedError<MissingStore>()("MissingStore", {
  location: Schema.String
}) {
  /** @since 0.2.0 */
  readonly [TypeId]: TypeId = TypeId

  /** @since 0.1.0 */
  override get message(): string {
    return `no store at ${this.location}`
  }
}

/**
 * The store was written by an earlier version and has migrations to run, which a store opened `readOnly` cannot do.
 * `CompletionStore.layer` then opens it for writing, once, to migrate it.
 *
 * @since 0.1.0
 * @category errors
 */
export class OutdatedStore extends Schema.TaggedError<OutdatedStore>()("OutdatedStore", {
  location: Schema.String,
  pending: Schema.Array(Schema.String)
}) {
  /** @since 0.2.0 */
  readonly [TypeId]: TypeId = TypeId

  /** @since 0.1.0 */
  override get message(): string {
    return `${this.location} needs migrating (${this.pending.join(", ")}), which a read-only store cannot do`
  }
}

/**
 * A database operation failed: the server could not be reached, a query failed, a migration did not run. `operation`
 * names what the store was doing; `reason` is the driver's message and `cause` the driver's error.
 *
 * @since 0.1.0
 * @category errors
 */
export class DatabaseError extends Schema.TaggedError<DatabaseError>()("DatabaseError", {
  location: Schema.String,
  operation: Schema.String,
  reason: Schema.String,
  /** The driver's error, kept for logs and for callers that look into it (a PostgreSQL error's `code`, say). */
  cause: Schema.optional(Schema.Defect)
}) {
  /** @since 0.2.0 */
  readonly [TypeId]: TypeId = TypeId

  /** @since 0.1.0 */
  override get message(): string {
    return `${this.location}: ${this.operation} failed: ${this.reason}`
  }
}

/**
 * Another process held the SQLite store's write lock (a sync and an import at once, say) for longer than the store
 * waits, 5 seconds. Nothing was written by this operation; run it again once the other one is done.
 *
 * @since 0.2.0
 * @category errors
 */
export class DatabaseBusy extends Schema.TaggedError<DatabaseBusy>()("DatabaseBusy", {
  location: Schema.String,
  operation: Schema.String
}) {
  /** @since 0.2.0 */
  readonly [TypeId]: TypeId = TypeId

  /** @since 0.2.0 */
  override get message(): string {
    return `${this.location}: ${this.operation} failed: another process kept the store busy for more than 5 s; run it again when that one is done`
  }
}

/**
 * A stored body no longer decodes as a stored completion (it was edited by hand, say).
 *
 * @since 0.1.0
 * @category errors
 */
export class InvalidStoredBody extends Schema.TaggedError<InvalidStoredBody>()("InvalidStoredBody", {
  id: Schema.String,
  reason: Schema.String
}) {
  /** @since 0.2.0 */
  readonly [TypeId]: TypeId = TypeId

  /** @since 0.1.0 */
  override get message(): string {
    return `the stored body of ${this.id} is not a stored completion: ${this.reason}`
  }
}

/**
 * The time zone named for day buckets is not an IANA zone the runtime knows.
 *
 * @since 0.1.0
 * @category errors
 */
export class UnknownTimeZone extends Schema.TaggedError<UnknownTimeZone>()("UnknownTimeZone", {
  timeZone: Schema.String
}) {
  /** @since 0.2.0 */
  readonly [TypeId]: TypeId = TypeId

  /** @since 0.1.0 */
  override get message(): string {
    return `unknown time zone ${JSON.stringify(this.timeZone)}: name an IANA zone such as "Europe/Paris" or "UTC"`
  }
}

/**
 * A worker thread of an import (which decodes lines and derives their figures) failed: it could not start, or it
 * stopped. Every batch stored before was stored whole; the lines after were not imported.
 *
 * @since 0.2.0
 * @category errors
 */
export class ImportWorkerFailed extends Schema.TaggedError<ImportWorkerFailed>()("ImportWorkerFailed", {
  reason: Schema.String,
  /** The worker's error, for logs. */
  cause: Schema.optional(Schema.Defect)
}) {
  /** @since 0.2.0 */
  readonly [TypeId]: TypeId = TypeId

  /** @since 0.2.0 */
  override get message(): string {
    return `an import worker thread failed: ${this.reason}`
  }
}

/**
 * Every error of the store, as a schema: what carries one across a thread or a process (capture's writer thread
 * answers with it).
 *
 * @since 0.2.0
 * @category schemas
 */
export const StoreError = Schema.Union(
  CorruptDatabase,
  ForeignDatabase,
  MissingStore,
  OutdatedStore,
  DatabaseError,
  DatabaseBusy,
  InvalidStoredBody,
  UnknownTimeZone,
  ImportWorkerFailed
)

/**
 * Every error of the store.
 *
 * @since 0.1.0
 * @category errors
 */
export type StoreError = typeof StoreError.Type

/**
 * Whether a value is one of the store's errors, by its brand rather than its tag.
 *
 * @since 0.1.0
 * @category guards
 */
export const isStoreError = (u: unknown): u is StoreError => Predicate.hasProperty(u, TypeId)
