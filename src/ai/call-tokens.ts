import type { LanguageModelV3CallOptions, LanguageModelV3StreamPart } from '@ai-sdk/provider';

/**
 * Parley's own token counts for a model call: the estimate a budget reserves before the call (its
 * prompt counted, and the most it may answer), and the charge of a call the provider reported no
 * usage for, or that ended before its end. Counted with o200k_base, the encoding of current OpenAI
 * models: close enough for other providers' budgets, and never zero for text that was sent.
 */

/** What a call may answer when it names no maximum: a reservation must assume a long reply. */
export const defaultReservedOutputTokens = 4_096;

/** An image or file part: providers bill them by size and detail; a flat, generous figure for the estimate. */
export const tokensPerFilePart = 1_000;
/** Each message's role and separators, as chat formats add them. */
export const tokensPerMessage = 4;

type Encoder = (text: string) => number;
let encoder: Promise<Encoder> | undefined;

/** The tokenizer is loaded with the first count: servers whose tenants set no budget never pay for it. */
function loadEncoder(): Promise<Encoder> {
  encoder ??= import('gpt-tokenizer/encoding/o200k_base').then(({ countTokens }) => {
    // A prompt is data here: "<|endoftext|>" in it is counted as text, not refused as a special token.
    const asPlainText = { disallowedSpecial: new Set<string>() };
    return (text: string) => (text.length === 0 ? 0 : countTokens(text, asPlainText));
  });
  return encoder;
}

export async function countTextTokens(text: string): Promise<number> {
  return (await loadEncoder())(text);
}

/** Tokens of a call's prompt: every message's text, tool calls and results, and the tools offered. */
export async function countPromptTokens(options: LanguageModelV3CallOptions): Promise<number> {
  const count = await loadEncoder();
  let tokens = 0;
  for (const message of options.prompt) {
    tokens += tokensPerMessage;
    if (typeof message.content === 'string') {
      tokens += count(message.content);
      continue;
    }
    for (const part of message.content) {
      if (part.type === 'text' || part.type === 'reasoning') tokens += count(part.text);
      else if (part.type === 'file') tokens += tokensPerFilePart;
      else if (part.type === 'tool-call') tokens += count(JSON.stringify(part.input ?? null));
      else if (part.type === 'tool-result') tokens += count(JSON.stringify(part.output ?? null));
    }
  }
  for (const tool of options.tools ?? []) tokens += count(JSON.stringify(tool));
  return tokens;
}

/** The most a call may use: its prompt and the longest answer it may give. */
export async function estimateCallTokens(
  options: LanguageModelV3CallOptions,
): Promise<{ inputTokens: number; outputTokens: number }> {
  return {
    inputTokens: await countPromptTokens(options),
    outputTokens: options.maxOutputTokens ?? defaultReservedOutputTokens,
  };
}

/** The text a stream part adds to the answer (what the provider bills as output), if any. */
export function producedText(part: LanguageModelV3StreamPart): string | undefined {
  switch (part.type) {
    case 'text-delta':
    case 'reasoning-delta':
      return part.delta;
    case 'tool-call':
      return part.input;
    default:
      return undefined;
  }
}
