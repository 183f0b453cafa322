/**
 * A real OTLP/HTTP collector on 127.0.0.1 (port 0) that decodes what it receives: protobuf with protobufjs and the
 * official OTLP definitions (./otlp, copied from opentelemetry-proto under its Apache-2.0 licence), or JSON, into
 * spans with plain attribute values. A receiver made with `answer: false` never answers: it records each request and
 * keeps it waiting until the receiver's scope closes. Shared by the client's tests and the command line's.
 */
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import * as http from "node:http"
import type { AddressInfo } from "node:net"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import protobuf from "protobufjs"

export interface ReceivedEvent {
  readonly name: string
  readonly attributes: Record<string, unknown>
}

export interface ReceivedSpan {
  readonly name: string
  readonly serviceName: unknown
  readonly traceId: string
  readonly spanId: string
  readonly parentSpanId: string
  /** OTLP's SpanKind: 3 is CLIENT. */
  readonly kind: number
  readonly attributes: Record<string, unknown>
  readonly events: ReadonlyArray<ReceivedEvent>
  /** OTLP's StatusCode: 1 OK, 2 ERROR. */
  readonly status: { readonly code: number; readonly message: string }
}

export interface ReceivedRequest {
  readonly path: string
  readonly contentType: string
  readonly headers: http.IncomingHttpHeaders
  /** The body as it came, to search for what must never be sent. */
  readonly body: Buffer
}

export interface Receiver {
  /** The base URL, as `OTEL_EXPORTER_OTLP_ENDPOINT` takes it. */
  readonly url: string
  readonly requests: ReadonlyArray<ReceivedRequest>
  readonly spans: ReadonlyArray<ReceivedSpan>
  /** Completes when the first request has arrived. */
  readonly firstRequest: Effect.Effect<void>
}

const protoRoot = path.join(path.dirname(fileURLToPath(import.meta.url)), "otlp")
const root = new protobuf.Root()
root.resolvePath = (_origin, target) => path.join(protoRoot, target)
root.loadSync("opentelemetry/proto/collector/trace/v1/trace_service.proto")
const ExportTraceServiceRequest = root.lookupType("opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest")

interface AnyValue {
  readonly stringValue?: string
  readonly boolValue?: boolean
  readonly intValue?: string | number
  readonly doubleValue?: number
  readonly arrayValue?: { readonly values?: ReadonlyArray<AnyValue> }
}
interface KeyValue {
  readonly key: string
  readonly value: AnyValue
}

const plain = (value: AnyValue): unknown => {
  if (value.stringValue !== undefined) return value.stringValue
  if (value.boolValue !== undefined) return value.boolValue
  if (value.intValue !== undefined) return Number(value.intValue)
  if (value.doubleValue !== undefined) return value.doubleValue
  if (value.arrayValue !== undefined) return (value.arrayValue.values ?? []).map(plain)
  return undefined
}

const attributesOf = (list: ReadonlyArray<KeyValue> | undefined): Record<string, unknown> =>
  Object.fromEntries((list ?? []).map(({ key, value }) => [key, plain(value)]))

// Protobuf ids come as base64 (bytes), JSON ids as hex already.
const hexId = (id: string | undefined, isProtobuf: boolean) =>
  id === undefined ? "" : isProtobuf ? Buffer.from(id, "base64").toString("hex") : id

/** The spans of one export request's body, whatever its encoding. */
export const decode = (body: Buffer, contentType: string): Array<ReceivedSpan> => {
  const isProtobuf = contentType.startsWith("application/x-protobuf")
  const data = isProtobuf
    ? ExportTraceServiceRequest.toObject(ExportTraceServiceRequest.decode(body), {
      longs: String,
      bytes: String,
      enums: Number,
      arrays: true
    })
    : JSON.parse(body.toString("utf8"))
  const spans: Array<ReceivedSpan> = []
  for (const resourceSpans of data.resourceSpans ?? []) {
    const resource = attributesOf(resourceSpans.resource?.attributes)
    for (const scopeSpans of resourceSpans.scopeSpans ?? []) {
      for (const span of scopeSpans.spans ?? []) {
        spans.push({
          name: span.name,
          serviceName: resource["service.name"],
          traceId: hexId(span.traceId, isProtobuf),
          spanId: hexId(span.spanId, isProtobuf),
          parentSpanId: hexId(span.parentSpanId, isProtobuf),
          kind: span.kind ?? 0,
          attributes: attributesOf(span.attributes),
          events: (span.events ?? []).map((event: { name: string; attributes?: Array<KeyValue> }) => ({
            name: event.name,
            attributes: attributesOf(event.attributes)
          })),
          status: { code: span.status?.code ?? 0, message: span.status?.message ?? "" }
        })
      }
    }
  }
  return spans
}

/** Starts a collector; it stops, and lets go of every request it kept waiting, when the scope closes. */
export const make = (options: { readonly answer: boolean } = { answer: true }): Effect.Effect<
  Receiver,
  never,
  Scope.Scope
> =>
  Effect.gen(function*() {
    const requests: Array<ReceivedRequest> = []
    const spans: Array<ReceivedSpan> = []
    const first = yield* Deferred.make<void>()
    const server = http.createServer((request, response) => {
      const parts: Array<Buffer> = []
      request.on("data", (part: Buffer) => parts.push(part))
      request.on("end", () => {
        const body = Buffer.concat(parts)
        const contentType = request.headers["content-type"] ?? ""
        requests.push({ path: request.url ?? "", contentType, headers: request.headers, body })
        Deferred.unsafeDone(first, Effect.void)
        if (!options.answer) return
        spans.push(...decode(body, contentType))
        response.writeHead(200, { "content-type": contentType })
        response.end()
      })
    })
    yield* Effect.acquireRelease(
      Effect.async<void>((resume) => {
        server.listen(0, "127.0.0.1", () => resume(Effect.void))
      }),
      () =>
        Effect.async<void>((resume) => {
          server.closeAllConnections()
          server.close(() => resume(Effect.void))
        })
    )
    const { port } = server.address() as AddressInfo
    return { url: `http://127.0.0.1:${port}`, requests, spans, firstRequest: Deferred.await(first) }
  })
