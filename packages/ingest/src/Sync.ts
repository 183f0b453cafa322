/**
 * `sync`: brings a store up to date from the API through `ObjectiveAiClient`. It lists completions newest first and
 * stops paging once it passes where the last complete listing began (less a lookback for completions stored late),
 * retrieves what the store lacks with the client's retries and concurrency, and stores each batch in one
 * transaction through the store's `put`, which derives the figures the report sums. Ids that fail are recorded,
 * retried by the next sync and reported.
 *
 * Interrupting a sync at any point (Ctrl-C, a killed process) leaves a consistent store: every completion is stored
 * whole or not at all, and the listing watermark only moves once a listing has been worked through, so the next run
 * picks up what was missed. Two syncs into one store (several machines sharing PostgreSQL) store every completion
 * once.
 *
 * @example
 * ```ts
 * import { NodeHttpClient } from "@effect/platform-node"
 * import { ObjectiveAiClient } from "@objectiveai-effect/client"
 * import { Sync } from "@objectiveai-effect/ingest"
 * import { CompletionStore, Database } from "@objectiveai-effect/store"
 * import { Console, Effect, Layer } from "effect"
 *
 * const program = Sync.sync({ concurrency: 16 }).pipe(
 *   Effect.tap((summary) => Console.log(`${summary.stored} new, ${summary.failed.length} failed`)),
 *   Effect.provide(Layer.mergeAll(
 *     CompletionStore.layer(Database.fromString("completions.sqlite")),
 *     ObjectiveAiClient.layerConfig().pipe(Layer.provide(NodeHttpClient.layerUndici))
 *   ))
 * )
 * ```
 *
 * @since 0.1.0
 */
import { ObjectiveAiClient, ObjectiveAiError } from "@objectiveai-effect/client"
import { type ChatCompletionList, ObjectiveAiApi, type StoredChatCompletion } from "@objectiveai-effect/domain"
import { CallWriter, CompletionStore, type StoreError } from "@objectiveai-effect/store"
import * as Chunk from "effect/Chunk"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import { identity } from "effect/Function"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"

/**
 * How a sync pages and retrieves.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** Retrieves in flight at once; 16 by default. */
  readonly concurrency?: number | undefined
  /** Completions per list request; `ObjectiveAiApi.defaultListCount` (the API's default, which any server accepts). */
  readonly pageSize?: number | undefined
  /**
   * How far below the last listing's newest completion a sync keeps listing: a completion's `created` is when it
   * started, so one that ran long is listed after newer ones. 10 minutes by default.
   */
  readonly lookback?: Duration.DurationInput | undefined
  /** Watches the retrieve results as they come (a progress line, say) before they are stored. */
  readonly observe?:
    | (<E, R>(
      results: Stream.Stream<ObjectiveAiClient.RetrieveResult, E, R>
    ) => Stream.Stream<ObjectiveAiClient.RetrieveResult, E, R>)
    | undefined
  /** One line per failed id, for the store's failure records; the error's tag and message by default. */
  readonly describe?: ((error: ObjectiveAiError.ObjectiveAiError, id: string) => string) | undefined
}

/**
 * What a sync did: completions listed, newly stored, listed but already stored, ids that had failed before and are
 * now stored, and the ids still failing (every one recorded, retried by the next sync).
 *
 * @since 0.1.0
 * @category models
 */
export const Summary = Schema.Struct({
  listed: Schema.NonNegativeInt,
  stored: Schema.NonNegativeInt,
  alreadyStored: Schema.NonNegativeInt,
  retried: Schema.NonNegativeInt,
  failed: Schema.Array(CompletionStore.Failure)
}).annotations({ identifier: "SyncSummary" })
/**
 * @since 0.1.0
 * @category models
 */
export interface Summary extends Schema.Schema.Type<typeof Summary> {}

/**
 * The name of the store's state row holding where the last complete listing began (Unix seconds).
 *
 * @since 0.1.0
 * @category constants
 */
export const watermark = "sync.listing.newest"

const createdOf = (item: ChatCompletionList.ChatCompletionListItem): number =>
  Math.floor(Date.parse(item.created) / 1000)

const defaultDescribe = (error: ObjectiveAiError.ObjectiveAiError): string => `${error._tag}: ${error.message}`

// Retrieved completions stored per transaction, or fewer when results come slowly.
const batchSize = 256
const batchWait = Duration.millis(100)

