#!/usr/bin/env node
/**
 * The `objectiveai` executable.
 *
 * @since 0.1.0
 */
import { createRequire } from "node:module"
import * as v8 from "node:v8"

// A report keeps a small live heap (about 45 MB, however many completions) while it allocates a decoded completion
// per id; V8's default growth lets that garbage reach several times the live heap before a full collection. Growing
// the old space by half at most keeps the peak near what the run needs (about 170 MB rather than 280 MB over 100,000
// completions), for no measurable time. The flag is read at each collection, so setting it here takes effect.
v8.setFlagsFromString("--heap-growing-percent=50")

// A reader that goes away early (`objectiveai report | head`) is not an error worth a stack trace.
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code === "EPIPE") process.exit(0)
  throw error
})

const args = process.argv.slice(2)
if (args.length === 1 && args[0] === "--version") {
  // Asked most often and needing nothing else, the version is answered before Effect and the command tree load.
  process.stdout.write(`${createRequire(import.meta.url)("../package.json").version}\n`)
} else {
  const [Cli, NodeFileSystem, NodePath, NodeRuntime, NodeTerminal, Effect, Layer] = await Promise.all([
    import("./Cli.js"),
    import("@effect/platform-node/NodeFileSystem"),
    import("@effect/platform-node/NodePath"),
    import("@effect/platform-node/NodeRuntime"),
    import("@effect/platform-node/NodeTerminal"),
    import("effect/Effect"),
    import("effect/Layer")
  ])
  Cli.run(process.argv).pipe(
    // What @effect/cli needs, and no more: NodeContext would also load the worker and child-process services.
    Effect.provide(Layer.mergeAll(NodeFileSystem.layer, NodePath.layer, NodeTerminal.layer)),
    NodeRuntime.runMain({ disableErrorReporting: true, teardown: Cli.teardown })
  )
}
