import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import { describe, expect, it } from "@effect/vitest"
import * as Server from "@objectiveai-effect/testing/ScriptedServer"
import * as Config from "effect/Config"
import * as ConfigError from "effect/ConfigError"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import { ClientConfig, ObjectiveAiClient } from "../src/index.js"
import { completionId, stored } from "./support/fixtures.js"

const id = completionId(6)

const retrieveWith = (layer: Layer.Layer<ObjectiveAiClient.ObjectiveAiClient, unknown, HttpClient.HttpClient>) =>
  Effect.flatMap(ObjectiveAiClient.ObjectiveAiClient, (client) => client.retrieve(id)).pipe(
    Effect.provide(layer.pipe(Layer.provide(NodeHttpClient.layerUndici))),
    Effect.exit
  )

describe("layerConfig", () => {
  it.scoped("reads OBJECTIVEAI_API_KEY (redacted) and OBJECTIVEAI_BASE_URL", () =>
    Effect.gen(function*() {
      const server = yield* Server.make(Server.sequence(Server.json(200, stored(id))))
      const environment = ConfigProvider.fromMap(
        new Map([["OBJECTIVEAI_API_KEY", "sk-from-env"], ["OBJECTIVEAI_BASE_URL", `${server.url}/`]])
      )
      const exit = yield* retrieveWith(ObjectiveAiClient.layerConfig()).pipe(Effect.withConfigProvider(environment))
      expect(Exit.isSuccess(exit)).toBe(true)
      const key = yield* ClientConfig.apiKeyConfig.pipe(Effect.withConfigProvider(environment))
      expect(Redacted.isRedacted(key) && Redacted.value(key)).toBe("sk-from-env")
      expect(String(key)).not.toContain("sk-from-env")
      expect(server.requests.map((request) => [request.url, request.headers.authorization])).toEqual([
        [`/chat/completions/${id}`, "Bearer sk-from-env"]
      ])
    }))

  it.scoped("defaults the base URL to the production API", () =>
    Effect.gen(function*() {
      const server = yield* Server.make(Server.sequence(Server.json(200, stored(id))))
      const urls: Array<string> = []
      // Record the URL the client built, then send the request to the local server instead of the internet.
      const redirect = (client: HttpClient.HttpClient) =>
        HttpClient.mapRequest(client, (request) => {
          urls.push(request.url)
          return HttpClientRequest.setUrl(request, request.url.replace(ClientConfig.defaultBaseUrl, server.url))
        })
      const exit = yield* retrieveWith(ObjectiveAiClient.layerConfig({
        apiKey: ClientConfig.apiKeyConfig,
        baseUrl: ClientConfig.baseUrlConfig,
        transformClient: Config.succeed(redirect)
      })).pipe(
        Effect.withConfigProvider(ConfigProvider.fromMap(new Map([["OBJECTIVEAI_API_KEY", "sk-from-env"]])))
      )
      expect(Exit.isSuccess(exit)).toBe(true)
      expect(urls).toEqual([`https://api.objective-ai.io/chat/completions/${id}`])
      expect(server.requests).toHaveLength(1)
    }))

  it.scoped("fails with a ConfigError, sending nothing, when the key is missing", () =>
    Effect.gen(function*() {
      const server = yield* Server.make(Server.sequence(Server.json(200, stored(id))))
      const exit = yield* retrieveWith(ObjectiveAiClient.layerConfig()).pipe(
        Effect.withConfigProvider(ConfigProvider.fromMap(new Map([["OBJECTIVEAI_BASE_URL", server.url]])))
      )
      expect(Exit.isFailure(exit) && String(exit.cause)).toContain("OBJECTIVEAI_API_KEY")
      expect(server.requests).toHaveLength(0)
    }))

  it.scoped("takes its options as Configs: a key of another name, the attempts from the environment", () =>
    Effect.gen(function*() {
      const server = yield* Server.make(Server.sequence(Server.json(503, "{}"), Server.json(200, stored(id))))
      const exit = yield* retrieveWith(ObjectiveAiClient.layerConfig({
        apiKey: Config.redacted("MY_APP_KEY"),
        baseUrl: Config.string("MY_APP_URL"),
        retryPolicy: { maxAttempts: Config.integer("MY_APP_ATTEMPTS") }
      })).pipe(
        Effect.withConfigProvider(ConfigProvider.fromMap(
          new Map([["MY_APP_KEY", "sk-mine"], ["MY_APP_URL", server.url], ["MY_APP_ATTEMPTS", "1"]])
        ))
      )
      // One attempt, as configured: the 503 is not retried (the default policy would have retried it).
      expect(Exit.isFailure(exit) && String(exit.cause)).toContain("ServerError")
      expect(server.requests.map((request) => request.headers.authorization)).toEqual(["Bearer sk-mine"])
    }))

  // localhost:18631 parses as a URL of the scheme `localhost:`: sent, it failed as a transport error, retried.
  it.scoped("a base URL without a scheme fails once as a ConfigError, sending nothing", () =>
    Effect.gen(function*() {
      const sent: Array<string> = []
      const counting = HttpClient.make((request) => {
        sent.push(request.url)
        return Effect.die("no request should be sent")
      })
      const fromEnv = yield* Effect.flatMap(ObjectiveAiClient.ObjectiveAiClient, (client) => client.retrieve(id)).pipe(
        Effect.provide(
          ObjectiveAiClient.layerConfig().pipe(Layer.provide(Layer.succeed(HttpClient.HttpClient, counting)))
        ),
        Effect.withConfigProvider(ConfigProvider.fromMap(
          new Map([["OBJECTIVEAI_API_KEY", "sk-from-env"], ["OBJECTIVEAI_BASE_URL", "localhost:18631"]])
        )),
        Effect.flip
      )
      expect(ConfigError.isConfigError(fromEnv)).toBe(true)
      expect(String(fromEnv)).toContain("OBJECTIVEAI_BASE_URL")
      expect(String(fromEnv)).toContain("expected an http:// or https:// URL")
      // A Config of the caller's is held to the same rule.
      const custom = yield* Effect.flatMap(ObjectiveAiClient.ObjectiveAiClient, (client) => client.retrieve(id)).pipe(
        Effect.provide(
          ObjectiveAiClient.layerConfig({ apiKey: Config.redacted("KEY"), baseUrl: Config.string("URL") }).pipe(
            Layer.provide(Layer.succeed(HttpClient.HttpClient, counting))
          )
        ),
        Effect.withConfigProvider(ConfigProvider.fromMap(new Map([["KEY", "k"], ["URL", "localhost:18631"]]))),
        Effect.flip
      )
      expect(ConfigError.isConfigError(custom) && String(custom)).toContain("localhost:18631")
      // Given directly, every call fails at once with an InvalidRequestError: one attempt, none sent.
      const direct = yield* Effect.flatMap(ObjectiveAiClient.ObjectiveAiClient, (client) => client.retrieve(id)).pipe(
        Effect.provide(
          ObjectiveAiClient.layer({ apiKey: Redacted.make("k"), baseUrl: "localhost:18631" }).pipe(
            Layer.provide(Layer.succeed(HttpClient.HttpClient, counting))
          )
        ),
        Effect.flip
      )
      expect(direct._tag).toBe("InvalidRequestError")
      expect(direct.attempts).toBe(0)
      expect(direct.message).toContain("localhost:18631")
      expect(sent).toEqual([])
    }))
})
