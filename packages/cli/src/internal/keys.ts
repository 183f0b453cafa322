/**
 * The keys of the commands that listen (`serve`, `dashboard`), and their one rule: beyond loopback, requests must
 * bear a key, unless `--allow-any-key` says to serve so anyway (with a warning).
 */
import * as Config from "effect/Config"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import * as CliError from "../CliError.js"

/**
 * Keys from an environment variable, separated by commas or whitespace. A key on the command line is visible to every
 * user of the machine in `ps`; one in the environment is not.
 */
export const apiKeysConfig = (name: string): Config.Config<ReadonlyArray<Redacted.Redacted<string>>> =>
  Config.redacted(name).pipe(
    Config.map((text) =>
      Redacted.value(text).split(/[\s,]+/).filter((key) => key !== "").map((key) => Redacted.make(key))
    ),
    Config.withDefault([])
  )

const isLoopback = (host: string): boolean =>
  /^127\.\d+\.\d+\.\d+$/.test(host) || ["localhost", "::1", "[::1]"].includes(host.toLowerCase())

/**
 * The keys to require: those of the command line, else those of `variable`. Refuses to listen beyond loopback with
 * none, unless `allowAnyKey`, which warns instead.
 */
export const required = (
  settings: {
    readonly host: string
    readonly apiKeys: ReadonlyArray<Redacted.Redacted<string>>
    readonly allowAnyKey: boolean
  },
  variable: string,
  what: string
): Effect.Effect<ReadonlyArray<Redacted.Redacted<string>>, CliError.CliError> =>
  Effect.gen(function*() {
    const apiKeys = settings.apiKeys.length > 0 ? settings.apiKeys : yield* Effect.orDie(apiKeysConfig(variable))
    if (apiKeys.length === 0 && !isLoopback(settings.host)) {
      const exposure = `listening on ${settings.host} with no --api-key ${what} anyone who can reach it`
      if (!settings.allowAnyKey) {
        return yield* CliError.usage(
          `${exposure}: give --api-key (or ${variable}), or --allow-any-key to serve it so anyway`
        )
      }
      yield* Console.error(`objectiveai: warning: ${exposure}.`)
    }
    return apiKeys
  })
