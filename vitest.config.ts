import * as os from "node:os"
import * as path from "node:path"
import { defineConfig } from "vitest/config"

const packages = ["domain", "client", "analysis", "server", "store", "ingest", "dashboard", "cli", "ai"] as const

// The testing package (the support the packages' tests share) has no index and no tests of its own: its modules only.
const alias = {
  ...Object.fromEntries(
    packages.map((name) => [`@objectiveai-effect/${name}`, path.join(__dirname, "packages", name, "src")])
  ),
  "@objectiveai-effect/testing": path.join(__dirname, "packages", "testing", "src")
}

export default defineConfig({
  resolve: { alias },
  test: {
    include: packages.map((name) => `packages/${name}/test/**/*.test.ts`),
    // Type-level tests (`expectTypeOf`) are `*.test-d.ts` files, checked by the compiler in vitest's typecheck mode:
    // run as ordinary tests their assertions do nothing.
    typecheck: {
      enabled: true,
      include: packages.map((name) => `packages/${name}/test/**/*.test-d.ts`),
      tsconfig: path.join(__dirname, "tsconfig.test.json")
    },
    // One set of workers for every package, each sharing its modules among the files it runs, rather than loading
    // effect, the platform and the packages again for every file (or for every package, as separate projects would):
    // collecting was a third of the run. No test relies on a fresh module graph (none mocks modules or stubs
    // globals); vitest.setup.ts undoes the one thing @effect/vitest leaves behind from file to file.
    setupFiles: [path.join(__dirname, "vitest.setup.ts")],
    isolate: false,
    // Much of the run waits on child processes, servers and PostgreSQL: one worker per core, not vitest's default of
    // one fewer, which on a 2-core machine ran the whole suite in one worker (200 s rather than 108 s).
    maxWorkers: Math.max(2, os.availableParallelism()),
    minWorkers: 1,
    testTimeout: 30_000,
    hookTimeout: 30_000
  }
})
