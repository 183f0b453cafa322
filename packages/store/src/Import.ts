/**
 * `import`: loads stored completions from JSON Lines into the store, one per line: `{ request, response }` as the
 * retrieve endpoint gives them (and as `export --format jsonl` writes them), or a completion without its request
 * (a bare `chat.completion`, or `{ response }`). It reads the files as a stream and stores each batch in one
 * transaction through the store's own write path, so memory stays flat whatever the files' size, and importing a
 * file twice stores it once.
 *
 * A line that is not a stored completion is reported (file, line number, one-line reason) and skipped; every other
 * line is stored whole. A completion without its request is stored as `{ response }`, exactly, and read back with
 * {@link unknownRequest} as its request: its tool calls cannot be checked against declared tools.
 *
 * @example
 * ```ts
 * import { NodeFileSystem } from "@effect/platform-node"
 * import { CompletionStore, Database, Import } from "@objectiveai-effect/store"
 * import { Console, Effect, Layer } from "effect"
 *
 * const program = Import.fromFiles(["completions.jsonl"], {
 *   onBadLine: (bad) => Console.error(`${bad.file}:${bad.line}: ${bad.reason}`)
 * }).pipe(
 *   Effect.tap((summary) => Console.log(`${summary.stored} new, ${summary.alreadyStored} already stored`)),
 *   Effect.provide(Layer.merge(CompletionStore.layer(Database.fromString("completions.sqlite")), NodeFileSystem.layer))
 * )
 * ```
 *
 * @since 0.1.0
 */
import type { PlatformError } from "@effect/platform/Error"
import * as FileSystem from "@effect/platform/FileSystem"
import type { StoredChatCompletion } from "@objectiveai-effect/domain"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import { identity } from "effect/Function"
import * as Stream from "effect/Stream"
import * as CompletionStore from "./CompletionStore.js"
import * as Body from "./internal/body.js"
import type * as StoreError from "./StoreError.js"

/**
 * The request a completion imported without one is read back with: no model, no messages, no tools. Compare with
 * `===`.
 *
 * @since 0.1.0
 * @category constants
 */
export const unknownRequest: StoredChatCompletion.StoredChatCompletionRequest = Body.unknownRequest

/**
 * A line that was skipped: its file, its number (from 1) and why, in one line.
 *
 * @since 0.1.0
 * @category models
 */
export interface BadLine {
  readonly file: string
  readonly line: number
  readonly reason: string
}

/**
 * What became of one line: a completion to store, or a {@link BadLine}.
 *
 * @since 0.1.0
 * @category models
 */
export type LineResult =
  | { readonly _tag: "Decoded"; readonly completion: StoredChatCompletion.StoredChatCompletion }
  | { readonly _tag: "Bad"; readonly bad: BadLine }

/**
 * What an import did: lines read (blank lines aside), completions newly stored, completions already stored (by an
 * earlier import or sync, or earlier in the files), and lines skipped as bad.
 *
 * @since 0.1.0
 * @category models
 */
export interface Summary {
  readonly lines: number
  readonly stored: number
  readonly alreadyStored: number
  readonly bad: number
}

/**
 * How an import reads and reports.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** Completions per transaction; {@link batchSize} by default. */
  readonly batchSize?: number | undefined
  /** Called for each bad line as it is found (a message on stderr, say). */
  readonly onBadLine?: ((bad: BadLine) => Effect.Effect<void>) | undefined
  /** Watches the lines' results as they come (a progress line, say) before they are stored. */
  readonly observe?:
    | (<E, R>(results: Stream.Stream<LineResult, E, R>) => Stream.Stream<LineResult, E, R>)
    | undefined
}

/**
 * Completions stored per transaction by default.
 *
 * @since 0.1.0
 * @category constants
 */
export const batchSize = 500

/**
 * A line's result: a stored completion when the line is one, else a {@link BadLine}.
 *
 * @since 0.1.0
 * @category utils
 */
export const decodeLine = (text: string, file: string, line: number): LineResult =>
  Either.match(Body.decode(text), {
    onLeft: (reason): LineResult => ({ _tag: "Bad", bad: { file, line, reason } }),
    onRight: (completion): LineResult => ({ _tag: "Decoded", completion })
  })

/**
 * The results of a stream of text lines, numbered from 1; blank lines are skipped (and counted in the numbering).
 *
 * @since 0.1.0
 * @category utils
 */
export const decodeLines = <E, R>(
  lines: Stream.Stream<string, E, R>,
  file: string
): Stream.Stream<LineResult, E, R> =>
  Stream.suspend(() => {
    let number = 0
    return Stream.mapChunks(lines, (chunk) => {
      const results: Array<LineResult> = []
      for (const text of chunk) {
        number++
        if (text.trim() !== "") results.push(decodeLine(text, file, number))
      }
      return Chunk.unsafeFromArray(results)
    })
  })

/**
 * Stores the completions of a stream of line results, as the module describes.
 *
 * @since 0.1.0
 * @category import
 */
export const fromResults = <E, R>(
  results: Stream.Stream<LineResult, E, R>,
  options: Options = {}
): Effect.Effect<Summary, E | StoreError.StoreError, R | CompletionStore.CompletionStore> =>
  Effect.gen(function*() {
    const store = yield* CompletionStore.CompletionStore
    const onBadLine = options.onBadLine ?? (() => Effect.void)
    let lines = 0
    let stored = 0
    let alreadyStored = 0
    let bad = 0
    yield* results.pipe(
      options.observe ?? identity,
      Stream.grouped(options.batchSize ?? batchSize),
      Stream.runForEach((batch) => {
        const completions: Array<StoredChatCompletion.StoredChatCompletion> = []
        const badLines: Array<BadLine> = []
        for (const result of batch) {
          lines++
          if (result._tag === "Decoded") completions.push(result.completion)
          else badLines.push(result.bad)
        }
        bad += badLines.length
        return Effect.zipRight(
          Effect.forEach(badLines, onBadLine, { discard: true }),
          Effect.map(store.put(completions), (inserted) => {
            stored += inserted.length
            alreadyStored += completions.length - inserted.length
          })
        )
      })
    )
    return { lines, stored, alreadyStored, bad }
  }).pipe(Effect.withSpan("Import.fromResults"))

/**
 * Imports JSON Lines files, one after the other, as the module describes.
 *
 * @since 0.1.0
 * @category import
 */
export const fromFiles = (
  files: ReadonlyArray<string>,
  options: Options = {}
): Effect.Effect<
  Summary,
  PlatformError | StoreError.StoreError,
  CompletionStore.CompletionStore | FileSystem.FileSystem
> =>
  Effect.flatMap(FileSystem.FileSystem, (fs) =>
    fromResults(
      Stream.flatMap(
        Stream.fromIterable(files),
        (file) => decodeLines(fs.stream(file).pipe(Stream.decodeText(), Stream.splitLines), file)
      ),
      options
    ))
