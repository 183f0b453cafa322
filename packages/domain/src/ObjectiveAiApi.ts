/**
 * The ObjectiveAI chat-completions API declared once with `@effect/platform`'s `HttpApi`: its three endpoints
 * (create, retrieve, list) with their paths, query parameters, request and response schemas, error statuses and
 * `{ code, message }` error bodies, and the bearer security scheme, described with the API page's wording.
 *
 * The local server is built from this declaration with `HttpApiBuilder`, and `OpenApi.fromApi(ObjectiveAiApi)` gives
 * the OpenAPI 3.1 document published as the domain package's `openapi.json`.
 *
 * @example
 * ```ts
 * import { OpenApi } from "@effect/platform"
 * import { ObjectiveAiApi } from "@objectiveai-effect/domain"
 *
 * const document = OpenApi.fromApi(ObjectiveAiApi.ObjectiveAiApi)
 * console.log(Object.keys(document.paths)) // ["/chat/completions", "/chat/completions/{id}"]
 * ```
 *
 * @since 0.1.0
 */
import * as HttpApi from "@effect/platform/HttpApi"
import * as HttpApiEndpoint from "@effect/platform/HttpApiEndpoint"
import * as HttpApiGroup from "@effect/platform/HttpApiGroup"
import * as HttpApiMiddleware from "@effect/platform/HttpApiMiddleware"
import * as HttpApiSchema from "@effect/platform/HttpApiSchema"
import * as HttpApiSecurity from "@effect/platform/HttpApiSecurity"
import * as OpenApi from "@effect/platform/OpenApi"
import * as OpenApiJsonSchema from "@effect/platform/OpenApiJsonSchema"
import * as Schema from "effect/Schema"
import * as ChatCompletion from "./ChatCompletion.js"
import * as ChatCompletionChunk from "./ChatCompletionChunk.js"
import * as ChatCompletionCreateParams from "./ChatCompletionCreateParams.js"
import * as ChatCompletionList from "./ChatCompletionList.js"
import * as ErrorBody from "./ErrorBody.js"
import { cleanSchema } from "./internal/contract.js"
import * as Json from "./Json.js"
import * as StoredChatCompletion from "./StoredChatCompletion.js"

/**
 * The list's page size when the request gives no `count`.
 *
 * @since 0.1.0
 * @category constants
 */
export const defaultListCount = 100

/**
 * The largest `count` the list accepts; larger values get 400 rather than a silently shorter page.
 *
 * @since 0.1.0
 * @category constants
 */
export const maxListCount = 1000

const errorBody = <const Status extends number>(status: Status, identifier: string, description: string) =>
  Schema.Struct({
    code: Schema.Literal(status).annotations({
      description: "The HTTP status of the error.",
      jsonSchema: { type: "integer", enum: [status], description: "The HTTP status of the error." }
    }),
    message: Json.JsonValue.annotations({
      description: "What went wrong; any JSON, often a `{ kind, error }` tree wrapping the upstream's error."
    })
  }).annotations({ identifier, description, ...HttpApiSchema.annotations({ status }) })

/**
 * ObjectiveAI's `{ code, message }` error body with `code` 400: a create body, a query parameter or a path that
 * does not follow the API.
 *
 * @since 0.1.0
 * @category errors
 */
export const BadRequest = errorBody(
  400,
  "BadRequest",
  "The request does not follow the API; the message names the field."
)
/**
 * @since 0.1.0
 * @category errors
 */
export interface BadRequest extends Schema.Schema.Type<typeof BadRequest> {}

/**
 * The error body with `code` 401: a missing, malformed or unknown API key.
 *
 * @since 0.1.0
 * @category errors
 */
export const Unauthorized = errorBody(401, "Unauthorized", "The authorization token is missing or not accepted.")
/**
 * @since 0.1.0
 * @category errors
 */
export interface Unauthorized extends Schema.Schema.Type<typeof Unauthorized> {}

