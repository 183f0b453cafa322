/**
 * `objectiveai demo`, the main job: starts the local server in-process on a free loopback port with the committed
 * sample data set, and reports on every completion it stores through the real client over HTTP. Then, as a table,
 * it shows captured traffic: a few tagged calls made with `Capture` on, into a store in memory, and that store's
 * report by `tag:feature`. With an API key (`OBJECTIVEAI_API_KEY` or `--api-key`) and without `--local`, it reports on the real
 * API instead.
 *
 * Status lines go to stderr, so stdout holds only the report.
 *
 * @since 0.1.0
 */
import type * as FileSystem from "@effect/platform/FileSystem"
import { CallTags, ObjectiveAiClient, ObjectiveAiError, type StreamError } from "@objectiveai-effect/client"
import type { ChatCompletionCreateParams } from "@objectiveai-effect/domain"
import * as UrlRedaction from "@objectiveai-effect/domain/UrlRedaction"
import { Capture } from "@objectiveai-effect/ingest"
import { ObjectiveAiServer } from "@objectiveai-effect/server"
import { CompletionStore, Database, StoreError } from "@objectiveai-effect/store"
import * as Console from "effect/Console"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Stream from "effect/Stream"
import { randomUUID } from "node:crypto"
import * as CliError from "./CliError.js"
import * as Connection from "./Connection.js"
import { sampleDataFile, startError } from "./internal/server.js"
import * as ReportCommand from "./ReportCommand.js"
import * as StoreConnection from "./StoreConnection.js"

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
    // For people reading a table: JSON and CSV keep stdout one document, the report of the data set.
    if (settings.format !== "table") return
    // A server of its own, in memory: the calls' completions are not added to the sample data set.
    const traffic = yield* Layer.build(ObjectiveAiServer.layer({ host, port: 0, completions: [], apiKeys: [apiKey] }))
      .pipe(Effect.mapError((error) => startError(error, { host, port: 0 })))
    yield* Console.error(
      `objectiveai demo: ${tagged.length} calls tagged by feature and user, captured into a store in memory; its report by tag:feature`
    )
    const report = yield* captured({
      ...Connection.tuning(flags),
      apiKey,
      baseUrl: Context.get(traffic, ObjectiveAiServer.ObjectiveAiServer).url
    })
    yield* ReportCommand.print(report, settings.format, { wide: settings.wide })
  }))

const ask = (content: string): ChatCompletionCreateParams.ChatCompletionCreateParams => ({
  model: "openai/gpt-4o-mini",
  messages: [{ role: "user", content }]
})

// What an application's handlers would do: each call tagged by the feature that makes it and the user it serves.
const tagged: ReadonlyArray<
  (
    client: ObjectiveAiClient.Service
  ) => Effect.Effect<unknown, ObjectiveAiError.ObjectiveAiError | StreamError.StreamError | CallTags.InvalidCallTags>
> = [
  (client) =>
    client.create(ask("Summarize the meeting notes.")).pipe(CallTags.tagged({ feature: "summary", user: "ada" })),
  (client) =>
    client.create(ask("Summarize the release notes.")).pipe(CallTags.tagged({ feature: "summary", user: "bob" })),
  (client) => Stream.runDrain(client.stream(ask("Hello!"))).pipe(CallTags.tagged({ feature: "chat", user: "ada" })),
  (client) => Stream.runDrain(client.stream(ask("And again?"))).pipe(CallTags.tagged({ feature: "chat", user: "bob" })),
  (client) => client.create(ask("Translate: bonjour")).pipe(CallTags.tagged({ feature: "translate", user: "ada" })),
  // Refused before it is sent (a temperature over 2): a failed call is captured too, and counted in the error rates.
  (client) =>
    client.create({ ...ask("Summarize wildly."), temperature: 7 }).pipe(
      CallTags.tagged({ feature: "summary", user: "bob" })
    )
]

// The tagged calls with capture on, then the store's report by feature: the scope of the capture closes (writing
// everything queued) before the report is read.
const captured = (connection: Connection.Connection) =>
  Effect.gen(function*() {
    const store = yield* CompletionStore.CompletionStore
    const client = yield* ObjectiveAiClient.ObjectiveAiClient
    const outcomes = yield* Effect.forEach(tagged, (call) => Effect.either(call(client)), { concurrency: "unbounded" })
      .pipe(
        Effect.provide(Capture.layer())
      )
    // Only the refused call may fail: anything else is the demo's own failure.
    const unexpected = outcomes.filter((outcome) =>
      Either.isLeft(outcome) && outcome.left._tag !== "InvalidRequestError"
    )
    if (unexpected.length > 0 && Either.isLeft(unexpected[0])) return yield* Effect.fail(unexpected[0].left)
    return yield* store.report({ tag: "feature" })
  }).pipe(
    Effect.mapError((error) =>
      StoreError.isStoreError(error)
        ? StoreConnection.fromStore(error)
        : ObjectiveAiError.isObjectiveAiError(error)
        ? CliError.fromClient(error, { baseUrl: connection.baseUrl })
        : CliError.failure(`a streamed call failed: ${error.message}`)
    ),
    Effect.provide(Layer.merge(
      Connection.layer(connection),
      CompletionStore.layer(Database.fromString(":memory:")).pipe(Layer.mapError(StoreConnection.fromStore))
    ))
  )

/**
 * Runs the demo.
 *
 * @since 0.1.0
 * @category commands
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
