/**
 * Reading a create body within a size limit. Written here rather than with `@effect/platform`'s
 * `HttpIncomingMessage.withMaxBodySize` because that one fails a client the server must still answer: it reads a body
 * up to the limit even when `content-length` already says it is over, and then destroys the request stream, which
 * resets the connection before the 413 reaches the client. With it in place of `readText`, both 413 tests of
 * `test/Hardening.test.ts` (a declared 300 MB body, a chunked body past the limit) get no answer at all (status NaN,
 * the connection closed with nothing written), where this module answers 413 with the error body.
 */
import * as NodeHttpServerRequest from "@effect/platform-node/NodeHttpServerRequest"
import type * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"

/** A request body over the server's limit, refused before the rest of it is read. */
export class BodyTooLarge extends Data.TaggedError("BodyTooLarge")<{ readonly limit: number }> {
  override get message(): string {
    return `the request body is over the limit of ${this.limit} bytes`
  }
}

/**
 * The body as UTF-8 text, read only while it stays within `limit` bytes: a `content-length` over it is refused before
 * a byte is read, and a body without one (chunked) as soon as it passes the limit. The rest of a refused body is
 * dropped as it arrives rather than held, and the connection is left open: closing it at once would reset it, and a
 * client still sending could lose the answer before reading it (the server's request timeout bounds the wait).
 */
export const readText = (
  request: HttpServerRequest.HttpServerRequest,
  limit: number
): Effect.Effect<string, BodyTooLarge | string> => {
  const incoming = NodeHttpServerRequest.toIncomingMessage(request)
  const declared = Number(request.headers["content-length"])
  if (Number.isFinite(declared) && declared > limit) {
    incoming.resume()
    return Effect.fail(new BodyTooLarge({ limit }))
  }
  return Effect.async<string, BodyTooLarge | string>((resume) => {
    const chunks: Array<Buffer> = []
    let size = 0
    const stop = () => {
      incoming.off("data", onData).off("end", onEnd).off("error", onError).off("close", onClose)
    }
    const onData = (chunk: Buffer) => {
      size += chunk.length
      if (size <= limit) return void chunks.push(chunk)
      stop()
      incoming.resume()
      resume(Effect.fail(new BodyTooLarge({ limit })))
    }
    const onEnd = () => {
      stop()
      resume(Effect.succeed(Buffer.concat(chunks).toString("utf8")))
    }
    const onError = (error: Error) => {
      stop()
      resume(Effect.fail(`cannot read the body: ${error.message}`))
    }
    const onClose = () => onError(new Error("the connection closed"))
    incoming.on("data", onData).on("end", onEnd).on("error", onError).on("close", onClose)
    return Effect.sync(stop)
  })
}
