/**
 * `import`: loads stored completions from JSON Lines into the store, one per line: `{ request, response }` as the
 * retrieve endpoint gives them (and as `export --format jsonl` writes them), or a completion without its request
 * (a bare `chat.completion`, or `{ response }`). It reads the files as a stream and stores each batch in one
 * transaction through the store's own write path, so memory stays flat whatever the files' size, and importing a
 * file twice stores it once. A worker thread decodes the lines and derives the figures `put` would derive, while this
 * thread writes the batches before them.
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
import { type PlatformError, SystemError } from "@effect/platform/Error"
import * as FileSystem from "@effect/platform/FileSystem"
import type { StoredChatCompletion } from "@objectiveai-effect/domain"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import { identity } from "effect/Function"
import * as Stream from "effect/Stream"
import * as WorkerThreads from "node:worker_threads"
import * as CompletionStore from "./CompletionStore.js"
import * as Body from "./internal/body.js"
import * as DerivedWriter from "./internal/derivedWriter.js"
import type * as LineDecoder from "./internal/lineDecoder.js"
import type { Derived } from "./internal/row.js"
import * as WorkerPool from "./internal/workerPool.js"
import * as StoreError from "./StoreError.js"

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
 * What became of one line, as {@link Options.observe} sees it: it decoded, or it is a {@link BadLine}.
 *
 * @since 0.2.0
 * @category models
 */
export type LineOutcome = { readonly _tag: "Decoded" } | { readonly _tag: "Bad"; readonly bad: BadLine }

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
  /** Watches what became of the lines as they come (a progress line, say), before they are stored. */
  readonly observe?:
    | (<A extends LineOutcome, E, R>(lines: Stream.Stream<A, E, R>) => Stream.Stream<A, E, R>)
    | undefined
  /**
   * For {@link fromFiles}: worker threads that decode the lines and derive their figures while this thread writes
   * ({@link workers} by default); with 0, or a store that `CompletionStore.make` did not build, this thread does it.
   */
  readonly workers?: number | undefined
  /**
   * For {@link fromFiles}: starts a worker thread running the store's import worker, `internal/importWorker.js`
   * beside this module by default (a bundle ships it at that path beside itself).
   */
  readonly spawnWorker?: ((id: number) => WorkerThreads.Worker) | undefined
}

/**
 * Completions stored per transaction by default.
 *
 * @since 0.1.0
 * @category constants
 */
export const batchSize = 2_000

/**
 * Worker threads of an import by default. One keeps pace with the writing thread (each took about 5 s of CPU for
 * 20,000 sample completions), so that on two cores both are busy; a second only adds the cost of another thread.
 *
 * @since 0.2.0
 * @category constants
 */
export const workers = 1

// Bytes of a file a worker reads at a time, and ranges of them at the workers at once: 16 MiB, the lines of more than
// one transaction of sample completions (5 kB each, about 3,000 lines), so that the workers decode the next while this
// one is written. With 3 MiB in flight (about 600 lines) the worker waited for each transaction of 2,000: an import
// of 100,000 took 25 s instead of 18 s.
const readSize = 256 * 1024
const inFlight = 64

/**
 * A line's result: a stored completion when the line is one, else a {@link BadLine}.
 *
 * @since 0.1.0
 * @category parsing
 */
export const decodeLine = (text: string, file: string, line: number): LineResult =>
  Either.match(Body.decode(text), {
    onLeft: (reason): LineResult => ({ _tag: "Bad", bad: { file, line, reason } }),
    onRight: (completion): LineResult => ({ _tag: "Decoded", completion })
  })

/** The non-blank lines of a stream of text lines, numbered from 1 (blank lines count in the numbering). */
const numberLines = <A, E, R>(
  lines: Stream.Stream<string, E, R>,
  f: (text: string, line: number) => A
): Stream.Stream<A, E, R> =>
  Stream.suspend(() => {
    let number = 0
    return Stream.mapChunks(lines, (chunk) => {
      const results: Array<A> = []
      for (const text of chunk) {
        number++
        if (text.trim() !== "") results.push(f(text, number))
      }
      return Chunk.unsafeFromArray(results)
    })
  })

/**
 * The results of a stream of text lines, numbered from 1; blank lines are skipped (and counted in the numbering).
 *
 * @since 0.1.0
 * @category parsing
 */
export const decodeLines = <E, R>(
  lines: Stream.Stream<string, E, R>,
  file: string
): Stream.Stream<LineResult, E, R> => numberLines(lines, (text, line) => decodeLine(text, file, line))

