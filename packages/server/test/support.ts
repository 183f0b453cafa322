import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as FileSystem from "@effect/platform/FileSystem"
import { expect } from "@effect/vitest"
import { ChatCompletion, ChatCompletionChunk, Json, ObjectiveAiApi } from "@objectiveai-effect/domain"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { ObjectiveAiServer } from "../src/index.js"

/** The key the test servers accept. */
export const apiKey = "test-key"

/** What a test request got back. */
export interface Reply {
  readonly status: number
  readonly headers: Headers
  readonly text: string
}

/** The reply's body read with the lossless JSON parser. */
export const body = (reply: Reply): unknown => Json.parse(reply.text)

/** Options of {@link send}: a JSON body, and a key (`null` sends no authorization header). */
export interface SendOptions {
  readonly method?: string
  readonly body?: unknown
  readonly key?: string | null
  readonly headers?: Record<string, string>
  readonly signal?: AbortSignal
  readonly redirect?: RequestRedirect
}

/** Sends one request with `fetch` to the running test server and reads the whole body. */
export const send = (pathAndQuery: string, options: SendOptions = {}) =>
  Effect.flatMap(ObjectiveAiServer.ObjectiveAiServer, ({ url }) =>
    Effect.tryPromise(async (): Promise<Reply> => {
      const key = options.key === undefined ? apiKey : options.key
      const response = await fetch(`${url}${pathAndQuery}`, {
        method: options.method ?? (options.body === undefined ? "GET" : "POST"),
        headers: {
          ...(key === null ? {} : { authorization: `Bearer ${key}` }),
          ...(options.body === undefined ? {} : { "content-type": "application/json" }),
          ...options.headers
        },
        ...(options.body === undefined
          ? {}
          : { body: typeof options.body === "string" ? options.body : Json.stringify(options.body) }),
        ...(options.signal === undefined ? {} : { signal: options.signal }),
        ...(options.redirect === undefined ? {} : { redirect: options.redirect })
      })
      return { status: response.status, headers: response.headers, text: await response.text() }
    }))

/** `send`, failing the test on a transport error. */
export const request = (pathAndQuery: string, options: SendOptions = {}) => Effect.orDie(send(pathAndQuery, options))

/** The form of the `x-request-id` every answer carries. */
export const requestIdPattern = /^req_[0-9a-f]{32}$/

/** One of the error bodies `ObjectiveAiApi` declares, or a thrown parse error naming what is not. */
export const declaredError = Schema.decodeUnknownSync(ObjectiveAiApi.ApiError)

/**
 * The declared error body: asserts that it is one of `ObjectiveAiApi`'s error bodies (so its status is declared),
 * that `code` is the status and that the answer has its request id, and returns its message.
 */
export const errorMessage = (reply: Reply, status: number): unknown => {
  expect(reply.status).toBe(status)
  expect(reply.headers.get("content-type")).toContain("application/json")
  expect(reply.headers.get("x-request-id")).toMatch(requestIdPattern)
  const raw = body(reply)
  expect(Object.keys(raw as object).sort()).toEqual(["code", "message"])
  const error = declaredError(raw)
  expect(error.code).toBe(status)
  return error.message
}

/** A small conversation about PostgreSQL on the cheapest model. */
export const chatRequest = {
  model: "openai/gpt-4o-mini",
  messages: [
    { role: "system", content: "You are a concise assistant." },
    { role: "user", content: "How should I tune PostgreSQL autovacuum for large tables?" }
  ],
  seed: 42
} as const

export const decodeCompletion = Schema.decodeUnknownSync(ChatCompletion.ChatCompletion)

const decodeChunk = Schema.decodeUnknownSync(ChatCompletionChunk.ChatCompletionChunkFromJson)

/** What an SSE body holds, checked for well-formedness on the way. */
export interface Transcript {
  readonly comments: ReadonlyArray<string>
  /** The JSON of every `data:` event but `[DONE]`, in order. */
  readonly data: ReadonlyArray<string>
  readonly done: boolean
}

/**
 * Splits an SSE body into events: each is one line ending in a blank line, either a `: comment` or a `data: …`
 * event, and nothing follows `data: [DONE]`.
 */
export const transcript = (text: string): Transcript => {
  expect(text.endsWith("\n\n")).toBe(true)
  const comments: Array<string> = []
  const data: Array<string> = []
  let done = false
  for (const event of text.slice(0, -2).split("\n\n")) {
    expect(done, "nothing may follow [DONE]").toBe(false)
    expect(event).not.toContain("\n")
    if (event.startsWith(":")) comments.push(event.slice(1).trim())
    else if (event === "data: [DONE]") done = true
    else {
      expect(event.startsWith("data: ")).toBe(true)
      data.push(event.slice("data: ".length))
    }
  }
  return { comments, data, done }
}

/** The chunks of a transcript, decoded with the domain schema. */
export const chunksOf = (events: Transcript): Array<ChatCompletionChunk.ChatCompletionChunk> =>
  events.data.map((data) => decodeChunk(data))

/** A fresh temporary directory, removed when the scope closes. */
export const tempDir = Effect.flatMap(
  FileSystem.FileSystem,
  (fileSystem) => fileSystem.makeTempDirectoryScoped({ prefix: "objectiveai-server-" })
).pipe(Effect.provide(NodeFileSystem.layer))
