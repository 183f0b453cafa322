import { describe, expectTypeOf, it } from "@effect/vitest"
import type {
  ChatCompletion,
  ChatCompletionCreateParams,
  ChatCompletionMessage,
  StoredChatCompletion
} from "../src/index.js"

describe("the exported request types", () => {
  it("type a user message's content array as the union of its parts, not any[]", () => {
    type Content = ChatCompletionMessage.UserMessage["content"]
    type Part = Exclude<Content, string>[number]
    expectTypeOf<Part>().not.toBeAny()
    expectTypeOf<Part>().toEqualTypeOf<
      | ChatCompletionMessage.TextContentPart
      | ChatCompletionMessage.ImageContentPart
      | ChatCompletionMessage.AudioContentPart
      | ChatCompletionMessage.FileContentPart
    >()
    expectTypeOf<Exclude<ChatCompletionMessage.AssistantMessage["content"], string | null | undefined>[number]>()
      .toEqualTypeOf<ChatCompletionMessage.TextContentPart | ChatCompletionMessage.RefusalContentPart>()
    expectTypeOf<Exclude<ChatCompletionMessage.SystemMessage["content"], string>[number]>()
      .toEqualTypeOf<ChatCompletionMessage.TextContentPart>()
  })

  it("type every optional field as the API's SDKs do: absent, null or a value", () => {
    expectTypeOf<ChatCompletionCreateParams.ChatCompletionCreateParams["temperature"]>().toEqualTypeOf<
      number | null | undefined
    >()
    expectTypeOf<ChatCompletionMessage.AssistantMessage["refusal"]>().toEqualTypeOf<string | null | undefined>()
    expectTypeOf<ChatCompletionMessage.ToolMessage["content"]>().toEqualTypeOf<
      string | ReadonlyArray<ChatCompletionMessage.TextContentPart> | null | undefined
    >()
  })

  it("take a stored request and a response's message where a create body is expected", () => {
    expectTypeOf<StoredChatCompletion.StoredChatCompletionRequest>().toMatchTypeOf<
      ChatCompletionCreateParams.ChatCompletionCreateParamsInput
    >()
    expectTypeOf<ChatCompletionCreateParams.ChatCompletionCreateParams>().toMatchTypeOf<
      ChatCompletionCreateParams.ChatCompletionCreateParamsInput
    >()
    // A response's message is open (`role` and tool-call `type` accept new values), so it is checked at run time.
    expectTypeOf<ChatCompletion.ChatCompletionMessage>().not.toMatchTypeOf<ChatCompletionMessage.Message>()
  })
})
