/**
 * The store a command names with `--database`, opened as a layer whose errors are one line on stderr, and the filter
 * of `--since` / `--until`. Loaded only by the commands that read or write a store.
 *
 * @since 0.1.0
 */
import { CompletionStore, Database, type StoreError } from "@objectiveai-effect/store"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as CliError from "./CliError.js"

/**
 * A store error as the one line a command prints.
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromStore = (error: StoreError.StoreError): CliError.CliError =>
  CliError.failure(
    error._tag === "MissingStore"
      ? `${error.message}: \`objectiveai sync\` or \`objectiveai import\` creates one`
      : error.message
  )

/**
 * The store at a `--database` value, its errors as {@link CliError.CliError}s. The commands that write (`sync`,
 * `import`) create it when missing; those that read (`report`, `export`) open it `readOnly`, so a mistyped path fails
 * instead of reporting on a new empty store.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (
  location: string,
  options?: Database.OpenOptions
): Layer.Layer<CompletionStore.CompletionStore, CliError.CliError> =>
  CompletionStore.layer(Database.fromString(location), options).pipe(Layer.mapError(fromStore))

/**
 * The filter of a time range.
 *
 * @since 0.1.0
 * @category constructors
 */
export const filterOf = (
  options: { readonly since: Option.Option<Date>; readonly until: Option.Option<Date> }
): CompletionStore.Filter => ({
  since: Option.getOrUndefined(options.since),
  until: Option.getOrUndefined(options.until)
})