/**
 * The error body with `code` 404: no completion has the id, or no endpoint has the method and path.
 *
 * @since 0.1.0
 * @category errors
 */
export const NotFound = errorBody(404, "NotFound", "No completion has this id, or no endpoint this method and path.")
/**
 * @since 0.1.0
 * @category errors
 */
export interface NotFound extends Schema.Schema.Type<typeof NotFound> {}

/**
 * The error body with `code` 413: a request body over the server's limit, refused before it is read.
 *
 * @since 0.1.0
 * @category errors
 */
export const PayloadTooLarge = errorBody(413, "PayloadTooLarge", "The request body is over the server's limit.")
/**
 * @since 0.1.0
 * @category errors
 */
export interface PayloadTooLarge extends Schema.Schema.Type<typeof PayloadTooLarge> {}

/**
 * The error body with `code` 408: the request's headers or body did not arrive in time; the connection is closed.
 *
 * @since 0.1.0
 * @category errors
 */
export const RequestTimeout = errorBody(408, "RequestTimeout", "The request was not sent in time.")
/**
 * @since 0.1.0
 * @category errors
 */
export interface RequestTimeout extends Schema.Schema.Type<typeof RequestTimeout> {}

/**
 * The error body with `code` 431: the request's headers are over the server's limit; the connection is closed.
 *
 * @since 0.1.0
 * @category errors
 */
export const RequestHeaderFieldsTooLarge = errorBody(
  431,
  "RequestHeaderFieldsTooLarge",
  "The request headers are too large."
)
/**
 * @since 0.1.0
 * @category errors
 */
export interface RequestHeaderFieldsTooLarge extends Schema.Schema.Type<typeof RequestHeaderFieldsTooLarge> {}

/**
 * The error body with `code` 429: the upstream is rate limiting; a `retry-after` header may say for how long.
 *
 * @since 0.1.0
 * @category errors
 */
export const TooManyRequests = errorBody(
  429,
  "TooManyRequests",
  "Rate limited upstream; retry after the `retry-after` header's seconds."
)
/**
 * @since 0.1.0
 * @category errors
 */
export interface TooManyRequests extends Schema.Schema.Type<typeof TooManyRequests> {}

/**
 * The error body with `code` 500: the server failed.
 *
 * @since 0.1.0
 * @category errors
 */
export const InternalServerError = errorBody(500, "InternalServerError", "The server failed.")
/**
 * @since 0.1.0
 * @category errors
 */
export interface InternalServerError extends Schema.Schema.Type<typeof InternalServerError> {}

/**
 * The error body with `code` 502: the provider behind the gateway failed.
 *
 * @since 0.1.0
 * @category errors
 */
export const BadGateway = errorBody(502, "BadGateway", "The provider returned an error.")
/**
 * @since 0.1.0
 * @category errors
 */
export interface BadGateway extends Schema.Schema.Type<typeof BadGateway> {}

/**
 * The error body with `code` 503: no provider is available for the model.
 *
 * @since 0.1.0
 * @category errors
 */
export const ServiceUnavailable = errorBody(503, "ServiceUnavailable", "No provider is available.")
/**
 * @since 0.1.0
 * @category errors
 */
export interface ServiceUnavailable extends Schema.Schema.Type<typeof ServiceUnavailable> {}

/**
 * Every `{ code, message }` body the API declares, one schema per status.
 *
 * @since 0.1.0
 * @category errors
 */
export const ApiError = Schema.Union(
  BadRequest,
  Unauthorized,
  NotFound,
  RequestTimeout,
  PayloadTooLarge,
  RequestHeaderFieldsTooLarge,
  TooManyRequests,
  InternalServerError,
  BadGateway,
  ServiceUnavailable
)
/**
 * @since 0.1.0
 * @category errors
 */
export type ApiError = Schema.Schema.Type<typeof ApiError>

