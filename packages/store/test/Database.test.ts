import * as SqliteClient from "@effect/sql-sqlite-node/SqliteClient"
import * as SqlClient from "@effect/sql/SqlClient"
import { describe, expect, it } from "@effect/vitest"
import { engines, openStore, sample, tempDir } from "@objectiveai-effect/testing/StoreEngines"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Stream from "effect/Stream"
import { createHash } from "node:crypto"
import * as fs from "node:fs"
import * as path from "node:path"
import { Database, StoreError } from "../src/index.js"

const digest = (file: string) => createHash("sha256").update(fs.readFileSync(file)).digest("hex")

/** Runs statements on a SQLite file with the bare driver, as another application would. */
const sqliteExec = (file: string, ...statements: ReadonlyArray<string>) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) => Effect.forEach(statements, (statement) => sql.unsafe(statement))).pipe(
    Effect.provide(SqliteClient.layer({ filename: file, disableWAL: true })),
    Effect.orDie
  )

const openFails = (location: Database.Location) => Effect.flip(Effect.scoped(openStore(location)))

describe("Database", () => {
  it("reads a postgres URL as PostgreSQL and anything else as a SQLite file", () => {
    expect(Database.fromString("postgres://u:secret@db:5432/x")._tag).toBe("Postgres")
    expect(Database.fromString("postgresql://db/x")._tag).toBe("Postgres")
    expect(Database.fromString("./completions.sqlite")).toEqual(
      Database.Location.Sqlite({ filename: "./completions.sqlite" })
    )
    expect(Database.describe(Database.fromString("postgres://u:secret@db:5432/x"))).toBe("postgres://u:***@db:5432/x")
  })

  it("keeps the default SQLite file where each platform keeps application data", () => {
    expect(Database.defaultSqliteFile({}, "linux", "/home/ada")).toBe(
      "/home/ada/.local/share/objectiveai/completions.sqlite"
    )
    expect(Database.defaultSqliteFile({ XDG_DATA_HOME: "/data" }, "linux", "/home/ada")).toBe(
      "/data/objectiveai/completions.sqlite"
    )
    expect(Database.defaultSqliteFile({}, "darwin", "/Users/ada")).toBe(
      "/Users/ada/Library/Application Support/objectiveai/completions.sqlite"
    )
  })

  it.scoped("creates a missing SQLite file and its directory, and reopens it with its completions", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const location = Database.Location.Sqlite({ filename: path.join(dir, "nested", "deeper", "store.sqlite") })
      yield* Effect.scoped(Effect.flatMap(openStore(location), (store) => store.put(sample.slice(0, 3))))
      const store = yield* openStore(location)
      expect(yield* store.count()).toBe(3)
    }))

  it.scoped("makes a new SQLite store with 8 kB pages, which hold a stored body without an overflow chain", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const location = Database.Location.Sqlite({ filename: path.join(dir, "store.sqlite") })
      yield* Effect.scoped(Effect.flatMap(openStore(location), (store) => store.put(sample.slice(0, 3))))
      expect(yield* sqliteExec(location.filename, "PRAGMA page_size")).toEqual([[{ page_size: 8192 }]])
    }))

  it.scoped("refuses a file that is not a SQLite database, and leaves it as it was", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const file = path.join(dir, "notes.txt")
      fs.writeFileSync(file, "my notes, not a database\n".repeat(100))
      const before = digest(file)
      const error = yield* openFails(Database.Location.Sqlite({ filename: file }))
      expect(error).toBeInstanceOf(StoreError.CorruptDatabase)
      expect(error.message).toContain(file)
      expect(digest(file)).toBe(before)
      expect(fs.readdirSync(dir)).toEqual(["notes.txt"])
    }))

  it.scoped("refuses a damaged SQLite file, and leaves it as it was", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const file = path.join(dir, "damaged.sqlite")
      yield* sqliteExec(file, "CREATE TABLE t (x TEXT)", "INSERT INTO t VALUES ('a')")
      const bytes = fs.readFileSync(file)
      bytes.fill(0x5a, 100)
      fs.writeFileSync(file, bytes)
      const before = digest(file)
      const error = yield* openFails(Database.Location.Sqlite({ filename: file }))
      expect(error).toBeInstanceOf(StoreError.CorruptDatabase)
      expect(digest(file)).toBe(before)
    }))

  it.scoped("refuses a directory where the file should be", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      expect(yield* openFails(Database.Location.Sqlite({ filename: dir }))).toBeInstanceOf(StoreError.CorruptDatabase)
    }))

  it.scoped("refuses another application's SQLite database, and leaves it as it was", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const file = path.join(dir, "app.sqlite")
      yield* sqliteExec(file, "CREATE TABLE notes (body TEXT)", "INSERT INTO notes VALUES ('keep me')")
      const before = digest(file)
      const error = yield* openFails(Database.Location.Sqlite({ filename: file }))
      expect(error).toBeInstanceOf(StoreError.ForeignDatabase)
      expect((error as StoreError.ForeignDatabase).tables).toEqual(["notes"])
      expect(digest(file)).toBe(before)
      expect(fs.readdirSync(dir)).toEqual(["app.sqlite"])
    }))

  const postgres = engines.find((engine) => engine.name === "postgres")
  it.scoped.runIf(postgres !== undefined)(
    "refuses another application's PostgreSQL database and adds nothing",
    () =>
      Effect.gen(function*() {
        const location = yield* postgres!.fresh
        const sqlOf = Effect.provide(Layer.orDie(Database.layer(location)))
        yield* sqlOf(Effect.flatMap(SqlClient.SqlClient, (sql) => sql`CREATE TABLE notes (body TEXT)`))
        const error = yield* openFails(location)
        expect(error).toBeInstanceOf(StoreError.ForeignDatabase)
        const tables = yield* sqlOf(Effect.flatMap(SqlClient.SqlClient, (sql) =>
          sql<{ name: string }>`SELECT table_name AS name FROM information_schema.tables
          WHERE table_schema = current_schema()`))
        expect(tables.map((row) =>
          row.name
        )).toEqual(["notes"])
      })
  )

  it.scoped("fails with a DatabaseError when PostgreSQL cannot be reached", () =>
    Effect.gen(function*() {
      const error = yield* openFails(Database.fromString("postgres://nobody@127.0.0.1:1/none"))
      expect(error).toBeInstanceOf(StoreError.DatabaseError)
      expect(error.message).toContain("127.0.0.1:1")
    }))

  it.scoped("an in-memory SQLite store needs no file", () =>
    Effect.gen(function*() {
      const store = yield* openStore(Database.Location.Sqlite({ filename: ":memory:" }))
      yield* store.put(sample.slice(0, 2))
      expect((yield* Stream.runCollect(store.stream())).length).toBe(2)
      // A second one starts empty, and neither left a file named `:memory:` behind.
      const other = yield* openStore(Database.Location.Sqlite({ filename: ":memory:" }))
      expect((yield* Stream.runCollect(other.stream())).length).toBe(0)
      expect(fs.existsSync(path.resolve(":memory:"))).toBe(false)
    }))
})
