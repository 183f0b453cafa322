import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as ManagedRuntime from "effect/ManagedRuntime"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { type BrowserContext, chromium } from "playwright-core"
import { ObjectiveAiServer, SampleData } from "../src/index.js"
import { apiKey } from "./support.js"

/** Debian's chromium (`apt-get install -y chromium`, as `.ci/run` does); never a downloaded browser. */
const executablePath = "/usr/bin/chromium"
const installed = fs.existsSync(executablePath)
if (!installed && process.env.CI === "true") {
  throw new Error(`${executablePath} is missing: CI must install Debian's chromium (see .ci/run) for the /docs test`)
}
if (!installed) {
  console.warn(`Skipping the /docs browser test: ${executablePath} is missing (apt-get install -y chromium)`)
}

/** Headless Chromium in a fresh profile that reaches nothing but the pages it is sent to. */
const launch = Effect.acquireRelease(
  Effect.promise(() =>
    chromium.launchPersistentContext(fs.mkdtempSync(path.join(os.tmpdir(), "objectiveai-docs-")), {
      executablePath,
      headless: true,
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run"
      ]
    })
  ),
  (browser: BrowserContext) => Effect.promise(() => browser.close())
)

describe.skipIf(!installed)("/docs in a real browser", () => {
  it.live(
    "is where GET / leads; it shows the three operations, an example request, and a try-it GET /chat/completions with the bearer scheme already chosen comes back 200",
    () =>
      Effect.gen(function*() {
        const runtime = ManagedRuntime.make(
          ObjectiveAiServer.layer({ apiKeys: [apiKey], completions: SampleData.generate({ seed: 5, count: 3 }) })
        )
        yield* Effect.addFinalizer(() => runtime.disposeEffect)
        const { url } = yield* Effect.promise(() => runtime.runPromise(ObjectiveAiServer.ObjectiveAiServer))
        const browser = yield* launch
        const page = yield* Effect.promise(() => browser.newPage())
        const elsewhere: Array<string> = []
        page.on("request", (request) => {
          if (!request.url().startsWith(url)) elsewhere.push(request.url())
        })

        yield* Effect.promise(async () => {
          const loaded = await page.goto(url)
          expect(loaded?.status()).toBe(200)
          expect(new URL(page.url()).pathname).toBe("/docs")
          for (const operation of ["Create a chat completion", "Retrieve a chat completion", "List chat completions"]) {
            await page.getByText(operation).first().waitFor({ timeout: 20_000 })
          }
          // The create body's example: a real model and one user message.
          await page.getByText("openai/gpt-4o-mini").first().waitFor({ timeout: 20_000 })
          await page.getByRole("button", { name: "Test Request (get /chat/completions)" }).click()
          const dialog = page.getByRole("dialog", { name: "API Client" })
          await dialog.waitFor()
          // No scheme to pick: the declaration's bearer scheme is selected, so the token field is there at once.
          const token = dialog.getByRole("textbox", { name: "Bearer Token" })
          await token.waitFor({ timeout: 10_000 })
          await token.fill(apiKey)
          // The client's own shortcut for its Send button.
          const [response] = await Promise.all([
            page.waitForResponse((response) =>
              response.request().method() === "GET" && new URL(response.url()).pathname === "/chat/completions"
            ),
            token.press("Control+Enter")
          ])
          expect(response.request().headers()["authorization"]).toBe(`Bearer ${apiKey}`)
          expect(response.status()).toBe(200)
          expect(((await response.json()) as { data: Array<unknown> }).data).toHaveLength(3)
        })
        // The page is served whole by the local server: no CDN, no fonts from elsewhere.
        expect(elsewhere).toEqual([])
      }).pipe(Effect.scoped),
    { timeout: 120_000 }
  )
})
