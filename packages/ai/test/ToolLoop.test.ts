import * as LanguageModel from "@effect/ai/LanguageModel"
import * as Tool from "@effect/ai/Tool"
import * as Toolkit from "@effect/ai/Toolkit"
import { describe, expect, layer } from "@effect/vitest"
import { ObjectiveAiClient } from "@objectiveai-effect/client"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import { ObjectiveAiLanguageModel, ToolLoop } from "../src/index.js"
import * as Support from "./support.js"

const GetWeather = Tool.make("get_weather", {
  description: "Current weather for a city",
  parameters: { city: Schema.String },
  success: Schema.Struct({ city: Schema.String, celsius: Schema.Number })
})

const Tools = Toolkit.make(GetWeather)

const calledWith: Array<string> = []

const ToolsLive = Tools.toLayer({
  get_weather: ({ city }) => Effect.sync(() => calledWith.push(city)).pipe(Effect.as({ city, celsius: 21 }))
})

const completionIdOf = (response: { readonly content: ReadonlyArray<{ readonly type: string }> }) =>
  ObjectiveAiLanguageModel.finishMetadata(response.content)?.completionId ?? ""

describe("tool calls through an @effect/ai Toolkit", () => {
  layer(Layer.merge(Support.layer(), ToolsLive))((it) => {
    it.effect("a two-step loop: the handler runs, its result goes back, the model answers", () =>
      Effect.gen(function*() {
        calledWith.length = 0
        const toolkit = yield* Tools
        const result = yield* ToolLoop.generateText({ prompt: "What is the weather in Lisbon today?", toolkit })
        expect(result.stop).toBe("answered")
        expect(result.steps).toHaveLength(2)
        const [first, second] = result.steps
        expect(first.finishReason).toBe("tool-calls")
        expect(first.toolCalls).toHaveLength(1)
        const call = first.toolCalls[0]
        expect(calledWith).toEqual([call.params.city])
        expect(first.toolResults[0]).toMatchObject({ id: call.id, name: "get_weather", isFailure: false })
        expect(first.toolResults[0].result).toEqual({ city: call.params.city, celsius: 21 })
        expect(second.finishReason).toBe("stop")
        expect(second.text.length).toBeGreaterThan(0)
        expect(result.response).toBe(second)
        // What the server received for the second step: the call, then the handler's result answering it.
        const client = yield* ObjectiveAiClient.ObjectiveAiClient
        const stored = yield* client.retrieve(completionIdOf(second))
        expect(stored.request.messages).toEqual([
          { role: "user", content: "What is the weather in Lisbon today?" },
          {
            role: "assistant",
            content: null,
            tool_calls: [{
              id: call.id,
              type: "function",
              function: { name: "get_weather", arguments: JSON.stringify(call.params) }
            }]
          },
          { role: "tool", tool_call_id: call.id, content: JSON.stringify({ city: call.params.city, celsius: 21 }) }
        ])
        expect(stored.request.tools).toEqual([{
          type: "function",
          function: {
            name: "get_weather",
            description: "Current weather for a city",
            parameters: {
              type: "object",
              required: ["city"],
              properties: { city: { type: "string" } },
              additionalProperties: false
            },
            strict: true
          }
        }])
      }))

    it.effect("the step limit stops a model that keeps calling, after running the last calls", () =>
      Effect.gen(function*() {
        calledWith.length = 0
        const toolkit = yield* Tools
        const result = yield* ToolLoop.generateText({
          prompt: "What is the weather in Rome?",
          toolkit,
          toolChoice: { tool: "get_weather" },
          maxSteps: 3
        })
        expect(result.stop).toBe("max_steps")
        expect(result.steps).toHaveLength(3)
        expect(calledWith).toHaveLength(3)
        expect(result.prompt.content.map((message) => message.role)).toEqual([
          "user",
          "assistant",
          "tool",
          "assistant",
          "tool",
          "assistant",
          "tool"
        ])
      }))

    it.effect("streamText resolves the streamed call through the handler", () =>
      Effect.gen(function*() {
        calledWith.length = 0
        const toolkit = yield* Tools
        const parts = Chunk.toReadonlyArray(
          yield* Stream.runCollect(LanguageModel.streamText({
            prompt: "What is the weather in Porto today?",
            toolkit,
            toolChoice: "required"
          }))
        )
        const call = parts.find((part) => part.type === "tool-call")
        const result = parts.find((part) => part.type === "tool-result")
        if (call?.type !== "tool-call" || result?.type !== "tool-result") return expect.fail("no call and result")
        expect(calledWith).toEqual([call.params.city])
        expect(result.result).toEqual({ city: call.params.city, celsius: 21 })
        const streamedParams = parts.flatMap((part) => part.type === "tool-params-delta" ? [part.delta] : []).join("")
        expect(JSON.parse(streamedParams)).toEqual(call.params)
        // The handler's result follows its call, and the response ends once, asking for the tools it called: the
        // result may come before or after the finish part, as the handler runs beside the stream.
        const types = parts.map((part) => part.type)
        expect(types.indexOf("tool-result")).toBeGreaterThan(types.indexOf("tool-call"))
        const finishes = parts.filter((part) => part.type === "finish")
        expect(finishes.map((part) => part.reason)).toEqual(["tool-calls"])
        expect(types.slice(-2).sort()).toEqual(["finish", "tool-result"])
      }))
  })
})
