/**
 * The completions the local server serves: what it retrieves and lists, loaded from a JSONL file (one `StoredChatCompletion` per
 * line) and from memory, and growing with every completion the server creates, appended to the file when there is
 * one. Each completion is kept as its JSON text, which is what a retrieve sends, so a large store costs little more
 * than its file; what is created is kept within a {@link Retention}, so that no sequence of creates fills the heap.
 *
 * @since 0.1.0
 */
import * as FileSystem from "@effect/platform/FileSystem"
import type { ChatCompletionList, CompletionId } from "@objectiveai-effect/domain"
import { Json, StoredChatCompletion } from "@objectiveai-effect/domain"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as MutableList from "effect/MutableList"
import * as Order from "effect/Order"
import * as ParseResult from "effect/ParseResult"
import * as RedBlackTree from "effect/RedBlackTree"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import * as LocalServerError from "./LocalServerError.js"

/**
 * The data file cannot be read or appended to, or one of its lines is not a stored completion. `line` is 1-based.
 *
 * @since 0.1.0
 * @category errors
 */
export class DataFileError extends Schema.TaggedError<DataFileError>()("DataFileError", {
  path: Schema.String,
  line: Schema.optional(Schema.Number),
  reason: Schema.String
}) {
  /** @since 0.1.0 */
  readonly [LocalServerError.TypeId]: LocalServerError.TypeId = LocalServerError.TypeId

  /** `path:line: reason`, the form editors and terminals link to. */
  override get message(): string {
    return `${this.path}${this.line === undefined ? "" : `:${this.line}`}: ${this.reason}`
  }
}

/**
 * A completion with this id is already stored.
 *
 * @since 0.1.0
 * @category errors
 */
export class DuplicateCompletion extends Schema.TaggedError<DuplicateCompletion>()("DuplicateCompletion", {
  id: Schema.String
}) {
  /** @since 0.1.0 */
  readonly [LocalServerError.TypeId]: LocalServerError.TypeId = LocalServerError.TypeId

  /** Names the id. */
  override get message(): string {
    return `a completion with id ${this.id} is already stored`
  }
}

/**
 * No completion has this id.
 *
 * @since 0.1.0
 * @category errors
 */
export class CompletionNotFound extends Schema.TaggedError<CompletionNotFound>()("CompletionNotFound", {
  id: Schema.String
}) {
  /** @since 0.1.0 */
  readonly [LocalServerError.TypeId]: LocalServerError.TypeId = LocalServerError.TypeId

  /** Names the id. */
  override get message(): string {
    return `no completion with id ${this.id}`
  }
}

/**
 * Which page of the list to read: `count` items after skipping `offset`, newest first.
 *
 * @since 0.1.0
 * @category models
 */
export interface Page {
  readonly count: number
  readonly offset: number
}

/**
 * The store's operations. Every operation is atomic: concurrent adds and reads never lose, duplicate or half-write a
 * completion.
 *
 * @since 0.1.0
 * @category models
 */
export interface Service {
  /** The stored completion with this id. */
  readonly get: (id: string) => Effect.Effect<StoredChatCompletion.StoredChatCompletion, CompletionNotFound>
  /** The stored completion with this id as JSON text, exactly what `GET /chat/completions/{id}` answers. */
  readonly getJson: (id: string) => Effect.Effect<string, CompletionNotFound>
  /**
   * One page of completions, newest first: ordered by `created` descending, and among equal `created` the one added
   * last first. The preview is the start (at most {@link previewLength} characters) of the first choice's content.
   */
  readonly list: (page: Page) => Effect.Effect<ChatCompletionList.ChatCompletionList>
  /**
   * Stores a completion, appending it to the data file first when there is one; the oldest completion added before
   * is dropped from memory when the store's {@link Retention} is passed.
   */
  readonly add: (
    completion: StoredChatCompletion.StoredChatCompletion
  ) => Effect.Effect<void, DuplicateCompletion | DataFileError>
  /** How many completions are stored. */
  readonly size: Effect.Effect<number>
}

/**
 * The served completions as a service. Named for what it holds, the completions this server answers with; the
 * `@objectiveai-effect/store` package's `CompletionStore` is the database a sync fills.
 *
 * @since 0.1.0
 * @category tags
 */
export class ServedCompletions extends Context.Tag("@objectiveai-effect/server/ServedCompletions")<
  ServedCompletions,
  Service
>() {}

/**
 * Where the store's completions come from. With neither, it starts empty.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** A JSONL file of stored completions. It must exist; completions added later are appended to it. */
  readonly dataFile?: string | undefined
  /** Completions to serve besides the file's, such as `SampleData.generate(…)`; they are not written to the file. */
  readonly completions?: Iterable<StoredChatCompletion.StoredChatCompletion> | undefined
  /** How much of what is added later is kept in memory; {@link defaultRetention} where not given. */
  readonly retention?: Partial<Retention> | undefined
}

