import * as path from "node:path"
import { defineConfig } from "vitest/config"

const packages = ["domain", "client", "analysis", "server", "store", "cli", "ai"] as const

const alias = Object.fromEntries(
  packages.map((name) => [`@objectiveai-effect/${name}`, path.join(__dirname, "packages", name, "src")])
)

export default defineConfig({
  test: {
    projects: packages.map((name) => ({
      resolve: { alias },
      test: {
        name,
        root: path.join(__dirname, "packages", name),
        include: ["test/**/*.test.ts"],
        // The test files share each worker's modules instead of loading effect, the platform and the packages again
        // for every file: collecting them was about a fifth of the run. No test relies on a fresh module graph
        // (none mocks modules or stubs globals).
        isolate: false,
        testTimeout: 30_000,
        hookTimeout: 30_000
      }
    }))
  }
})
