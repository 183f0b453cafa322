/**
 * `objectiveai prune --database <store> --before <date>`: drops the bodies of the completions created before a date,
 * and the requests of the calls captured before it, and keeps every figure the report reads, so that a team keeps
 * years of analytics without years of bodies. The report before and after a prune is the same.
 *
 * @since 0.2.0
 */
import * as UrlRedaction from "@objectiveai-effect/domain/UrlRedaction"
import { CompletionStore } from "@objectiveai-effect/store"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as CliError from "./CliError.js"
import * as StoreConnection from "./StoreConnection.js"

/**
 * The line a prune prints.
 *
 * @since 0.2.0
 * @category rendering
 */
export const summaryLine = (pruned: CompletionStore.Pruned, database: string, before: Date): string =>
  `pruned ${
    UrlRedaction.redact(database)
  }: the bodies of ${pruned.completions} completions and the requests of ${pruned.calls} calls from before ${before.toISOString()}; their figures are kept`

/**
 * Prunes a store, which must exist: a mistyped path fails rather than creating an empty store.
 *
 * @since 0.2.0
 * @category commands
 */
export const run = (options: {
  readonly database: string
  readonly before: Date
}): Effect.Effect<void, CliError.CliError> =>
  Effect.gen(function*() {
    yield* Effect.scoped(Layer.build(StoreConnection.layer(options.database, { readOnly: true })))
    const pruned = yield* Effect.flatMap(CompletionStore.CompletionStore, (store) => store.prune(options.before)).pipe(
      Effect.mapError(StoreConnection.fromStore),
      Effect.provide(StoreConnection.layer(options.database))
    )
    yield* Console.log(summaryLine(pruned, options.database, options.before))
  })
