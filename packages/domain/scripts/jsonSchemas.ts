/**
 * Writes `schemas/<Name>.json`: a JSON Schema (draft 2020-12) of every request and response of the API, for teams
 * that validate without OpenAPI. Each is generated from the Effect Schema as the OpenAPI document's components are,
 * and cleaned the same way, so both say the same. Run by the root build with `openapi.json`; the domain's tests fail
 * when a committed file differs from what this renders.
 */
import * as OpenApiJsonSchema from "@effect/platform/OpenApiJsonSchema"
import type * as Schema from "effect/Schema"
import * as fs from "node:fs"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import {
  ChatCompletion,
  ChatCompletionChunk,
  ChatCompletionCreateParams,
  ChatCompletionList,
  ErrorBody,
  StoredChatCompletion
} from "../src/index.js"
import { cleanSchema } from "../src/internal/contract.js"

/** Where the schemas are published. */
export const schemasDir = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "schemas")

/** The published types: the create body, and each answer of the three endpoints and of the stream. */
export const published: Record<string, Schema.Schema.AnyNoContext> = {
  ChatCompletionCreateParams: ChatCompletionCreateParams.ChatCompletionCreateParams,
  ChatCompletion: ChatCompletion.ChatCompletion,
  ChatCompletionChunk: ChatCompletionChunk.ChatCompletionChunk,
  StoredChatCompletion: StoredChatCompletion.StoredChatCompletion,
  ChatCompletionList: ChatCompletionList.ChatCompletionList,
  ErrorBody: ErrorBody.ErrorBody
}

/** Each schema file's name and text: two-space JSON and a final newline. */
export const render = (): Record<string, string> =>
  Object.fromEntries(
    Object.entries(published).map(([name, schema]) => {
      const $defs: Record<string, unknown> = {}
      const root = OpenApiJsonSchema.makeWithDefs(schema, { defs: $defs, defsPath: "#/$defs/" })
      const document = { $schema: "https://json-schema.org/draft/2020-12/schema", ...root, $defs }
      cleanSchema(document)
      return [`${name}.json`, `${JSON.stringify(document, null, 2)}\n`]
    })
  )

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  fs.rmSync(schemasDir, { recursive: true, force: true })
  fs.mkdirSync(schemasDir)
  for (const [file, text] of Object.entries(render())) fs.writeFileSync(path.join(schemasDir, file), text)
}
