/**
 * Helpers shared by the logprob measure and summary tests: a closeness check, choices built from decoded tokens, and
 * generators of realistic tokens and completions.
 */
import { expect } from "@effect/vitest"
import type { ChatCompletion } from "@objectiveai-effect/domain"
import { Logprobs } from "@objectiveai-effect/domain"
import * as FastCheck from "effect/FastCheck"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import { completion, token } from "./fixtures.js"

/** `actual` is `Some` and within `tolerance` of `expected`, relative to its size. */
export const expectClose = (actual: Option.Option<number>, expected: number, tolerance = 1e-12) => {
  expect(Option.isSome(actual)).toBe(true)
  const value = Option.getOrThrow(actual)
  expect(Math.abs(value - expected)).toBeLessThanOrEqual(tolerance * Math.max(1, Math.abs(expected)))
}

/** The first choice of a completion. */
export const firstChoice = (c: ChatCompletion.ChatCompletion) => c.choices[0]

/** A choice with the given content and refusal tokens. */
export const choiceOf = (
  content: ReadonlyArray<Logprobs.TokenLogprob>,
  refusal: ReadonlyArray<Logprobs.TokenLogprob> = []
): ChatCompletion.Choice => ({
  index: 0,
  finish_reason: "stop",
  message: { role: "assistant" },
  logprobs: { content, refusal }
})

// Realistic logprobs (placeholders and nulls included), so that sums stay finite and summaries are comparable.
const realisticLogprob = FastCheck.oneof(
  FastCheck.double({ min: -30, max: 0, noNaN: true }),
  FastCheck.constantFrom(-9999, null, 0)
)

/** A decoded token with a realistic logprob and up to five realistic alternatives. */
export const realisticToken = FastCheck.record({
  logprob: realisticLogprob,
  top: FastCheck.array(realisticLogprob, { maxLength: 5 })
}).map(({ logprob, top }) => Schema.decodeUnknownSync(Logprobs.TokenLogprob)(token(logprob, top)))

const completionOf = (choices: ReadonlyArray<ChatCompletion.Choice>): ChatCompletion.ChatCompletion => ({
  ...completion(),
  choices
})

/** Up to six completions of up to two choices of realistic tokens. */
export const realisticCompletions = FastCheck.array(
  FastCheck.array(
    FastCheck.tuple(
      FastCheck.array(realisticToken, { maxLength: 8 }),
      FastCheck.array(realisticToken, { maxLength: 2 })
    )
      .map(([content, refusal]) => choiceOf(content, refusal)),
    { maxLength: 2 }
  ).map(completionOf),
  { maxLength: 6 }
)
