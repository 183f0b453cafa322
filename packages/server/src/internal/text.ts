import type { Prng } from "./random.js"

const stopwords = new Set([
  "about",
  "after",
  "also",
  "and",
  "any",
  "are",
  "because",
  "but",
  "can",
  "could",
  "does",
  "for",
  "from",
  "give",
  "have",
  "how",
  "into",
  "just",
  "like",
  "make",
  "me",
  "more",
  "my",
  "need",
  "not",
  "please",
  "should",
  "some",
  "tell",
  "than",
  "that",
  "the",
  "their",
  "them",
  "then",
  "there",
  "these",
  "they",
  "this",
  "what",
  "when",
  "where",
  "which",
  "who",
  "why",
  "will",
  "with",
  "would",
  "you",
  "your"
])

/** The distinct words of a message worth answering about, in the order they appear: no stopwords, no short words. */
export const keywords = (text: string): Array<string> => {
  const seen = new Set<string>()
  const out: Array<string> = []
  for (const word of text.match(/[\p{L}\p{N}][\p{L}\p{N}'-]*/gu) ?? []) {
    const key = word.toLowerCase()
    if (word.length < 3 || stopwords.has(key) || seen.has(key)) continue
    seen.add(key)
    out.push(word)
  }
  return out
}

const openings = [
  "Here is what I can tell you about {a}.",
  "Good question about {a}.",
  "Let's look at {a} step by step.",
  "Short answer on {a}: it depends on {b}.",
  "When it comes to {a}, a few points stand out."
]

const middles = [
  "{a} matters because it shapes how {b} behaves in practice.",
  "A common approach to {a} is to start small, measure, and adjust.",
  "When {a} and {b} interact, check the edge cases first.",
  "Most problems with {a} come from assumptions about {b}.",
  "It helps to write down what {a} should do before changing {b}.",
  "In my experience, {a} works best when {b} is kept simple.",
  "The trade-off is between {a} and {b}: more of one usually costs some of the other.",
  "Start with {a}, then revisit {b} once the basics hold."
]

const closings = [
  "Let me know if you want more detail on {a}.",
  "I hope this helps with {a}.",
  "Happy to go deeper into {b} if useful."
]

const thoughts = [
  "The user is asking about {a}.",
  "I should connect {a} with {b}.",
  "First, recall what {a} means here.",
  "Check whether {b} changes the answer.",
  "A concrete example about {a} would help.",
  "Keep the answer short and focused on {a}."
]

const fill = (template: string, topics: ReadonlyArray<string>, prng: Prng): string => {
  const a = prng.pick(topics)
  const others = topics.filter((topic) => topic !== a)
  const b = others.length > 0 ? prng.pick(others) : "the context"
  const text = template.replace("{a}", a).replace("{b}", b)
  return text.charAt(0).toUpperCase() + text.slice(1)
}

const fallbackTopics = ["your question"]

/** A templated answer about the words of the prompt: an opening, `sentences` middle sentences and a closing. */
export const answer = (words: ReadonlyArray<string>, sentences: number, prng: Prng): string => {
  const topics = words.length > 0 ? words.slice(0, 6) : fallbackTopics
  const parts = [fill(prng.pick(openings), topics, prng)]
  for (let i = 0; i < sentences; i++) parts.push(fill(prng.pick(middles), topics, prng))
  parts.push(fill(prng.pick(closings), topics, prng))
  return parts.join(" ")
}

/** Reasoning text before an answer, `sentences` long. */
export const reasoning = (words: ReadonlyArray<string>, sentences: number, prng: Prng): string => {
  const topics = words.length > 0 ? words.slice(0, 6) : fallbackTopics
  const parts: Array<string> = []
  for (let i = 0; i < sentences; i++) parts.push(fill(prng.pick(thoughts), topics, prng))
  return parts.join(" ")
}

const refusalTriggers = new Set(["bomb", "malware", "ransomware", "weapon", "weapons", "poison", "steal"])

/** Whether the prompt asks for something the generator declines, as a model's safety training would. */
export const shouldRefuse = (words: ReadonlyArray<string>): boolean =>
  words.some((word) => refusalTriggers.has(word.toLowerCase()))

const refusals = [
  "I'm sorry, but I can't help with that.",
  "I can't assist with that request.",
  "Sorry, I won't be able to help with this one."
]

/** A refusal message. */
export const refusal = (prng: Prng): string => prng.pick(refusals)
