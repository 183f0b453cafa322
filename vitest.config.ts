import * as path from "node:path"
import { defineConfig } from "vitest/config"

const packages = ["domain", "client", "analysis", "server", "cli", "ai"] as const

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
        testTimeout: 30_000,
        hookTimeout: 30_000
      }
    }))
  }
})
