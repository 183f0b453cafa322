import type { Logprobs } from "@objectiveai-effect/domain"
import type { Prng } from "./random.js"

// A word with the whitespace before it, a single other character with its whitespace, or trailing whitespace: every
// character of the text lands in exactly one token, so joining the tokens gives the text back.
const tokenPattern = /\s*(?:[\p{L}\p{N}]+|[^\s\p{L}\p{N}])|\s+/gu

/** Splits text into word-level tokens whose concatenation is the text. */
export const tokenize = (text: string): Array<string> => text.match(tokenPattern) ?? []

/** How many tokens a text counts for in usage. */
export const countTokens = (text: string): number => tokenize(text).length

const encoder = new TextEncoder()

/** The UTF-8 bytes of a token, as the API reports them. */
const tokenBytes = (token: string): Array<number> => {
  // Nearly every token is ASCII, whose bytes are its char codes; building them directly is several times faster.
  const bytes: Array<number> = []
  for (let i = 0; i < token.length; i++) {
    const code = token.charCodeAt(i)
    if (code > 127) return Array.from(encoder.encode(token))
    bytes.push(code)
  }
  return bytes
}

const alternatives = [
  "the",
  "a",
  "this",
  "it",
  "and",
  "to",
  "of",
  "that",
  "is",
  "we",
  "you",
  "can",
  "will",
  "more",
  "one",
  "so",
  "but",
  "not",
  "also",
  "each",
  "first",
  "then",
  ".",
  ",",
  ":",
  "!"
]

// Eight significant digits are what upstreams send; rounding never reorders two values, so the chosen token stays
// at least as likely as each alternative.
const round = (logprob: number): number => Number(logprob.toPrecision(8))

/**
 * Log probabilities for generated tokens. The chosen token has probability at least 1/2 and each alternative takes a
 * share of what is left, so the chosen token is the most likely, alternatives are sorted by decreasing likelihood,
 * every value is finite, and the probabilities at a position sum to at most 1.
 */
export const tokenLogprobs = (
  tokens: ReadonlyArray<string>,
  topLogprobs: number,
  prng: Prng
): Array<Logprobs.TokenLogprob> =>
  tokens.map((token) => {
    // The floor keeps what is left for the alternatives above zero, so their logprobs stay finite.
    const chosen = 1 - 0.5 * Math.max(prng.next() ** 3, 1e-6)
    const logprob = round(Math.log(chosen))
    const bytes = tokenBytes(token)
    const top: Array<Logprobs.TopLogprob> = []
    if (topLogprobs > 0) top.push({ token, bytes, logprob })
    const leading = token.charCodeAt(0) === 32 ? " " : ""
    const used = new Set([token])
    let remaining = 1 - chosen
    while (top.length < topLogprobs) {
      let alternative = leading + prng.pick(alternatives)
      // Enough distinct words exist for the 20 alternatives the API allows; a numbered token covers the rare clash.
      if (used.has(alternative)) alternative = `${leading}${prng.pick(alternatives)}${top.length}`
      if (used.has(alternative)) continue
      used.add(alternative)
      const share = remaining * (0.5 + 0.4 * prng.next())
      remaining -= share
      top.push({ token: alternative, bytes: tokenBytes(alternative), logprob: round(Math.log(share)) })
    }
    return { token, bytes, logprob, top_logprobs: top }
  })
