/**
 * `objectiveai demo`, the main job: starts the local server in-process on a free loopback port with the committed
 * sample data set, and reports on every completion it stores through the real client over HTTP. With an API key
 * (`OBJECTIVEAI_API_KEY` or `--api-key`) and without `--local`, it reports on the real API instead.
 *
 * Status lines go to stderr, so stdout holds only the report.
 *
 * @since 0.1.0
 */
import type * as FileSystem from "@effect/platform/FileSystem"
import * as UrlRedaction from "@objectiveai-effect/domain/UrlRedaction"
import { ObjectiveAiServer } from "@objectiveai-effect/server"
import * as Console from "effect/Console"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import { randomUUID } from "node:crypto"
import type * as CliError from "./CliError.js"
import * as Connection from "./Connection.js"
import { sampleDataFile, startError } from "./internal/server.js"
import * as ReportCommand from "./ReportCommand.js"

const everything: ReportCommand.Source = { _tag: "All" }

const local = (settings: ReportCommand.Settings, flags: Connection.Flags) =>
  Effect.scoped(Effect.gen(function*() {
    // A key of this run only: the client authenticates as it would against the real API.
    const apiKey = Redacted.make(`demo-${randomUUID()}`)
    const host = "127.0.0.1"
    const context = yield* Layer.build(
      ObjectiveAiServer.layer({ host, port: 0, dataFile: sampleDataFile(), apiKeys: [apiKey] })
    ).pipe(Effect.mapError((error) => startError(error, { host, port: 0 })))
    const { url } = Context.get(context, ObjectiveAiServer.ObjectiveAiServer)
    yield* Console.error(`objectiveai demo: serving the sample data set on ${url}; reporting on every completion`)
    yield* ReportCommand.report(everything, { ...Connection.tuning(flags), apiKey, baseUrl: url }, settings)
  }))

/**
 * Runs the demo.
 *
 * @since 0.1.0
 * @category utils
 */
export const run = (
  options: ReportCommand.Settings & {
    readonly local: boolean
    readonly connection: Connection.Flags
  }
): Effect.Effect<void, CliError.CliError, FileSystem.FileSystem> => {
  const settings = { format: options.format, wide: options.wide, concurrency: options.concurrency }
  return Option.match(options.local ? Option.none() : options.connection.apiKey, {
    onNone: () => local(settings, options.connection),
    onSome: (apiKey) => {
      const baseUrl = options.connection.baseUrl
      return Console.error(
        `objectiveai demo: an API key is set: reporting on every completion at ${
          UrlRedaction.redact(baseUrl)
        } (--local for the sample data)`
      ).pipe(
        Effect.zipRight(
          ReportCommand.report(everything, { ...Connection.tuning(options.connection), apiKey, baseUrl }, settings)
        )
      )
    }
  })
}
