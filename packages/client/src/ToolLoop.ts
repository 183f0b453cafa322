/**
 * A tool loop over an analysis `ToolCalls` toolkit, as openai-node's `runTools`: create a completion with the
 * toolkit's tools, run the handler of every call it makes, append the assistant message and one tool message per
 * call, and ask again, until the model answers without calling a tool or the round limit is reached. A call of an
 * unknown tool, arguments that do not decode and a handler that fails are not failures of the loop: each goes back
 * to the model as its tool message, so it can correct itself. The loop returns its transcript, every completion, what
 * each call did, and the exact total cost.
 *
 * The client depends on `@objectiveai-effect/analysis` for this (tool-call decoding and exact cost); analysis depends
 * only on the domain, so there is no cycle.
 *
 * @example
 * ```ts
 * import { Effect, Schema } from "effect"
 * import { ToolCalls } from "@objectiveai-effect/analysis"
 * import { ToolLoop } from "@objectiveai-effect/client"
 *
 * const toolkit = ToolCalls.toolkit({ get_weather: Schema.Struct({ city: Schema.String }) })
 *
 * const program = ToolLoop.run(
 *   { model: "openai/gpt-4o-mini", messages: [{ role: "user", content: "Weather in Paris?" }] },
 *   { toolkit, handlers: { get_weather: ({ city }) => Effect.succeed({ city, celsius: 21 }) }, maxRounds: 4 }
 * ).pipe(Effect.map((result) => result.completion.choices[0]?.message.content))
 * ```
 *
 * @since 0.1.0
 */
import { Cost, ToolCalls } from "@objectiveai-effect/analysis"
import type { ChatCompletion, ChatCompletionCreateParams, ChatCompletionMessage } from "@objectiveai-effect/domain"
import * as Effect from "effect/Effect"
import * as Predicate from "effect/Predicate"
import type * as Schema from "effect/Schema"
import type { Concurrency } from "effect/Types"
import * as ObjectiveAiClient from "./ObjectiveAiClient.js"
import type * as ObjectiveAiError from "./ObjectiveAiError.js"

/**
 * A handler per tool of the toolkit: it gets the decoded arguments and the call, and its success is sent to the model
 * (a string as it is, anything else as JSON). A failure is sent to the model too, as `Error: <message>`.
 *
 * @since 0.1.0
 * @category models
 */
export type HandlersFor<Tools extends Record<string, Schema.Schema.AnyNoContext>> = {
  readonly [K in keyof Tools & string]: (
    args: Schema.Schema.Type<Tools[K]>,
    call: ToolCalls.Decoded<K, Schema.Schema.Type<Tools[K]>>
  ) => Effect.Effect<unknown, unknown, unknown>
}

/**
 * The failures of a set of handlers.
 *
 * @since 0.1.0
 * @category models
 */
export type HandlerError<Handlers> = {
  readonly [K in keyof Handlers]: Handlers[K] extends (...args: ReadonlyArray<never>) => Effect.Effect<
    infer _A,
    infer E,
    infer _R
  > ? E
    : never
}[keyof Handlers]

/**
 * The services a set of handlers needs.
 *
 * @since 0.1.0
 * @category models
 */
export type HandlerContext<Handlers> = {
  readonly [K in keyof Handlers]: Handlers[K] extends (...args: ReadonlyArray<never>) => Effect.Effect<
    infer _A,
    infer _E,
    infer R
  > ? R
    : never
}[keyof Handlers]

/**
 * Options of {@link run}.
 *
 * @since 0.1.0
 * @category options
 */
export interface Options<
  Tools extends Record<string, Schema.Schema.AnyNoContext>,
  Handlers extends HandlersFor<Tools>
> {
  readonly toolkit: ToolCalls.Toolkit<Tools>
  readonly handlers: Handlers
  /** The most completions the loop creates; 10 by default (as `runTools`), at least 1. */
  readonly maxRounds?: number | undefined
  /** How many handlers of one round run at once; one at a time by default. */
  readonly concurrency?: Concurrency | undefined
}

/**
 * What one tool call did, with the content of the tool message that answered it:
 * - `Succeeded`: its handler's result;
 * - `Failed`: its handler's failure;
 * - `Rejected`: the call could not be run (unknown tool, invalid JSON, arguments the Schema refuses, cut off).
 *
 * @since 0.1.0
 * @category models
 */
export type ToolRun<Tools extends Record<string, Schema.Schema.AnyNoContext>, E> =
  | {
    readonly _tag: "Succeeded"
    readonly round: number
    readonly call: ToolCalls.DecodedCall<Tools>
    readonly result: unknown
    readonly content: string
  }
  | {
    readonly _tag: "Failed"
    readonly round: number
    readonly call: ToolCalls.DecodedCall<Tools>
    readonly error: E
    readonly content: string
  }
  | {
    readonly _tag: "Rejected"
    readonly round: number
    readonly error: ToolCalls.ToolCallError
    readonly content: string
  }

/**
 * What the loop did.
 *
 * @since 0.1.0
 * @category models
 */