/**
 * `authorization: Bearer <key>` on every endpoint; a server implements it, failing with {@link Unauthorized}.
 *
 * @since 0.1.0
 * @category api
 */
export class Authorization extends HttpApiMiddleware.Tag<Authorization>()(
  "@objectiveai-effect/domain/ObjectiveAiApi/Authorization",
  {
    failure: Unauthorized,
    security: {
      bearer: HttpApiSecurity.bearer.pipe(
        HttpApiSecurity.annotate(OpenApi.Description, "The authorization token (required).")
      )
    }
  }
) {}

/**
 * A query parameter holding a decimal integer within bounds. The query string carries text, but the document describes
 * the integer a client sends (as OpenAPI's query parameters are written), with its bounds and default.
 */
const integerFromString = (
  bounds: { readonly minimum: number; readonly maximum?: number; readonly default: number },
  description: string
) =>
  Schema.compose(
    // Text that is no number at all, or a parameter given twice, gets the same one-line rule as a number out of bounds.
    Schema.NumberFromString.annotations({
      message: (issue) => ({
        message: `must be a decimal integer, got ${JSON.stringify(issue.actual)}`,
        override: true
      })
    }),
    Schema.Number.pipe(
      Schema.int(),
      bounds.maximum === undefined
        ? Schema.greaterThanOrEqualTo(bounds.minimum)
        : Schema.between(bounds.minimum, bounds.maximum)
    )
  ).annotations({ description, jsonSchema: { type: "integer", ...bounds, description } })

/**
 * The query of the list: `count` from 1 to {@link maxListCount} ({@link defaultListCount} by default) and `offset`
 * from 0, both as decimal integers.
 *
 * @since 0.1.0
 * @category schemas
 */
export const ListParams = Schema.Struct({
  count: Schema.optionalWith(
    integerFromString(
      { minimum: 1, maximum: maxListCount, default: defaultListCount },
      `How many completions to list, from 1 to ${maxListCount}; ${defaultListCount} by default.`
    ),
    { exact: true, default: () => defaultListCount }
  ),
  offset: Schema.optionalWith(
    integerFromString({ minimum: 0, default: 0 }, "How many of the newest completions to skip; 0 by default."),
    { exact: true, default: () => 0 }
  )
})
/**
 * @since 0.1.0
 * @category schemas
 */
export interface ListParams extends Schema.Schema.Type<typeof ListParams> {}

/**
 * The path of a retrieve: the completion's id.
 *
 * @since 0.1.0
 * @category schemas
 */
export const RetrievePath = Schema.Struct({
  id: Schema.String.annotations({ description: "The unique identifier of the completion to retrieve" })
})
/**
 * @since 0.1.0
 * @category schemas
 */
export interface RetrievePath extends Schema.Schema.Type<typeof RetrievePath> {}

const streamDescription = "With `stream: true` the answer is `text/event-stream`: `: OPENROUTER PROCESSING` comments "
  + "while the provider works, one `data: <chat.completion.chunk>` event per chunk (a last chunk with `choices: []` "
  + "and the usage when `stream_options.include_usage` is set), then `data: [DONE]`. A failure after the first "
  + "event arrives as an event carrying an error body: ObjectiveAI's `{ code, message }`, or a chunk with a top-level "
  + "`error` and `finish_reason: \"error\"`; the stream then ends."

const componentRef = (name: string) => ({ $ref: `#/components/schemas/${name}` })

/**
 * The schema of one event's `data` in the streamed answer: a `ChatCompletionChunk`, ObjectiveAI's error body, or the
 * text `[DONE]`. OpenAPI 3.1 has no keyword for the items of a stream, so the `text/event-stream` media type carries
 * the schema of one event's data, as OpenAI's own document does; generators and Scalar read it as the type of what
 * arrives.
 */
const streamEvent = {
  description: streamDescription,
  anyOf: [
    componentRef("ChatCompletionChunk"),
    componentRef("ObjectiveAiErrorBody"),
    { type: "string", const: "[DONE]", description: "The last event of a stream that ended normally." }
  ]
}

