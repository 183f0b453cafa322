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

// OpenRouter's newer envelope: no `code`; the status, type and availability directly under `error`.
const openRouterCurrent = {
  error: {
    message: "Rate limit exceeded: upstream provider is saturated",
    http_status: 429,
    error_type: "rate_limit_exceeded",
    availability: { code: "provider_rate_limited", retryable: true, retry_after: 40, scope: "provider" },
    metadata: {
      provider_name: "Anthropic",
      previous_errors: [
        { http_status: 503, error_type: "provider_unavailable", message: "No capacity", provider_name: "Google" },
        "timeout"
      ]
    }
  }
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

  it("reads OpenRouter's newer envelope: http_status, error_type, availability and previous_errors", () => {
    const body = roundTrips(ErrorBody.OpenRouterErrorBody, openRouterCurrent)
    expect(body.error.code).toBeUndefined()
    expect(body.error.http_status).toBe(429)
    expect(body.error.error_type).toBe("rate_limit_exceeded")
    expect(body.error.availability?.code).toBe("provider_rate_limited")
    expect(body.error.metadata?.previous_errors).toHaveLength(2)
    roundTrips(ErrorBody.OpenRouterErrorBody, {
      error: { message: "m", http_status: "502", availability: { code: 7, retryable: null, retry_after: null } }
    })
    expect(failure(ErrorBody.OpenRouterErrorBody, { error: { message: "m", http_status: true } }).issues[0].path)
      .toStrictEqual(["error", "http_status"])
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

  it("status: OpenRouter's http_status where the newer envelope puts it, before any code", () => {
    const status = (input: unknown) => ErrorBody.status(decoded(ErrorBody.ErrorBody, input))
    expect(status(openRouterCurrent)).toBe(429)
    expect(status({ error: { message: "m", http_status: "503" } })).toBe(503)
    expect(status({ error: { message: "m", http_status: 502, code: "provider_error" } })).toBe(502)
    expect(status({ error: { message: "m", http_status: 404, code: 500 } })).toBe(404)
    expect(status({ error: { message: "m", http_status: "soon", code: 503 } })).toBe(503)
    expect(status({ error: { message: "m", http_status: null } })).toBeUndefined()
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

  it("retryAfterSeconds: the hint directly under error, in the newer envelope; the longer of the two", () => {
    const after = (error: object) =>
      ErrorBody.retryAfterSeconds(decoded(ErrorBody.ErrorBody, { error: { message: "m", ...error } }))
    expect(ErrorBody.retryAfterSeconds(decoded(ErrorBody.ErrorBody, openRouterCurrent))).toBe(40)
    expect(after({ availability: { retry_after: -5 } })).toBeUndefined()
    expect(after({ availability: { retry_after: 3 }, metadata: { availability: { retry_after: 8 } } })).toBe(8)
    expect(after({ availability: { retry_after: 9 }, metadata: { availability: { retry_after: 2 } } })).toBe(9)
    expect(after({ availability: { retry_after: null }, metadata: { availability: { retry_after: 2 } } })).toBe(2)
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
