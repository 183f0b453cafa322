/**
 * Credentials in URLs never shown or stored, and data never lost silently: `sync` and `report` against a server that
 * answers one retrieve with another completion's body or repeats its pages, with a password in the base URL and in
 * the PostgreSQL URL; every output of the runs and every byte of the store are searched for the secrets.
 */
import { describe, expect, it } from "@effect/vitest"
import { UrlRedaction } from "@objectiveai-effect/domain"
import { Database } from "@objectiveai-effect/store"
import { engines, openStore } from "@objectiveai-effect/testing/StoreEngines"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import * as Stream from "effect/Stream"
import * as fs from "node:fs"
import * as Hostile from "./hostile.js"
import { cli, expectOneLine, inProcess, testData } from "./support.js"

const slow = 180_000
const secret = "pa55-Very-S3cret"
const baseUrl = (port: number) => `http://robot:${secret}@127.0.0.1:${port}`
const shown = (port: number) => `http://robot:***@127.0.0.1:${port}`
const connection = (port: number) => ["--base-url", baseUrl(port), "--api-key", "any-key"]
const completions = testData.slice(0, 12)

// The store's URL with the secret as its password (the test server trusts loopback, so it still connects).
const withPassword = (location: Database.Location): string =>
  Database.Location.$match(location, {
    Sqlite: ({ filename }) => filename,
    Postgres: ({ url }) => {
      const parsed = new URL(Redacted.value(url))
      parsed.password = secret
      return parsed.toString()
    }
  })

describe("a sync against a server that answers one retrieve with another completion's body", () => {
  for (const engine of engines) {
    it.scoped(
      `${engine.name}: the id is recorded as failed and stored by the next sync; no secret in any output or the store`,
      () =>
        Effect.gen(function*() {
          const location = yield* engine.fresh
          const database = withPassword(location)
          const mixed = completions[3].response.id
          const behaviour: Hostile.Behaviour = {
            answer: (id) => id === mixed ? completions[4].response.id : id
          }
          const server = yield* Hostile.serve(completions, behaviour)
          const first = yield* inProcess(["sync", "--database", database, ...connection(server.port)])
          expect(first.code, first.stderr).toBe(0)
          expect(first.stdout).toBe(
            `synced ${UrlRedaction.redact(database)}: ${completions.length - 1} new, 0 already stored, 1 failed\n`
          )
          expect(first.stderr).toBe(
            `objectiveai: ${mixed}: invalid response from ${
              shown(server.port)
            } (HTTP 200): asked for "${mixed}", got "${completions[4].response.id}" (failed in 1 sync)\n`
          )

          const store = yield* openStore(location)
          expect([...(yield* store.storedIds([mixed]))]).toEqual([])
          const failures = yield* store.failures
          expect(failures.map((failure) => failure.id)).toEqual([mixed])
          expect(failures[0].reason).toContain(shown(server.port))

          behaviour.answer = undefined
          // The store from OBJECTIVEAI_DATABASE this time, in a process of its own.
          const second = yield* cli(["sync", ...connection(server.port)], { env: { OBJECTIVEAI_DATABASE: database } })
          expect(second.code, second.stderr).toBe(0)
          // The listing stops near where the last one began, so "already stored" counts only what it saw again.
          expect(second.stdout).toMatch(
            new RegExp(
              `^synced ${
                UrlRedaction.redact(database).replace(/[.*+?^${}()|[\]\\]/g, "\\$&")
              }: 1 new, \\d+ already stored, 0 failed \\(1 earlier failures now stored\\)\n$`
            )
          )
          expect((yield* Stream.runCollect(store.stream())).length).toBe(completions.length)

          for (const output of [first.stdout, first.stderr, second.stdout, second.stderr]) {
            expect(output).not.toContain(secret)
          }
          if (location._tag === "Sqlite") {
            for (const file of [location.filename, `${location.filename}-wal`].filter(fs.existsSync)) {
              expect(fs.readFileSync(file).includes(secret), file).toBe(false)
            }
          }
        }),
      slow
    )
  }
})

describe("a server that answers the same page at every offset", () => {
  it.scoped(
    "sync and report --all stop with one line saying why, after two list requests",
    () =>
      Effect.gen(function*() {
        const server = yield* Hostile.serve(completions, { repeatPages: true })
        const database = `${fs.mkdtempSync("/tmp/objectiveai-secrets-")}/store.sqlite`
        for (const args of [["sync", "--database", database], ["report", "--all", "--format", "json"]]) {
          server.requests.length = 0
          const run = yield* inProcess([...args, ...connection(server.port)])
          expectOneLine(
            run,
            1,
            `invalid response from ${
              shown(server.port)
            } (HTTP 200): the page at offset ${completions.length} lists nothing new: the server repeats its pages`
          )
          expect(server.requests.filter((request) => request.startsWith("GET /chat/completions?"))).toHaveLength(2)
        }
        fs.rmSync(database.replace(/\/store\.sqlite$/, ""), { recursive: true, force: true })
      }),
    slow
  )
})

describe("credentials in URLs", () => {
  it.effect(
    "a refused connection and a usage error name the URL without its password, flag or variable",
    () =>
      Effect.gen(function*() {
        const refused = yield* cli([
          "retrieve",
          "chtcpl-x",
          "--api-key",
          "k",
          "--base-url",
          `http://u:${secret}@127.0.0.1:1`
        ])
        expectOneLine(refused, 1, "cannot reach http://u:***@127.0.0.1:1: connection refused")
        const fromEnv = yield* cli(["report", "--all"], {
          env: { OBJECTIVEAI_API_KEY: "k", OBJECTIVEAI_BASE_URL: `http://${secret}@127.0.0.1:1` }
        })
        expectOneLine(fromEnv, 1, "cannot reach http://***@127.0.0.1:1: connection refused")
        const ftp = yield* inProcess([
          "retrieve",
          "chtcpl-x",
          "--api-key",
          "k",
          "--base-url",
          `ftp://u:${secret}@example.com/x`
        ])
        expectOneLine(ftp, 2, "--base-url ftp://u:***@example.com/x: expected an http:// or https:// URL")
      }),
    slow
  )

  it.effect(
    "serve takes its keys from OBJECTIVEAI_SERVE_API_KEYS, so none is on its command line",
    () =>
      Effect.gen(function*() {
        const statuses: Array<number> = []
        const run = yield* cli(["serve", "--port", "0"], {
          env: { OBJECTIVEAI_SERVE_API_KEYS: "first-env-key, second-env-key" },
          started: (child) => {
            const poll = setInterval(async () => {
              const url = /on (http:\/\/127\.0\.0\.1:\d+)/.exec(child.stdout)?.[1]
              if (url === undefined) return
              clearInterval(poll)
              for (const key of ["second-env-key", "other"]) {
                const answer = await fetch(`${url}/chat/completions?count=1`, {
                  headers: { authorization: `Bearer ${key}` }
                })
                statuses.push(answer.status)
              }
              child.kill("SIGINT")
            }, 100)
          }
        })
        expect(run.stdout).toContain("Accepting 2 API keys.")
        expect(statuses).toEqual([200, 401])
        expect(run.code, run.stderr).toBe(130)
      }),
    slow
  )
})
