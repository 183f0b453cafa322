import type * as HttpServerError from "@effect/platform/HttpServerError"
import type { FaultInjection, ServedCompletions } from "@objectiveai-effect/server"
import * as Predicate from "effect/Predicate"
import { createRequire } from "node:module"
import * as path from "node:path"
import * as CliError from "../CliError.js"
import * as Render from "../Render.js"

/**
 * The committed sample data set, found through the installed server package, so it is the same file from a clone,
 * a workspace or an install.
 */
export const sampleDataFile = (): string =>
  path.join(
    path.dirname(createRequire(import.meta.url).resolve("@objectiveai-effect/server/package.json")),
    "data",
    "sample.jsonl"
  )

/** Every way the server layer can fail to start. */
export type StartError =
  | HttpServerError.ServeError
  | ServedCompletions.DataFileError
  | ServedCompletions.DuplicateCompletion
  | FaultInjection.InvalidFaultOptions

const listenProblems: Readonly<Record<string, string>> = {
  EADDRINUSE: "the address is already in use",
  EACCES: "permission denied",
  EADDRNOTAVAIL: "the address is not available on this machine"
}

/** One line for a server that did not start, naming where it tried to listen. */
export const startError = (error: StartError, address: { readonly host: string; readonly port: number }) => {
  switch (error._tag) {
    case "ServeError": {
      const cause: unknown = error.cause
      const code = Predicate.hasProperty(cause, "code") && typeof cause.code === "string" ? cause.code : undefined
      const reason = (code === undefined ? undefined : listenProblems[code]) ??
        (cause instanceof Error ? cause.message : String(cause))
      return CliError.failure(`cannot listen on ${address.host}:${address.port}: ${reason}`)
    }
    case "DataFileError":
    case "DuplicateCompletion":
      // A line that fails its schema comes with the parse tree; flattened, it still names the field.
      return CliError.failure(`cannot load the data: ${Render.oneLine(error.message, 300)}`)
    case "InvalidFaultOptions":
      return CliError.usage(`--faults: ${error.message}`)
  }
}
