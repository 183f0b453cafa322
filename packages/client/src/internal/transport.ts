import { UrlRedaction } from "@objectiveai-effect/domain"
import * as Predicate from "effect/Predicate"

/** What a network failure tells about the request: what happened, its system code, and whether it was ever sent. */
export interface TransportFailure {
  readonly description: string
  readonly code: string | undefined
  readonly neverSent: boolean
}

// Codes raised before a connection exists, so the server cannot have seen a byte of the request. A reset, a
// timeout or a closed socket are not here: they may come after the request was written.
const connectFailures: ReadonlySet<string> = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "UND_ERR_CONNECT_TIMEOUT"
])

const codeOf = (u: unknown): string | undefined =>
  Predicate.hasProperty(u, "code") && typeof u.code === "string" ? u.code : undefined

/**
 * Walks a failure's `cause` chain (fetch wraps the socket error in `TypeError: fetch failed`; Node's happy-eyeballs
 * connect gives an `AggregateError` of per-address failures) for the messages and the system code.
 */
export const describe = (cause: unknown): TransportFailure => {
  const messages: Array<string> = []
  let code: string | undefined
  let neverSent = false
  const seen = new Set<unknown>()
  for (let current = cause; current !== undefined && current !== null && !seen.has(current);) {
    seen.add(current)
    if (current instanceof Error) {
      if (current.message !== "" && !messages.includes(current.message)) messages.push(current.message)
    } else if (typeof current === "string") {
      messages.push(current)
    }
    const ownCode = codeOf(current) ??
      (Predicate.hasProperty(current, "errors") && Array.isArray(current.errors)
        ? current.errors.map(codeOf).find(Predicate.isNotUndefined)
        : undefined)
    if (ownCode !== undefined) {
      code ??= ownCode
      neverSent ||= connectFailures.has(ownCode)
    }
    current = Predicate.hasProperty(current, "cause") ? current.cause : undefined
  }
  // A network layer may name the URL it failed on, credentials and all.
  const description = messages.length === 0 ? "network failure" : UrlRedaction.redact(messages.join(": "))
  return { description, code, neverSent }
}
