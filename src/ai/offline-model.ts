import { setTimeout as delay } from 'node:timers/promises';
import type {
  LanguageModelV3,
  LanguageModelV3CallOptions,
  LanguageModelV3FinishReason,
  LanguageModelV3GenerateResult,
  LanguageModelV3Prompt,
  LanguageModelV3StreamPart,
  LanguageModelV3StreamResult,
  LanguageModelV3Usage,
} from '@ai-sdk/provider';
import { parseAttachedText, type AttachedText } from './attached-text.js';
import { answerFromPassages } from './offline-knowledge-answer.js';
import { parsePassagesBlock } from './passages-prompt.js';
import { cutToLength } from '../platform/text-cut.js';

export interface OfflineModelOptions {
  /** Pause between streamed words; 0 streams as fast as the reader pulls. */
  readonly wordDelayMs?: number;
  /**
   * A model a configured provider serves (`openai:gpt-4o-mini`), when there is one: the reply then says
   * this agent was left on the offline model, instead of saying no model is configured.
   */
  readonly configuredModel?: string | undefined;
}

const quoteMaxChars = 60;
const titleMaxWords = 6;
const titleMaxChars = 60;
const textPartId = 'text-0';
const stopReason: LanguageModelV3FinishReason = { unified: 'stop', raw: 'stop' };

/**
 * The built-in `offline` model. It never pretends to answer: it tells the user that no language model
 * is configured and how to configure one (or, where one is, that this agent was left on the offline
 * model), so a fresh server is usable end to end without any key.
 * Given retrieved passages (a `<passages>` block in its system prompt, passages-prompt.ts), it answers
 * from them instead, quoting their most relevant sentences with their [n] markers.
 */
export function createOfflineModel(options: OfflineModelOptions = {}): LanguageModelV3 {
  const wordDelayMs = options.wordDelayMs ?? 0;
  return {
    specificationVersion: 'v3',
    provider: 'parley',
    modelId: 'offline',
    supportedUrls: {},

    async doGenerate(call: LanguageModelV3CallOptions): Promise<LanguageModelV3GenerateResult> {
      call.abortSignal?.throwIfAborted();
      const text = offlineReply(call.prompt, options.configuredModel);
      return {
        content: [{ type: 'text', text }],
        finishReason: stopReason,
        usage: countUsage(call.prompt, text),
        warnings: [],
        response: { modelId: 'offline' },
      };
    },

    async doStream(call: LanguageModelV3CallOptions): Promise<LanguageModelV3StreamResult> {
      call.abortSignal?.throwIfAborted();
      const text = offlineReply(call.prompt, options.configuredModel);
      const parts = streamParts(text, countUsage(call.prompt, text));
      return { stream: pullParts(parts, wordDelayMs, call.abortSignal) };
    },
  };
}

/** The reply the offline model gives to a conversation whose last user message is `prompt`'s last. */
export function offlineReply(prompt: LanguageModelV3Prompt, configuredModel?: string): string {
  const { question: lastUserText, attached } = lastUserMessage(prompt);
  const passages = passagesIn(prompt);
  if (passages || attached.length) return answerFromPassages(lastUserText, passages, attached);
  const quote = truncate(collapseWhitespace(lastUserText), quoteMaxChars);
  const cannotAnswer = quote ? `I can't answer "${quote}"` : "I can't answer";
  // Two paragraphs: what it cannot do, then how to change that. An agent with split replies sends
  // them as two bubbles (docs/companion.md).
  if (configuredModel) {
    return [
      `${cannotAnswer} because this agent uses the built-in offline model, which only explains the setup and never answers questions.`,
      `Language models are configured on this Parley server: an administrator (or the agent's owner) can set this agent's model to one of them, for example ${configuredModel}.`,
    ].join('\n\n');
  }
  const setup = [
    'This is the built-in offline model: it only explains the setup and never answers questions.',
    'To connect a model, an administrator can set one of these environment variables and restart the server:',
    'OPENAI_API_KEY, ANTHROPIC_API_KEY, AZURE_OPENAI_API_KEY together with AZURE_OPENAI_RESOURCE_NAME,',
    'OLLAMA_BASE_URL, or OPENAI_COMPATIBLE_BASE_URL.',
    'A workspace can instead add its own provider with POST /v1/providers.',
    "Then set the agent's model to provider:model, for example openai:gpt-4o-mini.",
  ].join(' ');
  return `${cannotAnswer} because no language model is configured on this Parley server yet.\n\n${setup}`;
}

