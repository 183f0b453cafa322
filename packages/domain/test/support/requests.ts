/** A body using every field of the page, each message role and content part, and both wire forms where they differ. */
export const everything = {
  model: "openai/gpt-4o-mini",
  messages: [
    { role: "developer", content: "Answer briefly.", name: "dev" },
    { role: "system", content: [{ type: "text", text: "You are terse." }], name: "sys" },
    {
      role: "user",
      name: "ada",
      content: [
        { type: "text", text: "What is in these?" },
        { type: "image_url", image_url: { url: "https://example.com/cat.png", detail: "high" } },
        { type: "input_audio", input_audio: { data: "UklGRg==", format: "wav" } },
        { type: "audio_url", input_audio: { data: "SUQz", format: "mp3" } },
        { type: "file", file: { file_data: "JVBERi0=", filename: "a.pdf" } },
        { type: "file", file: { file_id: "file-123" } }
      ]
    },
    {
      role: "assistant",
      content: null,
      tool_calls: [{ id: "call_1", type: "function", function: { name: "look", arguments: "{\"q\":1}" } }]
    },
    { role: "tool", tool_call_id: "call_1", content: [{ type: "text", text: "{\"ok\":true}" }] },
    {
      role: "assistant",
      name: "bot",
      refusal: "No.",
      content: [{ type: "text", text: "I" }, { type: "refusal", refusal: "can't" }]
    },
    { role: "chat_completion", id: "chtcpl-1", choice_index: 0, name: "draft" },
    { role: "score_completion", id: "scrcpl-1", choice_index: 2, name: "judge" }
  ],
  frequency_penalty: -2,
  logit_bias: { "50256": -100, "11": 100 },
  logprobs: true,
  max_completion_tokens: 1,
  modalities: ["text"],
  n: 1,
  parallel_tool_calls: false,
  prediction: { type: "content", content: [{ type: "text", text: "draft" }] },
  presence_penalty: 2,
  reasoning_effort: "medium",
  response_format: {
    type: "json_schema",
    json_schema: { name: "answer", description: "d", strict: true, schema: { type: "object", properties: {} } }
  },
  seed: 18446744073709551615n,
  service_tier: "flex",
  stop: ["\n\n", "END"],
  stream: true,
  stream_options: { include_usage: true },
  temperature: 0,
  tool_choice: { type: "function", function: { name: "look" } },
  tools: [{
    type: "function",
    function: { name: "look", description: "Look it up", parameters: { type: "object" }, strict: false }
  }],
  top_logprobs: 20,
  top_p: 1,
  web_search_options: {
    search_context_size: "low",
    user_location: {
      type: "approximate",
      approximate: { city: "Paris", country: "FR", region: "IDF", timezone: "CET" }
    }
  },
  max_tokens: 4096,
  min_p: 0,
  plugins: [{ id: "web", max_results: 3, engine: { name: "exa" } }],
  provider: {
    order: ["openai"],
    allow_fallbacks: true,
    require_parameters: false,
    data_collection: "deny",
    only: ["openai", "azure"],
    ignore: ["together"],
    quantizations: ["fp8"],
    sort: "price"
  },
  reasoning: { max_tokens: 1, effort: "high", enabled: true },
  repetition_penalty: 2,
  top_a: 1,
  top_k: 1,
  usage: { include: true },
  verbosity: "low",
  models: ["anthropic/claude-3.5-sonnet"]
}
