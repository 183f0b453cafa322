import { describe, expect, it } from "@effect/vitest"
import * as Data from "effect/Data"
import * as Schema from "effect/Schema"
import { CliError } from "../src/index.js"

describe("CliError", () => {
  it("recognises a command failure of either exit code by its brand", () => {
    for (const error of [CliError.failure("the store is locked"), CliError.usage("missing --api-key")]) {
      expect(CliError.isCliError(error)).toBe(true)
    }
  })

  it("refuses a foreign error that shares the tag, and values that are not errors", () => {
    class Tagged extends Data.TaggedError("CliError")<{ readonly message: string; readonly exitCode: number }> {}
    class Declared extends Schema.TaggedError<Declared>()("CliError", { message: Schema.String }) {}
    for (const foreign of [new Tagged({ message: "m", exitCode: 1 }), new Declared({ message: "m" })]) {
      expect(CliError.isCliError(foreign)).toBe(false)
    }
    for (const value of [null, undefined, 1, "CliError", { _tag: "CliError", message: "m", exitCode: 1 }]) {
      expect(CliError.isCliError(value)).toBe(false)
    }
  })
})
