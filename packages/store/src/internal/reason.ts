/**
 * What a driver's error means, in the words a user acts on. Drivers report a full disk or a dropped connection with
 * codes (`SQLITE_FULL`, PostgreSQL's `57P01`, postgres.js's `CONNECTION_CLOSED`) and messages that name neither the
 * store nor the cause plainly; the store's errors say it instead.
 */
import * as Predicate from "effect/Predicate"

const codeOf = (cause: unknown): string | undefined =>
  Predicate.hasProperty(cause, "code") && typeof cause.code === "string" ? cause.code : undefined

const messageOf = (cause: unknown): string => cause instanceof Error ? cause.message : String(cause)

const sqliteReasons: Readonly<Record<string, string>> = {
  SQLITE_FULL: "the disk is full",
  SQLITE_READONLY: "the store is read-only",
  SQLITE_READONLY_DIRECTORY: "the store's directory is read-only",
  SQLITE_BUSY: "another process holds the store",
  SQLITE_IOERR: "a disk read or write failed",
  SQLITE_PERM: "permission denied",
  SQLITE_AUTH: "permission denied"
}

// PostgreSQL's class 08 (connection exception) and 57P01-57P03 (the server shut the session down), and the codes
// postgres.js gives a connection that closed under it.
const lostConnection = new Set([
  "57P01",
  "57P02",
  "57P03",
  "08000",
  "08003",
  "08006",
  "CONNECTION_CLOSED",
  "CONNECTION_ENDED",
  "CONNECTION_DESTROYED",
  "ECONNRESET",
  "EPIPE"
])

const systemReasons: Readonly<Record<string, string>> = {
  ENOSPC: "the disk is full",
  EACCES: "permission denied",
  EPERM: "permission denied",
  EROFS: "the file system is read-only",
  ECONNREFUSED: "connection refused",
  ENOTFOUND: "host not found",
  ETIMEDOUT: "connection timed out"
}

/**
 * One line for a driver's error: what it means when its code says, its own message otherwise.
 */
export const reasonOf = (cause: unknown): string => {
  const code = codeOf(cause)
  if (code === undefined) return messageOf(cause).split("\n")[0]
  if (lostConnection.has(code)) return "the connection was lost"
  const known = sqliteReasons[code] ?? sqliteReasons[code.replace(/_[A-Z]+$/, "")] ?? systemReasons[code]
  return known ?? messageOf(cause).split("\n")[0]
}
