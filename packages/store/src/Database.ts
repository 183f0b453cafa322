/**
 * Where a store lives: a SQLite file (the embedded default, nothing to run) or a PostgreSQL database (a store shared
 * by a team or by several machines), and the `SqlClient` layer of each. The store itself runs one code path through
 * `SqlClient` on either.
 *
 * @since 0.1.0
 */
import * as Reactivity from "@effect/experimental/Reactivity"
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import type { PlatformError } from "@effect/platform/Error"
import * as FileSystem from "@effect/platform/FileSystem"
import * as SqlClient from "@effect/sql/SqlClient"
import * as Config from "effect/Config"
import * as Context from "effect/Context"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
// The module alone: the domain's index would evaluate every Schema when only a location is named.
import * as UrlRedaction from "@objectiveai-effect/domain/UrlRedaction"
import * as Redacted from "effect/Redacted"
import * as os from "node:os"
import * as path from "node:path"
import { pathToFileURL } from "node:url"
import { reasonOf } from "./internal/reason.js"
import * as StoreError from "./StoreError.js"

/**
 * A store's database: a SQLite file (`:memory:` for one that lives as long as its layer) or a PostgreSQL URL, kept
 * `Redacted` since it may hold a password.
 *
 * @since 0.1.0
 * @category models
 */
export type Location = Data.TaggedEnum<{
  Sqlite: { readonly filename: string }
  Postgres: { readonly url: Redacted.Redacted<string> }
}>

/**
 * Constructors and `$match` for {@link Location}.
 *
 * @since 0.1.0
 * @category constructors
 */
export const Location = Data.taggedEnum<Location>()

/**
 * A location from what a user types: a `postgres://` or `postgresql://` URL, or else the path of a SQLite file.
 *
 * @example
 * ```ts
 * import { Database } from "@objectiveai-effect/store"
 *
 * Database.fromString("postgres://objectiveai@db.internal/completions") // Postgres
 * Database.fromString("./completions.sqlite") // Sqlite
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromString = (text: string): Location =>
  /^postgres(ql)?:\/\//i.test(text)
    ? Location.Postgres({ url: Redacted.make(text) })
    : Location.Sqlite({ filename: text })

/**
 * How messages name a location: the file, or the URL with its password masked (in its authority or its query).
 *
 * @since 0.1.0
 * @category rendering
 */
export const describe = (location: Location): string =>
  Location.$match(location, {
    Sqlite: ({ filename }) => filename,
    Postgres: ({ url }) => UrlRedaction.redact(Redacted.value(url))
  })

/**
 * The SQLite file used when none is named: `$XDG_DATA_HOME/objectiveai/completions.sqlite` (by default
 * `~/.local/share/objectiveai/completions.sqlite`) on Linux and other Unixes, `~/Library/Application
 * Support/objectiveai/completions.sqlite` on macOS, and `%LOCALAPPDATA%\objectiveai\completions.sqlite` on Windows.
 *
 * @since 0.1.0
 * @category constructors
 */
export const defaultSqliteFile = (
  env: Readonly<Record<string, string | undefined>> = process.env,
  platform: NodeJS.Platform = process.platform,
  home: string = os.homedir()
): string => {
  const directory = platform === "win32"
    ? env.LOCALAPPDATA ?? path.join(home, "AppData", "Local")
    : platform === "darwin"
    ? path.join(home, "Library", "Application Support")
    : env.XDG_DATA_HOME !== undefined && env.XDG_DATA_HOME !== ""
    ? env.XDG_DATA_HOME
    : path.join(home, ".local", "share")
  return path.join(directory, "objectiveai", "completions.sqlite")
}

/**
 * The location from `OBJECTIVEAI_DATABASE` (a SQLite file or a PostgreSQL URL), or the {@link defaultSqliteFile}.
 *
 * @since 0.1.0
 * @category constructors
 */
export const config: Config.Config<Location> = Config.string("OBJECTIVEAI_DATABASE").pipe(
  Config.map(fromString),
  Config.orElse(() => Config.sync(() => Location.Sqlite({ filename: defaultSqliteFile() })))
)

