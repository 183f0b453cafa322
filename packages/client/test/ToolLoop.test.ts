import { describe, expect, layer } from "@effect/vitest"
import { Cost, ToolCalls } from "@objectiveai-effect/analysis"
import type { ChatCompletionTool } from "@objectiveai-effect/domain"
import * as BigDecimal from "effect/BigDecimal"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import { ObjectiveAiClient, ToolLoop } from "../src/index.js"
import * as LocalServer from "./support/localServer.js"

class WeatherUnavailable extends Schema.TaggedError<WeatherUnavailable>()("WeatherUnavailable", {
  city: Schema.String
}) {
  override get message() {
    return `no weather station near ${this.city}`
  }
}

const toolkit = ToolCalls.toolkit({
  get_weather: {
    description: "Current weather for a city",
    parameters: Schema.Struct({ city: Schema.String })
  }
})

const ask = (content: string) => ({
  model: "openai/gpt-4o-mini",
  messages: [{ role: "user" as const, content }],
  seed: 11
})

/** The stored request of a completion the loop made: what the server really received. */
const storedMessages = (id: string) =>
  Effect.flatMap(ObjectiveAiClient.ObjectiveAiClient, (client) => client.retrieve(id)).pipe(
    Effect.map((stored) => stored.request.messages)
  )

const exactCost = (completions: ReadonlyArray<Parameters<typeof Cost.charged>[0]>) =>
  completions.reduce(
    (sum, completion) => BigDecimal.sum(sum, Option.getOrThrow(Cost.charged(completion))),
    BigDecimal.fromBigInt(0n)
  )

describe("ToolLoop against the local server", () => {
  layer(LocalServer.layer)((it) => {
    it.effect("runs a call, sends its result back, and returns the answer, the transcript and the exact cost", () =>
      Effect.gen(function*() {
        const seen: Array<string> = []
        const result = yield* ToolLoop.run(ask("What is the weather in Lisbon today?"), {
          toolkit,
          handlers: {
            get_weather: ({ city }) => Effect.sync(() => seen.push(city)).pipe(Effect.as({ city, celsius: 21 }))
          }
        })
        expect(result.stop).toBe("answered")
        expect(result.completions).toHaveLength(2)
        expect(result.messages.map((message) => message.role)).toEqual(["user", "assistant", "tool", "assistant"])
        expect(result.runs).toHaveLength(1)
        const run = result.runs[0]
        expect(run._tag).toBe("Succeeded")
        if (run._tag !== "Succeeded") return
        expect(seen).toEqual([run.call.arguments.city])
        expect(run.content).toBe(JSON.stringify({ city: run.call.arguments.city, celsius: 21 }))
        expect(result.completion.choices[0].message.content?.length).toBeGreaterThan(0)
        // The second request carried the assistant's call and the handler's result, answering that call.
        const sent = yield* storedMessages(result.completion.id)
        expect(sent).toEqual(result.messages.slice(0, 3))
        expect(sent[2]).toEqual({ role: "tool", tool_call_id: run.call.id, content: run.content })
        expect(result.cost.completions).toBe(2)
        expect(BigDecimal.equals(result.cost.cost, exactCost(result.completions))).toBe(true)
      }))

    it.effect("sends a handler's failure to the model as the tool message and goes on", () =>
      Effect.gen(function*() {
        const result = yield* ToolLoop.run(ask("What is the weather in Oslo today?"), {
          toolkit,
          handlers: { get_weather: ({ city }) => Effect.fail(new WeatherUnavailable({ city })) }
        })
        expect(result.stop).toBe("answered")
        const run = result.runs[0]
        expect(run._tag).toBe("Failed")
        if (run._tag !== "Failed") return
        expect(run.error).toBeInstanceOf(WeatherUnavailable)
        expect(run.content).toBe(`Error: no weather station near ${run.error.city}`)
        expect(result.messages[2]).toEqual({ role: "tool", tool_call_id: run.call.id, content: run.content })
      }))

    it.effect("answers a call of a tool it has no handler for with an error message, without running anything", () =>
      Effect.gen(function*() {
        const inventory: ChatCompletionTool.Tool = {
          type: "function",
          function: { name: "check_inventory", parameters: { type: "object", properties: {} } }
        }
        // A model may call a tool the loop does not know; here the request declares one the toolkit has no schema for.
        const result = yield* ToolLoop.run(ask("Please check inventory for blue widgets"), {
          toolkit: { parameters: toolkit.parameters, tools: [...toolkit.tools, inventory] },
          handlers: { get_weather: () => Effect.die("must not run") }
        })
        expect(result.stop).toBe("answered")
        const run = result.runs[0]
        expect(run._tag).toBe("Rejected")
        if (run._tag !== "Rejected") return
        expect(run.error._tag).toBe("UnknownTool")
        expect(run.content).toBe(`Error: Tool call ${run.error.id} calls unknown tool "check_inventory"`)
      }))

    it.effect("answers arguments the Schema refuses with the issues, and the handler never sees them", () =>
      Effect.gen(function*() {
        // The JSON Schema says "a string"; the Effect Schema also wants an upper-case airport code.
        const flights = ToolCalls.toolkit({
          find_flights: Schema.Struct({ from: Schema.String.pipe(Schema.pattern(/^[A-Z]{3}$/)) })
        })
        const result = yield* ToolLoop.run(ask("Find flights from Lisbon"), {
          toolkit: flights,
          handlers: { find_flights: () => Effect.die("must not run") }
        })
        expect(result.stop).toBe("answered")
        const run = result.runs[0]
        expect(run._tag).toBe("Rejected")
        if (run._tag !== "Rejected") return
        expect(run.error._tag).toBe("SchemaMismatch")
        expect(run.content).toContain("from")
        expect(run.content.startsWith("Error: Tool call")).toBe(true)
      }))

    it.effect("stops at the round limit, leaving the last calls unrun, with every completion counted", () =>
      Effect.gen(function*() {
        let runs = 0
        // A named tool_choice makes the model call the tool every time, however often it gets a result.
        const result = yield* ToolLoop.run(
          {
            ...ask("What is the weather in Rome?"),
            tool_choice: { type: "function", function: { name: "get_weather" } }
          },
          {
            toolkit,
            handlers: { get_weather: () => Effect.sync(() => ++runs) },
            maxRounds: 3
          }
        )
        expect(result.stop).toBe("max_rounds")
        expect(result.completions).toHaveLength(3)
        expect(runs).toBe(2)
        expect(result.runs.map((run) => run.round)).toEqual([1, 2])
        expect(result.messages.map((message) => message.role)).toEqual([
          "user",
          "assistant",
          "tool",
          "assistant",
          "tool",
          "assistant"
        ])
        expect(result.completion.choices[0].finish_reason).toBe("tool_calls")
        expect(result.cost.completions).toBe(3)
        expect(BigDecimal.equals(result.cost.cost, exactCost(result.completions))).toBe(true)
      }))

    it.effect("fails with the client's typed error when a round's request is refused", () =>
      Effect.gen(function*() {
        const error = yield* Effect.flip(ToolLoop.run({ ...ask("Weather in Paris?"), top_p: 7 }, {
          toolkit,
          handlers: { get_weather: () => Effect.succeed("sunny") }
        }))
        expect(error._tag).toBe("InvalidRequestError")
      }))
  })
})
