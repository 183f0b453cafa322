import * as OpenApi from "@effect/platform/OpenApi"
import { describe, expect, layer } from "@effect/vitest"
import { ObjectiveAiApi } from "@objectiveai-effect/domain"
import * as Effect from "effect/Effect"
import { ObjectiveAiServer, SampleData } from "../src/index.js"
import { apiKey, chatRequest, errorMessage, request } from "./support.js"

const samples = Array.from(SampleData.generate({ seed: 3, count: 3 }))
const storedId = samples[0].response.id

const document = OpenApi.fromApi(ObjectiveAiApi.ObjectiveAiApi)

/** Every operation the declaration names, with the statuses it declares. */
const operations = Object.entries(document.paths).flatMap(([path, item]) =>
  (["get", "post", "put", "patch", "delete"] as const).flatMap((method) => {
    const operation = item[method]
    return operation === undefined
      ? []
      : [{ path, method: method.toUpperCase(), id: operation.operationId, statuses: Object.keys(operation.responses) }]
  })
)

/** A request of each kind an operation answers: success, each of its declared errors the server can be made to give. */
const probes: Record<
  string,
  ReadonlyArray<{ readonly target: string; readonly body?: unknown; readonly key?: null; readonly status: number }>
> = {
  createChatCompletion: [
    { target: "/chat/completions", body: chatRequest, status: 200 },
    { target: "/chat/completions", body: { ...chatRequest, temperature: 9 }, status: 400 },
    { target: "/chat/completions", body: chatRequest, key: null, status: 401 }
  ],
  retrieveChatCompletion: [
    { target: `/chat/completions/${storedId}`, status: 200 },
    { target: `/chat/completions/${storedId}`, key: null, status: 401 },
    { target: "/chat/completions/chtcpl-none-1", status: 404 }
  ],
  listChatCompletions: [
    { target: "/chat/completions?count=2", status: 200 },
    { target: "/chat/completions?count=0", status: 400 },
    { target: "/chat/completions", key: null, status: 401 }
  ]
}

describe("ObjectiveAiApi and the server built from it", () => {
  layer(ObjectiveAiServer.layer({ apiKeys: [apiKey], seed: "api-tests", completions: samples }))("a server", (it) => {
    it.effect("names the three operations, each probed here", () =>
      Effect.sync(() => {
        expect(operations.map(({ id }) => id).sort()).toEqual(Object.keys(probes).sort())
      }))

    it.effect("answers every declared operation with a status it declares, each probed status declared", () =>
      Effect.gen(function*() {
        for (const operation of operations) {
          const answered = new Set<string>()
          for (const probe of probes[operation.id]!) {
            const reply = yield* request(probe.target, {
              method: operation.method,
              ...(probe.body === undefined ? {} : { body: probe.body }),
              ...(probe.key === undefined ? {} : { key: probe.key })
            })
            expect(reply.status, `${operation.method} ${probe.target}: ${reply.text}`).toBe(probe.status)
            if (probe.status !== 200) errorMessage(reply, probe.status)
            answered.add(String(reply.status))
          }
          // Which statuses each operation declares is the domain's test; here, that the server keeps to them.
          for (const status of answered) expect(operation.statuses, operation.id).toContain(status)
        }
      }))

    it.effect("answers any method or path the declaration does not name with 404 and the error body", () =>
      Effect.gen(function*() {
        const declared = new Set(operations.map(({ method, path }) => `${method} ${path}`))
        const paths = ["/chat/completions", `/chat/completions/${storedId}`, "/chat", "/completions", "/v1/models"]
        for (const target of paths) {
          for (const method of ["GET", "POST", "PUT", "PATCH", "DELETE"]) {
            const templated = target.replace(storedId, "{id}")
            if (declared.has(`${method} ${templated}`)) continue
            const reply = yield* request(target, { method, key: apiKey })
            expect(errorMessage(reply, 404)).toContain(target)
          }
        }
      }))
  })
})
