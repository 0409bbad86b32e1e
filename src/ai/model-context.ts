import { parseModelRef } from './model-ref.js';

/**
 * How many tokens a model's context holds (its prompt and its answer together), for the chat turn's
 * token budget. Providers do not say it in their APIs, and the registry knows models only by name, so
 * it is read from the model's id by family; a model no family matches gets MODEL_CONTEXT_TOKENS
 * (16,384 by default: what most current local and hosted models hold at least, so a prompt sized for it
 * is not cut by a server that keeps less, and Ollama's own default is raised by its users for chat).
 * First match wins, so the more specific patterns come first.
 */
const contextTokensByFamily: readonly (readonly [RegExp, number])[] = [
  [/gpt-4\.1/, 1_047_576],
  [/gpt-5/, 400_000],
  [/gpt-4o|gpt-4-turbo|chatgpt-4o|o1-mini/, 128_000],
  [/(^|[^a-z])o[134](-|$)/, 200_000],
  [/gpt-4-32k/, 32_768],
  [/gpt-4/, 8_192],
  [/gpt-3\.5-turbo/, 16_385],
  [/claude/, 200_000],
  [/gemini-1\.5|gemini-2/, 1_000_000],
  [/command-r|command-a/, 128_000],
  [/deepseek/, 64_000],
  [/llama-?3\.[123]|llama3\.[123]|qwen2\.5|qwen3|mistral-(large|small|medium)|mixtral/, 32_768],
  [/llama-?3|llama3/, 8_192],
];

/** The built-in offline model reads any length; a budget still keeps its prompt bounded. */
const offlineContextTokens = 128_000;

export function contextTokensOf(modelRef: string, defaultContextTokens: number): number {
  const parsed = parseModelRef(modelRef);
  if (!parsed) return defaultContextTokens;
  if (parsed.kind === 'offline') return offlineContextTokens;
  const modelId = parsed.modelId.toLowerCase();
  return contextTokensByFamily.find(([family]) => family.test(modelId))?.[1] ?? defaultContextTokens;
}
