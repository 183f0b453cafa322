/**
 * `objectiveai retrieve <id>`: one stored completion, readable (model, provider, creation time, the request's
 * messages in brief, each choice's content, refusal, tool calls and finish reason, usage and exact cost) or, with
 * `--json`, exactly as stored, written with the domain's lossless JSON so that a seed beyond 2^53 keeps every digit.
 *
 * @since 0.1.0
 */
import { Cost } from "@objectiveai-effect/analysis"
import { ObjectiveAiClient } from "@objectiveai-effect/client"
import { type ChatCompletion, Json, StoredChatCompletion } from "@objectiveai-effect/domain"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import * as CliError from "./CliError.js"
import * as Connection from "./Connection.js"
import * as Render from "./Render.js"

type Message = StoredChatCompletion.StoredChatCompletionRequest["messages"][number]

const labelWidth = 11
const excerpt = 100

/** `label  value`, continuation lines of the value indented under its first. */
const field = (label: string, value: string, indent = ""): Array<string> => {
  const [first, ...rest] = value.split("\n")
  const pad = " ".repeat(indent.length + labelWidth)
  return [`${indent}${label.padEnd(labelWidth - 1)} ${first}`, ...rest.map((line) => `${pad}${line}`)]
}

/** A content part in brief: its text, or what kind of part it is. */
const partBrief = (part: { readonly type: string } & { readonly [key: string]: unknown }): string => {
  switch (part.type) {
    case "text":
      return String(part.text)
    case "refusal":
      return `[refusal] ${String(part.refusal)}`
    case "image_url":
      return "[image]"
    case "input_audio":
    case "audio_url":
      return "[audio]"
    case "file":
      return "[file]"
    default:
      return `[${part.type}]`
  }
}

const contentBrief = (content: unknown): string =>
  typeof content === "string"
    ? content
    : Array.isArray(content)
    ? content.map((part) => partBrief(part)).join(" ")
    : ""

/** One line per message: its role (and name), then the start of what it says. */
const messageBrief = (message: Message): Array<string> => {
  const role = "name" in message && message.name !== undefined ? `${message.role} (${message.name})` : message.role
  let text: string
  switch (message.role) {
    case "tool":
      text = `[result of ${message.tool_call_id}] ${contentBrief(message.content)}`
      break
    case "assistant": {
      const calls = (message.tool_calls ?? []).map((call) => `[calls ${call.function.name}]`)
      text = [contentBrief(message.content), message.refusal ?? "", ...calls].filter((part) => part !== "").join(" ")
      break
    }
    case "chat_completion":
    case "score_completion":
      text = `[choice ${message.choice_index} of ${message.id}]`
      break
    default:
      text = contentBrief(message.content)
  }
  return field(role, Render.oneLine(text, excerpt), "  ")
}

const requestSummary = (request: StoredChatCompletion.StoredChatCompletionRequest): string => {
  const tools = request.tools ?? []
  // A stored request may hold `null` for any optional field; like the API, the summary reads it as absent.
  const toolChoice = request.tool_choice == null
    ? []
    : [
      `tool_choice ${typeof request.tool_choice === "string" ? request.tool_choice : request.tool_choice.function.name}`
    ]
  return [
    `${request.messages.length} message${request.messages.length === 1 ? "" : "s"}`,
    ...(tools.length === 0 ? [] : [`tools ${tools.map((tool) => tool.function.name).join(", ")}`]),
    ...toolChoice,
    ...(request.temperature == null ? [] : [`temperature ${request.temperature}`]),
    ...(request.seed == null ? [] : [`seed ${request.seed}`])
  ].join(" · ")
}

