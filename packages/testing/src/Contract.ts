/**
 * The published JSON Schemas (`schemas/*.json`) loaded into Ajv, a validator independent of Effect, in its draft
 * 2020-12 mode with the standard formats (`date-time`).
 */
import addFormats from "ajv-formats"
import { Ajv2020 } from "ajv/dist/2020.js"
import * as fs from "node:fs"
import * as path from "node:path"
import { fileURLToPath } from "node:url"

/** Where the domain package publishes its JSON Schemas. */
export const schemasDir = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "..", "domain", "schemas")

/** The published schemas' names. */
export type Published =
  | "ChatCompletionCreateParams"
  | "ChatCompletion"
  | "ChatCompletionChunk"
  | "StoredChatCompletion"
  | "ChatCompletionList"
  | "ErrorBody"

// Strict, but a plugin is an `id` beside any other setting: a property that its pattern of other keys also matches.
const ajv = new Ajv2020({ strict: true, allowMatchingProperties: true, allErrors: true })
addFormats.default(ajv)

const validators = new Map<string, ReturnType<typeof ajv.compile>>()

/** The problems Ajv finds in `value` against a published schema, one line each; `[]` when it is valid. */
export const problems = (name: Published, value: unknown): Array<string> => {
  let validate = validators.get(name)
  if (validate === undefined) {
    validate = ajv.compile(JSON.parse(fs.readFileSync(path.join(schemasDir, `${name}.json`), "utf8")))
    validators.set(name, validate)
  }
  return validate(value) ? [] : (validate.errors ?? []).map((error) => `${error.instancePath} ${error.message}`)
}
