import { describe, expect, it } from "@effect/vitest"
import { problems, type Published, schemasDir } from "@objectiveai-effect/testing/Contract"
import * as fs from "node:fs"
import * as path from "node:path"
import { render } from "../scripts/jsonSchemas.js"
import { fixture, sseData } from "./support/fixtures.js"
import { everything } from "./support/requests.js"

// Every check here goes through Ajv, a validator that shares nothing with Effect, against the files as published.

const sampleData = path.join(schemasDir, "..", "..", "server", "data", "sample.jsonl")

interface Completion {
  readonly id: string
  readonly choices: ReadonlyArray<{ readonly message: object }>
  readonly usage: object
}

const completion = JSON.parse(fixture("openai-chat-completion-logprobs.json")) as Completion

describe("the published JSON Schemas", () => {
  it("are the files the build renders (run `pnpm build` when this fails), and nothing else", () => {
    const rendered = render()
    expect(fs.readdirSync(schemasDir).sort()).toEqual(Object.keys(rendered).sort())
    for (const [file, text] of Object.entries(rendered)) {
      expect(fs.readFileSync(path.join(schemasDir, file), "utf8"), file).toBe(text)
    }
  })

  it("accept every answer fixture of the repository", () => {
    const answers: ReadonlyArray<readonly [Published, string, unknown]> = [
      ["ChatCompletion", "openai-chat-completion-logprobs.json", completion],
      [
        "ChatCompletion",
        "openai-chat-completion-tool-calls.json",
        JSON.parse(fixture("openai-chat-completion-tool-calls.json"))
      ],
      [
        "ChatCompletionChunk",
        "openrouter-midstream-error-chunk-typed.json",
        JSON.parse(fixture("openrouter-midstream-error-chunk-typed.json"))
      ],
      ...sseData(fixture("openrouter-stream-annotations-usage.sse")).map((data, i) =>
        ["ChatCompletionChunk", `openrouter-stream-annotations-usage.sse[${i}]`, JSON.parse(data)] as const
      )
    ]
    for (const [name, source, value] of answers) expect(problems(name, value), source).toEqual([])
  })

  it("accept every stored completion of the server's sample data", () => {
    const lines = fs.readFileSync(sampleData, "utf8").trim().split("\n")
    expect(lines.length).toBeGreaterThan(100)
    lines.forEach((line, i) =>
      expect(problems("StoredChatCompletion", JSON.parse(line)), `sample.jsonl:${i + 1}`).toEqual([])
    )
  })

  it("accept a create body with every field set", () => {
    const body = JSON.parse(JSON.stringify(everything, (_, value) => typeof value === "bigint" ? Number(value) : value))
    expect(problems("ChatCompletionCreateParams", body)).toEqual([])
  })

  it("accept an answer with keys they do not declare, at every level, as the domain's decoders keep them", () => {
    const choice = completion.choices[0]!
    const extended = {
      ...completion,
      brand_new_key: { any: "thing" },
      choices: [{ ...choice, new_choice_key: 1, message: { ...choice.message, new_message_key: [true] } }],
      usage: { ...completion.usage, new_usage_key: "x" }
    }
    expect(problems("ChatCompletion", extended)).toEqual([])
    expect(
      problems("ChatCompletionCreateParams", { model: "m", messages: [{ role: "user", content: "hi" }], user: "u" })
    )
      .toEqual([])
  })

  it("refuse what the API never sends, so the checks above can fail", () => {
    const { id: _, ...withoutId } = completion
    expect(problems("ChatCompletion", withoutId)).toEqual([" must have required property 'id'"])
    expect(problems("ChatCompletion", { ...completion, created: 1.5 })).toEqual(["/created must be integer"])
    expect(problems("ChatCompletionList", { data: [{ id: "a", preview: null, created: "yesterday" }] }))
      .toEqual(["/data/0/created must match format \"date-time\""])
    expect(problems("ErrorBody", { code: "x", message: "m" })).not.toEqual([])
    expect(problems("ChatCompletionCreateParams", { model: "", messages: [] })).toEqual([
      "/messages must NOT have fewer than 1 items",
      "/model must NOT have fewer than 1 characters"
    ])
  })
})
