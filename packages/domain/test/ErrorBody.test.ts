import { describe, expect, it } from "@effect/vitest"
import * as Schema from "effect/Schema"
import { ErrorBody, Json } from "../src/index.js"
import { decoded, failure } from "./support/failure.js"

const objectiveAi = {
  code: 502,
  message: {
    kind: "upstream",
    error: { kind: "openrouter", error: { code: 502, message: "Provider returned error" } },
    attempts: [{ status: 429 }, { status: 502 }]
  }
}

const openRouter = {
  error: {
    code: 429,
    message: "Rate limit exceeded",
    metadata: {
      raw: "{\"error\":\"slow down\"}",
      provider_name: "OpenAI",
      error_type: "rate_limit_exceeded",
      availability: { retryable: true, retry_after: 12.5, region: "us" }
    }
  },
  user_id: "u_1"
}

const roundTrips = <A, I>(schema: Schema.Schema<A, I>, input: unknown): A => {
  const body = decoded(schema, input)
  expect(Schema.encodeSync(schema)(body)).toStrictEqual(input)
  return body
}

describe("ErrorBody", () => {
  it("reads ObjectiveAI's body, whatever JSON its message is", () => {
    for (const message of ["plain text", objectiveAi.message, [{ status: 500 }], null, 42]) {
      roundTrips(ErrorBody.ObjectiveAiErrorBody, { code: 500, message })
    }
    expect(failure(ErrorBody.ObjectiveAiErrorBody, { message: "x" }).issues).toStrictEqual([
      { _tag: "Missing", path: ["code"], message: "is missing" }
    ])
  })

  it("reads OpenRouter's body, with a numeric, string or absent code and any metadata", () => {
    roundTrips(ErrorBody.OpenRouterErrorBody, openRouter)
    for (const code of [400, "invalid_prompt", undefined]) {
      roundTrips(ErrorBody.OpenRouterErrorBody, { error: { message: "m", ...(code === undefined ? {} : { code }) } })
    }
    expect(failure(ErrorBody.OpenRouterErrorBody, { error: { code: 400 } }).issues).toStrictEqual([
      { _tag: "Missing", path: ["error", "message"], message: "is missing" }
    ])
  })

  it("tells the two bodies apart", () => {
    const either = Schema.decodeUnknownSync(ErrorBody.ErrorBody)
    expect("error" in either(openRouter)).toBe(true)
    expect("code" in either(objectiveAi)).toBe(true)
    expect(failure(ErrorBody.ErrorBody, { status: 500 }).issues.map((issue) => issue.path)).toStrictEqual([
      ["code"],
      ["error"]
    ])
  })

  it("status: ObjectiveAI's code, or OpenRouter's numeric or three-digit code", () => {
    const status = (input: unknown) => ErrorBody.status(decoded(ErrorBody.ErrorBody, input))
    expect(status(objectiveAi)).toBe(502)
    expect(status(openRouter)).toBe(429)
    expect(status({ error: { code: "503", message: "m" } })).toBe(503)
    expect(status({ error: { code: "invalid_prompt", message: "m" } })).toBeUndefined()
    expect(status({ error: { message: "m" } })).toBeUndefined()
  })

  it("message: a line for a person, whatever shape the message has", () => {
    const message = (input: unknown) => ErrorBody.message(decoded(ErrorBody.ErrorBody, input))
    expect(message(openRouter)).toBe("Rate limit exceeded")
    expect(message({ code: 400, message: "Bad request" })).toBe("Bad request")
    expect(message({ code: 500, message: { seed: 18446744073709551615n } })).toBe("{\"seed\":18446744073709551615}")
  })

  it("retryAfterSeconds: the hint in OpenRouter's metadata, when it is a usable number", () => {
    const after = (availability: unknown) =>
      ErrorBody.retryAfterSeconds(
        decoded(ErrorBody.ErrorBody, { error: { message: "m", metadata: { availability } } })
      )
    expect(after({ retry_after: 12.5 })).toBe(12.5)
    expect(after({ retry_after: 0 })).toBe(0)
    expect(after({ retry_after: -1 })).toBeUndefined()
    expect(after({ retry_after: null })).toBeUndefined()
    expect(after({})).toBeUndefined()
    expect(ErrorBody.retryAfterSeconds(decoded(ErrorBody.ErrorBody, objectiveAi))).toBeUndefined()
  })

  it("reads the mid-stream error chunk's error as an OpenRouter error", () => {
    const body = decoded(
      ErrorBody.OpenRouterErrorBody,
      Json.parse(
        `{"error":{"code":429,"message":"Rate limit exceeded","metadata":{"error_type":"rate_limit_exceeded"}}}`
      )
    )
    expect(body.error.metadata?.error_type).toBe("rate_limit_exceeded")
  })
})
