/**
 * One test's world: a scripted server, a client pointed at it through a real transport, the log lines and spans the
 * client produced, and {@link Harness.run}, which runs a call while moving the TestClock exactly as far as the
 * client waits (a retry delay it logged, or its attempt timeout when the server leaves a request hanging).
 */
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import type * as HttpClient from "@effect/platform/HttpClient"
import { type RecordedSpan, recordingTracer } from "@objectiveai-effect/testing/RecordingTracer"
import * as Server from "@objectiveai-effect/testing/ScriptedServer"
import * as Cause from "effect/Cause"
import * as Chunk from "effect/Chunk"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as LogLevel from "effect/LogLevel"
import * as Option from "effect/Option"
import * as Queue from "effect/Queue"
import * as Redacted from "effect/Redacted"
import type * as Scope from "effect/Scope"
import * as TestClock from "effect/TestClock"
import { ObjectiveAiClient, RetryPolicy } from "../../src/index.js"

/** The API key every harness uses; no output of the client may contain it. */
export const apiKey = "sk-test-4b1d-very-secret-key-0000"

export interface LogLine {
  readonly level: string
  readonly line: string
  readonly annotations: Readonly<Record<string, unknown>>
}

export interface Harness {
  readonly server: Server.ScriptedServer
  readonly client: ObjectiveAiClient.Service
  readonly logs: ReadonlyArray<LogLine>
  readonly spans: ReadonlyArray<RecordedSpan>
  /** The retry delays the client logged, in milliseconds, in order. */
  readonly delays: ReadonlyArray<number>
  /**
   * Runs `effect` to its end, advancing the TestClock through every wait of the client; `beforeWaitEnds` runs
   * while the client waits, before the clock moves on (to change the world between two attempts).
   */
  readonly run: <A, E>(
    effect: Effect.Effect<A, E>,
    beforeWaitEnds?: Effect.Effect<void, never, Scope.Scope>
  ) => Effect.Effect<Exit.Exit<A, E>, never, Scope.Scope>
}

export interface HarnessOptions extends Partial<ObjectiveAiClient.Options> {
  /** Where the client sends its requests, when not to the scripted server (a refused port, say). */
  readonly port?: number
  readonly transport?: Layer.Layer<HttpClient.HttpClient>
}

// The client registers the sleep it logged right after logging it, without I/O in between; a few scheduler turns
// are plenty, and a missing sleep is a failure of the test rather than a hang.
const awaitSleepAt = (instant: number): Effect.Effect<void> =>
  Effect.gen(function*() {
    for (let turn = 0; turn < 10_000; turn++) {
      if (Chunk.some(yield* TestClock.sleeps(), (at) => at === instant)) return
      yield* Effect.yieldNow()
    }
    return yield* Effect.dieMessage(`the client never slept until ${instant}`)
  })

/** Starts a scripted server and a client (defaults unless overridden) pointed at it. */
export const make = (script: Server.Script, options: HarnessOptions = {}): Effect.Effect<Harness, never, Scope.Scope> =>
  Effect.gen(function*() {
    const server = yield* Server.make(script)
    const { port, transport, ...clientOptions } = options
    const logs: Array<LogLine> = []
    const spans: Array<RecordedSpan> = []
    const delays: Array<number> = []
    const retries = yield* Queue.unbounded<number>()
    const logger = Logger.make((entry) => {
      const annotations = Object.fromEntries(entry.annotations)
      logs.push({ level: entry.logLevel.label, line: Logger.logfmtLogger.log(entry), annotations })
      if (typeof annotations.delayMillis === "number") {
        delays.push(annotations.delayMillis)
        Queue.unsafeOffer(retries, annotations.delayMillis)
      }
    })
    const context = yield* Layer.build(
      ObjectiveAiClient.layer({
        apiKey: Redacted.make(apiKey),
        baseUrl: port === undefined ? server.url : `http://127.0.0.1:${port}`,
        ...clientOptions
      }).pipe(Layer.provide(transport ?? NodeHttpClient.layerUndici))
    )
    const client = Context.get(context, ObjectiveAiClient.ObjectiveAiClient)
    const attemptMillis = Duration.toMillis(options.timeouts?.read?.attempt ?? RetryPolicy.readTimeouts.attempt)
    const totalMillis = Duration.toMillis(options.timeouts?.read?.total ?? RetryPolicy.readTimeouts.total)

    const run = <A, E>(
      effect: Effect.Effect<A, E>,
      beforeWaitEnds: Effect.Effect<void, never, Scope.Scope> = Effect.void
    ): Effect.Effect<Exit.Exit<A, E>, never, Scope.Scope> =>
      Effect.gen(function*() {
        const fiber = yield* effect.pipe(
          Effect.withTracer(recordingTracer(spans)),
          Effect.provide(Logger.replace(Logger.defaultLogger, logger)),
          Logger.withMinimumLogLevel(LogLevel.Debug),
          Effect.fork
        )
        // A hanging attempt ends at its own timeout or at the call's deadline, whichever is first; this assumes one
        // read call per run when the server hangs.
        const deadline = (yield* Clock.currentTimeMillis) + totalMillis
        for (;;) {
          const now = yield* Clock.currentTimeMillis
          const wait = yield* Effect.raceAll([
            Effect.map(Fiber.await(fiber), () => Option.none<number>()),
            Effect.map(Queue.take(retries), Option.some),
            Effect.map(Queue.take(server.hung), () => Option.some(Math.min(attemptMillis, deadline - now)))
          ])
          if (Option.isNone(wait)) return yield* Fiber.await(fiber)
          yield* awaitSleepAt(now + wait.value)
          yield* beforeWaitEnds
          yield* TestClock.adjust(wait.value)
        }
      })

    return { server, client, logs, spans, delays, run }
  })

/** The typed failure of an exit; throws (failing the test) on success or on a defect. */
export const failureOf = <A, E>(exit: Exit.Exit<A, E>): E => {
  if (Exit.isSuccess(exit)) throw new Error(`expected a failure, got success`)
  const failure = Cause.failureOption(exit.cause)
  if (Option.isNone(failure)) throw new Error(`expected a typed failure, got ${Cause.pretty(exit.cause)}`)
  return failure.value
}

/** The value of an exit; throws (failing the test) with the cause otherwise. */
export const successOf = <A, E>(exit: Exit.Exit<A, E>): A => {
  if (Exit.isFailure(exit)) throw new Error(`expected success, got ${Cause.pretty(exit.cause)}`)
  return exit.value
}
