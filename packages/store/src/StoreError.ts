/**
 * How the store fails: a database that cannot be used (corrupt, foreign, unreachable), a query that failed, or a
 * time zone the runtime does not know. Every store operation fails with one of these tagged errors, so callers can
 * `catchTags` them.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"

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
  /** @since 0.1.0 */
  override get message(): string {
    return `${this.location} needs migrating (${this.pending.join(", ")}), which a read-only store cannot do`
  }
}

/**
 * A database operation failed: the server could not be reached, a query failed, a migration did not run. `operation`
 * names what the store was doing; `reason` is the driver's message.
 *
 * @since 0.1.0
 * @category errors
 */
export class DatabaseError extends Schema.TaggedError<DatabaseError>()("DatabaseError", {
  location: Schema.String,
  operation: Schema.String,
  reason: Schema.String
}) {
  /** @since 0.1.0 */
  override get message(): string {
    return `${this.location}: ${this.operation} failed: ${this.reason}`
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
  /** @since 0.1.0 */
  override get message(): string {
    return `unknown time zone ${JSON.stringify(this.timeZone)}: name an IANA zone such as "Europe/Paris" or "UTC"`
  }
}

/**
 * Every error of the store.
 *
 * @since 0.1.0
 * @category errors
 */
export type StoreError =
  | CorruptDatabase
  | ForeignDatabase
  | MissingStore
  | OutdatedStore
  | DatabaseError
  | InvalidStoredBody
  | UnknownTimeZone

const tags: ReadonlySet<unknown> = new Set<StoreError["_tag"]>([
  "CorruptDatabase",
  "ForeignDatabase",
  "MissingStore",
  "OutdatedStore",
  "DatabaseError",
  "InvalidStoredBody",
  "UnknownTimeZone"
])

/**
 * Whether a value is one of the store's errors.
 *
 * @since 0.1.0
 * @category refinements
 */
export const isStoreError = (u: unknown): u is StoreError =>
  typeof u === "object" && u !== null && "_tag" in u && tags.has(u._tag)
