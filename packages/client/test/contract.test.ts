import { describe, expect, it } from "@effect/vitest"
import { Json } from "@objectiveai-effect/domain"
import { problems } from "@objectiveai-effect/testing/Contract"
import { completion, completionId, openRouterCurrentError, openRouterError, stored } from "./support/fixtures.js"

// The answers the client's tests script, checked by Ajv against the domain's published JSON Schemas: the fixtures
// here are answers the contract allows, not shapes only this client reads.

/** A fixture as it goes over the wire: written by the lossless JSON writer, read back as a client in any language reads it. */
const wire = (value: unknown): unknown => JSON.parse(Json.stringify(value as Json.JsonValue))

describe("the client's fixtures", () => {
  it("are valid for the published JSON Schemas", () => {
    expect(problems("ChatCompletion", wire(completion(completionId(1))))).toEqual([])
    expect(problems("StoredChatCompletion", wire(stored(completionId(2))))).toEqual([])
    expect(problems("ErrorBody", wire(openRouterError(429, "Rate limit exceeded", { provider_name: "OpenAI" }))))
      .toEqual([])
    expect(problems("ErrorBody", wire(openRouterError("502", "Provider returned error")))).toEqual([])
    expect(problems("ErrorBody", wire(openRouterCurrentError(503, "No provider", { retryable: true, retry_after: 2 }))))
      .toEqual([])
    expect(problems("ErrorBody", { code: 401, message: { kind: "auth", error: "invalid key" } })).toEqual([])
  })
})
