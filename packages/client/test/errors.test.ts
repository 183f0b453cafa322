import { describe, expect, it } from "@effect/vitest"
import { ChatCompletion } from "@objectiveai-effect/domain"
import * as Server from "@objectiveai-effect/testing/ScriptedServer"
import * as Data from "effect/Data"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { ObjectiveAiError, StreamError, StructuredOutput } from "../src/index.js"
import { completion, completionId } from "./support/fixtures.js"
import * as Harness from "./support/harness.js"

const call = { method: "GET", path: "/chat/completions/x", attempts: 1 }
const merged = Schema.decodeUnknownSync(ChatCompletion.ChatCompletion)(completion(completionId(9), 1))

// One error of every member of each family, built as the client builds them.
const clientErrors: ReadonlyArray<ObjectiveAiError.ObjectiveAiError> = [
  new ObjectiveAiError.InvalidRequestError({ ...call, issue: "empty id" }),
  new ObjectiveAiError.BadRequestError({ ...call, status: 400 }),
  new ObjectiveAiError.UnauthorizedError({ ...call, status: 401 }),
  new ObjectiveAiError.InsufficientCreditsError({ ...call, status: 402 }),
  new ObjectiveAiError.ForbiddenError({ ...call, status: 403 }),
  new ObjectiveAiError.NotFoundError({ ...call, status: 404 }),
  new ObjectiveAiError.RateLimitedError({ ...call, status: 429 }),
  new ObjectiveAiError.ServerError({ ...call, status: 503 }),
  new ObjectiveAiError.TimeoutError({ ...call, timeout: "server", status: 408 }),
  new ObjectiveAiError.TransportError({ ...call, description: "refused", neverSent: true }),
  new ObjectiveAiError.InvalidResponseError({ ...call, status: 200, bodyText: "{", issue: "bad JSON" }),
  new ObjectiveAiError.ResponseTooLargeError({ ...call, status: 200, maxBodySize: 10 })
]

const streamErrors: ReadonlyArray<StreamError.StreamError> = [
  new StreamError.StreamMidstreamError({ body: { code: 502, message: "upstream" } }),
  new StreamError.StreamTruncatedError({ endedMidEvent: true }),
  new StreamError.StreamEventTooLargeError({ maxEventSize: 16 }),
  new StreamError.StreamInvalidChunkError({ data: "{}", issue: "no id" }),
  new StreamError.StreamIdleTimeoutError({ idleTimeout: Duration.seconds(1) }),
  new StreamError.StreamDeadlineError({ timeout: Duration.minutes(1) })
]

const outcome = { completion: merged, choiceIndex: 0 }
const structuredOutputErrors: ReadonlyArray<StructuredOutput.StructuredOutputError> = [
  new StructuredOutput.OutputRefusedError({ ...outcome, refusal: "no" }),
  new StructuredOutput.OutputIncompleteError({ ...outcome, finishReason: "length", content: "{" }),
  new StructuredOutput.OutputInvalidError({ ...outcome, content: "[]", issue: "not an object" })
]

// Errors of another library that happen to share every tag (and, for the Schema ones, every field) of a family.
const foreignErrors = (tags: ReadonlyArray<string>) =>
  tags.flatMap((tag) => {
    const DataError = Data.TaggedError(tag)
    const SchemaError = Schema.TaggedError<{ readonly _tag: string }>()(tag, { status: Schema.optional(Schema.Number) })
    return [new DataError<{ readonly status: number }>({ status: 404 }), new SchemaError({ status: 404 })]
  })

const families = [
  {
    name: "ObjectiveAiError",
    members: clientErrors,
    schema: ObjectiveAiError.ObjectiveAiError as Schema.Schema<unknown, unknown>,
    is: ObjectiveAiError.isObjectiveAiError
  },
  {
    name: "StreamError",
    members: streamErrors,
    schema: StreamError.StreamError as Schema.Schema<unknown, unknown>,
    is: StreamError.isStreamError
  },
  {
    name: "StructuredOutputError",
    members: structuredOutputErrors,
    schema: StructuredOutput.StructuredOutputError as Schema.Schema<unknown, unknown>,
    is: StructuredOutput.isStructuredOutputError
  }
]

describe("error families are told apart by their brand, not their tag", () => {
  for (const family of families) {
    it(`${family.name}: every member is recognised, and so is one decoded from the wire`, () => {
      expect(family.members.map((error) => error._tag)).toEqual(
        (family.schema as unknown as { readonly members: ReadonlyArray<{ readonly _tag: string }> }).members.map((
          member
        ) => member._tag)
      )
      for (const error of family.members) {
        expect(family.is(error)).toBe(true)
        const decoded = Schema.decodeUnknownSync(family.schema)(Schema.encodeSync(family.schema)(error))
        expect(decoded).toBeInstanceOf(error.constructor)
        expect(family.is(decoded)).toBe(true)
      }
    })

    it(`${family.name}: an error of another library with the same tag is refused`, () => {
      const foreign = foreignErrors(family.members.map((error) => error._tag))
      expect(foreign).toHaveLength(family.members.length * 2)
      for (const error of foreign) {
        expect(error).toBeInstanceOf(Error)
        expect(family.is(error)).toBe(false)
      }
    })
  }

  it("the families do not take each other's errors, nor plain values", () => {
    for (const family of families) {
      for (const other of families.filter((other) => other !== family)) {
        for (const error of other.members) expect(family.is(error)).toBe(false)
      }
      for (const value of [undefined, null, 0, "NotFoundError", { _tag: "NotFoundError" }, new Error("x")]) {
        expect(family.is(value)).toBe(false)
      }
    }
  })

  it.scoped("a failure the client reports is an ObjectiveAiError, caught by its tag", () =>
    Effect.gen(function*() {
      const h = yield* Harness.make(Server.sequence(Server.json(404, "{}")))
      const error = Harness.failureOf(yield* h.run(h.client.retrieve(completionId(9))))
      expect(ObjectiveAiError.isObjectiveAiError(error)).toBe(true)
      expect(StreamError.isStreamError(error)).toBe(false)
      const caught = yield* h.client.retrieve(completionId(9)).pipe(
        Effect.as("found"),
        Effect.catchTags({ NotFoundError: (error) => Effect.succeed(`not found after ${error.attempts} attempt`) })
      )
      expect(caught).toBe("not found after 1 attempt")
    }))
})