const choiceLines = (choice: ChatCompletion.Choice): Array<string> => {
  const message = choice.message
  return [
    `choice ${choice.index}  finish: ${choice.finish_reason ?? "none"}`,
    ...(message.reasoning == null ? [] : field("reasoning", Render.oneLine(message.reasoning, excerpt), "  ")),
    ...(message.content == null ? [] : field("content", message.content, "  ")),
    ...(message.refusal == null ? [] : field("refusal", message.refusal, "  ")),
    ...(message.tool_calls ?? []).flatMap((call) =>
      field("tool call", `${call.function.name} ${call.id}\n${Render.oneLine(call.function.arguments, excerpt)}`, "  ")
    ),
    ...(choice.error == null ? [] : field("error", `${choice.error.code ?? ""} ${choice.error.message}`.trim(), "  "))
  ]
}

const encodeTotals = Schema.encodeSync(Cost.Totals)

const usageLines = (completion: ChatCompletion.ChatCompletion): Array<string> => {
  const usage = completion.usage
  if (usage == null) return field("usage", "none reported (unpriced)")
  const cached = usage.prompt_tokens_details?.cached_tokens
  const reasoning = usage.completion_tokens_details?.reasoning_tokens
  const details = [
    ...(cached == null ? [] : [`cached ${cached}`]),
    ...(reasoning == null ? [] : [`reasoning ${reasoning}`])
  ]
  const tokens = `${usage.prompt_tokens} prompt + ${usage.completion_tokens} completion = ${usage.total_tokens} tokens${
    details.length === 0 ? "" : ` (${details.join(", ")})`
  }`
  // The analysis package's totals of this one completion: the exact decimals the report sums.
  const totals = encodeTotals(Cost.summarize([completion]).total)
  const cost = totals.unpriced > 0
    ? "none reported (unpriced)"
    : `${totals.cost} credits (upstream ${totals.upstreamInferenceCost}, BYOK upstream ${totals.upstreamUpstreamInferenceCost}${
      usage.is_byok === true ? ", bring-your-own-key" : ""
    })`
  return [...field("usage", tokens), ...field("cost", cost)]
}

/**
 * A stored completion as readable text, every control character in what the server sent escaped
 * ({@link Render.printable}) but the line breaks and tabs of its content.
 *
 * @since 0.1.0
 * @category rendering
 */
export const render = (stored: StoredChatCompletion.StoredChatCompletion): string => {
  const response = stored.response
  const created = new Date(response.created * 1000)
  return Render.printable([
    response.id,
    ...field("model", response.model),
    ...field("provider", response.provider ?? "(none)"),
    ...field(
      "created",
      Number.isNaN(created.getTime()) ? String(response.created) : created.toISOString().replace(".000Z", "Z")
    ),
    ...field("request", requestSummary(stored.request)),
    ...stored.request.messages.flatMap(messageBrief),
    "",
    ...response.choices.flatMap((choice) => [...choiceLines(choice), ""]),
    ...usageLines(response)
  ].join("\n"))
}

const encodeStored = Schema.encodeSync(StoredChatCompletion.StoredChatCompletion)

/**
 * A stored completion as the exact JSON of the API, integers beyond 2^53 included.
 *
 * @since 0.1.0
 * @category encoding
 */
export const json = (stored: StoredChatCompletion.StoredChatCompletion): string => Json.stringify(encodeStored(stored))

/**
 * Retrieves the completion and prints it on stdout.
 *
 * @since 0.1.0
 * @category commands
 */
export const run = (options: {
  readonly id: string
  readonly json: boolean
  readonly connection: Connection.Flags
}): Effect.Effect<void, CliError.CliError> =>
  Effect.gen(function*() {
    const connection = yield* Connection.fromFlags(options.connection)
    const stored = yield* Effect.flatMap(ObjectiveAiClient.ObjectiveAiClient, (client) => client.retrieve(options.id))
      .pipe(
        Effect.mapError((error) => CliError.fromClient(error, { baseUrl: connection.baseUrl, id: options.id })),
        Effect.provide(Connection.layer(connection))
      )
    yield* Console.log(options.json ? json(stored) : render(stored))
  })