/**
 * How much of what it creates a store keeps: the newest `count` created completions, within `size` characters of
 * their JSON (bytes, for ASCII text). The oldest created completion is dropped first, and the newest is always kept,
 * whatever its size; the completions loaded from the data file or given as `completions` are never dropped. With a
 * data file, a dropped completion is still in the file, and served again after a restart.
 *
 * @since 0.1.0
 * @category models
 */
export interface Retention {
  readonly count: number
  readonly size: number
}

/**
 * The default {@link Retention}: 10,000 created completions within 64 Mi characters, so that no sequence of valid
 * creates (each up to the server's 32 MiB body limit) can exhaust a default Node heap.
 *
 * @since 0.1.0
 * @category constants
 */
export const defaultRetention: Retention = { count: 10_000, size: 64 * 1024 * 1024 }

/**
 * The most characters of content a list item's preview holds.
 *
 * @since 0.1.0
 * @category constants
 */
export const previewLength = 120

/**
 * A stored completion as one JSONL line (without the newline), integers beyond 2^53 written exactly.
 *
 * @since 0.1.0
 * @category encoding
 */
export const toJsonLine = (completion: StoredChatCompletion.StoredChatCompletion): string =>
  // The stored-completion schemas transform nothing (brands and `bigint` seeds are the same on both sides), so a
  // typed value is already its encoded form; skipping the encoder makes serving 100,000 generated completions
  // several times faster. `typeIsEncoded` guards the assumption: it stops compiling if a field's encoded type ever
  // differs from its type.
  Json.stringify(typeIsEncoded(completion))

const typeIsEncoded = (
  completion: StoredChatCompletion.StoredChatCompletion
): StoredChatCompletion.StoredChatCompletionEncoded => completion

const decodeLine = Schema.decodeUnknownEither(StoredChatCompletion.StoredChatCompletionFromJson, { errors: "all" })
const decodeStored = Schema.decode(StoredChatCompletion.StoredChatCompletionFromJson)

/** The first thing wrong with a line, on one line (`request.messages: is missing`), and how many more there are. */
const firstProblem = (error: ParseResult.ParseError): string => {
  const [first, ...rest] = ParseResult.ArrayFormatter.formatErrorSync(error)
  const where = first.path.length === 0 ? "" : `${first.path.join(".")}: `
  const more = rest.length === 0 ? "" : ` (and ${rest.length} more ${rest.length === 1 ? "problem" : "problems"})`
  return `${where}${first.message.replace(/\s*\n\s*/g, " ")}${more}`
}

interface Entry {
  readonly id: CompletionId.CompletionId
  readonly created: number
  /** When it was added, among the entries of the store: the order of entries of the same `created`. */
  readonly added: number
  readonly preview: string | null
  readonly json: string
}

const entryOf = (completion: StoredChatCompletion.StoredChatCompletion, json: string, added: number): Entry => {
  const content = completion.response.choices[0]?.message.content
  return {
    id: completion.response.id,
    created: completion.response.created,
    added,
    preview: typeof content === "string"
      ? [...content.slice(0, previewLength * 2)].slice(0, previewLength).join("")
      : null,
    json
  }
}

const entryOrder: Order.Order<Entry> = Order.combine(
  Order.mapInput(Order.number, (entry: Entry) => entry.created),
  Order.mapInput(Order.number, (entry: Entry) => entry.added)
)

// Stored `created` values are whatever the file holds; one that is no valid time lists as the epoch rather than
// failing the whole page.
const rfc3339 = (created: number): string => {
  const millis = created * 1000
  const date = new Date(Number.isFinite(millis) && Math.abs(millis) <= 8.64e15 ? millis : 0)
  return date.toISOString().replace(".000Z", "Z")
}

