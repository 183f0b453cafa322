/**
 * How a person runs this program again, for the commands its messages suggest: `objectiveai` when that name is on
 * `PATH` (a global install, or the repository's `node_modules/.bin` as the Quick start adds it), else `node` and the
 * path of the script that is running, relative to the current directory, so that a suggestion pasted into the same
 * shell works either way.
 */
import * as FileSystem from "@effect/platform/FileSystem"
import * as Path from "@effect/platform/Path"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"

/** The command that runs this program from the current directory. */
export const command: Effect.Effect<string, never, FileSystem.FileSystem | Path.Path> = Effect.gen(function*() {
  const fs = yield* FileSystem.FileSystem
  const path = yield* Path.Path
  // PATH's separator: `;` where paths are written with `\`, as on Windows.
  const directories = (process.env.PATH ?? "").split(path.sep === "\\" ? ";" : ":").filter((directory) =>
    directory !== ""
  )
  const onPath = yield* Effect.findFirst(
    directories,
    (directory) => Effect.orElseSucceed(fs.exists(path.join(directory, "objectiveai")), () => false)
  )
  if (Option.isSome(onPath)) return "objectiveai"
  const script = process.argv[1] ?? "objectiveai"
  const relative = path.relative(process.cwd(), script)
  return `node ${relative.startsWith("..") || path.isAbsolute(relative) ? script : relative}`
})
