/**
 * Where the client's configuration comes from by default: the API key from `OBJECTIVEAI_API_KEY` (kept `Redacted`)
 * and the base URL from `OBJECTIVEAI_BASE_URL`. A module of its own, with nothing but `Config`, so that a program
 * reading its settings (a command line's flags) does not load the client and the domain's Schemas to do it.
 *
 * @since 0.1.0
 */
import * as Config from "effect/Config"
import type * as Redacted from "effect/Redacted"

/**
 * The production API.
 *
 * @since 0.1.0
 * @category constants
 */
export const defaultBaseUrl = "https://api.objective-ai.io"

/**
 * The API key from `OBJECTIVEAI_API_KEY`, kept `Redacted`: what `ObjectiveAiClient.layerConfig` reads by default,
 * and the CLI too.
 *
 * @since 0.1.0
 * @category config
 */
export const apiKeyConfig: Config.Config<Redacted.Redacted<string>> = Config.redacted("OBJECTIVEAI_API_KEY")

/**
 * Whether a base URL can be requested: an absolute `http://` or `https://` URL. `localhost:18631` is a URL too, of the
 * scheme `localhost:`, which would fail only when a request is sent.
 *
 * @example
 * ```ts
 * import { ClientConfig } from "@objectiveai-effect/client"
 *
 * ClientConfig.isHttpUrl("http://localhost:18631") // true
 * ClientConfig.isHttpUrl("localhost:18631") // false
 * ```
 *
 * @since 0.1.0
 * @category guards
 */
export const isHttpUrl = (text: string): boolean => {
  if (!URL.canParse(text)) return false
  const { protocol } = new URL(text)
  return protocol === "http:" || protocol === "https:"
}

/**
 * What a base URL that is not {@link isHttpUrl} is refused with.
 *
 * @since 0.1.0
 * @category config
 */
export const baseUrlExpected = `expected an http:// or https:// URL, such as ${defaultBaseUrl}`

/**
 * The base URL from `OBJECTIVEAI_BASE_URL`, {@link defaultBaseUrl} when it is unset: what
 * `ObjectiveAiClient.layerConfig` reads by default, and the CLI too. A value that is not {@link isHttpUrl} is a
 * `ConfigError` naming the variable.
 *
 * @since 0.1.0
 * @category config
 */
export const baseUrlConfig: Config.Config<string> = Config.withDefault(
  Config.string("OBJECTIVEAI_BASE_URL").pipe(Config.validate({ message: baseUrlExpected, validation: isHttpUrl })),
  defaultBaseUrl
)
