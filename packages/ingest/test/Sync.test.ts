import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as UrlParams from "@effect/platform/UrlParams"
import { describe, expect, it } from "@effect/vitest"
import { ObjectiveAiClient } from "@objectiveai-effect/client"
import { CompletionId, type StoredChatCompletion } from "@objectiveai-effect/domain"
import { ServedCompletions } from "@objectiveai-effect/server"
import { CompletionStore } from "@objectiveai-effect/store"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import { Sync } from "../src/index.js"
import { clientOf, engines, freshStore, openStore, sample, serverLayer } from "./support.js"

/** The requests a client sent, by kind. */
interface Requests {
  readonly lists: Array<URL>
  readonly retrieves: Array<string>
}

const recording = (requests: Requests) => (client: HttpClient.HttpClient) =>
  HttpClient.tapRequest(client, (request) =>
    Effect.sync(() => {
      const url = new URL(request.url)
      const id = url.pathname.match(/\/chat\/completions\/(.+)$/)?.[1]
      if (id === undefined) requests.lists.push(url)
      else requests.retrieves.push(decodeURIComponent(id))
    }))

const newRequests = (): Requests => ({ lists: [], retrieves: [] })

/** Syncs with a client of the running test server; the client's requests are recorded. */
const syncWith = (
  store: CompletionStore.Service,
  options: Sync.Options & {
    readonly requests?: Requests
    readonly transform?: (client: HttpClient.HttpClient) => HttpClient.HttpClient
  } = {}
) =>
  Effect.gen(function*() {
    const requests = options.requests ?? newRequests()
    const client = yield* clientOf((http) => recording(requests)(options.transform?.(http) ?? http))
    return yield* Sync.sync(options).pipe(
      Effect.provideService(CompletionStore.CompletionStore, store),
      Effect.provideService(ObjectiveAiClient.ObjectiveAiClient, client)
    )
  })

let freshCount = 0

/** A completion created just now, as a newly made one would be. */
const fresh = (n: number): StoredChatCompletion.StoredChatCompletion => ({
  request: sample[n].request,
  response: {
    ...sample[n].response,
    id: CompletionId.make(`chtcpl-fresh-${n}-${Date.now()}-${freshCount++}`),
    created: Math.floor(Date.now() / 1000)
  }
})

/** Every stored body is the server's exact JSON for its id, and the store holds exactly `ids`. */
const expectSameAsServer = (store: CompletionStore.Service, ids: ReadonlyArray<string>) =>
  Effect.gen(function*() {
    const server = yield* ServedCompletions.ServedCompletions
    const bodies = Array.from(yield* Stream.runCollect(store.bodies({ pageSize: 97 })))
    expect(bodies.map((row) => row.id).sort()).toEqual([...ids].sort())
    for (const { body, id } of bodies) expect(body).toBe(yield* server.getJson(id))
  })

// A smaller set than the rollup tests use: syncs retrieve every completion over HTTP, many times per test.
const served = sample.slice(0, 120)
const total = served.length
const sampleIds = served.map((stored) => stored.response.id as string)
const serving = (options: Parameters<typeof serverLayer>[0] = {}) => serverLayer({ completions: served, ...options })

