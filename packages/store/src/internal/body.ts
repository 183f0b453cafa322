/**
 * A stored body as text and back. Most bodies are what the retrieve endpoint gives, `{ request, response }`; a
 * completion imported without its request is stored as `{ response }`, exactly, and read back with
 * {@link unknownRequest} in its place, so that the store never writes a request nobody sent.
 */
import { ChatCompletion, Json, StoredChatCompletion } from "@objectiveai-effect/domain"
import * as Either from "effect/Either"
import * as ParseResult from "effect/ParseResult"
import * as Predicate from "effect/Predicate"
import * as Schema from "effect/Schema"

/** The request of a completion stored without one: no model, no messages, no tools. */
export const unknownRequest: StoredChatCompletion.StoredChatCompletionRequest = Object.freeze({
  model: "",
  messages: Object.freeze([])
}) as StoredChatCompletion.StoredChatCompletionRequest

const encodeStored = Schema.encodeSync(StoredChatCompletion.StoredChatCompletionFromJson)
const decodeStored = Schema.decodeEither(StoredChatCompletion.StoredChatCompletionFromJson)
// Through `Json.parseJson` both ways, so keys keep their order and numbers their digits.
const ResponseOnly = Json.parseJson(Schema.Struct({ response: ChatCompletion.ChatCompletion }))
const encodeResponseOnly = Schema.encodeSync(ResponseOnly)
const decodeResponseOnly = Schema.decodeEither(ResponseOnly)
const decodeBare = Schema.decodeEither(Json.parseJson(ChatCompletion.ChatCompletion))

// The text each completion decoded here came from: stored as it is, it needs no encoding (which costs about as much
// as the decode: 1.7 s against 2.5 s for 5,000 sample completions, measured in-process), and it is the exact JSON.
const texts = new WeakMap<StoredChatCompletion.StoredChatCompletion, string>()

/** The text a completion is stored as: the text it was decoded from, else its encoding. */
export const encode = (completion: StoredChatCompletion.StoredChatCompletion): string =>
  texts.get(completion) ??
    (completion.request === unknownRequest
      ? encodeResponseOnly({ response: completion.response })
      : encodeStored(completion))

// The body of a request and answer given as their texts: the retrieve endpoint's shape, the texts as they are.
const joined = (requestJson: string, responseJson: string): string =>
  `{"request":${requestJson},"response":${responseJson}}`

/**
 * A request and its answer with the JSON texts they were sent and received as, stored as `{ "request": …,
 * "response": … }` of those very texts: capture's writer thread is handed the texts (a string crosses threads far
 * cheaper than an object graph) and stores them without encoding anything again.
 */
export const fromTexts = (
  request: StoredChatCompletion.StoredChatCompletionRequest,
  response: ChatCompletion.ChatCompletion,
  requestJson: string,
  responseJson: string
): StoredChatCompletion.StoredChatCompletion => {
  return withText({ request, response }, joined(requestJson, responseJson))
}

/**
 * A completion with the JSON text it was decoded from, which {@link encode} gives rather than encoding it again
 * (trimmed, as {@link decode} keeps it).
 */
export const withText = (
  completion: StoredChatCompletion.StoredChatCompletion,
  text: string
): StoredChatCompletion.StoredChatCompletion => {
  texts.set(completion, text.trim())
  return completion
}

/** The request and answer of {@link fromTexts}' texts, decoded; the reason in one line when they do not decode. */
export const decodeTexts = (
  requestJson: string,
  responseJson: string
): Either.Either<StoredChatCompletion.StoredChatCompletion, string> =>
  Either.mapLeft(decodeStored(joined(requestJson, responseJson)), firstIssue)

/** One line for a failed decode: the first issue and where it is, as `response.choices.0.index: …`. */
export const firstIssue = (error: ParseResult.ParseError): string => {
  const [issue] = ParseResult.ArrayFormatter.formatErrorSync(error)
  if (issue === undefined) return "it does not decode"
  const at = issue.path.map(String).join(".")
  const message = issue.message.split("\n")[0]
  return at === "" ? message : `${at}: ${message}`
}

/**
 * A stored completion from text: `{ request, response }`, or a completion without its request, as `{ response }` or
 * a bare `chat.completion`; the reason in one line when it is none of these.
 */
export const decode = (text: string): Either.Either<StoredChatCompletion.StoredChatCompletion, string> => {
  const stored = decodeStored(text)
  if (Either.isRight(stored)) {
    texts.set(stored.right, text.trim())
    return Either.right(stored.right)
  }
  let value: unknown
  try {
    value = Json.parse(text)
  } catch (cause) {
    return Either.left(`not JSON: ${cause instanceof Error ? cause.message : String(cause)}`)
  }
  if (!Predicate.isRecord(value) || "request" in value) return Either.left(firstIssue(stored.left))
  const response = "response" in value
    ? Either.map(decodeResponseOnly(text), (body) => body.response)
    : decodeBare(text)
  return Either.match(response, {
    onLeft: (error) => Either.left(firstIssue(error)),
    onRight: (decoded) => {
      const completion = { request: unknownRequest, response: decoded }
      // `{ response }` is stored as it came; a bare completion is wrapped, so it is encoded.
      if ("response" in value) texts.set(completion, text.trim())
      return Either.right(completion)
    }
  })
}
