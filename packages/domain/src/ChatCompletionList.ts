/**
 * The body of `GET /chat/completions?count=N&offset=M`: one page of completion ids with a preview.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import * as CompletionId from "./CompletionId.js"
import { preserveUnknownKeys, required } from "./internal/schema.js"

/**
 * One listed completion.
 *
 * @since 0.1.0
 * @category schemas
 */
export const ChatCompletionListItem = Schema.Struct({
  id: required(CompletionId.CompletionId, "The id of the completion."),
  preview: required(Schema.NullOr(Schema.String), "The start of the completion's content."),
  created: required(
    Schema.String.annotations({ jsonSchema: { type: "string", format: "date-time" } }),
    "When the completion was created, as an RFC 3339 timestamp."
  )
}).annotations({ identifier: "ChatCompletionListItem", ...preserveUnknownKeys })
/**
 * @since 0.1.0
 * @category models
 */
export interface ChatCompletionListItem extends Schema.Schema.Type<typeof ChatCompletionListItem> {}

/**
 * One page of the list.
 *
 * @since 0.1.0
 * @category schemas
 */
export const ChatCompletionList = Schema.Struct({
  data: Schema.Array(ChatCompletionListItem)
}).annotations({ identifier: "ChatCompletionList", ...preserveUnknownKeys })
/**
 * @since 0.1.0
 * @category models
 */
export interface ChatCompletionList extends Schema.Schema.Type<typeof ChatCompletionList> {}
