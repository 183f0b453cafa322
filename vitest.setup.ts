/**
 * Runs before every test file. @effect/vitest 0.30's `layer(...)` hands its block the package's shared `it`, with
 * `effect`, `scoped` and the rest reassigned to run on the layer's runtime, and never puts them back. The test files
 * share one module graph per worker (`isolate: false`), so every file after one that used `layer` would run its
 * top-level `it.effect` tests on that layer's runtime, closed by then, with one TestClock for all of them. The
 * methods are put back here, as the package defines them, before each file is collected. Within a file the same holds
 * for tests after a top-level `layer(...)` block, so such a block comes last in its file.
 */
import { it } from "@effect/vitest"

type Methods = Pick<typeof it, "effect" | "scoped" | "live" | "scopedLive" | "flakyTest" | "layer" | "prop">

const pristineKey = Symbol.for("objectiveai-effect/test/pristine-effect-vitest")
const registry = globalThis as { [pristineKey]?: Methods }

const pristine = registry[pristineKey] ??= {
  effect: it.effect,
  scoped: it.scoped,
  live: it.live,
  scopedLive: it.scopedLive,
  flakyTest: it.flakyTest,
  layer: it.layer,
  prop: it.prop
}

Object.assign(it, pristine)
