/**
 * Capture: real calls through the client against the local server recorded into a real store on every engine, and
 * the queue's promises: a full queue drops and says so once, a failing store is retried and never fails a call, and
 * a scope that closes (an interrupted fiber, a killed process) writes everything queued first.
 */
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { describe, expect, it } from "@effect/vitest"
import { CallObserver, CallTags, ObjectiveAiClient } from "@objectiveai-effect/client"
import type { ChatCompletionCreateParams } from "@objectiveai-effect/domain"
import { ObjectiveAiServer } from "@objectiveai-effect/server"
import { CompletionStore, StoreError } from "@objectiveai-effect/store"
import * as Server from "@objectiveai-effect/testing/ScriptedServer"
import * as Context from "effect/Context"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Schedule from "effect/Schedule"
import * as Stream from "effect/Stream"
import * as TestClock from "effect/TestClock"
import { spawn } from "node:child_process"
import * as path from "node:path"
import { Worker } from "node:worker_threads"
import { Capture, Sync } from "../src/index.js"
import { clientOf, engines, freshStore, openStore, sample, serverLayer, tempStoreLocation } from "./support.js"

const params = (content: string): ChatCompletionCreateParams.ChatCompletionCreateParams => ({
  model: "openai/gpt-4o-mini",
  messages: [{ role: "user", content }]
})

const served = sample.slice(0, 20)

/** Log lines at warning and above, as written. */
const logged = () => {
  const lines: Array<string> = []
  const logger = Logger.replace(
    Logger.defaultLogger,
    Logger.make(({ logLevel, message }) => {
      lines.push(`${logLevel.label} ${Array.isArray(message) ? message.join(" ") : String(message)}`)
    })
  )
  return { lines, logger }
}

/** A record as the client makes them, for the tests of the queue alone. */
const record = (n: number): CallObserver.CallRecord => ({
  operation: "create",
  request: params(`call ${n}`),
  completion: Option.none(),
  outcome: CallObserver.Outcome.Failure({
    error: "ServerError",
    status: 503,
    requestId: `req-${n}`,
    message: "busy"
  }),
  attempts: 1,
  requestId: `req-${n}`,
  startedAt: 1_750_000_000_000 + n,
  timeToFirstByte: Option.some(3),
  timeToFirstChunk: Option.none(),
  duration: 5,
  tags: { feature: "queue" }
})

/** Capture's writer thread, which stops (exits with code 7) when it is given its second batch (or third). */
const spawnStoppingWorker = (workerData: unknown) =>
  new Worker(
    `const { parentPort } = require("node:worker_threads")
    let batches = 0
    // Once the worker listens: a batch that came before would be lost to it.
    import(${JSON.stringify(new URL("../../store/dist/internal/captureWorker.js", import.meta.url).href)}).then(() =>
      parentPort.on("message", () => { if (++batches === 2) process.exit(7) }))`,
    { eval: true, workerData }
  )

/** The store with a gate before each batch it writes: closed until the test opens it. */
const gated = (store: CompletionStore.Service) =>
  Effect.gen(function*() {
    const open = yield* Deferred.make<void>()
    const entered = yield* Deferred.make<void>()
    const gatedStore: CompletionStore.Service = {
      ...store,
      // Written here, through the gate, rather than by a writer thread of its own.
      sharedLocation: Option.none(),
      putCalls: (calls) =>
        Deferred.succeed(entered, undefined).pipe(
          Effect.zipRight(Deferred.await(open)),
          Effect.zipRight(store.putCalls(calls))
        )
    }
    return { store: gatedStore, open: Deferred.succeed(open, undefined), entered: Deferred.await(entered) }
  })

/** The capture layer's services in a scope of their own, on the given store. */
const startCapture = (store: CompletionStore.Service, options?: Capture.Options) =>
  Effect.map(
    Layer.build(Capture.layer(options).pipe(Layer.provide(Layer.succeed(CompletionStore.CompletionStore, store)))),
    (context) => ({
      capture: Context.get(context, Capture.Capture),
      observer: Context.get(context, CallObserver.CallObserver)
    })
  )

const capturedCalls = (store: CompletionStore.Service) =>
  Effect.map(store.report(), (report) => report.calls?.total.calls ?? 0)

