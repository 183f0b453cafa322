/**
 * `objectiveai export`: writes a store's completions on stdout, streaming, oldest first, for other tools. `jsonl` is
 * one stored completion per line, the exact JSON the API sent (big integers and unknown keys included); `csv` is one
 * row per completion with the columns analysis reads, amounts exactly as the API wrote them; `parquet` is a Parquet
 * file of the CSV's columns, typed (`created` a UTC timestamp, tokens 64-bit integers, amounts `DECIMAL(38, 18)`,
 * exact), plus `body`, the exact JSON, written a row group of {@link parquetRowGroup} completions at a time. Parquet is
 * binary: it is refused on a terminal, so redirect stdout to a file.
 *
 * @since 0.1.0
 */
import type { StoredChatCompletion } from "@objectiveai-effect/domain"
import { CompletionStore, Import, StoreError } from "@objectiveai-effect/store"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import type * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import * as CliError from "./CliError.js"
import * as Parquet from "./internal/parquet.js"
import * as Render from "./Render.js"
import * as StoreConnection from "./StoreConnection.js"
import type * as StoreFlags from "./StoreFlags.js"

/**
 * An export format.
 *
 * @since 0.1.0
 * @category models
 */
export type Format = StoreFlags.ExportFormat

/**
 * The columns of the CSV export.
 *
 * @since 0.1.0
 * @category constants
 */
export const csvColumns = [
  "id",
  "created",
  "model",
  "provider",
  "finish_reasons",
  "prompt_tokens",
  "completion_tokens",
  "reasoning_tokens",
  "cached_tokens",
  "cost",
  "upstream_inference_cost",
  "upstream_upstream_inference_cost",
  "is_byok",
  "logprobs",
  "tool_calls",
  "tags"
] as const

const text = (value: unknown): string => value === null || value === undefined ? "" : String(value)

/**
 * One CSV row of a stored completion (without the line break).
 *
 * @since 0.1.0
 * @category encoding
 */
export const csvRow = (
  stored: StoredChatCompletion.StoredChatCompletion,
  tags: Readonly<Record<string, string>> | undefined = undefined
): string => {
  const response = stored.response
  const usage = response.usage
  const created = new Date(response.created * 1000)
  return Render.csvLine([
    response.id,
    Number.isNaN(created.getTime()) ? String(response.created) : created.toISOString(),
    response.model,
    response.provider,
    response.choices.map((choice) => choice.finish_reason ?? "").join(" "),
    usage?.prompt_tokens,
    usage?.completion_tokens,
    usage?.completion_tokens_details?.reasoning_tokens,
    usage?.prompt_tokens_details?.cached_tokens,
    usage?.cost,
    usage?.cost_details?.upstream_inference_cost,
    usage?.cost_details?.upstream_upstream_inference_cost,
    usage?.is_byok === true,
    response.choices.some((choice) => choice.logprobs != null),
    response.choices.some((choice) => (choice.message.tool_calls?.length ?? 0) > 0),
    tags === undefined ? undefined : JSON.stringify(tags)
  ].map(text))
}

/**
 * Completions per row group of the Parquet export: enough for readers to skip by statistics, few enough that a group's
 * bodies stay a few megabytes.
 *
 * @since 0.1.0
 * @category constants
 */
export const parquetRowGroup = 2000

// Writes as fast as stdout drains, so that memory stays flat whatever reads the output.
const write = (output: string | Uint8Array): Effect.Effect<void> =>
  Effect.async<void>((resume) => {
    if (process.stdout.write(output)) resume(Effect.void)
    else process.stdout.once("drain", () => resume(Effect.void))
  })

const lines = <A>(render: (item: A) => string) => (chunk: Chunk.Chunk<A>): string => {
  let output = ""
  for (const item of chunk) output += render(item) + "\n"
  return output
}

const toRow =
  (tags: ReadonlyMap<string, Readonly<Record<string, string>>>) => ({ body, id }: CompletionStore.StoredBody) => {
    const result = Import.decodeLine(body, id, 1)
    return result._tag === "Decoded"
      ? Effect.succeed({ completion: result.completion, body, tags: tags.get(id) })
      : Effect.fail(new StoreError.InvalidStoredBody({ id, reason: result.bad.reason }))
  }

const parquet = (store: CompletionStore.Service, filter: CompletionStore.Filter) =>
  Effect.gen(function*() {
    const file = Parquet.writer()
    yield* write(file.header)
    yield* store.bodies(filter).pipe(
      Stream.grouped(parquetRowGroup),
      Stream.mapEffect((chunk) =>
        Effect.flatMap(
          store.tagsOf(Chunk.toReadonlyArray(chunk).map((row) => row.id)),
          (tags) => Effect.forEach(chunk, toRow(tags))
        )
      ),
      Stream.runForEach((rows) => write(file.rowGroup(rows)))
    )
    yield* write(file.footer())
  })

/**
 * The `export` command.
 *
 * @since 0.1.0
 * @category commands
 */
export const run = (options: {
  readonly database: string
  readonly format: Format
  readonly since: Option.Option<Date>
  readonly until: Option.Option<Date>
}): Effect.Effect<void, CliError.CliError> =>
  options.format === "parquet" && process.stdout.isTTY === true
    ? Effect.fail(
      CliError.usage("parquet is binary: redirect stdout to a file (objectiveai export --format parquet > out.parquet)")
    )
    : Effect.flatMap(CompletionStore.CompletionStore, (store) => {
      const filter = StoreConnection.filterOf(options)
      if (options.format === "parquet") return parquet(store, filter)
      return options.format === "jsonl"
        ? store.bodies(filter).pipe(
          Stream.mapChunks((chunk) => Chunk.of(lines((row: CompletionStore.StoredBody) => row.body)(chunk))),
          Stream.runForEach(write)
        )
        : Effect.zipRight(
          write(Render.csvLine(csvColumns) + "\n"),
          store.stream(filter).pipe(
            // Each page's tags in one query: the tags of the calls captured with its completions.
            Stream.mapChunksEffect((chunk) =>
              Effect.map(
                store.tagsOf(Chunk.toReadonlyArray(chunk).map((stored) => stored.response.id)),
                (tags) =>
                  Chunk.of(
                    lines((stored: StoredChatCompletion.StoredChatCompletion) =>
                      csvRow(stored, tags.get(stored.response.id))
                    )(chunk)
                  )
              )
            ),
            Stream.runForEach(write)
          )
        )
    }).pipe(
      Effect.mapError(StoreConnection.fromStore),
      Effect.provide(StoreConnection.layer(options.database, { readOnly: true }))
    )
