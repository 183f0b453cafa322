/**
 * Writes `openapi.json`, the OpenAPI 3.1 document of `AnalyticsApi`, beside the package's `package.json`. Run by the
 * root build; the package's tests fail when the committed file differs from what this renders.
 */
import * as OpenApi from "@effect/platform/OpenApi"
import * as fs from "node:fs"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { AnalyticsApi } from "../src/index.js"

/** Where the document is published. */
export const documentPath = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "openapi.json")

/** The document as the file holds it: two-space JSON and a final newline. */
export const render = (): string => `${JSON.stringify(OpenApi.fromApi(AnalyticsApi.AnalyticsApi), null, 2)}\n`

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  fs.writeFileSync(documentPath, render())
}