for (const engine of engines) {
  describe(`Capture on ${engine.name}`, () => {
    it.scopedLive(
      "records every create and stream with its tags; a sync after stores each completion once",
      () =>
        Effect.gen(function*() {
          const store = yield* freshStore(engine)
          const { url } = yield* ObjectiveAiServer.ObjectiveAiServer
          const client = yield* clientOf()
          const wrongKey = yield* Effect.flatMap(
            Layer.build(NodeHttpClient.layerUndici),
            (transport) =>
              ObjectiveAiClient.make({ apiKey: Redacted.make("not-the-key"), baseUrl: url }).pipe(
                Effect.provide(transport)
              )
          )
          yield* Effect.scoped(Effect.gen(function*() {
            const { observer } = yield* startCapture(store)
            const calls = Effect.gen(function*() {
              yield* client.create(params("one")).pipe(CallTags.tagged({ feature: "summary" }))
              yield* client.create(params("two")).pipe(CallTags.tagged({ feature: "summary" }))
              yield* Stream.runDrain(client.stream(params("three"))).pipe(CallTags.tagged({ feature: "chat" }))
              yield* client.create(params("four"))
              yield* Effect.flip(wrongKey.create(params("five")).pipe(CallTags.tagged({ feature: "chat" })))
            }).pipe(CallTags.tagged({ user: "u-1" }))
            yield* Effect.provideService(calls, CallObserver.CallObserver, observer)
          }))
          // The scope closed: every call is in the store.
          const report = yield* store.report({ tag: "feature" })
          expect(report.completions.retrieved).toBe(4)
          expect(report.calls?.total).toStrictEqual({
            key: null,
            calls: 5,
            failed: 1,
            interrupted: 0,
            errors: { UnauthorizedError: 1 }
          })
          const byTag = report.cost.byTag!.summary.groups.map((group) => [group.key[0], group.totals.completions])
          expect(byTag).toStrictEqual([[null, 1], ["chat", 1], ["summary", 2]])
          const byUser = (yield* store.report({ tag: "user" })).cost.byTag!.summary.groups
          expect(byUser.map((group) => [group.key[0], group.totals.completions])).toStrictEqual([["u-1", 4]])

          // The sync finds the completions capture stored and stores the served ones only.
          const synced = yield* Sync.sync().pipe(
            Effect.provideService(CompletionStore.CompletionStore, store),
            Effect.provideService(ObjectiveAiClient.ObjectiveAiClient, client)
          )
          expect(synced.alreadyStored).toBe(4)
          expect(synced.stored).toBe(served.length)
          const after = yield* store.report({ tag: "feature" })
          expect(after.completions.retrieved).toBe(served.length + 4)
          expect(after.cost.byTag!.summary.groups.map((group) => [group.key[0], group.totals.completions]))
            .toStrictEqual([[null, served.length + 1], ["chat", 1], ["summary", 2]])
        }).pipe(Effect.provide(serverLayer({ completions: served }))),
      60_000
    )

    it.scoped("a full queue drops what does not fit, counts it and says so once", () => {
      const { lines, logger } = logged()
      return Effect.gen(function*() {
        const store = yield* freshStore(engine)
        const gate = yield* gated(store)
        const { capture, observer } = yield* startCapture(gate.store, { capacity: 3, batchSize: 1 })
        yield* observer.record(record(0))
        // The writer holds the first record; the queue takes 3 more and drops the rest.
        yield* gate.entered
        yield* Effect.forEach([1, 2, 3, 4, 5, 6, 7], (n) => observer.record(record(n)), { discard: true })
        expect(yield* capture.stats).toStrictEqual({ recorded: 8, written: 0, dropped: 4, lost: 0 })
        yield* gate.open
        yield* capture.flush
        expect(yield* capture.stats).toStrictEqual({ recorded: 8, written: 4, dropped: 4, lost: 0 })
        expect(yield* capturedCalls(store)).toBe(4)
        expect(lines.filter((line) => line.includes("queue")).length).toBe(1)
        expect(lines[0]).toMatch(/^WARN capture: the queue of 3 calls is full/)
      }).pipe(Effect.provide(logger))
    })

    it.scoped("a store that fails is retried and logged, never surfaced; one that keeps failing loses its batch", () =>
      Effect.gen(function*() {
        const { lines, logger } = logged()
        const store = yield* freshStore(engine)
        let failures = 2
        const failing: CompletionStore.Service = {
          ...store,
          sharedLocation: Option.none(),
          putCalls: (calls) =>
            Effect.suspend(() =>
              failures-- > 0
                ? Effect.fail(new StoreError.DatabaseBusy({ location: store.location, operation: "storing" }))
                : store.putCalls(calls)
            )
        }
        yield* Effect.gen(function*() {
          const { capture, observer } = yield* startCapture(failing, {
            retry: Schedule.spaced("1 second").pipe(Schedule.intersect(Schedule.recurs(3)))
          })
          yield* observer.record(record(1))
          const flushed = yield* Effect.fork(capture.flush)
          yield* TestClock.adjust("1 second")
          yield* TestClock.adjust("1 second")
          yield* Fiber.join(flushed)
          expect(yield* capture.stats).toStrictEqual({ recorded: 1, written: 1, dropped: 0, lost: 0 })
          expect(yield* capturedCalls(store)).toBe(1)
          expect(lines.filter((line) => line.startsWith("WARN capture: storing 1 calls failed, retrying")))
            .toHaveLength(2)

          // A store that never recovers: the batch is given up after the schedule, and logged.
          failures = 100
          yield* observer.record(record(2))
          const given = yield* Effect.fork(capture.flush)
          for (let i = 0; i < 3; i++) yield* TestClock.adjust("1 second")
          yield* Fiber.join(given)
          expect(yield* capture.stats).toStrictEqual({ recorded: 2, written: 1, dropped: 0, lost: 1 })
          expect(lines.at(-1)).toMatch(/^ERROR capture: 1 calls lost, the store kept failing/)
        }).pipe(Effect.provide(logger))
      }))

    it.scoped("a batch waits 250 ms to fill when a writer thread writes it, 1 second on the calling thread", () =>
      Effect.gen(function*() {
        const store = yield* freshStore(engine)
        const onCallingThread: CompletionStore.Service = { ...store, sharedLocation: Option.none() }
        // The writer thread writes in real time once the batch is let go.
        const realTime = (millis: number) => Effect.promise(() => new Promise((resolve) => setTimeout(resolve, millis)))
        for (const [service, linger] of [[store, 250], [onCallingThread, 1000]] as const) {
          yield* Effect.scoped(Effect.gen(function*() {
            const { capture, observer } = yield* startCapture(service)
            yield* observer.record(record(linger))
            yield* TestClock.adjust(linger - 1)
            yield* realTime(300)
            expect((yield* capture.stats).written).toBe(0)
            yield* TestClock.adjust(1)
            for (let waited = 0; waited < 100 && (yield* capture.stats).written === 0; waited++) yield* realTime(50)
            expect(yield* capture.stats).toStrictEqual({ recorded: 1, written: 1, dropped: 0, lost: 0 })
          }))
        }
        expect(yield* capturedCalls(store)).toBe(2)
      }))

    it.scoped("a store with a location is written by the writer thread, never on the calling thread", () =>
      Effect.gen(function*() {
        const store = yield* freshStore(engine)
        expect(Option.isSome(store.sharedLocation)).toBe(true)
        const here: CompletionStore.Service = {
          ...store,
          putCalls: () => Effect.die("written on the calling thread")
        }
        yield* Effect.scoped(Effect.gen(function*() {
          const { capture, observer } = yield* startCapture(here, { batchSize: 4 })
          yield* Effect.forEach(Array.from({ length: 10 }, (_, n) => n), (n) => observer.record(record(n)), {
            discard: true
          })
          yield* capture.flush
          expect(yield* capture.stats).toStrictEqual({ recorded: 10, written: 10, dropped: 0, lost: 0 })
        }))
        expect(yield* capturedCalls(store)).toBe(10)
      }))

    it.scopedLive("stores a create's request and answer as the texts sent and received, through the writer thread", () =>
      Effect.gen(function*() {
        const store = yield* freshStore(engine)
        expect(Option.isSome(store.sharedLocation)).toBe(true)
        // An answer as a server may lay it out (indented, a key the schema does not know): re-encoded, it would be
        // stored compact.
        const answer = JSON.stringify({ ...sample[0].response, x_vendor: { note: "kept" } }, null, 2)
        const server = yield* Server.make(() => Server.json(200, answer))
        const client = yield* Effect.flatMap(
          Layer.build(NodeHttpClient.layerUndici),
          (transport) =>
            ObjectiveAiClient.make({ apiKey: Redacted.make("sk-test"), baseUrl: server.url }).pipe(
              Effect.provide(transport)
            )
        )
        yield* Effect.scoped(Effect.gen(function*() {
          const { capture, observer } = yield* startCapture(store)
          yield* client.create(params("as sent")).pipe(Effect.provideService(CallObserver.CallObserver, observer))
          yield* capture.flush
          expect(yield* capture.stats).toStrictEqual({ recorded: 1, written: 1, dropped: 0, lost: 0 })
        }))
        const stored = yield* store.body(sample[0].response.id)
        expect(Option.map(stored, (body) => body.body)).toStrictEqual(
          Option.some(`{"request":${server.requests[0].body},"response":${answer}}`)
        )
      }))

    it.scoped("a writer thread that stops is said once; its batches and the rest are written on the calling thread", () => {
      const { lines, logger } = logged()
      return Effect.gen(function*() {
        const store = yield* freshStore(engine)
        const { capture, observer } = yield* startCapture(store, { spawnWorker: spawnStoppingWorker })
        for (let n = 0; n < 4; n++) {
          yield* observer.record(record(n))
          yield* capture.flush
        }
        expect(yield* capture.stats).toStrictEqual({ recorded: 4, written: 4, dropped: 0, lost: 0 })
        expect(yield* capturedCalls(store)).toBe(4)
        expect(lines).toStrictEqual([
          "WARN capture: the writer thread stopped (it exited with code 7); batches are written on the application's thread from now on"
        ])
      }).pipe(Effect.provide(logger))
    })

    it.scoped("an interrupted fiber's capture writes everything queued before its scope closes", () =>
      Effect.gen(function*() {
        const store = yield* freshStore(engine)
        const gate = yield* gated(store)
        const started = yield* Deferred.make<void>()
        const app = yield* Effect.fork(Effect.scoped(Effect.gen(function*() {
          const { observer } = yield* startCapture(gate.store, { batchSize: 7 })
          yield* Effect.forEach(Array.from({ length: 50 }, (_, n) => n), (n) => observer.record(record(n)), {
            discard: true
          })
          yield* Deferred.succeed(started, undefined)
          return yield* Effect.never
        })))
        yield* Deferred.await(started)
        yield* gate.entered
        // The writer is inside a batch when the application goes; the rest is queued.
        const stopping = yield* Effect.fork(Fiber.interrupt(app))
        yield* gate.open
        yield* Fiber.join(stopping)
        expect(yield* capturedCalls(store)).toBe(50)
      }))
  })
}

