import * as AiError from "@effect/ai/AiError"
import type * as LanguageModel from "@effect/ai/LanguageModel"
import type * as Prompt from "@effect/ai/Prompt"
import * as Tool from "@effect/ai/Tool"
import { StructuredOutput } from "@objectiveai-effect/client"
import {
  type ChatCompletionCreateParams,
  type ChatCompletionMessage,
  ChatCompletionTool
} from "@objectiveai-effect/domain"
import * as Effect from "effect/Effect"
import * as Encoding from "effect/Encoding"

const moduleName = "ObjectiveAiLanguageModel"

type UserPart = Exclude<ChatCompletionMessage.UserMessage["content"], string>[number]

const dataUrl = (data: string | Uint8Array | URL, mediaType: string): string =>
  data instanceof URL
    ? data.toString()
    : data instanceof Uint8Array
    ? `data:${mediaType};base64,${Encoding.encodeBase64(data)}`
    : data.startsWith("data:") || /^https?:\/\//.test(data)
    ? data
    : `data:${mediaType};base64,${data}`

const base64Of = (data: string | Uint8Array | URL): string | undefined =>
  data instanceof Uint8Array
    ? Encoding.encodeBase64(data)
    : data instanceof URL
    ? undefined
    : data.startsWith("data:")
    ? data.slice(data.indexOf(",") + 1)
    : data

const audioFormats: Record<string, "wav" | "mp3"> = {
  "audio/wav": "wav",
  "audio/x-wav": "wav",
  "audio/wave": "wav",
  "audio/mpeg": "mp3",
  "audio/mp3": "mp3"
}

const userPart = (part: Prompt.UserMessagePart): Effect.Effect<UserPart, AiError.MalformedInput> => {
  if (part.type === "text") return Effect.succeed({ type: "text", text: part.text })
  if (part.mediaType.startsWith("image/")) {
    const mediaType = part.mediaType === "image/*" ? "image/jpeg" : part.mediaType
    return Effect.succeed({ type: "image_url", image_url: { url: dataUrl(part.data, mediaType) } })
  }
  const format = audioFormats[part.mediaType]
  if (format !== undefined) {
    const data = base64Of(part.data)
    return data === undefined
      ? Effect.fail(
        new AiError.MalformedInput({
          module: moduleName,
          method: "prepareMessages",
          description: "Audio must be sent as data, not as a URL"
        })
      )
      : Effect.succeed({ type: "input_audio", input_audio: { data, format } })
  }
  return Effect.succeed({
    type: "file",
    file: {
      file_data: dataUrl(part.data, part.mediaType),
      ...(part.fileName === undefined ? {} : { filename: part.fileName })
    }
  })
}

/** A tool's result as the tool message carries it: a string as it is, anything else as JSON. */
export const toolResultContent = (result: unknown): string =>
  typeof result === "string" ? result : JSON.stringify(result) ?? "null"

/**
 * What an assistant message sends back of its reasoning parts, as OpenRouter asks of reasoning models: `reasoning`,
 * their text, and `reasoning_details`, one `reasoning.text` block per part. Keys the request schema keeps as given
 * (it passes an assistant message's unknown keys through), so they are added beside the ones it declares.
 */
const reasoningOf = (
  parts: ReadonlyArray<Prompt.AssistantMessagePart>
): {
  readonly reasoning?: string
  readonly reasoning_details?: ReadonlyArray<
    { readonly type: "reasoning.text"; readonly text: string; readonly index: number }
  >
} => {
  const texts = parts.flatMap((part) => part.type === "reasoning" && part.text.length > 0 ? [part.text] : [])
  return texts.length === 0 ? {} : {
    reasoning: texts.join(""),
    reasoning_details: texts.map((text, index) => ({ type: "reasoning.text", text, index }))
  }
}

/** The messages of a prompt; an assistant message's reasoning goes back with it ({@link reasoningOf}). */
export const messages = Effect.fnUntraced(function*(prompt: Prompt.Prompt) {
  const out: Array<ChatCompletionMessage.Message> = []
  for (const message of prompt.content) {
    switch (message.role) {
      case "system": {
        out.push({ role: "system", content: message.content })
        break
      }
      case "user": {
        const [first] = message.content
        if (message.content.length === 1 && first.type === "text") {
          out.push({ role: "user", content: first.text })
        } else {
          out.push({ role: "user", content: yield* Effect.forEach(message.content, userPart) })
        }
        break
      }
      case "assistant": {
        let text = ""
        const toolCalls: Array<ChatCompletionMessage.ToolCall> = []
        for (const part of message.content) {
          if (part.type === "text") text += part.text
          else if (part.type === "tool-call" && !part.providerExecuted) {
            toolCalls.push({
              id: part.id,
              type: "function",
              function: { name: part.name, arguments: JSON.stringify(part.params) }
            })
          }
        }
        const reasoning = reasoningOf(message.content)
        out.push(
          toolCalls.length === 0
            ? { role: "assistant", content: text, ...reasoning }
            : { role: "assistant", content: text.length === 0 ? null : text, tool_calls: toolCalls, ...reasoning }
        )
        break
      }
      case "tool": {
        for (const part of message.content) {
          out.push({ role: "tool", tool_call_id: part.id, content: toolResultContent(part.result) })
        }
        break
      }
    }
  }
  return out
})

/** The request's `tools` and `tool_choice`; a tool is `strict` when its parameters allow it. */
export const tools = (options: LanguageModel.ProviderOptions): Effect.Effect<
  Pick<ChatCompletionCreateParams.ChatCompletionCreateParams, "tools" | "tool_choice">,
  AiError.MalformedInput
> => {
  if (options.tools.length === 0) return Effect.succeed({})
  if (options.tools.some(Tool.isProviderDefined)) {
    return Effect.fail(
      new AiError.MalformedInput({
        module: moduleName,
        method: "prepareTools",
        description: "ObjectiveAI runs no provider-defined tools: give user-defined tools with handlers"
      })
    )
  }
  let declared: Array<ChatCompletionTool.Tool> = options.tools.map((tool) => {
    const parameters = ChatCompletionTool.parametersJsonSchema(tool.parametersSchema)
    const description = tool.description ?? Tool.getDescriptionFromSchemaAst(tool.parametersSchema.ast)
    return {
      type: "function",
      function: {
        name: tool.name,
        ...(description === undefined ? {} : { description }),
        parameters,
        strict: ChatCompletionTool.isStrictJsonSchema(parameters)
      }
    }
  })
  const choice = options.toolChoice
  let toolChoice: ChatCompletionTool.ToolChoice
  if (choice === "auto" || choice === "none" || choice === "required") toolChoice = choice
  else if ("tool" in choice) toolChoice = { type: "function", function: { name: choice.tool } }
  else {
    const allowed = new Set<string>(choice.oneOf)
    declared = declared.filter((tool) => allowed.has(tool.function.name))
    toolChoice = choice.mode === "required" ? "required" : "auto"
  }
  return Effect.succeed({ tools: declared, tool_choice: toolChoice })
}

/** The request's `response_format`: `json_schema` from the schema for `generateObject`, nothing for text. */
export const responseFormat = (
  options: LanguageModel.ProviderOptions
): Pick<ChatCompletionCreateParams.ChatCompletionCreateParams, "response_format"> =>
  options.responseFormat.type === "text" ? {} : {
    response_format: StructuredOutput.responseFormat(options.responseFormat.schema, {
      name: options.responseFormat.objectName
    })
  }
