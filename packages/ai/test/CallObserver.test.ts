/**
 * The provider calls the client, so a `CallObserver` provided beside it sees its calls: `generateText` as a create,
 * `streamText` as a stream, each with the tags of the fiber that made it.
 */
import * as LanguageModel from "@effect/ai/LanguageModel"
import { expect, layer } from "@effect/vitest"
import { CallObserver, CallTags } from "@objectiveai-effect/client"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import * as Support from "./support.js"

layer(Support.layer())((it) => {
  it.effect("generateText and streamText are observed with their tags and completions", () =>
    Effect.gen(function*() {
      const records: Array<CallObserver.CallRecord> = []
      const observed = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
        Effect.provideService(effect, CallObserver.CallObserver, {
          record: (call) => Effect.sync(() => records.push(call))
        })
      const text = yield* observed(LanguageModel.generateText({ prompt: "Hello" })).pipe(
        CallTags.tagged({ feature: "greeting" })
      )
      yield* observed(Stream.runDrain(LanguageModel.streamText({ prompt: "Hello again" }))).pipe(
        CallTags.tagged({ feature: "chat" })
      )
      expect(records.map((call) => [call.operation, call.outcome._tag, call.tags.feature])).toStrictEqual([
        ["create", "Success", "greeting"],
        ["stream", "Success", "chat"]
      ])
      expect(Option.getOrThrow(records[0].completion).choices[0].message.content).toBe(text.text)
      expect(records[0].request.model).toBe(Support.model)
    }))
})
