/**
 * Captured calls in the store: stored with their tags beside synced completions (each completion once, whichever path
 * brought it first), the report by a tag equal to the in-memory fold on every engine, failed calls counted by model
 * and provider, and a prune that drops bodies without changing the report.
 */
import { describe, expect, it } from "@effect/vitest"
import { CallSummary, Cost, Report } from "@objectiveai-effect/analysis"
import { CompletionId, type StoredChatCompletion } from "@objectiveai-effect/domain"
import { capturedCall } from "@objectiveai-effect/testing/CapturedCalls"
import { engines, freshStore, sample } from "@objectiveai-effect/testing/StoreEngines"
import * as Effect from "effect/Effect"
import * as FastCheck from "effect/FastCheck"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"

const encodeReport = Schema.encodeSync(Report.Report)
const printed = (report: Report.Report) => JSON.stringify(encodeReport(report))
const encodeCost = Schema.encodeSync(Cost.CostSummary)

const newestFirst = (completions: ReadonlyArray<StoredChatCompletion.StoredChatCompletion>) =>
  [...completions].sort((a, b) =>
    b.response.created - a.response.created ||
    (a.response.id < b.response.id ? 1 : a.response.id > b.response.id ? -1 : 0)
  )

const features = ["summary", "chat", "search's \"best\""] as const
const errors = ["RateLimitedError", "ServerError", "StreamTruncatedError", "Interrupted"] as const

/** Each completion: synced, captured with or without a `feature` tag, or both; and failed calls beside them. */
const generated = FastCheck.record({
  completions: FastCheck.array(
    FastCheck.record({
      base: FastCheck.integer({ min: 0, max: sample.length - 1 }),
      created: FastCheck.integer({ min: 0, max: 400_000 }),
      path: FastCheck.constantFrom("sync", "capture", "both"),
      feature: FastCheck.option(FastCheck.constantFrom(...features), { nil: undefined }),
      user: FastCheck.option(FastCheck.constantFrom("u-1", "u-2"), { nil: undefined })
    }),
    { maxLength: 25 }
  ),
  failed: FastCheck.array(
    FastCheck.record({
      model: FastCheck.constantFrom("openai/gpt-4o-mini", "anthropic/claude-3.5-sonnet"),
      outcome: FastCheck.constantFrom(...errors),
      started: FastCheck.integer({ min: 0, max: 400_000_000 }),
      partialOf: FastCheck.option(FastCheck.integer({ min: 0, max: sample.length - 1 }), { nil: undefined })
    }),
    { maxLength: 10 }
  )
})

/** The values a filter picks of each key: any of them, none, or all. */
const picked = FastCheck.record({
  feature: FastCheck.subarray([...features]),
  user: FastCheck.subarray(["u-1", "u-2"])
})

/**
 * UTC, zones a whole hour ahead and behind with their summer time, and zones a half and three quarters of an hour off,
 * so that the days of the rollups by tag (UTC days) are not whole.
 */
const zone = FastCheck.constantFrom(undefined, "Europe/Paris", "America/New_York", "Asia/Kolkata", "Asia/Kathmandu")

/** The local date of a Unix time in a zone (UTC when none), as the store labels days. */
const localDay = (timeZone: string | undefined) => {
  const format = new Intl.DateTimeFormat("en-CA", {
    timeZone: timeZone ?? "UTC",
    year: "numeric",
    month: "2-digit",
    day: "2-digit"
  })
  return (completion: { readonly created: number }) => format.format(new Date(completion.created * 1000))
}

let run = 0

const scenario = (input: typeof generated extends FastCheck.Arbitrary<infer A> ? A : never) => {
  // Each run in a window of its own, which the report filters on: the store keeps the earlier runs' calls.
  const window = 1_700_000_000 + run * 1_000_000
  const prefix = `captured${run++}`
  const completions = input.completions.map((row, i) => {
    const base = sample[row.base]
    const stored = {
      ...base,
      response: { ...base.response, id: CompletionId.make(`${prefix}-${i}`), created: window + row.created }
    } as StoredChatCompletion.StoredChatCompletion
    const tags: Record<string, string> = {}
    if (row.feature !== undefined) tags.feature = row.feature
    if (row.user !== undefined) tags.user = row.user
    return { row, stored, tags }
  })
  const calls = [
    ...completions.filter(({ row }) => row.path !== "sync").map(({ stored, tags }, i) =>
      capturedCall(`${prefix}-call-${i}`, {
        request: stored.request,
        completion: stored.response,
        startedAt: stored.response.created * 1000,
        tags
      })
    ),
    ...input.failed.map((failure, i) =>
      capturedCall(`${prefix}-failed-${i}`, {
        request: { ...sample[0].request, model: failure.model },
        outcome: failure.outcome,
        status: failure.outcome === "RateLimitedError" ? 429 : undefined,
        partial: failure.partialOf === undefined ? undefined : sample[failure.partialOf].response,
        startedAt: window * 1000 + failure.started,
        tags: { feature: features[i % features.length] }
      })
    )
  ]
  const synced = completions.filter(({ row }) => row.path !== "capture").map(({ stored }) => stored)
  const tagOf = new Map(
    completions.filter(({ row }) => row.path !== "sync").map(({ stored, tags }) => [
      stored.response.id,
      tags
    ])
  )
  const expectedCalls = CallSummary.summarize(calls.map((c) => ({
    model: (c.completion ?? c.partial)?.model ?? c.request.model,
    provider: (c.completion ?? c.partial)?.provider ?? null,
    outcome: c.outcome
  })))
  const filter = { since: new Date(window * 1000), until: new Date((window + 400_001) * 1000) }
  return { filter, completions: completions.map(({ stored }) => stored), calls, synced, tagOf, expectedCalls }
}

