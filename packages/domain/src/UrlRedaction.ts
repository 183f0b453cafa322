/**
 * URLs as they may be shown: the credentials a URL can carry (`user:password@` in its authority, a `password=` or
 * `token=` in its query, as PostgreSQL URLs allow) masked with `***`, everywhere a URL is printed, logged, put in a
 * span or stored. It works on text rather than a parsed URL, so a URL that does not parse, or one inside a longer
 * message (a network error, a usage error), is masked as well.
 *
 * @since 0.1.0
 */

// The authority's userinfo: everything up to the last `@` before the path, query or fragment, as URL parsers read it.
const userinfo = /\b([a-z][a-z0-9+.-]*:\/\/)([^\s/?#]*)@/gi

// A query parameter whose name says it holds a secret (`password`, `sslpassword`, `token`, `api_key`, `secret`, …).
const secretParameter = /([?&;][^\s=&#;]*(?:pass(?:word|wd)?|pwd|secret|token|key)[^\s=&#;]*=)[^\s&#;]*/gi

const maskUserinfo = (_match: string, scheme: string, info: string): string => {
  const colon = info.indexOf(":")
  // A user name alone may be a token (`https://<token>@host`), so it is masked whole; beside a password it stays.
  return colon === -1 ? `${scheme}***@` : `${scheme}${info.slice(0, colon)}:***@`
}

/**
 * The text with the credentials of every URL in it masked: `postgres://app:s3cret@db/x?sslpassword=k` becomes
 * `postgres://app:***@db/x?sslpassword=***`; text without credentials comes back unchanged.
 *
 * @example
 * ```ts
 * import { UrlRedaction } from "@objectiveai-effect/domain"
 *
 * UrlRedaction.redact("http://user:secret@127.0.0.1:8080/v1") // "http://user:***@127.0.0.1:8080/v1"
 * UrlRedaction.redact("cannot reach https://sk-live@api.example: refused") // "cannot reach https://***@api.example: refused"
 * ```
 *
 * @since 0.1.0
 * @category combinators
 */
export const redact = (text: string): string => text.replace(userinfo, maskUserinfo).replace(secretParameter, "$1***")
