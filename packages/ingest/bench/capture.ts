/**
 * The capture benchmarks, on the built packages, against the local server in this process:
 * - `capture.create.overhead`: `create` with `Capture` into a SQLite store over the same calls without it, in one run,
 *   one call at a time, in blocks of 2,500 calls, 12 of each kind (`CAPTURE_BENCH_ROUNDS` changes it). Each captured
 *   block is timed by the wall clock from its first call until its records are written (a flush), so that it is
 *   charged the capture's whole cost as the caller sees it: the work on the application's thread, the writer thread's
 *   work still pending when the block's calls are done, and, on a machine whose cores are all busy, the writer
 *   thread's CPU taken from the application (target: at most 1.05x). The writer writes a batch every 500 calls
 *   (or every 250 ms on its own thread, every second on this one), so a flush finds at most a batch pending;
 *   `capture.create.flush_ms` is that wait, per block. The kinds run in a balanced order (each at every place and
 *   after every other kind equally often) and the baseline is two kinds of bare blocks: their ratio,
 *   `capture.create.bare_vs_bare`, is the spread of the same calls on this machine, against which the others read.
 *   `capture.create.overhead.low95` and `.high95` bound the figure's 95% interval over the run's own rounds (a
 *   percentile bootstrap: the ratio recomputed over rounds drawn with replacement), so that a run says how far its
 *   blocks let the figure move.
 *   `capture.create.overhead.calling_thread` is the same for a store written on the application's thread (a store
 *   without a shared location).
 *   `capture.create.app_thread_cpu` (and `.calling_thread`) is the ratio of the CPU time of the application's thread
 *   alone (from /proc/thread-self/stat, Linux only), for where the cost lies;
 * - `capture.throughput`: calls the capture layer records into SQLite per second from 64 concurrent fibers, from the
 *   first record to the last one written, none dropped (target: at least 2,000/s). The records are those of real
 *   calls (made against the local server first, each copy under a completion id of its own), so that the figure is
 *   the capture layer's, not the local server's: `capture.throughput.calls` and `capture.throughput.calls_bare` are
 *   the same with real calls, 64 in flight, with and without capture, where the local server sets the pace.
 * `CAPTURE_BENCH_CALLS` changes the number of calls of each throughput figure (at most the queue's capacity, 10,000).
 */
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { CallObserver, CallTags, ObjectiveAiClient } from "@objectiveai-effect/client"
import { type ChatCompletion, type ChatCompletionCreateParams, CompletionId } from "@objectiveai-effect/domain"
import { Capture } from "@objectiveai-effect/ingest"
import { ObjectiveAiServer } from "@objectiveai-effect/server"
import { CompletionStore, Database } from "@objectiveai-effect/store"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import { identity } from "effect/Function"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Random from "effect/Random"
import * as Redacted from "effect/Redacted"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"

const calls = Number(process.env.CAPTURE_BENCH_CALLS ?? 10_000)
// Blocks of the overhead benchmark, each of `block` calls, of each kind.
const rounds = Number(process.env.CAPTURE_BENCH_ROUNDS ?? 12)
const block = 2_500
const apiKey = "bench-key"
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "objectiveai-capture-bench-"))

const params: ChatCompletionCreateParams.ChatCompletionCreateParams = {
  model: "openai/gpt-4o-mini",
  messages: [{ role: "user", content: "Summarize the meeting notes." }]
}

// The CPU time of this thread (the application's) in clock ticks, on Linux; 0 elsewhere.
const threadCpuTicks = (): number => {
  try {
    const stat = fs.readFileSync("/proc/thread-self/stat", "utf8")
    const fields = stat.slice(stat.lastIndexOf(") ") + 2).split(" ")
    return Number(fields[11]) + Number(fields[12])
  } catch {
    return 0
  }
}

// Capture into a SQLite file: as it comes (a writer thread writes), or, `onCallingThread`, through the store's service
// without its shared location, which this thread writes.
const captureInto = (filename: string, options: { readonly onCallingThread?: boolean } = {}) => {
  const store = CompletionStore.layer(Database.Location.Sqlite({ filename }))
  return Effect.map(
    Layer.build(
      Capture.layer().pipe(
        Layer.provide(
          options.onCallingThread === true
            ? Layer.effect(
              CompletionStore.CompletionStore,
              Effect.map(CompletionStore.CompletionStore, (service) => ({ ...service, sharedLocation: Option.none() }))
            ).pipe(Layer.provide(store))
            : store
        )
      )
    ),
    (context) => ({ capture: Context.get(context, Capture.Capture), context })
  )
}

// A kind's blocks: the application thread's CPU in all, and each block's wall time, in round order.
interface Timed {
  cpu: number
  readonly blocks: Array<number>
}

// A kind's wall time in all.
const totalMs = (kind: Timed): number => kind.blocks.reduce((sum, ms) => sum + ms, 0)