/**
 * The location a store's errors name, provided beside its `SqlClient` by {@link layer}.
 *
 * @since 0.1.0
 * @category tags
 */
export class DatabaseName extends Context.Reference<DatabaseName>()("@objectiveai-effect/store/DatabaseName", {
  defaultValue: () => "the database"
}) {}

/**
 * How a store is opened. `readOnly`: for reading only, as a report or an export does: a missing SQLite file (or a
 * database without the store) is a `MissingStore` rather than a new store, and SQLite opens the file read-only, so a
 * store on read-only media or without write permission still reads.
 *
 * @since 0.1.0
 * @category models
 */
export interface OpenOptions {
  readonly readOnly?: boolean | undefined
}

/**
 * Whether the store was opened with `readOnly`, provided beside its `SqlClient` by {@link layer}: the store then
 * writes nothing, not even its migrations.
 *
 * @since 0.1.0
 * @category tags
 */
export class ReadOnly extends Context.Reference<ReadOnly>()("@objectiveai-effect/store/ReadOnly", {
  defaultValue: () => false
}) {}

/**
 * Where another connection (a worker thread's) opens the same store, provided beside its `SqlClient` by {@link layer}:
 * the location of a SQLite file or a PostgreSQL database opened for writing; `None` for an in-memory SQLite
 * database, which only its own connection sees, a read-only store, and a `SqlClient` an application provides itself.
 *
 * @since 0.2.0
 * @category tags
 */
export class SharedLocation extends Context.Reference<SharedLocation>()("@objectiveai-effect/store/SharedLocation", {
  defaultValue: (): Option.Option<Location> => Option.none()
}) {}

// SQLite's names of a database that its connection alone sees (in memory, or a temporary file).
const isPrivate = (filename: string): boolean => filename === ":memory:" || filename === ""

const sqliteHeader = Buffer.from("SQLite format 3\0", "latin1")

const sqliteCorruption = new Set(["SQLITE_NOTADB", "SQLITE_CORRUPT"])

const codeOf = (cause: unknown): unknown =>
  typeof cause === "object" && cause !== null && "code" in cause ? cause.code : undefined

const isNotFound = (error: PlatformError): boolean => error._tag === "SystemError" && error.reason === "NotFound"

// Read before the driver opens the file, which would otherwise switch its journal mode or create it.
const checkSqliteFile = (
  filename: string,
  readOnly: boolean
): Effect.Effect<
  void,
  StoreError.CorruptDatabase | StoreError.DatabaseError | StoreError.MissingStore,
  FileSystem.FileSystem
> =>
  Effect.gen(function*() {
    if (isPrivate(filename)) return
    const fs = yield* FileSystem.FileSystem
    const info = yield* fs.stat(filename).pipe(
      Effect.map(Option.some),
      Effect.catchIf(isNotFound, () => Effect.succeedNone)
    )
    if (Option.isNone(info) || (info.value.type === "File" && info.value.size === 0n)) {
      if (readOnly) return yield* new StoreError.MissingStore({ location: filename })
      if (Option.isNone(info)) yield* fs.makeDirectory(path.dirname(path.resolve(filename)), { recursive: true })
      return
    }
    if (info.value.type !== "File") {
      return yield* new StoreError.CorruptDatabase({ location: filename, reason: "it is not a regular file" })
    }
    const header = yield* Effect.scoped(
      Effect.flatMap(fs.open(filename, { flag: "r" }), (file) => file.readAlloc(sqliteHeader.length))
    )
    if (!Option.exists(header, (bytes) => sqliteHeader.equals(bytes))) {
      return yield* new StoreError.CorruptDatabase({ location: filename, reason: "its header is not SQLite's" })
    }
  }).pipe(
    Effect.catchTags({
      SystemError: (error) => Effect.fail(unreadable(filename, error)),
      BadArgument: (error) => Effect.fail(unreadable(filename, error))
    })
  )

