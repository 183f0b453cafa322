/**
 * The loop that runs a toolkit's handlers and sends their results back, over any `@effect/ai` `LanguageModel`:
 * `LanguageModel.generateText` runs the handlers of the calls in one response; this asks again with the calls and their
 * results appended, step after step, until the model answers without calling a tool or the step limit is reached.
 *
 * @example
 * ```ts
 * import { Tool, Toolkit } from "@effect/ai"
 * import { Effect, Schema } from "effect"
 * import { ToolLoop } from "@objectiveai-effect/ai"
 *
 * const GetWeather = Tool.make("get_weather", {
 *   parameters: { city: Schema.String },
 *   success: Schema.Struct({ celsius: Schema.Number })
 * })
 * const Tools = Toolkit.make(GetWeather)
 * const ToolsLive = Tools.toLayer({ get_weather: () => Effect.succeed({ celsius: 21 }) })
 *
 * const answer = Effect.gen(function*() {
 *   const { response } = yield* ToolLoop.generateText({ prompt: "Weather in Lisbon?", toolkit: yield* Tools })
 *   return response.text
 * }).pipe(Effect.provide(ToolsLive))
 * ```
 *
 * @since 0.1.0
 */
import type * as AiError from "@effect/ai/AiError"
import * as LanguageModel from "@effect/ai/LanguageModel"
import * as Prompt from "@effect/ai/Prompt"
import type * as Tool from "@effect/ai/Tool"
import type * as Toolkit from "@effect/ai/Toolkit"
import * as Effect from "effect/Effect"
import type { Concurrency } from "effect/Types"

/**
 * Options of {@link generateText}.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options<Tools extends Record<string, Tool.Any>> {
  /** The conversation so far. */
  readonly prompt: Prompt.RawInput
  /** The tools and their handlers. */
  readonly toolkit: Toolkit.WithHandler<Tools>
  /** As `LanguageModel.generateText`'s, for every step. */
  readonly toolChoice?:
    | LanguageModel.ToolChoice<{ [Name in keyof Tools]: Tools[Name]["name"] }[keyof Tools]>
    | undefined
  /** How many handlers of one step run at once. */
  readonly concurrency?: Concurrency | undefined
  /** The most responses asked for; 10 by default, at least 1. */
  readonly maxSteps?: number | undefined
}

/**
 * What the loop did.
 *
 * @since 0.1.0
 * @category models
 */
export interface Result<Tools extends Record<string, Tool.Any>> {
  /** Why it stopped: an answer without tool calls, or the step limit (the last response's calls were run). */
  readonly stop: "answered" | "max_steps"
  /** The last response. */
  readonly response: LanguageModel.GenerateTextResponse<Tools>
  /** Every response, in order, each with its tool calls and their results. */
  readonly steps: ReadonlyArray<LanguageModel.GenerateTextResponse<Tools>>
  /** The whole conversation: the prompt, then each step's assistant message and tool results. */
  readonly prompt: Prompt.Prompt
}

const defaultMaxSteps = 10

/**
 * Runs the loop with the `LanguageModel` in context. Fails as `LanguageModel.generateText` does: with an `AiError`,
 * or with a handler's failure for a tool whose `failureMode` is `"error"` (with `"return"` the failure goes back to
 * the model instead).
 *
 * @since 0.1.0
 * @category actions
 */
export const generateText = <Tools extends Record<string, Tool.Any>>(
  options: Options<Tools>
): Effect.Effect<
  Result<Tools>,
  AiError.AiError | Tool.HandlerError<Tools[keyof Tools]>,
  LanguageModel.LanguageModel | Tool.Requirements<Tools[keyof Tools]>
> =>
  Effect.gen(function*() {
    const maxSteps = Math.max(1, Math.floor(options.maxSteps ?? defaultMaxSteps))
    let prompt = Prompt.make(options.prompt)
    const steps: Array<LanguageModel.GenerateTextResponse<Tools>> = []
    for (let step = 1;; step++) {
      const response: LanguageModel.GenerateTextResponse<Tools> = yield* LanguageModel.generateText({
        prompt,
        toolkit: options.toolkit,
        ...(options.toolChoice === undefined ? {} : { toolChoice: options.toolChoice }),
        ...(options.concurrency === undefined ? {} : { concurrency: options.concurrency })
      })
      steps.push(response)
      prompt = Prompt.merge(prompt, Prompt.fromResponseParts(response.content))
      const stop: Result<Tools>["stop"] | undefined = response.toolCalls.length === 0
        ? "answered"
        : step >= maxSteps
        ? "max_steps"
        : undefined
      if (stop !== undefined) return { stop, response, steps, prompt }
    }
  }).pipe(Effect.withSpan("ToolLoop.generateText", { captureStackTrace: false }))
