import type {
  LanguageModelV3,
  LanguageModelV3CallOptions,
  LanguageModelV3Prompt,
  SharedV3ProviderOptions,
} from '@ai-sdk/provider';
import {
  combineHeaders,
  createJsonErrorResponseHandler,
  postJsonToApi,
  withoutTrailingSlash,
  withUserAgentSuffix,
  type FetchFunction,
} from '@ai-sdk/provider-utils';
import { z } from 'zod';
import { modelWithCalls } from '../model-with-calls.js';
import { streamedPartsHandler } from './chat-completions-response.js';

/** What the SDK's OpenAI-compatible provider was built with, so the lean stream sends the same request. */
export interface LeanChatCompletionsSettings {
  readonly baseUrl: string;
  readonly apiKey?: string | undefined;
  /** The SDK provider's user-agent suffix, `ai-sdk/openai-compatible/{version}`. */
  readonly userAgent: string;
  /** The provider's fetch: the servers' pool or the outbound guard, as the SDK model has it. */
  readonly fetch?: FetchFunction | undefined;
  /** `includeUsage` of the SDK provider: asks for the usage chunk at the end of the stream. */
  readonly includeUsage: boolean;
}

/**
 * `sdkModel` (`@ai-sdk/openai-compatible`'s chat model), whose `doStream` reads a plain call's stream
 * itself (ADR 28): the SDK validates every chunk with a Zod schema behind three TransformStreams, which
 * cost more CPU per chat turn than the rest of Parley's work on it. A plain call is a text-only prompt
 * with no tools, no JSON response format and no provider options: for it, the request sent is the SDK's
 * own, byte for byte, and the parts, usage, finish reason and errors are the ones the SDK would give.
 * Every other call, and every `doGenerate`, is the SDK model's.
 */
export function leanChatCompletionsModel(
  sdkModel: LanguageModelV3,
  settings: LeanChatCompletionsSettings,
): LanguageModelV3 {
  const url = new URL(`${withoutTrailingSlash(settings.baseUrl)}/chat/completions`).toString();
  // The SDK's key for provider metadata: the provider's name, before `.chat`.
  const metadataKey = sdkModel.provider.split('.')[0]!.trim();
  // The headers the SDK provider gives its chat models: the key, then its user-agent suffix.
  const providerHeaders = withUserAgentSuffix(
    { ...(settings.apiKey && { Authorization: `Bearer ${settings.apiKey}` }) },
    settings.userAgent,
  );
  const successfulResponseHandler = streamedPartsHandler(metadataKey);
  return modelWithCalls(sdkModel, {
    doGenerate: (options) => sdkModel.doGenerate(options),
    async doStream(options) {
      if (!isPlainCall(options)) return sdkModel.doStream(options);
      const body = {
        ...requestSettings(sdkModel.modelId, options),
        stream: true,
        stream_options: settings.includeUsage ? { include_usage: true } : undefined,
      };
      const { responseHeaders, value: stream } = await postJsonToApi({
        url,
        headers: combineHeaders(providerHeaders, options.headers),
        body,
        failedResponseHandler,
        successfulResponseHandler,
        abortSignal: options.abortSignal,
        fetch: settings.fetch,
      });
      return { stream, request: { body }, response: { headers: responseHeaders } };
    },
  });
}

/**
 * Whether the SDK would send this call as `requestSettings` does and answer it with nothing but what
 * `chat-completions-parts.ts` reads. Anything more goes to the SDK: tools and tool choice, a JSON
 * response format, topK (the SDK warns about it), raw chunks, provider options of the call, a message or
 * a part (the SDK reads some of them into the request), and any part that is not text (images, files,
 * reasoning, tool calls and results).
 */
export function isPlainCall(options: LanguageModelV3CallOptions): boolean {
  return (
    !options.tools?.length &&
    options.toolChoice == null &&
    (options.responseFormat == null || options.responseFormat.type === 'text') &&
    options.topK == null &&
    options.includeRawChunks !== true &&
    !hasProviderOptions(options) &&
    isTextPrompt(options.prompt)
  );
}

function isTextPrompt(prompt: LanguageModelV3Prompt): boolean {
  return prompt.every((message) => {
    if (hasProviderOptions(message)) return false;
    if (message.role === 'system') return true;
    if (message.role === 'tool') return false;
    return message.content.every((part) => part.type === 'text' && !hasProviderOptions(part));
  });
}

function hasProviderOptions(holder: { readonly providerOptions?: SharedV3ProviderOptions | undefined }): boolean {
  const { providerOptions } = holder;
  return providerOptions != null && Object.keys(providerOptions).length > 0;
}

/**
 * The request body `@ai-sdk/openai-compatible` builds for a plain call, its keys in the same order (so
 * the JSON is the same text), those left undefined dropped by JSON.stringify as they are there. The
 * token limit is `max_tokens`, as that SDK sends it to every OpenAI-compatible server.
 */
function requestSettings(modelId: string, options: LanguageModelV3CallOptions) {
  return {
    model: modelId,
    user: undefined,
    max_tokens: options.maxOutputTokens,
    temperature: options.temperature,
    top_p: options.topP,
    frequency_penalty: options.frequencyPenalty,
    presence_penalty: options.presencePenalty,
    response_format: undefined,
    stop: options.stopSequences,
    seed: options.seed,
    reasoning_effort: undefined,
    verbosity: undefined,
    messages: options.prompt.map(toWireMessage),
    tools: undefined,
    tool_choice: undefined,
  };
}

/** A plain prompt's message as the SDK converts it: one text part of a user message is sent as a string. */
function toWireMessage(message: LanguageModelV3Prompt[number]) {
  switch (message.role) {
    case 'system':
      return { role: 'system', content: message.content };
    case 'user': {
      const texts = message.content.flatMap((part) => (part.type === 'text' ? [part.text] : []));
      const [only] = texts;
      return texts.length === 1 && only !== undefined
        ? { role: 'user', content: only }
        : { role: 'user', content: texts.map((text) => ({ type: 'text', text })) };
    }
    case 'assistant': {
      const text = message.content.map((part) => (part.type === 'text' ? part.text : '')).join('');
      return { role: 'assistant', content: text, tool_calls: undefined };
    }
    case 'tool':
      throw new Error('A tool message is never sent on the lean stream (isPlainCall)');
  }
}

/** `@ai-sdk/openai-compatible`'s error body, read the way its chat model reads it for an APICallError. */
const errorBodySchema = z.object({
  error: z.object({
    message: z.string(),
    type: z.string().nullish(),
    param: z.any().nullish(),
    code: z.union([z.string(), z.number()]).nullish(),
  }),
});

const failedResponseHandler = createJsonErrorResponseHandler({
  errorSchema: errorBodySchema,
  errorToMessage: (data) => data.error.message,
});
