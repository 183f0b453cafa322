/**
 * Attempt deadlines that cost no fiber. Racing every attempt against a timer (`Effect.timeout`) forks two fibers per
 * request, which measured at a quarter of a retrieve's whole time. Here the attempt runs in the caller's fiber, every
 * request it sends is tied to a scope of its own (`HttpClient.withScope`), and a timer closes that scope at the
 * deadline: the transport aborts the requests through their `AbortSignal`, whether still waiting for the headers or
 * reading the body, and the attempt's failure is reported as the timeout. Every @effect/platform transport (undici,
 * node:http, fetch) builds on `HttpClient.make`, which honours that signal.
 */
import * as HttpClient from "@effect/platform/HttpClient"
import type * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import type * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as FiberRef from "effect/FiberRef"
import { globalValue } from "effect/GlobalValue"
import * as Scope from "effect/Scope"

/**
 * The scope of the attempt running now, if any: closing it aborts the requests the attempt sent. A fiber reference
 * rather than a service, as it is set on every attempt and a reference costs less to set than the context.
 */
const currentAttemptScope = globalValue(
  "@objectiveai-effect/client/currentAttemptScope",
  () => FiberRef.unsafeMake<Scope.Scope | undefined>(undefined)
)

/**
 * The application's transport with every request tied to the scope of the attempt that sends it. It goes under the
 * caller's middleware (`transformClient`), so that every request that middleware makes (a redirect it follows, a
 * retry of its own) is tied too, whatever it does to the request on the way.
 */
export const abortable = (client: HttpClient.HttpClient): HttpClient.HttpClient => {
  const scoped = HttpClient.withScope(client)
  return HttpClient.makeWith(
    Effect.flatMap((request: HttpClientRequest.HttpClientRequest) =>
      Effect.flatMap(FiberRef.get(currentAttemptScope), (scope) =>
        scope === undefined
          // Sent outside an attempt, a request is left to the transport's own limits.
          ? Effect.provideServiceEffect(scoped.execute(request), Scope.Scope, Scope.make())
          : Effect.provideService(scoped.execute(request), Scope.Scope, scope))
    ),
    Effect.succeed<HttpClientRequest.HttpClientRequest>
  )
}

// The clock of Effect's default services. On it a deadline is a plain timer; any other clock (a TestClock, a
// simulated one) gets its own `sleep`, in a fiber, so that moving that clock moves the deadline.
const liveClock = Effect.runSync(Effect.clock)

// Node fires a timer set beyond this at once; a deadline so far off is no deadline.
const maxTimerMillis = 2 ** 31 - 1

const noTimer: Effect.Effect<Effect.Effect<void>> = Effect.succeed(Effect.void)

/** Starts a timer running `task` after `millis`; the effect it returns cancels it. */
const startTimer = (clock: Clock.Clock, millis: number, task: () => void): Effect.Effect<Effect.Effect<void>> => {
  if (!(millis <= maxTimerMillis)) return noTimer
  if (clock === liveClock) {
    return Effect.sync(() => {
      const handle = setTimeout(task, Math.max(0, millis))
      return Effect.sync(() => clearTimeout(handle))
    })
  }
  return Effect.map(
    Effect.forkDaemon(Effect.zipRight(clock.sleep(Duration.millis(millis)), Effect.sync(task))),
    Fiber.interrupt
  )
}

/**
 * Runs `attempt`, whose requests go through an {@link abortable} transport, with a deadline `millis` from now: at the
 * deadline its requests are aborted and whatever failure that brings is replaced by `onExpired()`; an attempt that
 * succeeds anyway keeps its value. A failed or interrupted attempt aborts its requests at once, so that no connection
 * outlives it; a successful one leaves them be, for a body it handed on unread, with `release` (given to `attempt`) to
 * abort them when that body's reader is done.
 */
export const withDeadline = <A, E>(
  attempt: (release: Effect.Effect<void>) => Effect.Effect<A, E>,
  millis: number,
  onExpired: () => E
): Effect.Effect<A, E> =>
  Effect.flatMap(Scope.make(), (scope) =>
    Effect.clockWith((clock) => {
      let expired = false
      const expire = () => {
        expired = true
        // Only synchronous finalizers are in this scope: the aborts `HttpClient.withScope` registers.
        Effect.runSync(Scope.close(scope, Exit.void))
      }
      return Effect.flatMap(startTimer(clock, millis, expire), (cancelTimer) =>
        attempt(Scope.close(scope, Exit.void)).pipe(
          Effect.locally(currentAttemptScope, scope),
          Effect.catchAll((error) => Effect.fail(expired ? onExpired() : error)),
          Effect.onExit((exit) =>
            Exit.isSuccess(exit) ? cancelTimer : Effect.zipRight(cancelTimer, Scope.close(scope, exit))
          )
        ))
    }))
