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
 * @category defaults
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
 * The base URL from `OBJECTIVEAI_BASE_URL`, {@link defaultBaseUrl} when it is unset: what
 * `ObjectiveAiClient.layerConfig` reads by default, and the CLI too.
 *
 * @since 0.1.0
 * @category config
 */
export const baseUrlConfig: Config.Config<string> = Config.withDefault(
  Config.string("OBJECTIVEAI_BASE_URL"),
  defaultBaseUrl
)
