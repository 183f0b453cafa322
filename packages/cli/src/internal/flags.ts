/**
 * Flags whose bad values are refused with one line that names the flag, the value given and what it accepts
 * (`--concurrency 0: expected a whole number from 1 to 256`). Each is @effect/cli's `Options.text` with a check
 * (`Options.mapEffect`) rather than its typed options, whose refusals name neither the flag nor the range (measured
 * with @effect/cli 0.77): `Options.integer` says `'abc' is not a integer` and accepts `0` (it has no bounds),
 * `Options.choice` says `Expected one of the following cases: table, json`, `Options.file` with `exists: "yes"` says
 * `Path '/nonexistent' must exist`, and `Options.withSchema` prints a schema tree.
 */
import * as HelpDoc from "@effect/cli/HelpDoc"
import * as Options from "@effect/cli/Options"
import * as ValidationError from "@effect/cli/ValidationError"
import * as FileSystem from "@effect/platform/FileSystem"
import * as ClientConfig from "@objectiveai-effect/client/ClientConfig"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"

/** A usage error about one flag's value. */
export const invalid = (flag: string, value: string, accepts: string): ValidationError.ValidationError =>
  ValidationError.invalidValue(
    HelpDoc.p(`--${flag} ${/^[^\s"']+$/.test(value) ? value : JSON.stringify(value)}: expected ${accepts}`)
  )

/** A text flag whose value is checked by `parse`, which returns what the flag accepts when the value is not it. */
const checked = <A>(
  name: string,
  options: {
    readonly placeholder: string
    readonly description: string
    readonly parse: (text: string) => Effect.Effect<A, string, FileSystem.FileSystem>
  }
): Options.Options<A> =>
  Options.text(name).pipe(
    Options.withDescription(options.description),
    Options.withPseudoName(options.placeholder),
    Options.mapEffect((text) => Effect.mapError(options.parse(text), (accepts) => invalid(name, text, accepts)))
  )

/** A whole-number flag within bounds. */
export const integer = (
  name: string,
  bounds: { readonly min: number; readonly max: number; readonly description: string; readonly placeholder?: string }
): Options.Options<number> =>
  checked(name, {
    placeholder: bounds.placeholder ?? "N",
    description: bounds.description,
    parse: (text) => {
      const n = /^[+-]?\d+$/.test(text.trim()) ? Number(text) : NaN
      return n >= bounds.min && n <= bounds.max
        ? Effect.succeed(n)
        : Effect.fail(`a whole number from ${bounds.min} to ${bounds.max}`)
    }
  })

/** A number from 0 to 1. */
export const fraction = (name: string, options: { readonly description: string }): Options.Options<number> =>
  checked(name, {
    placeholder: "RATE",
    description: options.description,
    parse: (text) => {
      const x = text.trim() === "" ? NaN : Number(text)
      return x >= 0 && x <= 1 ? Effect.succeed(x) : Effect.fail("a number from 0 to 1, such as 0.1")
    }
  })

/** A number with a unit: `2.5` (seconds), `500ms`, `30s`, `2m`. */
const durationPattern = /^(\d+(?:\.\d+)?)(ms|s|m)?$/

const unitMillis: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000 }

/** A positive span of time, at most `max`, written as seconds or with a unit. */
export const duration = (
  name: string,
  options: { readonly max: Duration.Duration; readonly description: string }
): Options.Options<Duration.Duration> =>
  checked(name, {
    placeholder: "SECONDS",
    description: options.description,
    parse: (text) => {
      const match = durationPattern.exec(text.trim())
      const millis = match === null ? NaN : Number(match[1]) * unitMillis[match[2] ?? "s"]
      return millis > 0 && millis <= Duration.toMillis(options.max)
        ? Effect.succeed(Duration.millis(millis))
        : Effect.fail(
          `a time above 0 and at most ${Duration.format(options.max)}, in seconds (2.5) or as 500ms, 30s, 2m`
        )
    }
  })