/** A create body as the docs page shows it: a real model and one user message. */
const exampleRequest = {
  model: "openai/gpt-4o-mini",
  messages: [{ role: "user", content: "Explain vector clocks in two sentences." }]
}

/** Documents the streamed answer beside the unary one, and gives the body an example. */
const documentCreate = (operation: Record<string, unknown>): Record<string, unknown> => {
  const responses = operation.responses as Record<string, { content?: Record<string, unknown> }>
  const ok = responses["200"]
  const body = operation.requestBody as { content: Record<string, Record<string, unknown>> }
  return {
    ...operation,
    requestBody: {
      ...body,
      content: { "application/json": { ...body.content["application/json"], example: exampleRequest } }
    },
    responses: {
      ...responses,
      "200": { ...ok, content: { ...ok?.content, "text/event-stream": { schema: streamEvent } } }
    }
  }
}

/**
 * `POST /chat/completions`: creates a completion from the body, answered as one `chat.completion` or, with
 * `stream: true`, as server-sent events of `chat.completion.chunk`.
 *
 * @since 0.1.0
 * @category api
 */
export const create = HttpApiEndpoint.post("create", "/chat/completions")
  .setPayload(ChatCompletionCreateParams.ChatCompletionCreateParams)
  .addSuccess(ChatCompletion.ChatCompletion)
  .addError(BadRequest)
  .addError(PayloadTooLarge)
  .addError(TooManyRequests)
  .addError(InternalServerError)
  .addError(BadGateway)
  .addError(ServiceUnavailable)
  .annotate(OpenApi.Summary, "Create a chat completion")
  .annotate(
    OpenApi.Description,
    "Generates a completion for the conversation in `messages` with `model`, and stores it. " + streamDescription
  )
  .annotate(OpenApi.Identifier, "createChatCompletion")
  .annotate(OpenApi.Transform, documentCreate)

/**
 * `GET /chat/completions/{id}`: the stored `{ request, response }` of one completion.
 *
 * @since 0.1.0
 * @category api
 */
export const retrieve = HttpApiEndpoint.get("retrieve", "/chat/completions/:id")
  .setPath(RetrievePath)
  .addSuccess(StoredChatCompletion.StoredChatCompletion)
  .addError(NotFound)
  .addError(TooManyRequests)
  .addError(InternalServerError)
  .addError(BadGateway)
  .addError(ServiceUnavailable)
  .annotate(OpenApi.Identifier, "retrieveChatCompletion")
  .annotate(OpenApi.Summary, "Retrieve a chat completion")
  .annotate(OpenApi.Description, "The original request body and the completion response of a stored completion.")

/**
 * `GET /chat/completions?count&offset`: one page of stored completions, newest first.
 *
 * @since 0.1.0
 * @category api
 */
export const list = HttpApiEndpoint.get("list", "/chat/completions")
  .setUrlParams(ListParams)
  .addSuccess(ChatCompletionList.ChatCompletionList)
  .addError(BadRequest)
  .addError(TooManyRequests)
  .addError(InternalServerError)
  .addError(BadGateway)
  .addError(ServiceUnavailable)
  .annotate(OpenApi.Identifier, "listChatCompletions")
  .annotate(OpenApi.Summary, "List chat completions")
  .annotate(
    OpenApi.Description,
    "One page of stored completions, newest first: each one's id, the start of its content and when it was created."
  )

/**
 * The group of the three chat-completion endpoints, all behind {@link Authorization}.
 *
 * @since 0.1.0
 * @category api
 */
export class ChatCompletions extends HttpApiGroup.make("chatCompletions")
  .add(create)
  .add(retrieve)
  .add(list)
  .middleware(Authorization)
  .addError(Unauthorized)
  .annotate(OpenApi.Title, "Chat completions")
  .annotate(OpenApi.Description, "Create, retrieve and list chat completions.")
{}

