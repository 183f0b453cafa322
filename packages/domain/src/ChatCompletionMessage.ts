/**
 * The messages of a create request, discriminated on `role`, and their content parts, discriminated on `type`. Like
 * the create body, each takes `null` in an optional field as absent, keeps keys the page does not list (an assistant
 * message returned by the API, with its `reasoning_details`, goes back as it came) and refuses likely typos of the
 * keys it does list.
 *
 * @since 0.1.0
 */
import type * as Schema from "effect/Schema"
import { strict } from "./internal/request.js"

/**
 * A part of a message's content that is text.
 *
 * @since 0.1.0
 * @category schemas
 */
export const TextContentPart = strict.TextContentPart
/**
 * @since 0.1.0
 * @category models
 */
export interface TextContentPart extends Schema.Schema.Type<typeof TextContentPart> {}

/**
 * A part of a user message that is an image, by URL or base64 `data:` URL.
 *
 * @since 0.1.0
 * @category schemas
 */
export const ImageContentPart = strict.ImageContentPart
/**
 * @since 0.1.0
 * @category models
 */
export interface ImageContentPart extends Schema.Schema.Type<typeof ImageContentPart> {}

/**
 * A part of a user message that is audio. Its `type` is `"input_audio"` on the wire and `"audio_url"` on the API page;
 * both are accepted and each is written back as given.
 *
 * @since 0.1.0
 * @category schemas
 */
export const AudioContentPart = strict.AudioContentPart
/**
 * @since 0.1.0
 * @category models
 */
export interface AudioContentPart extends Schema.Schema.Type<typeof AudioContentPart> {}

/**
 * A part of a user message that is a file, by data or id.
 *
 * @since 0.1.0
 * @category schemas
 */
export const FileContentPart = strict.FileContentPart
/**
 * @since 0.1.0
 * @category models
 */
export interface FileContentPart extends Schema.Schema.Type<typeof FileContentPart> {}

/**
 * A part of an assistant message that is a refusal.
 *
 * @since 0.1.0
 * @category schemas
 */
export const RefusalContentPart = strict.RefusalContentPart
/**
 * @since 0.1.0
 * @category models
 */
export interface RefusalContentPart extends Schema.Schema.Type<typeof RefusalContentPart> {}

/**
 * Instructions from the developer that the model follows whatever the user says.
 *
 * @since 0.1.0
 * @category schemas
 */
export const DeveloperMessage = strict.DeveloperMessage
/**
 * @since 0.1.0
 * @category models
 */
export interface DeveloperMessage extends Schema.Schema.Type<typeof DeveloperMessage> {}

/**
 * Instructions for the model, as older models' system prompts.
 *
 * @since 0.1.0
 * @category schemas
 */
export const SystemMessage = strict.SystemMessage
/**
 * @since 0.1.0
 * @category models
 */
export interface SystemMessage extends Schema.Schema.Type<typeof SystemMessage> {}

/**
 * A message from the end user: text, images, audio or files.
 *
 * @since 0.1.0
 * @category schemas
 */
export const UserMessage = strict.UserMessage
/**
 * @since 0.1.0
 * @category models
 */
export interface UserMessage extends Schema.Schema.Type<typeof UserMessage> {}

/**
 * A call of a function tool, as an assistant message in the history carries it.
 *
 * @since 0.1.0
 * @category schemas
 */
export const ToolCall = strict.ToolCall
/**
 * @since 0.1.0
 * @category models
 */
export interface ToolCall extends Schema.Schema.Type<typeof ToolCall> {}

/**
 * An earlier answer of the model, sent back as conversation history.
 *
 * @since 0.1.0
 * @category schemas
 */
export const AssistantMessage = strict.AssistantMessage
/**
 * @since 0.1.0
 * @category models
 */
export interface AssistantMessage extends Schema.Schema.Type<typeof AssistantMessage> {}

/**
 * The result of a tool call, answering the call with `tool_call_id`.
 *
 * @since 0.1.0
 * @category schemas
 */
export const ToolMessage = strict.ToolMessage
/**
 * @since 0.1.0
 * @category models
 */
export interface ToolMessage extends Schema.Schema.Type<typeof ToolMessage> {}

/**
 * A reference to a choice of an earlier completion (`role: "chat_completion" | "score_completion"`), found in
 * stored requests from late 2025 though the API page does not list it.
 *
 * @since 0.1.0
 * @category schemas
 */
export const CompletionReferenceMessage = strict.CompletionReferenceMessage
/**
 * @since 0.1.0
 * @category models
 */
export type CompletionReferenceMessage = Schema.Schema.Type<typeof CompletionReferenceMessage>

/**
 * Any message of a conversation, discriminated on `role`.
 *
 * @since 0.1.0
 * @category schemas
 */
export const Message = strict.Message
/**
 * @since 0.1.0
 * @category models
 */
export type Message = Schema.Schema.Type<typeof Message>

/**
 * The role of a message.
 *
 * @since 0.1.0
 * @category models
 */
export type Role = Message["role"]