/** One of a few words. */
export const choice = <const A extends string>(
  name: string,
  choices: ReadonlyArray<A>,
  options: { readonly description: string }
): Options.Options<A> =>
  checked(name, {
    placeholder: choices.join("|"),
    description: options.description,
    parse: (text) => {
      const found = choices.find((choice) => choice === text)
      return found === undefined
        ? Effect.fail(`one of ${choices.join(", ")}`)
        : Effect.succeed(found)
    }
  })

/**
 * Checks that a text flag (or the variable it falls back to) holds an http:// or https:// URL; applied after the
 * fallback, so that a bad `OBJECTIVEAI_BASE_URL` is refused as the flag would be.
 */
export const httpUrl = (name: string) =>
  Options.mapEffect((text: string) =>
    ClientConfig.isHttpUrl(text)
      ? Effect.succeed(text)
      : Effect.fail(invalid(name, text, "an http:// or https:// URL"))
  )

/** An instant: an ISO 8601 date (midnight UTC) or date and time, read as `Date` reads it. */
export const date = (name: string, options: { readonly description: string }): Options.Options<Date> =>
  checked(name, {
    placeholder: "DATE",
    description: options.description,
    parse: (text) => {
      const parsed = new Date(text.trim())
      return text.trim() !== "" && !Number.isNaN(parsed.getTime())
        ? Effect.succeed(parsed)
        : Effect.fail("a date or time in ISO 8601, such as 2025-06-01 or 2025-06-01T12:00:00Z")
    }
  })

/** An IANA time zone that this Node knows. */
export const timeZone = (name: string, options: { readonly description: string }): Options.Options<string> =>
  checked(name, {
    placeholder: "ZONE",
    description: options.description,
    parse: (zone) =>
      Effect.try({
        try: () => {
          new Intl.DateTimeFormat("en-US", { timeZone: zone })
          return zone
        },
        catch: () => "an IANA time zone such as Europe/Paris or UTC"
      })
  })

/** A grouping by a tag, `tag:<key>`: the key. */
export const tagKey = (name: string, options: { readonly description: string }): Options.Options<string> =>
  checked(name, {
    placeholder: "tag:KEY",
    description: options.description,
    parse: (text) =>
      text.startsWith("tag:") && text.length > 4
        ? Effect.succeed(text.slice(4))
        : Effect.fail("tag:<key>, such as tag:feature")
  })

/**
 * Tags of captured calls, `key=value`, the flag repeated: as given. Checked once repeated, since @effect/cli repeats
 * only a plain option.
 */
export const tags = (name: string, options: { readonly description: string }): Options.Options<Array<string>> =>
  Options.text(name).pipe(
    Options.withDescription(options.description),
    Options.withPseudoName("KEY=VALUE"),
    Options.repeated,
    Options.mapEffect((texts) => {
      const bad = texts.find((text) => !/^[^=]+=/.test(text))
      return bad === undefined
        ? Effect.succeed(texts)
        : Effect.fail(invalid(name, bad, "key=value, such as feature=search"))
    })
  )

/** The path of a file that exists. */
export const existingFile = (name: string, options: { readonly description: string }): Options.Options<string> =>
  checked(name, {
    placeholder: "FILE",
    description: options.description,
    parse: (path) =>
      Effect.flatMap(FileSystem.FileSystem, (fs) => fs.stat(path)).pipe(
        Effect.mapError(() => "an existing file"),
        Effect.filterOrFail((info) => info.type === "File", () => "a file, not a directory"),
        Effect.as(path)
      )
  })

/** A default, also stated in the help: @effect/cli 0.77 does not show defaults. */
export const withDefault = <A>(value: A, shown: string = String(value)) => (self: Options.Options<A>) =>
  self.pipe(Options.withDefault(value), Options.withDescription(`Default: ${shown}.`))