for (const engine of engines) {
  describe(`Sync on ${engine.name}`, () => {
    it.scopedLive(
      "stores everything once, then only what is new, and stops paging at what it has",
      () =>
        Effect.gen(function*() {
          const store = yield* freshStore(engine)
          const first = yield* syncWith(store, { pageSize: 50 })
          expect(first).toEqual({ listed: total, stored: total, alreadyStored: 0, retried: 0, failed: [] })
          yield* expectSameAsServer(store, sampleIds)

          const requests = newRequests()
          const second = yield* syncWith(store, { pageSize: 50, requests })
          expect(second.stored).toBe(0)
          expect(requests.lists.length).toBe(1)
          expect(requests.retrieves).toEqual([])

          const server = yield* ServedCompletions.ServedCompletions
          const added = [fresh(1), fresh(2), fresh(3)]
          yield* Effect.forEach(added, server.add)
          const third = yield* syncWith(store, { pageSize: 2, requests: newRequests() })
          expect(third.stored).toBe(3)
          yield* expectSameAsServer(store, [...sampleIds, ...added.map((stored) => stored.response.id)])
        }).pipe(Effect.provide(serving())),
      60_000
    )

    it.scopedLive(
      "completions arriving while it pages are stored, now or by the next run, and none twice",
      () =>
        Effect.gen(function*() {
          const store = yield* freshStore(engine)
          const server = yield* ServedCompletions.ServedCompletions
          const added: Array<StoredChatCompletion.StoredChatCompletion> = []
          // The second, third and fourth pages are asked for after three new completions went in at the top, shifting
          // the pages.
          const arriving = (client: HttpClient.HttpClient) =>
            HttpClient.tapRequest(
              client,
              (request) =>
                !["40", "80"].includes(Option.getOrElse(UrlParams.getFirst(request.urlParams, "offset"), () => ""))
                  ? Effect.void
                  : Effect.forEach([0, 1, 2], (i) => {
                    const completion = fresh(10 + added.length + i)
                    return Effect.zipRight(server.add(completion), Effect.sync(() => added.push(completion)))
                  }, { discard: true }).pipe(Effect.orDie)
            )
          const first = yield* syncWith(store, { pageSize: 40, transform: arriving })
          expect(first.stored).toBe(total)
          expect(added.length).toBe(6)
          const second = yield* syncWith(store, { pageSize: 40 })
          expect(second.stored).toBe(added.length)
          yield* expectSameAsServer(store, [...sampleIds, ...added.map((stored) => stored.response.id)])
        }).pipe(Effect.provide(serving())),
      60_000
    )

    it.scopedLive(
      "interrupted at random points, then resumed: nothing lost, nothing twice",
      () =>
        Effect.gen(function*() {
          for (let trial = 0; trial < 2; trial++) {
            const store = yield* freshStore(engine)
            const stops: Array<number> = []
            for (let interruption = 0; interruption < 4; interruption++) {
              const fiber = yield* Effect.fork(syncWith(store, { pageSize: 30, concurrency: 8 }))
              yield* Effect.sleep(Math.floor(Math.random() * 150))
              yield* Fiber.interrupt(fiber)
              const stored = yield* store.count()
              stops.push(stored)
              // Until a listing is worked through, the next run must start from the top again.
              if (stored < total) expect(yield* store.getState(Sync.watermark)).toEqual(Option.none())
            }
            const last = yield* syncWith(store, { pageSize: 30 })
            expect(last.failed).toEqual([])
            expect(last.stored).toBe(total - stops[stops.length - 1])
            yield* expectSameAsServer(store, sampleIds)
          }
        }).pipe(Effect.provide(serving())),
      120_000
    )

    it.scopedLive(
      "records the ids that fail, retries them on the next run, and reports them until they succeed",
      () =>
        Effect.gen(function*() {
          const store = yield* freshStore(engine)
          const failing = new Set(sampleIds.filter((_, i) => i % 29 === 7))
          // The server answers 404 for these ids while `broken` holds.
          let broken = true
          const breaking = (client: HttpClient.HttpClient) =>
            HttpClient.mapRequest(client, (request) => {
              const id = decodeURIComponent(request.url.split("/chat/completions/")[1] ?? "")
              return broken && failing.has(id) ? HttpClientRequest.setUrl(request, `${request.url}-missing`) : request
            })
          const first = yield* syncWith(store, { transform: breaking })
          expect(first.stored).toBe(total - failing.size)
          expect(first.failed.map((failure) => failure.id).sort()).toEqual([...failing].sort())
          expect(first.failed.every((failure) => failure.error === "NotFoundError" && failure.attempts === 1)).toBe(
            true
          )

          const requests = newRequests()
          const second = yield* syncWith(store, { transform: breaking, requests })
          expect(requests.retrieves.map((id) => id.replace(/-missing$/, "")).sort()).toEqual([...failing].sort())
          expect(second.failed.map((failure) => failure.attempts)).toEqual([...failing].map(() => 2))
          expect(second.retried).toBe(0)

          broken = false
          const third = yield* syncWith(store)
          expect(third).toMatchObject({ stored: failing.size, retried: failing.size, failed: [] })
          expect(yield* store.failures).toEqual([])
          yield* expectSameAsServer(store, sampleIds)
        }).pipe(Effect.provide(serving())),
      60_000
    )

    it.scopedLive(
      "completes through a server that drops and fails requests, over as many runs as it takes",
      () =>
        Effect.gen(function*() {
          const store = yield* freshStore(engine)
          let runs = 0
          while ((yield* store.count()) < total || (yield* store.failures).length > 0) {
            expect(++runs).toBeLessThan(10)
            yield* Effect.ignore(syncWith(store, { pageSize: 25 }))
          }
          yield* expectSameAsServer(store, sampleIds)
        }).pipe(
          Effect.provide(serving({ faults: { rate: 0.15, kinds: ["server_error", "reset"], seed: engine.name } }))
        ),
      120_000
    )

    it.scopedLive("stops at an error every id would get, and records no failures", () =>
      Effect.gen(function*() {
        const store = yield* freshStore(engine)
        // The listing is authorized; every retrieve bears a key the server refuses.
        const revoked = (client: HttpClient.HttpClient) =>
          HttpClient.mapRequest(client, (request) =>
            request.url.includes("/chat/completions/")
              ? HttpClientRequest.setHeader(request, "authorization", "Bearer revoked")
              : request)
        const error = yield* Effect.flip(syncWith(store, { transform: revoked }))
        expect(error._tag).toBe("UnauthorizedError")
        expect(yield* store.failures).toEqual([])
        expect(yield* store.count()).toBe(0)
        expect(yield* store.getState(Sync.watermark)).toEqual(Option.none())
      }).pipe(Effect.provide(serving())), 60_000)
  })
}

const postgres = engines.find((engine) => engine.name === "postgres")
describe.runIf(postgres !== undefined)("Sync into one PostgreSQL store from two machines", () => {
  it.scopedLive("stores every completion exactly once", () =>
    Effect.gen(function*() {
      const location = yield* postgres!.fresh
      // Two stores on their own connection pools, as two processes would have.
      const [a, b] = yield* Effect.all([openStore(location), openStore(location)], { concurrency: 2 })
      const [first, second] = yield* Effect.all(
        [syncWith(a, { pageSize: 20, concurrency: 4 }), syncWith(b, { pageSize: 20, concurrency: 4 })],
        { concurrency: 2 }
      )
      expect(first.stored + second.stored).toBe(total)
      expect(first.failed).toEqual([])
      expect(second.failed).toEqual([])
      yield* expectSameAsServer(a, sampleIds)
    }).pipe(Effect.provide(serving())), 60_000)
})
