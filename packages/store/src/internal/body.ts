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

/** The text a completion is stored as. */
export const encode = (completion: StoredChatCompletion.StoredChatCompletion): string =>
  completion.request === unknownRequest
    ? encodeResponseOnly({ response: completion.response })
    : encodeStored(completion)

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
  if (Either.isRight(stored)) return Either.right(stored.right)
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
    onRight: (decoded) => Either.right({ request: unknownRequest, response: decoded })
  })
}
