/**
 * The progress line `report`, `sync` and `import` draw on stderr while they work: a bar, done / total and the time left when the
 * number of ids is known (ids given, or read from a file), the count and the rate always. It is redrawn four times a
 * second, only when stderr is a terminal, so redirected output and logs never hold it, and it is erased before the
 * report prints.
 *
 * @since 0.1.0
 */
import type { ObjectiveAiClient } from "@objectiveai-effect/client"
import * as Effect from "effect/Effect"
import * as Schedule from "effect/Schedule"
import * as Stream from "effect/Stream"

/**
 * Where the retrieval stands.
 *
 * @since 0.1.0
 * @category models
 */
export interface State {
  readonly done: number
  readonly failed: number
  /** How many ids there are, when known before they are all retrieved. */
  readonly total: number | undefined
  readonly elapsedMillis: number
  /** What is being done, the line's first word: `retrieving` by default. */
  readonly action?: string | undefined
}

const barWidth = 24

/** `45s`, `2m05s`, `1h02m`: the time left, to the second while it is short. */
const timeLeft = (seconds: number): string => {
  const s = Math.ceil(seconds)
  if (s < 60) return `${s}s`
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`
}

/**
 * The progress line for a state, at most `columns` characters wide.
 *
 * @example
 * ```ts
 * import { Progress } from "@objectiveai-effect/cli"
 *
 * Progress.line({ done: 50, failed: 1, total: 200, elapsedMillis: 2000 }, 80)
 * // "retrieving [######------------------]  50/200  1 failed  25/s  6s left"
 * ```
 *
 * @since 0.1.0
 * @category rendering
 */
export const line = (state: State, columns: number): string => {
  const perSecond = state.elapsedMillis > 0 ? state.done / (state.elapsedMillis / 1000) : 0
  const rate = Math.round(perSecond)
  const failed = state.failed > 0 ? `  ${state.failed} failed` : ""
  const action = state.action ?? "retrieving"
  let text: string
  if (state.total === undefined || state.total === 0) {
    text = `${action} ${state.done}${failed}  ${rate}/s`
  } else {
    const filled = Math.min(barWidth, Math.floor((state.done / state.total) * barWidth))
    const count = `${state.done}/${state.total}`.padStart(2 * String(state.total).length + 1)
    const left = perSecond > 0 ? `  ${timeLeft(Math.max(0, state.total - state.done) / perSecond)} left` : ""
    text = `${action} [${"#".repeat(filled)}${"-".repeat(barWidth - filled)}] ${count}${failed}  ${rate}/s${left}`
  }
  return text.slice(0, Math.max(0, columns - 1))
}

// Often enough to look alive, rarely enough that a slow terminal or a recording of it is not flooded.
const redrawEvery = "250 millis"

/**
 * Counts the retrieve results passing through, redrawing the progress line on stderr four times a second, when
 * stderr is a terminal; otherwise the stream as it is.
 *
 * @since 0.1.0
 * @category sinks
 */
export const track = (options: { readonly total: number | undefined }) =>
  count<ObjectiveAiClient.RetrieveResult>({ ...options, failed: (result) => result._tag === "Failed" })

/**
 * Counts any items passing through as {@link track} counts retrieve results: `failed` tells which count as failed,
 * `action` names what is done (`importing`, say).
 *
 * @since 0.1.0
 * @category sinks
 */
export const count = <A>(options: {
  readonly total: number | undefined
  readonly failed: (item: A) => boolean
  readonly action?: string | undefined
}) =>
<B extends A, E, R>(results: Stream.Stream<B, E, R>): Stream.Stream<B, E, R> => {
  const stderr = process.stderr
  if (!stderr.isTTY) return results
  return Stream.unwrapScoped(Effect.gen(function*() {
    const start = Date.now()
    let done = 0
    let failed = 0
    const draw = Effect.sync(() => {
      const state = { done, failed, total: options.total, elapsedMillis: Date.now() - start, action: options.action }
      // A terminal of unknown size (some pseudo-terminals report 0 columns) gets the usual 80.
      stderr.write(`\r\x1b[2K${line(state, stderr.columns || 80)}`)
    })
    yield* Effect.addFinalizer(() => Effect.sync(() => stderr.write("\r\x1b[2K")))
    yield* Effect.forkScoped(Effect.repeat(draw, Schedule.spaced(redrawEvery)))
    return Stream.tap(results, (result) =>
      Effect.sync(() => {
        done++
        if (options.failed(result)) failed++
      }))
  }))
}
