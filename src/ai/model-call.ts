import {
  APICallError,
  type LanguageModelV3,
  type LanguageModelV3CallOptions,
  type LanguageModelV3Prompt,
  type LanguageModelV3StreamPart,
  type LanguageModelV3Usage,
} from '@ai-sdk/provider';

/** What a user message's attached file becomes for a model: an image's bytes, or a document's text. */
export type AttachmentPart =
  | { readonly type: 'text'; readonly text: string }
  | { readonly type: 'file'; readonly mediaType: string; readonly data: Uint8Array; readonly filename: string };

/**
 * A message as Parley sends it to a model: its text, and for a user message the parts of its attached
 * files, after the text. Most messages have none, and then cost nothing more than the text.
 */
export interface TextMessage {
  readonly role: 'user' | 'assistant';
  readonly content: string;
  readonly attachments?: readonly AttachmentPart[];
}

/** Whether any message sends an image's bytes (so a provider's 400 can be explained). */
export function sendsImages(messages: readonly TextMessage[]): boolean {
  return messages.some((message) => message.attachments?.some(isImageFile));
}

/** An image given as a file part, the only way Parley gives one, in its own messages or the AI SDK's. */
export function isImageFile(part: { readonly type: string; readonly mediaType?: string }): boolean {
  return part.type === 'file' && part.mediaType?.startsWith('image/') === true;
}

/** The provider-level prompt, as `streamText` builds it from a system text and messages. */
export function toModelPrompt(system: string | undefined, messages: readonly TextMessage[]): LanguageModelV3Prompt {
  const prompt: LanguageModelV3Prompt = system === undefined ? [] : [{ role: 'system', content: system }];
  for (const message of messages) {
    const text = { type: 'text', text: message.content } as const;
    if (message.role === 'user' && message.attachments?.length) {
      // An image sent alone (the widget's) has no text: some providers refuse an empty text part.
      const texts = message.content === '' ? [] : [text];
      prompt.push({ role: 'user', content: [...texts, ...message.attachments.map(toPromptPart)] });
    } else {
      prompt.push({ role: message.role, content: [text] });
    }
  }
  return prompt;
}

function toPromptPart(part: AttachmentPart) {
  return part.type === 'text'
    ? { type: 'text' as const, text: part.text }
    : { type: 'file' as const, mediaType: part.mediaType, data: part.data, filename: part.filename };
}

/**
 * Starts a streaming model call through the provider's own `doStream` (ADR 7: `streamText` costs about
 * 2.5 ms of CPU per call on top of it). A call that fails before streaming with an error the provider
 * marks retryable is tried again up to `maxRetries` times, 2 s, 4 s, … apart, as `streamText` would.
 */
export async function openModelStream(
  model: LanguageModelV3,
  options: LanguageModelV3CallOptions,
  maxRetries: number,
): Promise<ReadableStream<LanguageModelV3StreamPart>> {
  for (let attempt = 0; ; attempt += 1) {
    try {
      return (await model.doStream(options)).stream;
    } catch (error) {
      const isRetryable = APICallError.isInstance(error) && error.isRetryable;
      if (!isRetryable || attempt >= maxRetries || options.abortSignal?.aborted) throw error;
      await delay(2_000 * 2 ** attempt, options.abortSignal);
    }
  }
}

/** Token counts as `streamText` reports them: the total is the sum of what is known. */
export function totalsOf(usage: LanguageModelV3Usage) {
  const { total: inputTokens } = usage.inputTokens;
  const { total: outputTokens, reasoning: reasoningTokens } = usage.outputTokens;
  const totalTokens =
    inputTokens === undefined && outputTokens === undefined ? undefined : (inputTokens ?? 0) + (outputTokens ?? 0);
  return { inputTokens, outputTokens, reasoningTokens, totalTokens };
}

function delay(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
  });
}
