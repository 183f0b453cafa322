import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import * as Arbitrary from "effect/Arbitrary"
import * as Schema from "effect/Schema"
import { isDeepStrictEqual } from "node:util"
import { topLevel, withSize } from "./support/schemas.js"

describe.each(topLevel)("$name", ({ schema, size }) => {
  withSize(size, { beforeAll, afterAll })
  const encode = Schema.encodeSync(schema)
  const decode = Schema.decodeUnknownSync(schema)

  it.prop("decode(encode(value)) is the value, and encoding it again gives the same payload", [
    Arbitrary.make(schema)
  ], ([value]) => {
    const encoded = encode(value)
    const decoded = decode(encoded)
    // isDeepStrictEqual is many times faster than toStrictEqual; the matcher only runs to describe a failure.
    if (!isDeepStrictEqual(decoded, value)) expect(decoded).toStrictEqual(value)
    const reencoded = encode(decoded)
    if (!isDeepStrictEqual(reencoded, encoded)) expect(reencoded).toStrictEqual(encoded)
  }, { fastCheck: { numRuns: 1000 } })
})
