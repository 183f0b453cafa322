/**
 * The Parquet export: typed columns (ids and names as strings, `created` as a UTC timestamp, tokens as 64-bit
 * integers, amounts as exact decimals, flags as booleans) and the exact stored body as text, written with
 * hyparquet-writer one row group at a time, so that memory stays flat whatever the store's size.
 */
import type { StoredChatCompletion } from "@objectiveai-effect/domain"
import * as BigDecimal from "effect/BigDecimal"
import * as Option from "effect/Option"
import { ByteWriter, type ColumnSource, ParquetWriter, type SchemaElement } from "hyparquet-writer"

/** Digits after the point of the amount columns: amounts are credits, priced to well under 10^-12 a token. */
export const amountScale = 18
/** Digits of the amount columns in all: the most a 16-byte decimal holds. */
export const amountPrecision = 38

const amountBound = 10n ** BigInt(amountPrecision)

const column = (name: string, element: Omit<SchemaElement, "name" | "repetition_type">, nullable = true) =>
  ({
    name,
    ...element,
    repetition_type: nullable ? "OPTIONAL" : "REQUIRED"
  }) as SchemaElement

const text = { type: "BYTE_ARRAY", converted_type: "UTF8" } as const
const int64 = { type: "INT64" } as const
const flag = { type: "BOOLEAN" } as const
const decimal = {
  type: "FIXED_LEN_BYTE_ARRAY",
  type_length: 16,
  converted_type: "DECIMAL",
  precision: amountPrecision,
  scale: amountScale,
  logical_type: { type: "DECIMAL", precision: amountPrecision, scale: amountScale }
} as const

/** The file's columns, in order. */
export const schema: ReadonlyArray<SchemaElement> = [
  { name: "root", num_children: 17 },
  column("id", text, false),
  column("created", {
    type: "INT64",
    converted_type: "TIMESTAMP_MILLIS",
    logical_type: { type: "TIMESTAMP", isAdjustedToUTC: true, unit: "MILLIS" }
  }),
  column("model", text, false),
  column("provider", text),
  column("finish_reasons", text, false),
  column("prompt_tokens", int64),
  column("completion_tokens", int64),
  column("reasoning_tokens", int64),
  column("cached_tokens", int64),
  column("cost", decimal),
  column("upstream_inference_cost", decimal),
  column("upstream_upstream_inference_cost", decimal),
  column("is_byok", flag, false),
  column("logprobs", flag, false),
  column("tool_calls", flag, false),
  // Text, not Parquet's JSON type: hyparquet-writer serializes a JSON column's values itself, which would write the
  // body as a JSON string, or lose a seed beyond 2^53 if it were given the parsed value.
  column("body", text, false),
  // The tags of the call that captured the completion, a JSON object; null for a completion only synced.
  column("tags", text)
]

const tokens = (value: number | null | undefined): bigint | null =>
  typeof value === "number" && Number.isSafeInteger(value) ? BigInt(value) : null

/**
 * An amount as the unscaled integer of its decimal column, exactly; `null` when absent, and when the decimal column
 * cannot hold it exactly (more than 18 decimal places, or 20 digits before the point): the body keeps it.
 */
export const unscaledAmount = (value: number | null | undefined): bigint | null => {
  if (typeof value !== "number" || !Number.isFinite(value)) return null
  return Option.match(BigDecimal.fromString(String(value)), {
    onNone: () => null,
    onSome: (amount) => {
      const normalized = BigDecimal.normalize(amount)
      if (normalized.scale > amountScale) return null
      const unscaled = normalized.value * 10n ** BigInt(amountScale - normalized.scale)
      return unscaled < amountBound && unscaled > -amountBound ? unscaled : null
    }
  })
}

const createdMillis = (created: number): bigint | null => {
  const millis = Math.floor(created * 1000)
  return Number.isSafeInteger(millis) ? BigInt(millis) : null
}

/** A row: a stored completion, its body as stored, and the tags of the call that captured it. */
export interface Row {
  readonly completion: StoredChatCompletion.StoredChatCompletion
  readonly body: string
  readonly tags: Readonly<Record<string, string>> | undefined
}

const columnsOf = (rows: ReadonlyArray<Row>): Array<ColumnSource> => {
  const values = (f: (row: Row) => unknown): ColumnSource["data"] => rows.map(f)
  const response = (row: Row) => row.completion.response
  const usage = (row: Row) => row.completion.response.usage
  return [
    values((row) => response(row).id),
    values((row) => createdMillis(response(row).created)),
    values((row) => response(row).model),
    values((row) => response(row).provider ?? null),
    values((row) => response(row).choices.map((choice) => choice.finish_reason ?? "").join(" ")),
    values((row) => tokens(usage(row)?.prompt_tokens)),
    values((row) => tokens(usage(row)?.completion_tokens)),
    values((row) => tokens(usage(row)?.completion_tokens_details?.reasoning_tokens)),
    values((row) => tokens(usage(row)?.prompt_tokens_details?.cached_tokens)),
    values((row) => unscaledAmount(usage(row)?.cost)),
    values((row) => unscaledAmount(usage(row)?.cost_details?.upstream_inference_cost)),
    values((row) => unscaledAmount(usage(row)?.cost_details?.upstream_upstream_inference_cost)),
    values((row) => usage(row)?.is_byok === true),
    values((row) => response(row).choices.some((choice) => choice.logprobs != null)),
    values((row) => response(row).choices.some((choice) => (choice.message.tool_calls?.length ?? 0) > 0)),
    values((row) => row.body),
    values((row) => row.tags === undefined ? null : JSON.stringify(row.tags))
  ].map((data, i) => ({ name: schema[i + 1].name, data }))
}

/**
 * A Parquet file written a row group at a time: `header`, then `rowGroup` for each batch of rows, then `footer`,
 * each giving the bytes to write next.
 */
export const writer = () => {
  const bytes = new ByteWriter()
  const take = (): Uint8Array => {
    const taken = bytes.getBytes().slice()
    bytes.index = 0
    return taken
  }
  const parquet = new ParquetWriter({ writer: bytes, schema: [...schema], createdBy: "objectiveai export" })
  return {
    header: take(),
    rowGroup: (rows: ReadonlyArray<Row>): Uint8Array => {
      void parquet.write({ columnData: columnsOf(rows), rowGroupSize: rows.length })
      return take()
    },
    footer: (): Uint8Array => {
      void parquet.finish()
      return take()
    }
  }
}