for (const engine of engines) {
  describe(`captured calls on ${engine.name}`, () => {
    it.scopedLive(
      "the report by a tag equals Cost.summarize by that tag, each completion once, failed calls counted",
      () =>
        Effect.gen(function*() {
          const store = yield* freshStore(engine)
          yield* Effect.promise(() =>
            FastCheck.assert(
              FastCheck.asyncProperty(
                generated,
                FastCheck.constantFrom("feature", "user"),
                picked,
                zone,
                (input, key, values, timeZone) =>
                  Effect.runPromise(Effect.gen(function*() {
                    const { calls, completions, expectedCalls, filter, synced, tagOf } = scenario(input)
                    const dayOf = localDay(timeZone)
                    // The report of some completions with its days in the zone.
                    const reportOf = (
                      some: ReadonlyArray<StoredChatCompletion.StoredChatCompletion>
                    ): Report.Report => {
                      const report = Report.summarize(some)
                      return {
                        ...report,
                        cost: { ...report.cost, byDay: Cost.summarize(some.map((c) => c.response), { by: dayOf }) }
                      }
                    }
                    // The cost by day in the zone and by the key's value, as the dashboard's chart reads it.
                    const byDayAndTag = (some: ReadonlyArray<StoredChatCompletion.StoredChatCompletion>) =>
                      encodeCost(Cost.summarize(some.map((c) => c.response), {
                        by: [dayOf, (completion) => tagOf.get(completion.id)?.[key] ?? null]
                      }))
                    // Half the synced completions come before their capture, half after.
                    const half = Math.floor(synced.length / 2)
                    yield* store.put(synced.slice(0, half))
                    yield* store.putCalls(calls)
                    yield* store.put(synced.slice(half))
                    // A batch written again after a failure changes nothing.
                    yield* store.putCalls(calls)
                    const ours = yield* store.report({ filter, tag: key, timeZone })
                    const mine = (yield* store.storedIds(completions.map((c) => c.response.id))).size
                    expect(mine).toBe(
                      new Set(completions.map((c) => c.response.id)).size
                    )
                    const unique = [...new Map(completions.map((c) => [c.response.id, c])).values()]
                    const expectedByTag = Cost.summarize(
                      newestFirst(unique).map((c) => c.response),
                      { by: (completion) => tagOf.get(completion.id)?.[key] ?? null }
                    )
                    expect(ours.cost.byTag?.key).toBe(key)
                    expect(encodeCost(ours.cost.byTag!.summary)).toStrictEqual(encodeCost(expectedByTag))
                    expect(ours.cost.byTag!.summary.total).toStrictEqual(ours.cost.byModel.total)
                    // The rest of the report is the report of the completions, whichever path brought them.
                    const { byTag: _, ...cost } = ours.cost
                    const { calls: __, ...rest } = ours
                    expect(printed({ ...rest, cost })).toBe(printed(reportOf(newestFirst(unique))))
                    expect(encodeCost(yield* store.rollup({ ...filter, by: ["day", `tag:${key}`], timeZone })))
                      .toStrictEqual(byDayAndTag(newestFirst(unique)))
                    // Under a model filter the cost rollups by tag, which hold no model, are not read: the rollups by
                    // tag and model are.
                    const model = unique[0]?.response.model ?? "none"
                    expect(
                      encodeCost(
                        yield* store.rollup({ ...filter, models: [model], by: ["day", `tag:${key}`], timeZone })
                      )
                    ).toStrictEqual(byDayAndTag(newestFirst(unique.filter((c) => c.response.model === model))))
                    expect(ours.calls ?? CallSummary.empty).toStrictEqual(expectedCalls)

                    // Filtered by some values of the key (through the rollup by tag for the whole days), and by both
                    // keys at once (through the rows of the rarer one): the report of the completions tagged so.
                    const filters: ReadonlyArray<Record<string, ReadonlyArray<string>>> = [
                      { [key]: key === "feature" ? values.feature : values.user },
                      { feature: values.feature, user: values.user }
                    ]
                    for (const tags of filters) {
                      const matches = (found: Readonly<Record<string, string>> | undefined) =>
                        Object.entries(tags).every(([k, vs]) => found?.[k] !== undefined && vs.includes(found[k]))
                      const tagged = newestFirst(unique.filter((c) => matches(tagOf.get(c.response.id))))
                      const filtered = yield* store.report({ filter: { ...filter, tags }, tag: key, timeZone })
                      const expectedTagged = reportOf(tagged)
                      expect(
                        encodeCost(
                          yield* store.rollup({ ...filter, tags, by: ["day", `tag:${key}`], timeZone })
                        )
                      ).toStrictEqual(byDayAndTag(tagged))
                      const { byTag: taggedByTag, ...taggedCost } = filtered.cost
                      const { calls: taggedCalls, ...taggedRest } = filtered
                      expect(printed({ ...taggedRest, cost: taggedCost })).toBe(printed(expectedTagged))
                      expect(encodeCost(taggedByTag!.summary)).toStrictEqual(encodeCost(Cost.summarize(
                        tagged.map((c) => c.response),
                        { by: (completion) => tagOf.get(completion.id)?.[key] ?? null }
                      )))
                      expect(taggedCalls ?? CallSummary.empty).toStrictEqual(CallSummary.summarize(
                        calls.filter((c) => matches(c.tags)).map((c) => ({
                          model: (c.completion ?? c.partial)?.model ?? c.request.model,
                          provider: (c.completion ?? c.partial)?.provider ?? null,
                          outcome: c.outcome
                        }))
                      ))
                    }
                  }))
              ),
              { numRuns: 25 }
            )
          )
        }),
      180_000
    )

    it.scoped("a prune drops the bodies and requests before a date; the report before and after is the same", () =>
      Effect.gen(function*() {
        const store = yield* freshStore(engine)
        const [first, ...rest] = sample.slice(0, 60)
        yield* store.put(rest)
        yield* store.putCalls([
          capturedCall("c-1", {
            request: first.request,
            completion: first.response,
            startedAt: first.response.created * 1000,
            tags: { feature: "a" }
          }),
          capturedCall("c-2", {
            request: first.request,
            outcome: "ServerError",
            status: 503,
            startedAt: first.response.created * 1000,
            tags: { feature: "b" }
          })
        ])
        const created = sample.slice(0, 60).map((c) => c.response.created).sort((a, b) => a - b)
        const cutoff = new Date(created[30] * 1000)
        const before = yield* store.report({ tag: "feature" })
        expect(before.calls?.total).toMatchObject({ calls: 2, failed: 1 })
        const pruned = yield* store.prune(cutoff)
        const older = sample.slice(0, 60).filter((c) => c.response.created < created[30]).length
        expect(pruned.completions).toBe(older)
        const after = yield* store.report({ tag: "feature" })
        expect(printed(after)).toBe(printed(before))
        // The bodies left are the newer ones; the pruned completions are still stored, and not stored again.
        const bodies = yield* Stream.runCollect(store.bodies())
        expect(bodies.length).toBe(60 - older)
        expect((yield* store.storedIds(sample.slice(0, 60).map((c) => c.response.id))).size).toBe(60)
        // Pruning again finds nothing more.
        expect(yield* store.prune(cutoff)).toStrictEqual({ completions: 0, calls: 0 })
        expect(printed(yield* store.report({ tag: "feature" }))).toBe(printed(before))
      }))

    it.scoped("the rollup by a tag and a model: one group per pair, the untagged completions under null", () =>
      Effect.gen(function*() {
        const store = yield* freshStore(engine)
        const [a, b, c] = sample
        yield* store.put([c])
        yield* store.putCalls([
          capturedCall("x-1", { request: a.request, completion: a.response, startedAt: 0, tags: { feature: "one" } }),
          capturedCall("x-2", { request: b.request, completion: b.response, startedAt: 0, tags: { user: "u" } })
        ])
        const rollup = yield* store.rollup({ by: ["tag:feature", "model"] })
        const expected = Cost.summarize([a, b, c].map((s) => s.response), {
          by: [(completion) => completion.id === a.response.id ? "one" : null, "model"]
        })
        expect(encodeCost(rollup)).toStrictEqual(encodeCost(expected))
      }))
  })
}
