/**
 * Seeded fault injection for demos and tests of retrying clients: a share of requests gets a 429 with
 * `Retry-After`, a 500/502/503, a reset connection, a stall, or a stream that breaks off with an error event in one
 * of the two shapes the API uses. The same seed and the same sequence of requests give the same faults.
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import * as Data from "effect/Data"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import { Prng } from "./internal/random.js"
import * as LocalServerError from "./LocalServerError.js"

/**
 * The kinds of fault:
 * - `rate_limit`: 429 with `Retry-After` (seconds) and ObjectiveAI's error body;
 * - `server_error`: 500, 502 or 503 with ObjectiveAI's error body wrapping an upstream error;
 * - `reset`: the connection is destroyed before any response byte;
 * - `stall`: nothing is sent for the stall duration (a stream stalls after its first event), then the answer goes on;
 * - `midstream_objectiveai`: a stream sends a few chunks, then an ObjectiveAI `{ code, message }` event, and ends;
 * - `midstream_openrouter`: a stream sends a few chunks, then an OpenRouter chunk with a top-level `error` and
 *   `finish_reason: "error"`, and ends.
 *
 * The mid-stream kinds only apply to streaming creates; every other kind applies to any authorized request.
 *
 * @since 0.1.0
 * @category constants
 */
export const kinds = [
  "rate_limit",
  "server_error",
  "reset",
  "stall",
  "midstream_objectiveai",
  "midstream_openrouter"
] as const

/**
 * One kind of fault.
 *
 * @since 0.1.0
 * @category models
 */
export type Kind = typeof kinds[number]

/**
 * How often and how requests fail.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** The probability, from 0 to 1, that a request gets a fault. */
  readonly rate: number
  /** The kinds to draw from, uniformly among those that apply to the request; all of them by default. */
  readonly kinds?: ReadonlyArray<Kind> | undefined
  /** Seeds the draws; 0 by default. */
  readonly seed?: number | string | undefined
  /** The `Retry-After` a 429 carries, in whole seconds; 1 by default. */
  readonly retryAfterSeconds?: number | undefined
  /** How long a stall lasts; 60 seconds by default, longer than most client timeouts. */
  readonly stall?: Duration.DurationInput | undefined
}

/**
 * The options are out of range: a rate outside [0, 1], an unknown kind, a negative or fractional `retryAfterSeconds`.
 *
 * @since 0.1.0
 * @category errors
 */
export class InvalidFaultOptions extends Schema.TaggedError<InvalidFaultOptions>()("InvalidFaultOptions", {
  message: Schema.String
}) {
  /** @since 0.1.0 */
  readonly [LocalServerError.TypeId]: LocalServerError.TypeId = LocalServerError.TypeId
}

/**
 * The fault chosen for one request.
 *
 * @since 0.1.0
 * @category constructors
 */
export type Fault = Data.TaggedEnum<{
  RateLimit: { readonly retryAfterSeconds: number }
  ServerError: { readonly status: 500 | 502 | 503 }
  Reset: {}
  Stall: { readonly duration: Duration.Duration }
  MidStream: { readonly shape: "objectiveai" | "openrouter"; readonly afterChunks: number }
}>

/**
 * Constructors and matchers of {@link Fault}.
 *
 * @since 0.1.0
 * @category constructors
 */
export const Fault: Data.TaggedEnum.Constructor<Fault> = Data.taggedEnum<Fault>()

/**
 * What the server tells the injector about a request.
 *
 * @since 0.1.0
 * @category models
 */
export interface Request {
  readonly streaming: boolean
}

/**
 * The injector's one operation: the fault for the next request, if any.
 *
 * @since 0.1.0
 * @category models
 */
export interface Service {
  readonly next: (request: Request) => Effect.Effect<Option.Option<Fault>>
}

/**
 * The injector as a service.
 *
 * @since 0.1.0
 * @category tags
 */
export class FaultInjection
  extends Context.Tag("@objectiveai-effect/server/FaultInjection")<FaultInjection, Service>()
{}

const statuses = [500, 502, 503] as const

/**
 * An injector. Each request draws from one seeded sequence, so faults are reproducible for requests that arrive in
 * the same order.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: Options): Effect.Effect<Service, InvalidFaultOptions> =>
  Effect.gen(function*() {
    const { rate, retryAfterSeconds = 1 } = options
    const enabled = options.kinds ?? kinds
    const fail = (message: string) => new InvalidFaultOptions({ message })
    if (!(rate >= 0 && rate <= 1)) return yield* fail(`rate: expected a number from 0 to 1, got ${rate}`)
    const unknown = enabled.find((kind) => !kinds.includes(kind))
    if (unknown !== undefined) {
      return yield* fail(`kinds: unknown kind "${unknown}", expected one of ${kinds.join(", ")}`)
    }
    if (!Number.isInteger(retryAfterSeconds) || retryAfterSeconds < 0) {
      return yield* fail(`retryAfterSeconds: expected a whole number of seconds, got ${retryAfterSeconds}`)
    }
    const stall = Duration.decode(options.stall ?? Duration.seconds(60))
    const prng = new Prng("faults", String(options.seed ?? 0))
    return {
      next: (request) =>
        Effect.sync(() => {
          if (!prng.chance(rate)) return Option.none()
          const applicable = enabled.filter((kind) => request.streaming || !kind.startsWith("midstream"))
          if (applicable.length === 0) return Option.none()
          const kind = prng.pick(applicable)
          switch (kind) {
            case "rate_limit":
              return Option.some(Fault.RateLimit({ retryAfterSeconds }))
            case "server_error":
              return Option.some(Fault.ServerError({ status: prng.pick(statuses) }))
            case "reset":
              return Option.some(Fault.Reset())
            case "stall":
              return Option.some(Fault.Stall({ duration: stall }))
            case "midstream_objectiveai":
            case "midstream_openrouter":
              return Option.some(Fault.MidStream({
                shape: kind === "midstream_objectiveai" ? "objectiveai" : "openrouter",
                afterChunks: prng.int(1, 5)
              }))
          }
        })
    }
  })

/**
 * The injector as a layer; without options no request ever faults.
 *
 * @example
 * ```ts
 * import { FaultInjection } from "@objectiveai-effect/server"
 *
 * // One request in five fails, only with 429s and 5xx.
 * const Faults = FaultInjection.layer({ rate: 0.2, kinds: ["rate_limit", "server_error"], seed: 42 })
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (options: Options = { rate: 0 }): Layer.Layer<FaultInjection, InvalidFaultOptions> =>
  Layer.effect(FaultInjection, make(options))