/**
 * Loads a store. Fails with {@link DataFileError} naming the file and line when the file is missing, unreadable or
 * holds a line that does not decode as a `StoredChatCompletion` (blank lines are skipped), and with
 * {@link DuplicateCompletion} when two completions share an id.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = Effect.fn("ServedCompletions.make")(function*(options: Options = {}) {
  const fs = yield* FileSystem.FileSystem
  const byId = new Map<string, Entry>()
  // Ascending by `created`, ties in insertion order; the list walks it from the end. A tree rather than a sorted
  // array: past the retention every create drops the oldest entry, and an array's removal (a search along the ties
  // of its second, then a splice) took 5.5 s of a 120 s capture benchmark's main thread, the local server's largest
  // cost; the tree finds and removes an entry in O(log n).
  let ordered = RedBlackTree.empty<Entry, Entry>(entryOrder)
  let added = 0
  const dataFile = options.dataFile
  let fileEndsWithNewline = true

  const insert = (entry: Entry) => {
    byId.set(entry.id, entry)
    ordered = RedBlackTree.insert(ordered, entry, entry)
  }

  if (dataFile !== undefined) {
    const firstLine = new Map<string, number>()
    yield* fs.stream(dataFile).pipe(
      Stream.tap((bytes) => Effect.sync(() => (fileEndsWithNewline = bytes[bytes.length - 1] === 10))),
      Stream.decodeText(),
      Stream.splitLines,
      Stream.zipWithIndex,
      Stream.runForEach(([text, index]) => {
        const line = index + 1
        const json = text.trim()
        if (json.length === 0) return Effect.void
        return Either.match(decodeLine(json), {
          onLeft: (error) => new DataFileError({ path: dataFile, line, reason: firstProblem(error) }),
          onRight: (completion) => {
            const seen = firstLine.get(completion.response.id)
            if (seen !== undefined) {
              return new DataFileError({
                path: dataFile,
                line,
                reason: `duplicate id ${completion.response.id} (first on line ${seen})`
              })
            }
            firstLine.set(completion.response.id, line)
            return Effect.sync(() => insert(entryOf(completion, json, added++)))
          }
        })
      }),
      Effect.catchTag("SystemError", "BadArgument", (error) =>
        new DataFileError({
          path: dataFile,
          reason: error._tag === "SystemError" && error.reason === "NotFound" ? "file not found" : error.message
        }))
    )
  }

  for (const completion of options.completions ?? []) {
    if (byId.has(completion.response.id)) return yield* new DuplicateCompletion({ id: completion.response.id })
    insert(entryOf(completion, toJsonLine(completion), added++))
  }

  const lock = yield* Effect.makeSemaphore(1)
  const retention = { ...defaultRetention, ...options.retention }
  // What `add` stored, oldest first, and the characters of their JSON: dropped from the front past the retention.
  const created = MutableList.empty<Entry>()
  let createdSize = 0

  const retain = (entry: Entry) => {
    MutableList.append(created, entry)
    createdSize += entry.json.length
    while (
      MutableList.length(created) > retention.count || (MutableList.length(created) > 1 && createdSize > retention.size)
    ) {
      const oldest = MutableList.shift(created)!
      createdSize -= oldest.json.length
      byId.delete(oldest.id)
      ordered = RedBlackTree.removeFirst(ordered, oldest)
    }
  }

  const getJson = (id: string) =>
    Effect.suspend(() => {
      const entry = byId.get(id)
      return entry === undefined ? new CompletionNotFound({ id }) : Effect.succeed(entry.json)
    })

  const append = (path: string, json: string) =>
    fs.writeFileString(path, `${fileEndsWithNewline ? "" : "\n"}${json}\n`, { flag: "a" }).pipe(
      Effect.tap(() => (fileEndsWithNewline = true)),
      Effect.mapError((error) => new DataFileError({ path, reason: `cannot append: ${error.message}` }))
    )

  const service: Service = {
    getJson,
    // What the store holds was decoded or typed on the way in, so decoding it again cannot fail.
    get: (id) => Effect.flatMap(getJson(id), (json) => Effect.orDie(decodeStored(json))),
    list: ({ count, offset }) =>
      Effect.sync(() => {
        const data: Array<ChatCompletionList.ChatCompletionListItem> = []
        const from = RedBlackTree.size(ordered) - 1 - offset
        if (from < 0) return { data }
        for (const [entry] of RedBlackTree.atReversed(ordered, from)) {
          if (data.length >= count) break
          data.push({ id: entry.id, preview: entry.preview, created: rfc3339(entry.created) })
        }
        return { data }
      }),
    add: (completion) =>
      lock.withPermits(1)(Effect.suspend((): Effect.Effect<void, DuplicateCompletion | DataFileError> => {
        const id = completion.response.id
        if (byId.has(id)) return new DuplicateCompletion({ id })
        const json = toJsonLine(completion)
        return (dataFile === undefined ? Effect.void : append(dataFile, json)).pipe(
          Effect.map(() => {
            const entry = entryOf(completion, json, added++)
            insert(entry)
            retain(entry)
          })
        )
      })).pipe(Effect.withSpan("ServedCompletions.add", { attributes: { id: completion.response.id } })),
    size: Effect.sync(() => byId.size)
  }
  return service
})

/**
 * The store as a layer; needs a `FileSystem` (`NodeContext.layer` under Node) only to read and append the data file.
 *
 * @example
 * ```ts
 * import { NodeContext } from "@effect/platform-node"
 * import { Layer } from "effect"
 * import { ServedCompletions } from "@objectiveai-effect/server"
 *
 * const StoreLive = ServedCompletions.layer({ dataFile: "data/sample.jsonl" }).pipe(Layer.provide(NodeContext.layer))
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (
  options: Options = {}
): Layer.Layer<ServedCompletions, DataFileError | DuplicateCompletion, FileSystem.FileSystem> =>
  Layer.effect(ServedCompletions, make(options))