const decodeErrorComponents = ["HttpApiDecodeError", "Issue", "PropertyKey"]

/**
 * `HttpApi` declares its own decode error on every endpoint; an ObjectiveAI server answers a request that does not
 * decode with {@link BadRequest} instead, so the document names only that.
 */
const withoutDecodeError = (document: Record<string, unknown>): Record<string, unknown> => {
  const decodeErrorRef = "#/components/schemas/HttpApiDecodeError"
  const paths = document.paths as Record<string, Record<string, { responses: Record<string, unknown> }>>
  const content = (response: unknown) => (response as { content?: Record<string, { schema: unknown }> }).content ?? {}
  for (const operation of Object.values(paths).flatMap(Object.values)) {
    for (const [status, response] of Object.entries(operation.responses)) {
      for (const media of Object.values(content(response))) {
        const schema = media.schema as { $ref?: string; anyOf?: Array<{ $ref?: string }> }
        // An endpoint whose only 400 is the decode error (a path of plain strings) cannot answer 400 at all.
        if (schema.$ref === decodeErrorRef) delete operation.responses[status]
        const kept = schema.anyOf?.filter((member) => member.$ref !== decodeErrorRef)
        if (kept !== undefined) media.schema = kept.length === 1 ? kept[0] : { ...schema, anyOf: kept }
      }
    }
  }
  const components = document.components as { schemas: Record<string, unknown> }
  for (const name of decodeErrorComponents) delete components.schemas[name]
  return document
}

/**
 * Makes the document say what the code does, where Effect's generation says otherwise: every schema open to unknown
 * keys and without refinement names as titles (see `cleanSchema`), and the streamed answer's components (`ChatCompletionChunk`, `ObjectiveAiErrorBody`) are declared, as no endpoint's
 *   success names them.
 */
const describeTheCode = (document: Record<string, unknown>): Record<string, unknown> => {
  const components = document.components as { schemas: Record<string, unknown> }
  OpenApiJsonSchema.makeWithDefs(ChatCompletionChunk.ChatCompletionChunk, { defs: components.schemas })
  OpenApiJsonSchema.makeWithDefs(ErrorBody.ObjectiveAiErrorBody, { defs: components.schemas })
  walkDocument(document)
  return document
}

/** Cleans every schema of the document: each `schema` of a parameter or media type, and each component. */
const walkDocument = (node: unknown): void => {
  if (Array.isArray(node)) return node.forEach(walkDocument)
  if (typeof node !== "object" || node === null) return
  for (const [key, value] of Object.entries(node)) {
    if (key === "schema") cleanSchema(value)
    else if (key === "schemas") Object.values(value as Record<string, unknown>).forEach(cleanSchema)
    else if (key !== "example") walkDocument(value)
  }
}

/**
 * The ObjectiveAI chat-completions API: {@link ChatCompletions} at `https://api.objective-ai.io` (no `/v1`).
 *
 * @since 0.1.0
 * @category api
 */
export class ObjectiveAiApi extends HttpApi.make("ObjectiveAiApi")
  .add(ChatCompletions)
  // What the HTTP layer refuses before a request reaches an endpoint, on any path: a request it cannot parse, one
  // sent too slowly, headers over its limit.
  .addError(BadRequest)
  .addError(RequestTimeout)
  .addError(RequestHeaderFieldsTooLarge)
  .annotateContext(OpenApi.annotations({
    title: "ObjectiveAI chat completions",
    version: "0.1.0",
    description: "The chat-completions API of ObjectiveAI, a gateway over OpenRouter. Every request sends "
      + "`authorization: Bearer <key>`; every error answers with `{ code, message }`, `code` equal to the status.",
    servers: [{ url: "https://api.objective-ai.io", description: "ObjectiveAI" }]
  }))
  .annotate(OpenApi.Transform, (document) => describeTheCode(withoutDecodeError(document)))
{}