export interface Result<Tools extends Record<string, Schema.Schema.AnyNoContext>, E> {
  /** Why it stopped: the model answered without calling a tool, or the round limit was reached. */
  readonly stop: "answered" | "max_rounds"
  /** The transcript: the request's messages, then each round's assistant message and tool messages. */
  readonly messages: ReadonlyArray<ChatCompletionMessage.Message>
  /** Every completion created, in order; the last one is {@link Result.completion}. */
  readonly completions: ReadonlyArray<ChatCompletion.ChatCompletion>
  /** The last completion: the answer, or (at the round limit) the calls left unrun. */
  readonly completion: ChatCompletion.ChatCompletion
  /** Every call run, in order. */
  readonly runs: ReadonlyArray<ToolRun<Tools, E>>
  /** The exact totals of every completion: cost charged, upstream cost, tokens. */
  readonly cost: Cost.Totals
}

const defaultMaxRounds = 10

const toContent = (value: unknown): string => typeof value === "string" ? value : JSON.stringify(value) ?? "null"

const errorText = (error: unknown): string =>
  Predicate.hasProperty(error, "message") && typeof error.message === "string"
    ? error.message
    : typeof error === "string"
    ? error
    : toContent(error)

const assistantMessage = (message: ChatCompletion.ChatCompletionMessage): ChatCompletionMessage.AssistantMessage => ({
  role: "assistant",
  content: message.content ?? null,
  ...(message.refusal == null ? {} : { refusal: message.refusal }),
  ...(message.tool_calls == null || message.tool_calls.length === 0 ? {} : {
    tool_calls: message.tool_calls.map((call) => ({
      id: call.id,
      type: "function" as const,
      function: { name: call.function.name, arguments: call.function.arguments }
    }))
  })
})

/**
 * Runs the loop: at most `maxRounds` completions of `params` with the toolkit's tools (any `tools` in `params` are
 * replaced), answering each call of the first choice with a tool message. Fails only as the client's `create` does;
 * handlers' failures and bad calls are sent to the model. At the round limit the last completion's calls are not
 * run, since nothing would read their results. Handler defects and interruptions end the loop as they would any
 * Effect.
 *
 * @since 0.1.0
 * @category running
 */
export const run = <
  Tools extends Record<string, Schema.Schema.AnyNoContext>,
  Handlers extends HandlersFor<Tools>
>(
  params: Omit<ChatCompletionCreateParams.ChatCompletionCreateParams, "tools" | "stream">,
  options: Options<Tools, Handlers>
): Effect.Effect<
  Result<Tools, HandlerError<Handlers>>,
  ObjectiveAiError.ObjectiveAiError,
  ObjectiveAiClient.ObjectiveAiClient | HandlerContext<Handlers>
> =>
  Effect.gen(function*() {
    type E = HandlerError<Handlers>
    const client = yield* ObjectiveAiClient.ObjectiveAiClient
    const maxRounds = Math.max(1, Math.floor(options.maxRounds ?? defaultMaxRounds))
    const messages: Array<ChatCompletionMessage.Message> = [...params.messages]
    const completions: Array<ChatCompletion.ChatCompletion> = []
    const runs: Array<ToolRun<Tools, E>> = []
    const tools = [...options.toolkit.tools]
    const handlers = options.handlers as unknown as Record<
      string,
      (args: unknown, call: ToolCalls.DecodedCall<Tools>) => Effect.Effect<unknown, E, HandlerContext<Handlers>>
    >

    const runCall = (round: number, result: ToolCalls.Result<Tools>): Effect.Effect<
      ToolRun<Tools, E>,
      never,
      HandlerContext<Handlers>
    > => {
      if (result._tag !== "Decoded") {
        return Effect.succeed({ _tag: "Rejected", round, error: result, content: `Error: ${result.message}` })
      }
      const handler = handlers[result.tool]
      return handler(result.arguments, result).pipe(
        Effect.match({
          onFailure: (error): ToolRun<Tools, E> => ({
            _tag: "Failed",
            round,
            call: result,
            error,
            content: `Error: ${errorText(error)}`
          }),
          onSuccess: (value): ToolRun<Tools, E> => ({
            _tag: "Succeeded",
            round,
            call: result,
            result: value,
            content: toContent(value)
          })
        }),
        Effect.withSpan("ToolLoop.handle", { attributes: { "gen_ai.tool.name": result.tool, round } })
      )
    }

    const finish = (stop: Result<Tools, E>["stop"]): Result<Tools, E> => ({
      stop,
      messages,
      completions,
      completion: completions[completions.length - 1],
      runs,
      cost: Cost.summarize(completions).total
    })

    for (let round = 1;; round++) {
      const completion = yield* client.create({ ...params, messages: [...messages], tools })
      completions.push(completion)
      const choice = completion.choices[0]
      if (choice !== undefined) messages.push(assistantMessage(choice.message))
      const calls = ToolCalls.extract(completion, options.toolkit).filter((call) => call.choiceIndex === choice?.index)
      if (calls.length === 0) return finish("answered")
      if (round >= maxRounds) return finish("max_rounds")
      const ran = yield* Effect.forEach(calls, (call) => runCall(round, call), {
        concurrency: options.concurrency ?? 1
      })
      for (let index = 0; index < ran.length; index++) {
        runs.push(ran[index])
        messages.push({ role: "tool", tool_call_id: calls[index].id, content: ran[index].content })
      }
    }
  }).pipe(Effect.withSpan("ToolLoop.run", { attributes: { "gen_ai.request.model": params.model } }))