// The 95% interval of a kind's time over the bare blocks', from the rounds (each kind runs once a round): the ratio of
// the sums recomputed 10,000 times over rounds drawn with replacement, its 2.5th and 97.5th percentiles.
const interval = (kind: Timed, bare: Timed, bareAgain: Timed) =>
  Effect.gen(function*() {
    const n = kind.blocks.length
    const baseline = bare.blocks.map((ms, round) => (ms + bareAgain.blocks[round]) / 2)
    const ratios: Array<number> = []
    for (let draw = 0; draw < 10_000; draw++) {
      let kindMs = 0
      let bareMs = 0
      for (let i = 0; i < n; i++) {
        const round = yield* Random.nextIntBetween(0, n)
        kindMs += kind.blocks[round]
        bareMs += baseline[round]
      }
      ratios.push(kindMs / bareMs)
    }
    ratios.sort((a, b) => a - b)
    return { low: ratios[249], high: ratios[9_749] }
  }).pipe(Effect.withRandom(Random.make("capture.create.overhead")))

const bench = Effect.gen(function*() {
  const { url } = yield* Layer.build(ObjectiveAiServer.layer({ completions: [], apiKeys: [apiKey] })).pipe(
    Effect.map(Context.get(ObjectiveAiServer.ObjectiveAiServer))
  )
  const client = yield* Layer.build(
    ObjectiveAiClient.layer({ apiKey: Redacted.make(apiKey), baseUrl: url }).pipe(
      Layer.provide(NodeHttpClient.layerUndici)
    )
  ).pipe(Effect.map(Context.get(ObjectiveAiClient.ObjectiveAiClient)))
  const create = client.create(params).pipe(CallTags.tagged({ feature: "bench", user: "u-1" }))
  const many = (count: number, concurrency: number) =>
    Effect.forEach(Array.from({ length: count }), () => create, { concurrency, discard: true })

  // Overhead: the same calls, one at a time as a request handler makes them, in rounds: without capture (twice),
  // with capture as it comes (a writer thread), and with the store written on this thread.
  const overhead = yield* Effect.scoped(Effect.gen(function*() {
    const captures = [
      yield* captureInto(path.join(dir, "overhead.sqlite")),
      yield* captureInto(path.join(dir, "overhead-calling-thread.sqlite"), { onCallingThread: true })
    ]
    const observed = captures.map(({ context }) =>
      Effect.provideService(
        many(block, 1),
        CallObserver.CallObserver,
        Context.get(context, CallObserver.CallObserver)
      )
    )
    yield* many(200, 1)
    yield* Effect.forEach(observed, identity, { discard: true })
    const bare: Timed = { cpu: 0, blocks: [] }
    const bareAgain: Timed = { cpu: 0, blocks: [] }
    const captured = captures.map((): Timed & { flushMs: number } => ({ cpu: 0, blocks: [], flushMs: 0 }))
    const timed = <A, E, R>(effect: Effect.Effect<A, E, R>, into: Timed) =>
      Effect.suspend(() => {
        const start = performance.now()
        const startCpu = threadCpuTicks()
        return Effect.ensuring(
          effect,
          Effect.sync(() => {
            into.blocks.push(performance.now() - start)
            into.cpu += threadCpuTicks() - startCpu
          })
        )
      })
    // Each captured block is timed with its records written: the capture's work in the background counts against
    // it, not against the block after it. The wait for them (the flush) is also timed alone.
    const kinds = [
      timed(many(block, 1), bare),
      ...captures.map(({ capture }, i) =>
        timed(
          Effect.zipRight(
            observed[i],
            Effect.timed(capture.flush).pipe(
              Effect.map(([waited]) => (captured[i].flushMs += Duration.toMillis(waited)))
            )
          ),
          captured[i]
        )
      ),
      timed(many(block, 1), bareAgain)
    ]
    // A balanced order (a Williams square): over each `kinds.length` rounds every kind runs at every place once and
    // right after every other kind once, so that what a block leaves behind (garbage, a warm or cold cache) weighs on
    // every kind alike. In one run with the kinds in a cycle, the bare block that always came after the calling
    // thread's was 11% slower than the other bare block.
    const first = kinds.map((_, i) => (i % 2 === 0 ? i / 2 : kinds.length - (i + 1) / 2))
    for (let round = 0; round < rounds; round++) {
      for (const at of first) yield* kinds[(at + round) % kinds.length]
    }
    return { bare, bareAgain, captured: captured[0], callingThread: captured[1] }
  }))

  // Throughput of real calls: 64 in flight, until every record is written; the same calls without capture first.
  const bareStart = performance.now()
  yield* many(calls, 64)
  const bareSeconds = (performance.now() - bareStart) / 1000
  const endToEnd = yield* Effect.scoped(Effect.gen(function*() {
    const { capture, context } = yield* captureInto(path.join(dir, "throughput.sqlite"))
    const start = performance.now()
    yield* Effect.provideService(
      many(calls, 64),
      CallObserver.CallObserver,
      Context.get(context, CallObserver.CallObserver)
    )
    yield* capture.flush
    const seconds = (performance.now() - start) / 1000
    const stats = yield* capture.stats
    if (stats.dropped > 0 || stats.lost > 0 || stats.written !== calls) {
      return yield* Effect.dieMessage(`recorded ${JSON.stringify(stats)} of ${calls} calls`)
    }
    return { seconds }
  }))

  // Throughput of the capture layer: records of real calls, recorded by 64 fibers at once, until all are written.
  const samples: Array<CallObserver.CallRecord> = []
  yield* Effect.provideService(many(200, 16), CallObserver.CallObserver, {
    record: (call) => Effect.sync(() => samples.push(call))
  })
  const records = Array.from({ length: calls }, (_, i): CallObserver.CallRecord => {
    const sample = samples[i % samples.length]
    const id = (completion: ChatCompletion.ChatCompletion) => CompletionId.make(`${completion.id}-${i}`)
    return {
      ...sample,
      completion: Option.map(sample.completion, (completion) => ({ ...completion, id: id(completion) })),
      // The text the client received, with the copy's id: the store keeps the text, so a copy with the sample's text
      // would store the sample's completion again.
      completionJson: Option.match(sample.completion, {
        onNone: () => sample.completionJson,
        onSome: (completion) => {
          const from = `"id":${JSON.stringify(completion.id)}`
          if (sample.completionJson?.includes(from) !== true) throw new Error(`no ${from} in the answer's text`)
          return sample.completionJson.replace(from, `"id":${JSON.stringify(id(completion))}`)
        }
      })
    }
  })
  const recording = yield* Effect.scoped(Effect.gen(function*() {
    const { capture, context } = yield* captureInto(path.join(dir, "recording.sqlite"))
    const observer = Context.get(context, CallObserver.CallObserver)
    const start = performance.now()
    yield* Effect.forEach(records, (record) => observer.record(record), { concurrency: 64, discard: true })
    yield* capture.flush
    const seconds = (performance.now() - start) / 1000
    const stats = yield* capture.stats
    if (stats.dropped > 0 || stats.lost > 0 || stats.written !== calls) {
      return yield* Effect.dieMessage(`recorded ${JSON.stringify(stats)} of ${calls} records`)
    }
    return { seconds }
  }))

  // The bare blocks of both kinds are the baseline, a block's time per call; their ratio is the spread two runs of
  // the same calls show on this machine, for reading the others.
  const bareMs = (totalMs(overhead.bare) + totalMs(overhead.bareAgain)) / 2
  const bareCpu = (overhead.bare.cpu + overhead.bareAgain.cpu) / 2
  console.log(`capture.create.bare_ms: ${(bareMs / (rounds * block)).toFixed(3)} ms`)
  console.log(`capture.create.captured_ms: ${(totalMs(overhead.captured) / (rounds * block)).toFixed(3)} ms`)
  console.log(`capture.create.overhead: ${(totalMs(overhead.captured) / bareMs).toFixed(2)}x`)
  const spread = yield* interval(overhead.captured, overhead.bare, overhead.bareAgain)
  console.log(`capture.create.overhead.low95: ${spread.low.toFixed(2)}x`)
  console.log(`capture.create.overhead.high95: ${spread.high.toFixed(2)}x`)
  console.log(`capture.create.flush_ms: ${(overhead.captured.flushMs / rounds).toFixed(1)} ms`)
  console.log(`capture.create.overhead.calling_thread: ${(totalMs(overhead.callingThread) / bareMs).toFixed(2)}x`)
  console.log(`capture.create.bare_vs_bare: ${(totalMs(overhead.bareAgain) / totalMs(overhead.bare)).toFixed(2)}x`)
  if (bareCpu > 0) {
    console.log(`capture.create.app_thread_cpu: ${(overhead.captured.cpu / bareCpu).toFixed(2)}x`)
    console.log(`capture.create.app_thread_cpu.calling_thread: ${(overhead.callingThread.cpu / bareCpu).toFixed(2)}x`)
  }
  console.log(`capture.throughput: ${(calls / recording.seconds).toFixed(0)} calls/s`)
  console.log(`capture.throughput.calls_bare: ${(calls / bareSeconds).toFixed(0)} calls/s`)
  console.log(`capture.throughput.calls: ${(calls / endToEnd.seconds).toFixed(0)} calls/s`)
})

Effect.scoped(bench).pipe(
  Effect.ensuring(Effect.sync(() => fs.rmSync(dir, { recursive: true, force: true }))),
  NodeRuntime.runMain
)
