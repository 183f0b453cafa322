/**
 * A captured call as the rows storing it writes: the call's row, its tag rows and, for a call that succeeded, its
 * completion's derived rows. Capture's writer thread turns each call it is handed into these as it decodes it, so that
 * the decoded request and completion die young: held for the whole batch as `CapturedCall`s, more of them survived the
 * thread's scavenges into the old generation (7.8 kB a call promoted, against 6.6 kB now, over 10,000 local creates
 * traced with `--trace-gc-nvp`).
 */
import { ChatCompletion, Json } from "@objectiveai-effect/domain"
import * as Schema from "effect/Schema"
import type * as CompletionStore from "../CompletionStore.js"
import * as Body from "./body.js"
import { derive, type Derived } from "./row.js"

/** A row of the calls table (a type rather than an interface, so that it is a record of its columns). */
export type CallRow = {
  readonly id: string
  readonly created: number
  readonly started_ms: number
  readonly operation: string
  readonly model: string
  readonly provider: string | null
  readonly completion_id: string | null
  readonly outcome: string
  readonly status: number | null
  readonly request_id: string | null
  readonly message: string | null
  readonly attempts: number
  readonly first_byte_ms: number | null
  readonly first_chunk_ms: number | null
  readonly duration_ms: number
  readonly request: string
  readonly partial: string | null
}

/**
 * A row of the tags table: one tag of a call, naming the call's completion when it has one, by its `created` and id
 * (the tags' index by completion is led by `created`, so that new rows go at its end).
 */
export type TagRow = {
  readonly call_id: string
  readonly tag_key: string
  readonly tag_value: string
  readonly completion_created: number | null
  readonly completion_id: string | null
}

/** What storing a captured call writes. */
export interface CapturedRow {
  readonly call: CallRow
  readonly tags: ReadonlyArray<TagRow>
  /** The rows of its completion, when it succeeded. */
  readonly completion: Derived | undefined
}

const encodePartial = Schema.encodeSync(ChatCompletion.ChatCompletionFromJson)

/** The rows of a captured call. */
export const fromCall = (call: CompletionStore.CapturedCall): CapturedRow => {
  const answer = call.completion ?? call.partial
  const completionId = call.completion?.id ?? null
  const completion = call.completion === undefined ? undefined : derive(
    call.requestJson === undefined || call.completionJson === undefined
      ? { request: call.request, response: call.completion }
      : Body.fromTexts(call.request, call.completion, call.requestJson, call.completionJson)
  )
  const completionCreated = completion?.completion.created ?? null
  return {
    call: {
      id: call.id,
      created: Math.floor(call.startedAt / 1000),
      started_ms: call.startedAt,
      operation: call.operation,
      model: answer?.model ?? call.request.model,
      provider: answer?.provider ?? null,
      completion_id: completionId,
      outcome: call.outcome,
      status: call.status ?? null,
      request_id: call.requestId ?? null,
      message: call.message ?? null,
      attempts: call.attempts,
      first_byte_ms: call.timeToFirstByte ?? null,
      first_chunk_ms: call.timeToFirstChunk ?? null,
      duration_ms: call.duration,
      request: call.requestJson ?? Json.stringify(call.request),
      partial: call.partial === undefined ? null : encodePartial(call.partial)
    },
    tags: Object.keys(call.tags).sort().map((key) => ({
      call_id: call.id,
      tag_key: key,
      tag_value: call.tags[key],
      completion_created: completionCreated,
      completion_id: completionId
    })),
    completion
  }
}