describe("Capture in a process stopped by a signal", () => {
  const script = path.join(__dirname, "fixtures", "captureLoop.ts")
  const root = path.join(__dirname, "..", "..", "..")

  it.scopedLive.each(
    [
      ["SIGTERM", "worker"],
      ["SIGINT", "worker"],
      ["SIGTERM", "caller"],
      ["SIGINT", "caller"]
    ] as const
  )(
    "%s, written by the %s thread: every call the process made is in the store",
    ([signal, writer]) =>
      Effect.gen(function*() {
        const location = yield* tempStoreLocation
        const child = spawn(
          process.execPath,
          ["--import", "tsx", script, location.filename, writer],
          { cwd: root, env: { ...process.env, TSX_TSCONFIG_PATH: path.join(root, "tsconfig.test.json") } }
        )
        let made = 0
        let output = ""
        child.stdout.on("data", (data: Buffer) => {
          output += data.toString()
          made = output.split("\n").filter((line) => line === "made").length
        })
        let errors = ""
        child.stderr.on("data", (data: Buffer) => (errors += data.toString()))
        const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)))
        yield* Effect.promise(async () => {
          while (made < 30) {
            if (child.exitCode !== null) throw new Error(`the script ended early: ${errors}`)
            await new Promise((resolve) => setTimeout(resolve, 20))
          }
        })
        child.kill(signal)
        yield* Effect.promise(() => exited)
        const store = yield* openStore(location)
        const stored = yield* capturedCalls(store)
        // Every call that returned before the signal, and the one it interrupted, if any.
        expect(stored).toBeGreaterThanOrEqual(made)
        expect(errors).toBe("")
      }),
    60_000
  )
})
