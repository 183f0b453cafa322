/**
 * Completions for the tests, built as JSON and decoded by the domain schemas, so that every test analyses the
 * objects a real response decodes to.
 */
import { ChatCompletion, StoredChatCompletion } from "@objectiveai-effect/domain"
import * as Schema from "effect/Schema"

const decodeCompletion = Schema.decodeUnknownSync(ChatCompletion.ChatCompletion)
const decodeStored = Schema.decodeUnknownSync(StoredChatCompletion.StoredChatCompletion)

/** 2025-11-25T00:00:00Z, the start of a UTC day. */
export const dayStart = 1_764_028_800

/** The JSON of a token logprob with the given value and top alternatives. */
export const token = (logprob: number | null, top: ReadonlyArray<number | null> = []) => ({
  token: "t",
  bytes: null,
  logprob,
  top_logprobs: top.map((alternative) => ({ token: "a", bytes: null, logprob: alternative }))
})

/** The JSON of a choice; every field may be overridden. */
export const choice = (fields: Record<string, unknown> = {}) => ({
  index: 0,
  finish_reason: "stop",
  message: { role: "assistant", content: "ok" },
  ...fields
})

/** The JSON of a tool call. */
export const toolCall = (name: string, args: string, id = `call_${name}`) => ({
  id,
  type: "function",
  function: { name, arguments: args }
})

/** A choice whose message makes the given tool calls. */
export const callingChoice = (
  calls: ReadonlyArray<ReturnType<typeof toolCall>>,
  fields: Record<string, unknown> = {}
) =>
  choice({ finish_reason: "tool_calls", message: { role: "assistant", content: null, tool_calls: calls }, ...fields })

/** A decoded completion; `fields` override the top level of a minimal valid body. */
export const completion = (fields: Record<string, unknown> = {}): ChatCompletion.ChatCompletion =>
  decodeCompletion({
    id: "chtcpl-1",
    object: "chat.completion",
    created: dayStart,
    model: "openai/gpt-4o",
    choices: [choice()],
    ...fields
  })

/** The JSON of a usage object with a cost and token counts. */
export const usage = (fields: Record<string, unknown> = {}) => ({
  prompt_tokens: 10,
  completion_tokens: 5,
  total_tokens: 15,
  ...fields
})

/** A decoded completion with `usage.cost` set (or left out with `undefined`). */
export const priced = (cost: number | null | undefined, fields: Record<string, unknown> = {}) =>
  completion({ usage: usage(cost === undefined ? {} : { cost }), ...fields })

/** A decoded completion whose single choice has the given content logprobs. */
export const withLogprobs = (
  content: ReadonlyArray<ReturnType<typeof token>> | null,
  refusal?: ReadonlyArray<ReturnType<typeof token>>
) => completion({ choices: [choice({ logprobs: refusal === undefined ? { content } : { content, refusal } })] })

/** A decoded stored completion whose request declared the named tools. */
export const stored = (
  response: ChatCompletion.ChatCompletion,
  declared: ReadonlyArray<string> | undefined
): StoredChatCompletion.StoredChatCompletion =>
  decodeStored({
    request: {
      model: response.model,
      messages: [{ role: "user", content: "hi" }],
      ...(declared === undefined ? {} : {
        tools: declared.map((name) => ({ type: "function", function: { name, parameters: { type: "object" } } }))
      })
    },
    response: Schema.encodeSync(ChatCompletion.ChatCompletion)(response)
  })