/** A conversation title from the first words of a message: at most 6 words and 60 characters. */
export function offlineTitle(text: string): string {
  const words = collapseWhitespace(text.normalize('NFC')).split(' ').filter(Boolean).slice(0, titleMaxWords);
  if (words.length === 0) return 'New conversation';
  let title = '';
  for (const word of words) {
    const next = title ? `${title} ${word}` : word;
    if (next.length > titleMaxChars) break;
    title = next;
  }
  // A single first word longer than the limit still deserves a title, so cut it.
  return title || cutToLength(words[0]!, titleMaxChars) || 'New conversation';
}

function streamParts(text: string, usage: LanguageModelV3Usage): LanguageModelV3StreamPart[] {
  // Each word keeps its trailing whitespace, so the deltas concatenate back to the exact text.
  const words = text.match(/\S+\s*/g) ?? [];
  return [
    { type: 'stream-start', warnings: [] },
    { type: 'response-metadata', modelId: 'offline' },
    { type: 'text-start', id: textPartId },
    ...words.map((delta): LanguageModelV3StreamPart => ({ type: 'text-delta', id: textPartId, delta })),
    { type: 'text-end', id: textPartId },
    { type: 'finish', finishReason: stopReason, usage },
  ];
}

/** Pull-based, so a slow reader applies backpressure and an abort stops it between two parts. */
function pullParts(
  parts: readonly LanguageModelV3StreamPart[],
  wordDelayMs: number,
  abortSignal: AbortSignal | undefined,
): ReadableStream<LanguageModelV3StreamPart> {
  let index = 0;
  return new ReadableStream<LanguageModelV3StreamPart>({
    async pull(controller) {
      try {
        abortSignal?.throwIfAborted();
        const part = parts[index++];
        if (!part) return controller.close();
        if (part.type === 'text-delta' && wordDelayMs > 0) await delay(wordDelayMs, undefined, { signal: abortSignal });
        controller.enqueue(part);
      } catch (error) {
        // Report the caller's own abort reason (e.g. a TimeoutError), not the timer's generic AbortError.
        controller.error(abortSignal?.aborted ? abortSignal.reason : error);
      }
    },
  });
}

/** Words stand in for tokens: there is no tokenizer, and the numbers only need to be honest and stable. */
function countUsage(prompt: LanguageModelV3Prompt, reply: string): LanguageModelV3Usage {
  const inputWords = countWords(prompt.map(messageText).join(' '));
  const outputWords = countWords(reply);
  return {
    inputTokens: { total: inputWords, noCache: inputWords, cacheRead: undefined, cacheWrite: undefined },
    outputTokens: { total: outputWords, text: outputWords, reasoning: undefined },
  };
}

/** The passages of the last system message that carries a block, if any. */
function passagesIn(prompt: LanguageModelV3Prompt): ReturnType<typeof parsePassagesBlock> {
  for (const message of prompt.toReversed()) {
    if (message.role !== 'system') continue;
    const passages = parsePassagesBlock(message.content);
    if (passages) return passages;
  }
  return undefined;
}

/**
 * The last user message's own text, and the text of the files it carries: chat gives each file as a
 * text part after the message, headed with its name (attached-text.ts).
 */
function lastUserMessage(prompt: LanguageModelV3Prompt): { question: string; attached: AttachedText[] } {
  const lastUser = prompt.findLast((message) => message.role === 'user');
  if (!lastUser || lastUser.role !== 'user') return { question: '', attached: [] };
  const texts = lastUser.content.flatMap((part) => (part.type === 'text' ? [part.text] : []));
  const attached: AttachedText[] = [];
  const own: string[] = [];
  for (const text of texts) {
    const file = parseAttachedText(text);
    if (file) attached.push(file);
    else own.push(text);
  }
  return { question: own.join(' '), attached };
}

function messageText(message: LanguageModelV3Prompt[number]): string {
  if (message.role === 'system') return message.content;
  return message.content.map((part) => (part.type === 'text' ? part.text : '')).join(' ');
}

function countWords(text: string): number {
  return text.match(/\S+/g)?.length ?? 0;
}

function collapseWhitespace(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/** Cuts by code point, so an emoji at the boundary is never split into half a surrogate pair. */
function truncate(text: string, maxChars: number): string {
  const characters = Array.from(text);
  if (characters.length <= maxChars) return text;
  return `${characters
    .slice(0, maxChars - 1)
    .join('')
    .trimEnd()}…`;
}
