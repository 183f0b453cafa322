import * as Schema from "effect/Schema"

// Here rather than in LogprobMetrics, so that AnalysisError's NoContentTokens and LogprobMetrics both read it
// without importing each other.
/** How many placeholder or non-finite tokens the policy left out, clamped, or kept as given. */
export const Placeholders = Schema.Struct({
  excluded: Schema.NonNegativeInt,
  clamped: Schema.NonNegativeInt,
  kept: Schema.NonNegativeInt
}).annotations({ identifier: "Placeholders" })
