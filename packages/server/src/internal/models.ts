/** What the generator knows of a model: the providers OpenRouter routes it to and its list price. */
export interface ModelInfo {
  readonly providers: ReadonlyArray<string>
  /** USD per million prompt tokens. */
  readonly prompt: number
  /** USD per million completion tokens (reasoning included). */
  readonly completion: number
  /** Whether its providers return token logprobs. */
  readonly logprobs: boolean
  /** Whether it reasons before answering even when the request does not ask. */
  readonly reasons: boolean
}

/** List prices of the models the sample data uses, per million tokens, as OpenRouter published them in 2025. */
const models: ReadonlyMap<string, ModelInfo> = new Map([
  ["openai/gpt-4o-mini", {
    providers: ["OpenAI", "Azure"],
    prompt: 0.15,
    completion: 0.6,
    logprobs: true,
    reasons: false
  }],
  ["openai/gpt-4o", { providers: ["OpenAI", "Azure"], prompt: 2.5, completion: 10, logprobs: true, reasons: false }],
  ["anthropic/claude-3.5-sonnet", {
    providers: ["Anthropic", "Amazon Bedrock", "Google"],
    prompt: 3,
    completion: 15,
    logprobs: false,
    reasons: false
  }],
  ["meta-llama/llama-3.1-70b-instruct", {
    providers: ["DeepInfra", "Together", "Fireworks", "Lambda"],
    prompt: 0.12,
    completion: 0.3,
    logprobs: true,
    reasons: false
  }],
  ["google/gemini-2.0-flash", {
    providers: ["Google AI Studio", "Google"],
    prompt: 0.1,
    completion: 0.4,
    logprobs: true,
    reasons: false
  }],
  ["deepseek/deepseek-r1", {
    providers: ["DeepSeek", "Together", "Fireworks"],
    prompt: 0.55,
    completion: 2.19,
    logprobs: false,
    reasons: true
  }]
])

/** Any other model: served by the local server itself, at a round price. */
const unknownModel: ModelInfo = {
  providers: ["Local"],
  prompt: 1,
  completion: 2,
  logprobs: true,
  reasons: false
}

/** The model's info, or {@link unknownModel}. Routing suffixes such as `:online` or `:free` do not change the price. */
export const modelInfo = (model: string): ModelInfo => models.get(model.replace(/:[^/]*$/, "")) ?? unknownModel