// Groups the outcomes into transactions, reports the bad lines and counts.
const storeOutcomes = <A extends LineOutcome, E, R>(
  outcomes: Stream.Stream<A, E, R>,
  options: Options,
  store: (decoded: Array<Extract<A, { readonly _tag: "Decoded" }>>) => Effect.Effect<number, StoreError.StoreError>
): Effect.Effect<Summary, E | StoreError.StoreError, R> =>
  Effect.suspend(() => {
    const onBadLine = options.onBadLine ?? (() => Effect.void)
    let lines = 0
    let stored = 0
    let alreadyStored = 0
    let bad = 0
    return outcomes.pipe(
      options.observe ?? identity,
      Stream.grouped(options.batchSize ?? batchSize),
      Stream.runForEach((batch) => {
        const decoded: Array<Extract<A, { readonly _tag: "Decoded" }>> = []
        const badLines: Array<BadLine> = []
        for (const outcome of batch) {
          lines++
          if (outcome._tag === "Decoded") decoded.push(outcome as Extract<A, { readonly _tag: "Decoded" }>)
          else badLines.push(outcome.bad)
        }
        bad += badLines.length
        return Effect.zipRight(
          Effect.forEach(badLines, onBadLine, { discard: true }),
          Effect.map(store(decoded), (inserted) => {
            stored += inserted
            alreadyStored += decoded.length - inserted
          })
        )
      }),
      Effect.map((): Summary => ({ lines, stored, alreadyStored, bad }))
    )
  })

/**
 * Stores the completions of a stream of line results, as the module describes.
 *
 * @since 0.1.0
 * @category actions
 */
export const fromResults = <E, R>(
  results: Stream.Stream<LineResult, E, R>,
  options: Options = {}
): Effect.Effect<Summary, E | StoreError.StoreError, R | CompletionStore.CompletionStore> =>
  Effect.flatMap(CompletionStore.CompletionStore, (store) =>
    storeOutcomes(
      results,
      options,
      (decoded) => Effect.map(store.put(decoded.map((result) => result.completion)), (ids) => ids.length)
    )).pipe(Effect.withSpan("Import.fromResults"))

type FileOutcome =
  | { readonly _tag: "Decoded"; readonly derived: Derived }
  | { readonly _tag: "Bad"; readonly bad: BadLine }

// Beside this module once built (and beside a bundle that ships it there). Run from the TypeScript sources (under
// vitest, say), the worker is the package's build: a worker thread starts outside the loader that reads the sources.
const importWorkerUrl = import.meta.url.endsWith(".ts")
  ? new URL("../dist/internal/importWorker.js", import.meta.url)
  : new URL("./internal/importWorker.js", import.meta.url)

const spawnImportWorker = (): WorkerThreads.Worker => new WorkerThreads.Worker(importWorkerUrl)

/**
 * Imports JSON Lines files, one after the other, as the module describes. Worker threads (see
 * {@link Options.workers}) decode the lines and derive their figures while this thread writes the batches before.
 *
 * @since 0.1.0
 * @category actions
 */
export const fromFiles = (
  files: ReadonlyArray<string>,
  options: Options = {}
): Effect.Effect<
  Summary,
  PlatformError | StoreError.StoreError,
  CompletionStore.CompletionStore | FileSystem.FileSystem
> =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const store = yield* CompletionStore.CompletionStore
    const lines = <A>(f: (file: string) => (text: string, line: number) => A) =>
      Stream.flatMap(
        Stream.fromIterable(files),
        (file) => numberLines(fs.stream(file).pipe(Stream.decodeText(), Stream.splitLines), f(file))
      )
    const putDerived = DerivedWriter.get(store)?.putDerived
    const size = options.workers ?? workers
    if (putDerived === undefined || size <= 0) {
      return yield* fromResults(lines((file) => (text, line) => decodeLine(text, file, line)), options)
    }
    const pool = yield* WorkerPool.make<LineDecoder.Range, LineDecoder.DecodedChunk, StoreError.ImportWorkerFailed>(
      size,
      options.spawnWorker ?? spawnImportWorker,
      (reason, cause) => new StoreError.ImportWorkerFailed({ reason, cause })
    )
    // The workers read the file, a range each, so it must be a regular file (`FileSystem.stream` cannot read a pipe
    // either).
    const ranges = (file: string) =>
      Effect.flatMap(fs.stat(file), (info) => {
        if (info.type !== "File") {
          return Effect.fail(
            new SystemError({
              reason: "InvalidData",
              module: "FileSystem",
              method: "stat",
              pathOrDescriptor: file,
              description: "not a regular file"
            })
          )
        }
        const size = Number(info.size)
        return Effect.succeed(
          size === 0 ? Stream.empty : Stream.map(
            Stream.range(0, Math.ceil(size / readSize) - 1),
            (i): LineDecoder.Range => ({ file, start: i * readSize, end: Math.min(size, (i + 1) * readSize) })
          )
        )
      })
    const outcomes = Stream.flatMap(Stream.fromIterable(files), (file) =>
      Stream.suspend(() => {
        // The lines of the ranges before, blank ones included, so that each line is numbered in its file.
        let before = 0
        return Stream.unwrap(ranges(file)).pipe(
          // In order, so that lines are reported and stored as the files have them.
          Stream.mapEffect(pool.run, { concurrency: inFlight }),
          Stream.mapConcat(({ decoded, lines }) => {
            const outcomes = decoded.map((result): FileOutcome =>
              result._tag === "Bad"
                ? { _tag: "Bad", bad: { file, line: before + result.line, reason: result.reason } }
                : { _tag: "Decoded", derived: result.derived }
            )
            before += lines
            return outcomes
          })
        )
      }))
    return yield* storeOutcomes(
      outcomes,
      options,
      (decoded) => Effect.map(putDerived(decoded.map((outcome) => outcome.derived)), (ids) => ids.length)
    )
  }).pipe(Effect.scoped, Effect.withSpan("Import.fromFiles"))
