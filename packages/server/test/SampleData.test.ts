import { describe, expect, it } from "@effect/vitest"
import { StoredChatCompletion } from "@objectiveai-effect/domain"
import * as Schema from "effect/Schema"
import * as fs from "node:fs"
import * as path from "node:path"
import { SampleData, ServedCompletions } from "../src/index.js"

const file = path.join(__dirname, "..", "data", "sample.jsonl")
const text = fs.readFileSync(file, "utf8")
const decode = Schema.decodeUnknownSync(StoredChatCompletion.StoredChatCompletionFromJson)
const completions = text.trimEnd().split("\n").map((line) => decode(line))

const parses = (json: string) => {
  try {
    JSON.parse(json)
    return true
  } catch {
    return false
  }
}

describe("SampleData", () => {
  it("is what the seeded generator makes, so the script reproduces the committed file", () => {
    const regenerated = Array.from(
      SampleData.generate(),
      (completion) => `${ServedCompletions.toJsonLine(completion)}\n`
    )
    expect(regenerated.join("")).toBe(text)
  })

  it("is a few hundred stored completions in a modest file", () => {
    expect(completions).toHaveLength(SampleData.defaultCount)
    expect(SampleData.defaultCount).toBeGreaterThanOrEqual(200)
    expect(fs.statSync(file).size).toBeLessThan(4 * 1024 * 1024)
    const ids = completions.map((completion) => completion.response.id)
    expect(new Set(ids).size).toBe(ids.length)
    expect(ids.every((id) => /^chtcpl-[0-9a-f]{32}-\d+$/.test(id))).toBe(true)
  })

  it("spans several models, providers and UTC days", () => {
    const distinct = (f: (completion: StoredChatCompletion.StoredChatCompletion) => unknown) =>
      new Set(completions.map(f)).size
    expect(distinct((completion) => completion.response.model.replace(/:online$/, ""))).toBeGreaterThanOrEqual(5)
    expect(distinct((completion) => completion.response.provider)).toBeGreaterThanOrEqual(8)
    expect(distinct((completion) => new Date(completion.response.created * 1000).toISOString().slice(0, 10))).toBe(7)
    for (const model of ["openai/gpt-4o-mini", "anthropic/claude-3.5-sonnet", "meta-llama/llama-3.1-70b-instruct"]) {
      expect(completions.some((completion) => completion.response.model === model)).toBe(true)
    }
  })

  it("holds the cases real traffic has", () => {
    const choices = completions.flatMap((completion) =>
      completion.response.choices.map((choice) => ({ completion, choice }))
    )
    const count = (predicate: (entry: (typeof choices)[number]) => boolean) => choices.filter(predicate).length
    const tokens = (entry: (typeof choices)[number]) => entry.choice.logprobs?.content ?? []
    const calls = (entry: (typeof choices)[number]) => entry.choice.message.tool_calls ?? []
    const usages = completions.map((completion) => completion.response.usage)

    expect(count((entry) => tokens(entry).length > 0)).toBeGreaterThan(30)
    expect(count((entry) => entry.choice.logprobs == null)).toBeGreaterThan(100)
    expect(
      count((entry) =>
        tokens(entry).some((token) =>
          token.logprob === -9999 || token.top_logprobs.some((top) => top.logprob === -9999)
        )
      )
    ).toBeGreaterThan(5)
    expect(count((entry) => tokens(entry).some((token) => token.logprob === null))).toBeGreaterThan(0)

    expect(count((entry) => calls(entry).length > 0)).toBeGreaterThan(30)
    expect(count((entry) => calls(entry).some((call) => call.function.arguments === ""))).toBeGreaterThan(0)
    expect(
      count((entry) => calls(entry).some((call) => call.function.arguments !== "" && !parses(call.function.arguments)))
    )
      .toBeGreaterThan(3)
    expect(
      count((entry) =>
        calls(entry).some((call) =>
          !entry.completion.request.tools?.some((tool) => tool.function.name === call.function.name)
        )
      )
    ).toBeGreaterThan(0)

    expect(count((entry) => entry.choice.message.reasoning != null)).toBeGreaterThan(10)
    expect(count((entry) => entry.choice.message.reasoning_details != null)).toBeGreaterThan(10)
    expect(count((entry) => entry.choice.message.refusal != null)).toBeGreaterThan(3)
    expect(count((entry) => entry.choice.message.annotations != null)).toBeGreaterThan(3)
    expect(count((entry) => entry.choice.finish_reason === "length")).toBeGreaterThan(3)
    expect(count((entry) => entry.choice.finish_reason === "error" && entry.choice.error != null)).toBeGreaterThan(0)
    expect(completions.some((completion) => completion.response.choices.length > 1)).toBe(true)

    const byok = usages.filter((usage) => usage?.is_byok === true)
    expect(byok.length).toBeGreaterThan(10)
    expect(byok.every((usage) => (usage?.cost_details?.upstream_upstream_inference_cost ?? 0) > 0)).toBe(true)
    expect(usages.filter((usage) => usage != null && usage.cost == null).length).toBeGreaterThan(5)
    expect(usages.filter((usage) => usage == null).length).toBeGreaterThan(3)
    expect(text).toContain("\"usage\":null")

    expect(completions.filter((completion) => typeof completion.request.seed === "bigint").length).toBeGreaterThan(3)
    expect(
      completions.some((completion) =>
        completion.request.messages.some((message) => message.role === "chat_completion")
      )
    ).toBe(true)
  })

  it("makes each completion from the seed and its index alone", () => {
    const some = Array.from(SampleData.generate({ count: 12, seed: 4 }))
    expect(SampleData.make(7, { seed: 4 })).toEqual(some[7])
    expect(SampleData.make(7, { seed: 5 })).not.toEqual(some[7])
    const later = SampleData.make(7, { seed: 4, start: Date.UTC(2026, 0, 1) / 1000, days: 1 })
    expect(later.response.created).toBeGreaterThanOrEqual(Date.UTC(2026, 0, 1) / 1000)
    expect(later.response.created).toBeLessThan(Date.UTC(2026, 0, 2) / 1000)
  })

  it("generates lazily, so a huge set can be streamed", () => {
    const taken: Array<string> = []
    for (const completion of SampleData.generate({ count: 1_000_000_000 })) {
      taken.push(completion.response.id)
      if (taken.length === 3) break
    }
    expect(taken).toEqual(completions.slice(0, 3).map((completion) => completion.response.id))
  })
})
