import * as fc from "effect/FastCheck"
import type * as Schema from "effect/Schema"
import {
  ChatCompletion,
  ChatCompletionChunk,
  ChatCompletionCreateParams,
  ChatCompletionList,
  ErrorBody,
  StoredChatCompletion
} from "../../src/index.js"

/**
 * A top-level body of the API with the fast-check size its arbitraries run at. The completion bodies are wide (every
 * choice holds token arrays that each hold alternatives), so at the default size a payload runs to tens of kilobytes
 * and 1,000 runs take most of a minute; at `xsmall` each array holds at most one element and recursion stops early,
 * while which fields are present and which union members appear still vary as much.
 */
export interface TopLevel {
  readonly name: string
  readonly schema: Schema.Schema<unknown, unknown>
  readonly size: fc.Size
}

const entry = <A, I>(name: string, schema: Schema.Schema<A, I>, size: fc.Size): TopLevel => ({
  name,
  schema: schema as unknown as Schema.Schema<unknown, unknown>,
  size
})

/** Every top-level body of the API: what a caller sends and everything the server answers. */
export const topLevel: ReadonlyArray<TopLevel> = [
  entry("ChatCompletionCreateParams", ChatCompletionCreateParams.ChatCompletionCreateParams, "xsmall"),
  entry("ChatCompletion", ChatCompletion.ChatCompletion, "xsmall"),
  entry("StoredChatCompletion", StoredChatCompletion.StoredChatCompletion, "xsmall"),
  entry("ChatCompletionChunk", ChatCompletionChunk.ChatCompletionChunk, "xsmall"),
  entry("ChatCompletionList", ChatCompletionList.ChatCompletionList, "small"),
  entry("ObjectiveAiErrorBody", ErrorBody.ObjectiveAiErrorBody, "small"),
  entry("OpenRouterErrorBody", ErrorBody.OpenRouterErrorBody, "small")
]

/** Runs the tests of a block at the given fast-check size, then restores the default. */
export const withSize = (
  size: fc.Size,
  hooks: { beforeAll: (f: () => void) => void; afterAll: (f: () => void) => void }
) => {
  hooks.beforeAll(() => fc.configureGlobal({ ...fc.readConfigureGlobal(), baseSize: size }))
  hooks.afterAll(() => fc.configureGlobal({ ...fc.readConfigureGlobal(), baseSize: "small" }))
}