const unreadable = (filename: string, error: PlatformError) =>
  new StoreError.DatabaseError({
    location: filename,
    operation: "opening the file",
    reason: reasonOf(error.cause ?? error),
    cause: error
  })

const sqlite = (filename: string, readOnly: boolean) =>
  Effect.gen(function*() {
    yield* Effect.provide(checkSqliteFile(filename, readOnly), NodeFileSystem.layer)
    // A WAL store on read-only media opens only as an `immutable=1` URI (see below), and better-sqlite3 reads URIs
    // only when SQLITE_USE_URI is set as its native module loads, which is just after this.
    if (readOnly) process.env.SQLITE_USE_URI ??= "1"
    // The engine's driver loads when a store of it opens: a SQLite store never loads PostgreSQL's, and a program
    // that only names a location (a command line's flags) loads neither.
    const SqliteClient = yield* Effect.promise(() => import("@effect/sql-sqlite-node/SqliteClient"))
    // WAL is switched on by the store once it knows the file is its own.
    const open = (name: string) =>
      SqliteClient.make({ filename: name, disableWAL: true, readonly: readOnly }).pipe(
        // The driver throws when it cannot open the file: only a file it cannot read as SQLite is called corrupt,
        // and a permission problem says so.
        Effect.catchAllDefect((cause) =>
          Effect.fail(
            sqliteCorruption.has(String(codeOf(cause)))
              ? new StoreError.CorruptDatabase({ location: filename, reason: reasonOf(cause) })
              : new StoreError.DatabaseError({
                location: filename,
                operation: "opening the store",
                reason: reasonOf(cause)
              })
          )
        )
      )
    if (!readOnly) return yield* open(filename)
    // Reading a WAL database needs its `-shm` file, which SQLite cannot create in a read-only directory: the store
    // is then read as immutable, which nothing can be writing to either.
    const readable = yield* Effect.scoped(
      Effect.flatMap(open(filename), (client) => Effect.either(client`SELECT 1 FROM sqlite_master LIMIT 1`))
    )
    return readable._tag === "Left" && codeOf(readable.left.cause) === "SQLITE_CANTOPEN"
      ? yield* open(`${pathToFileURL(path.resolve(filename)).href}?immutable=1`)
      : yield* open(filename)
  })

const postgres = (url: Redacted.Redacted<string>, location: string) =>
  Effect.promise(() => import("@effect/sql-pg/PgClient")).pipe(
    Effect.flatMap((PgClient) => PgClient.make({ url, applicationName: "objectiveai-effect" })),
    Effect.mapError((error) =>
      new StoreError.DatabaseError({ location, operation: "connecting", reason: reasonOf(error.cause) })
    )
  )

/**
 * The `SqlClient` of a location, its {@link DatabaseName} for messages, whether it is {@link ReadOnly} and its
 * {@link SharedLocation}. A SQLite file is created (with its directory) when missing, unless `readOnly`; one that is
 * not a SQLite database fails with `CorruptDatabase` before anything is written.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (
  location: Location,
  options: OpenOptions = {}
): Layer.Layer<
  SqlClient.SqlClient | DatabaseName | ReadOnly | SharedLocation,
  StoreError.CorruptDatabase | StoreError.DatabaseError | StoreError.MissingStore
> => {
  const name = describe(location)
  const readOnly = options.readOnly === true
  return Layer.scopedContext(
    Effect.map(
      Location.$match(location, {
        Sqlite: ({ filename }) => sqlite(filename, readOnly),
        Postgres: ({ url }) => postgres(url, name)
      }),
      (client) =>
        Context.make(SqlClient.SqlClient, client as SqlClient.SqlClient).pipe(
          Context.add(DatabaseName, name),
          Context.add(ReadOnly, readOnly),
          Context.add(
            SharedLocation,
            readOnly || (location._tag === "Sqlite" && isPrivate(location.filename))
              ? Option.none()
              : Option.some(location)
          )
        )
    )
  ).pipe(Layer.provide(Reactivity.layer))
}
