/**
 * What ObjectiveAI's own TypeScript SDK (npm `objectiveai` 1.1.x, the API generation this project implements)
 * declares for the answers it receives, written down as types and {@link Shape}s, since that package cannot be
 * installed here.
 *
 * Source: the project's API notes, "What ObjectiveAI's own SDK declares for answers" (`api-notes.md` beside the API
 * page this project implements). They record where that SDK differs from openai-node: `reasoning` optional and never
 * null on a message, `logprobs` required and nullable on a unary choice but optional and never null on a streamed one,
 * `logprobs.content` and `logprobs.refusal` arrays and never null, a delta's `refusal` and `reasoning` optional and
 * never null, list items with an RFC 3339 `created`, and the `{ code, message }` error body. Everything else is
 * declared as openai-node declares it.
 */
import { array, integer, literal, nullable, number, object, optional, type Shape, string } from "./shapes.js"

/** A top alternative of a token. */
export interface TopLogprob {
  token: string
  bytes: Array<number> | null
  logprob: number
}

/** A token's log probability. */
export interface Logprob {
  token: string
  bytes: Array<number> | null
  logprob: number
  top_logprobs: Array<TopLogprob>
}

/** A choice's logprobs: both arrays always there, `[]` when there are no such tokens. */
export interface Logprobs {
  content: Array<Logprob>
  refusal: Array<Logprob>
}

/** A tool call of a unary message. */
export interface ToolCall {
  id: string
  type: "function"
  function: { name: string; arguments: string }
}

/** The message of a unary choice. */
export interface Message {
  role: "assistant"
  content: string | null
  refusal: string | null
  tool_calls?: Array<ToolCall>
  annotations?: Array<unknown>
  reasoning?: string
}

/** A unary choice: `logprobs` required, `null` allowed. */
export interface Choice {
  index: number
  message: Message
  finish_reason: string | null
  logprobs: Logprobs | null
}

/** A unary answer. */
export interface ChatCompletion {
  id: string
  object: "chat.completion"
  created: number
  model: string
  choices: Array<Choice>
}

/** A tool-call fragment of a delta. */
export interface ToolCallDelta {
  index: number
  id?: string
  type?: "function"
  function?: { name?: string; arguments?: string }
}

/** What a chunk adds to a message: every key optional and never null. */
export interface Delta {
  role?: "assistant"
  content?: string
  refusal?: string
  reasoning?: string
  tool_calls?: Array<ToolCallDelta>
}

/** A streamed choice: `logprobs` optional, never null. */
export interface StreamChoice {
  index: number
  delta: Delta
  finish_reason: string | null
  logprobs?: Logprobs
}

/** A streamed chunk. */
export interface ChatCompletionChunk {
  id: string
  object: "chat.completion.chunk"
  created: number
  model: string
  choices: Array<StreamChoice>
}

/** An item of the list: `created` is an RFC 3339 timestamp, unlike a completion's Unix seconds. */
export interface ListItem {
  id: string
  preview: string | null
  created: string
}

/** The list's body. */
export interface ListResponse {
  data: Array<ListItem>
}

/** ObjectiveAI's error body; `message` is any JSON. */
export interface ErrorBody {
  code: number
  message: unknown
}

const topLogprob = object<TopLogprob>({ token: string, bytes: nullable(array(integer)), logprob: number })

const logprob = object<Logprob>({
  token: string,
  bytes: nullable(array(integer)),
  logprob: number,
  top_logprobs: array(topLogprob)
})

const logprobs = object<Logprobs>({ content: array(logprob), refusal: array(logprob) })

const anything: Shape<unknown> = { check: () => {} }

/** A unary answer as the SDK declares it. */
export const completion: Shape<ChatCompletion> = object<ChatCompletion>({
  id: string,
  object: literal("chat.completion"),
  created: integer,
  model: string,
  choices: array(object<Choice>({
    index: integer,
    message: object<Message>({
      role: literal("assistant"),
      content: nullable(string),
      refusal: nullable(string),
      tool_calls: optional(array(object<ToolCall>({
        id: string,
        type: literal("function"),
        function: object<ToolCall["function"]>({ name: string, arguments: string })
      }))),
      annotations: optional(array(anything)),
      reasoning: optional(string)
    }),
    finish_reason: nullable(string),
    logprobs: nullable(logprobs)
  }))
})

/** A chunk as the SDK declares it. */
export const chunk: Shape<ChatCompletionChunk> = object<ChatCompletionChunk>({
  id: string,
  object: literal("chat.completion.chunk"),
  created: integer,
  model: string,
  choices: array(object<StreamChoice>({
    index: integer,
    delta: object<Delta>({
      role: optional(literal("assistant")),
      content: optional(string),
      refusal: optional(string),
      reasoning: optional(string),
      tool_calls: optional(array(object<ToolCallDelta>({
        index: integer,
        id: optional(string),
        type: optional(literal("function")),
        function: optional(object<NonNullable<ToolCallDelta["function"]>>({
          name: optional(string),
          arguments: optional(string)
        }))
      })))
    }),
    finish_reason: nullable(string),
    logprobs: optional(logprobs)
  }))
})

const rfc3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/

const timestamp: Shape<string> = {
  check: (value, path, problems) => {
    if (typeof value !== "string" || !rfc3339.test(value)) {
      problems.push(`${path}: expected an RFC 3339 timestamp, got ${JSON.stringify(value)}`)
    }
  }
}

/** The list's body as the SDK declares it. */
export const list: Shape<ListResponse> = object<ListResponse>({
  data: array(object<ListItem>({ id: string, preview: nullable(string), created: timestamp }))
})

/** An error body as the SDK declares it. */
export const errorBody: Shape<ErrorBody> = object<ErrorBody>({ code: integer, message: anything })
