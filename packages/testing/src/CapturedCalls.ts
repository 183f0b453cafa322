/**
 * A captured call as `Capture` records one, with the fields a test does not care about filled in: a successful
 * `create` of one attempt. Shared by the store's tests and those of the packages above it (dashboard, cli) that seed
 * a store with captured calls.
 */
import type { CompletionStore } from "@objectiveai-effect/store"

/** A call of `id`, started at `startedAt` (Unix ms), with `fields` over the defaults. */
export const capturedCall = (
  id: string,
  fields: Partial<CompletionStore.CapturedCall> & Pick<CompletionStore.CapturedCall, "request" | "startedAt">
): CompletionStore.CapturedCall => ({
  id,
  operation: "create",
  completion: undefined,
  partial: undefined,
  outcome: "Success",
  status: undefined,
  requestId: undefined,
  message: undefined,
  attempts: 1,
  timeToFirstByte: 12,
  timeToFirstChunk: undefined,
  duration: 40,
  tags: {},
  ...fields
})
