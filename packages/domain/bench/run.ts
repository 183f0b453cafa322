/**
 * Decoding a completion from JSON text, end to end (`ChatCompletion.ChatCompletionFromJson`), next to `JSON.parse`
 * alone and next to an equivalent zod 4 schema, for a small, a medium and a large (several MB of token logprobs)
 * response; beside them, the parts of our decode timed alone. Each figure is the median of many timed rounds after a
 * warm-up (40 rounds for the small and medium bodies, whose decoders are still being optimised after 5: some runs then
 * put small at 0.65x, others at 1.40x), the decoders taking turns within each round so that drift hits them alike.
 *
 * Each timed batch starts on a collected heap (run with `node --expose-gc`, as `pnpm bench` does): a decode leaves its
 * garbage, and without a collection whichever decoder runs next pays for the previous one's (zod's copy, the schema's
 * rebuild), which moved a ratio by up to 0.3x from run to run. A young-generation collection clears what the small and
 * medium bodies leave; the large body's tens of MB reach the old generation, so its batches start after a full one
 * (which, before small batches, would also throw away their compiled code).
 */
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import { ChatCompletion, Json } from "../src/index.js"
import { hasLongIntegerLiteral } from "../src/internal/json.js"
import { completionText, type Size, sizes } from "./payloads.js"
import * as Zod from "./zod.js"

const decodeEffect = Schema.decodeUnknownEither(ChatCompletion.ChatCompletionFromJson)
const decodeSchema = Schema.decodeUnknownEither(ChatCompletion.ChatCompletion)

const decoders = {
  json_parse: (text: string): unknown => JSON.parse(text),
  // The check `Json.parse` makes before handing the text to `JSON.parse`, timed alone, next to the regex it replaced
  // (which tests every character and missed a long integer that is the whole text).
  long_integer_scan: (text: string): unknown => hasLongIntegerLiteral(text),
  long_integer_regex: (text: string): unknown => /[:,[]\s*-?\d{16,}(?![\d.eE])/.test(text),
  lossless_json_parse: (text: string): unknown => Json.parse(text),
  // The schema alone on the parsed value, without the in-place check of `Json.parseJson` (the token arrays still go
  // through their own fast path).
  schema_decode: (text: string): unknown => {
    const result = decodeSchema(Json.parse(text))
    if (Either.isLeft(result)) throw result.left
    return result.right
  },
  effect: (text: string): unknown => {
    const result = decodeEffect(text)
    if (Either.isLeft(result)) throw result.left
    return result.right
  },
  zod: (text: string): unknown => Zod.ChatCompletion.parse(JSON.parse(text))
}

type Decoder = keyof typeof decoders

type Collect = (options: { readonly type: "minor" | "major" }) => void

const collectGarbage: Collect = (() => {
  const gc = (globalThis as { gc?: Collect }).gc
  if (gc === undefined) throw new Error("Run the decode benchmark with `node --expose-gc` (`pnpm bench` does).")
  return gc
})()

// Results are kept here so that no decode can be optimised away.
const sink: Array<unknown> = []

const median = (values: ReadonlyArray<number>): number => {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
}

/** How many decodes one timed batch runs, so that a batch lasts long enough for the clock (about 5 ms). */
const batchSize = (decode: (text: string) => unknown, text: string): number => {
  let n = 1
  for (;;) {
    const start = performance.now()
    for (let i = 0; i < n; i++) sink[0] = decode(text)
    if (performance.now() - start >= 5) return n
    n *= 2
  }
}

/** Per-decode times of every decoder, one sample per round; the decoders take turns within each round. */
const measure = (size: Size, text: string, rounds: number, warmUpRounds: number): Record<Decoder, Array<number>> => {
  const names = Object.keys(decoders) as Array<Decoder>
  const batches = Object.fromEntries(names.map((name) => [name, batchSize(decoders[name], text)])) as Record<
    Decoder,
    number
  >
  const samples = Object.fromEntries(names.map((name) => [name, [] as Array<number>])) as Record<
    Decoder,
    Array<number>
  >
  for (let round = 0; round < warmUpRounds + rounds; round++) {
    for (let k = 0; k < names.length; k++) {
      const name = names[(round + k) % names.length]
      const decode = decoders[name]
      const n = batches[name]
      sink[0] = undefined
      collectGarbage({ type: size === "large" ? "major" : "minor" })
      const start = performance.now()
      for (let i = 0; i < n; i++) sink[0] = decode(text)
      const perDecode = (performance.now() - start) / n
      if (round >= warmUpRounds) samples[name].push(perDecode)
    }
  }
  return samples
}

const ms = (value: number) => value < 0.1 ? value.toFixed(4) : value.toFixed(2)

// The median of the ratios within each round, not the ratio of the medians: two decoders timed moments apart see the
// same machine, so a round's ratio cancels what other processes were doing at the time.
const ratio = (ours: ReadonlyArray<number>, theirs: ReadonlyArray<number>) =>
  `${median(ours.map((time, round) => time / theirs[round])).toFixed(2)}x`

for (const size of Object.keys(sizes) as Array<Size>) {
  const text = completionText(size)
  // Every decoder must accept the payload before its time means anything.
  for (const decode of Object.values(decoders)) decode(text)
  const times = measure(size, text, size === "large" ? 61 : 41, size === "large" ? 5 : 40)
  console.log(`decode.${size}.bytes: ${text.length} bytes`)
  for (const name of Object.keys(times) as Array<Decoder>) {
    console.log(`decode.${size}.${name}: ${ms(median(times[name]))} ms`)
  }
  console.log(`decode.${size}.long_integer_scan.vs_json_parse: ${ratio(times.long_integer_scan, times.json_parse)}`)
  console.log(`decode.${size}.long_integer_regex.vs_json_parse: ${ratio(times.long_integer_regex, times.json_parse)}`)
  console.log(`decode.${size}.lossless_json_parse.vs_json_parse: ${ratio(times.lossless_json_parse, times.json_parse)}`)
  console.log(`decode.${size}.schema_decode.vs_json_parse: ${ratio(times.schema_decode, times.json_parse)}`)
  console.log(`decode.${size}.vs_json_parse: ${ratio(times.effect, times.json_parse)}`)
  console.log(`decode.${size}.vs_zod: ${ratio(times.effect, times.zod)}`)
}