/**
 * Brings the store up to date from the API, as the module describes; fails only when the listing fails, the store
 * fails, or a retrieve error concerns every id.
 *
 * @since 0.1.0
 * @category actions
 */
export const sync = (
  options: Options = {}
): Effect.Effect<
  Summary,
  StoreError.StoreError | ObjectiveAiError.ObjectiveAiError,
  CompletionStore.CompletionStore | ObjectiveAiClient.ObjectiveAiClient
> =>
  Effect.gen(function*() {
    const store = yield* CompletionStore.CompletionStore
    const client = yield* ObjectiveAiClient.ObjectiveAiClient
    // The batches are written on a writer thread of the store's when it has one, so that deriving and storing them
    // does not hold up this thread's retrieving: a sync of 20,000 from the local server took 1.32x to 1.54x a bare
    // `retrieveMany` of the same ids when this thread wrote them. The thread starts while the listing begins.
    const writer = yield* Effect.forkScoped(CallWriter.make(store, { label: "sync" }))
    const pageSize = options.pageSize ?? ObjectiveAiApi.defaultListCount
    const describe = options.describe ?? defaultDescribe
    const lookback = Duration.toSeconds(options.lookback ?? Duration.minutes(10))
    const stopBelow = Option.map(yield* store.getState(watermark), (newest) => newest - lookback)
    const retrying = yield* store.failures

    // Listing pages shift when completions arrive meanwhile, so an id can be listed twice; it is retrieved once.
    const seen = new Set(retrying.map((failure) => failure.id))
    let newest: number | undefined
    let listed = 0
    let alreadyStored = 0
    let stored = 0

    // Page by page (each step keeps the listing's chunks): the store is asked which ids it has once a page.
    const missing = client.list({ pageSize }).pipe(
      Stream.takeWhile((item) =>
        Option.match(stopBelow, { onNone: () => true, onSome: (below) => !(createdOf(item) < below) })
      ),
      Stream.mapChunks((items) => {
        const fresh: Array<string> = []
        for (const item of items) {
          listed++
          const created = createdOf(item)
          if (!Number.isNaN(created) && (newest === undefined || created > newest)) newest = created
          if (!seen.has(item.id)) {
            seen.add(item.id)
            fresh.push(item.id)
          }
        }
        return Chunk.unsafeFromArray(fresh)
      }),
      Stream.mapChunksEffect((ids) =>
        Effect.map(store.storedIds(Chunk.toReadonlyArray(ids)), (present) => {
          alreadyStored += present.size
          return Chunk.filter(ids, (id) => !present.has(id))
        })
      )
    )

    yield* client.retrieveMany(
      Stream.concat(Stream.fromIterable(retrying.map((failure) => failure.id)), missing),
      { concurrency: options.concurrency ?? 16, unordered: true }
    ).pipe(
      Stream.mapEffect((result) =>
        result._tag === "Failed" && ObjectiveAiError.concernsEveryRequest(result.error)
          ? Effect.fail(result.error)
          : Effect.succeed(result)
      ),
      options.observe ?? identity,
      Stream.groupedWithin(batchSize, batchWait),
      // Retrieving goes on while a batch is written (on the writer thread, the two run at once).
      Stream.buffer({ capacity: 2 }),
      Stream.runForEach((results) => {
        const completions: Array<StoredChatCompletion.StoredChatCompletion> = []
        const failures: Array<{ id: string; error: string; reason: string }> = []
        for (const result of results) {
          // Stored as the text received, so that nothing is encoded again.
          if (result._tag === "Retrieved") completions.push(CompletionStore.received(result.completion, result.json))
          else failures.push({ id: result.id, error: result.error._tag, reason: describe(result.error, result.id) })
        }
        return Effect.zipRight(
          Effect.map(Effect.flatMap(Fiber.join(writer), (onThread) => onThread.put(completions)), (inserted) => {
            stored += inserted.length
            alreadyStored += completions.length - inserted.length
          }),
          store.recordFailures(failures)
        )
      })
    )

    // Everything listed is now stored or recorded as failed: the next sync may stop where this listing began.
    if (newest !== undefined) yield* store.raiseState(watermark, newest)
    const failed = yield* store.failures
    const stillFailing = new Set(failed.map((failure) => failure.id))
    return {
      listed,
      stored,
      alreadyStored,
      retried: retrying.filter((failure) => !stillFailing.has(failure.id)).length,
      failed
    }
  }).pipe(Effect.scoped, Effect.withSpan("Sync.sync"))
