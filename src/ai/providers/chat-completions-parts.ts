import {
  InvalidResponseDataError,
  JSONParseError,
  type LanguageModelV3FinishReason,
  type LanguageModelV3StreamPart,
  type LanguageModelV3Usage,
  type SharedV3ProviderMetadata,
} from '@ai-sdk/provider';
import { secureJsonParse } from '@ai-sdk/provider-utils';
import { streamEndedUnfinished } from '../model-errors.js';
import { checkChunk, type WireChunk, type WireContentPart, type WireUsage } from './chat-completions-chunks.js';
import { createToolCallParts, type ToolCallParts } from './chat-completions-tool-calls.js';

/** Turns the events' data of one streamed call into the model's stream parts, the stream's end into the last. */
export interface ChatCompletionsParts {
  /** One event's data: a chunk's JSON, or `[DONE]`. */
  readEvent(data: string): void;
  /** The response ended: open blocks are closed, then the `finish` part (after an error, if no reason came). */
  finish(): void;
}

const textId = 'txt-0';
const reasoningId = 'reasoning-0';

/**
 * The parts `@ai-sdk/openai-compatible`'s chat model emits for the same events, in the same order and
 * shape (ADR 28): `response-metadata` from the first chunk; reasoning (`reasoning_content`, or
 * `reasoning` as some servers of gpt-oss name it) before text in each chunk, a text block ending where
 * reasoning begins and the reverse; `finish_reason` mapped as the SDK maps it; an unreadable chunk or an
 * `{ error }` event as an `error` part that marks the call failed until a later `finish_reason`; a
 * response that ends with no `finish_reason` ends with an `InvalidResponseDataError`, finishing 'error'.
 * Each event costs one JSON parse (the SDK's prototype-safe one) and a few `typeof` checks.
 */
export function createChatCompletionsParts(
  emit: (part: LanguageModelV3StreamPart) => void,
  metadataKey: string,
): ChatCompletionsParts {
  let finishReason: LanguageModelV3FinishReason | undefined;
  let usage: WireUsage | undefined;
  let isFirstChunk = true;
  let isActiveReasoning = false;
  let isActiveText = false;
  let toolCalls: ToolCallParts | undefined;

  const fail = (error: unknown): void => {
    finishReason = { unified: 'error', raw: undefined };
    emit({ type: 'error', error });
  };
  const endReasoning = (): void => {
    if (!isActiveReasoning) return;
    emit({ type: 'reasoning-end', id: reasoningId });
    isActiveReasoning = false;
  };
  const emitReasoning = (delta: string): void => {
    if (isActiveText) {
      emit({ type: 'text-end', id: textId });
      isActiveText = false;
    }
    if (!isActiveReasoning) {
      emit({ type: 'reasoning-start', id: reasoningId });
      isActiveReasoning = true;
    }
    emit({ type: 'reasoning-delta', id: reasoningId, delta });
  };
  const emitText = (delta: string): void => {
    endReasoning();
    if (!isActiveText) {
      emit({ type: 'text-start', id: textId });
      isActiveText = true;
    }
    emit({ type: 'text-delta', id: textId, delta });
  };

  const readChunk = (chunk: WireChunk): void => {
    if (isFirstChunk) {
      isFirstChunk = false;
      emit({
        type: 'response-metadata',
        id: chunk.id ?? undefined,
        modelId: chunk.model ?? undefined,
        timestamp: chunk.created != null ? new Date(chunk.created * 1000) : undefined,
      });
    }
    if (chunk.usage != null) usage = chunk.usage;
    const choice = chunk.choices[0];
    if (choice?.finish_reason != null) {
      finishReason = { unified: unifiedFinishReason(choice.finish_reason), raw: choice.finish_reason };
    }
    const delta = choice?.delta;
    if (delta == null) return;
    const reasoning = delta.reasoning_content ?? delta.reasoning;
    if (reasoning) emitReasoning(reasoning);
    if (typeof delta.content === 'string') {
      if (delta.content.length > 0) emitText(delta.content);
    } else if (delta.content != null) {
      for (const part of delta.content) readContentPart(part, emitText, emitReasoning);
    }
    if (delta.tool_calls != null && delta.tool_calls.length > 0) {
      endReasoning();
      toolCalls ??= createToolCallParts(emit, metadataKey);
      for (const toolCallDelta of delta.tool_calls) toolCalls.read(toolCallDelta);
    }
  };

  return {
    readEvent(data) {
      // OpenAI and most compatible servers end with `data: [DONE]`, which carries nothing.
      if (data === '[DONE]') return;
      let value: unknown;
      try {
        value = secureJsonParse(data);
      } catch (error) {
        fail(new JSONParseError({ text: data, cause: error }));
        return;
      }
      const checked = checkChunk(value);
      if (checked.kind === 'unreadable') return fail(checked.error);
      if (checked.kind === 'error-body') return fail(checked.error);
      if ('error' in checked.chunk) return fail(checked.chunk.error);
      readChunk(checked.chunk);
    },

    finish() {
      endReasoning();
      if (isActiveText) emit({ type: 'text-end', id: textId });
      toolCalls?.finish();
      if (finishReason === undefined) {
        // The SDK's error for a stream that simply stopped, which describeModelError words as cut off.
        fail(new InvalidResponseDataError({ data: undefined, message: streamEndedUnfinished }));
      }
      emit({
        type: 'finish',
        finishReason: finishReason ?? { unified: 'error', raw: undefined },
        usage: toV3Usage(usage),
        providerMetadata: predictionMetadata(metadataKey, usage),
      });
    },
  };
}

/** `@ai-sdk/openai-compatible`'s mapping; any other reason (or a server's own word) is 'other'. */
function unifiedFinishReason(reason: string): LanguageModelV3FinishReason['unified'] {
  switch (reason) {
    case 'stop':
      return 'stop';
    case 'length':
      return 'length';
    case 'content_filter':
      return 'content-filter';
    case 'function_call':
    case 'tool_calls':
      return 'tool-calls';
    default:
      return 'other';
  }
}

function readContentPart(
  part: WireContentPart,
  emitText: (text: string) => void,
  emitReasoning: (text: string) => void,
) {
  if (part.type === 'text' && typeof part.text === 'string') {
    if (part.text.length > 0) emitText(part.text);
  } else if (part.type === 'thinking' && Array.isArray(part.thinking)) {
    const reasoning = (part.thinking as unknown[])
      .map((thought) =>
        typeof thought === 'object' &&
        thought !== null &&
        'type' in thought &&
        thought.type === 'text' &&
        'text' in thought &&
        typeof thought.text === 'string'
          ? thought.text
          : '',
      )
      .join('');
    if (reasoning.length > 0) emitReasoning(reasoning);
  }
}

/** The SDK's conversion: absent usage is all unknown; a reported one counts missing fields as 0. */
function toV3Usage(usage: WireUsage | undefined): LanguageModelV3Usage {
  if (usage == null) {
    return {
      inputTokens: { total: undefined, noCache: undefined, cacheRead: undefined, cacheWrite: undefined },
      outputTokens: { total: undefined, text: undefined, reasoning: undefined },
      raw: undefined,
    };
  }
  const promptTokens = usage.prompt_tokens ?? 0;
  const completionTokens = usage.completion_tokens ?? 0;
  const cacheReadTokens = usage.prompt_tokens_details?.cached_tokens ?? 0;
  const reasoningTokens = usage.completion_tokens_details?.reasoning_tokens ?? 0;
  return {
    inputTokens: {
      total: promptTokens,
      noCache: promptTokens - cacheReadTokens,
      cacheRead: cacheReadTokens,
      cacheWrite: undefined,
    },
    outputTokens: {
      total: completionTokens,
      text: Math.max(0, completionTokens - reasoningTokens),
      reasoning: reasoningTokens,
    },
    raw: usage as LanguageModelV3Usage['raw'],
  };
}

function predictionMetadata(metadataKey: string, usage: WireUsage | undefined): SharedV3ProviderMetadata {
  const details = usage?.completion_tokens_details;
  return {
    [metadataKey]: {
      ...(details?.accepted_prediction_tokens != null && {
        acceptedPredictionTokens: details.accepted_prediction_tokens,
      }),
      ...(details?.rejected_prediction_tokens != null && {
        rejectedPredictionTokens: details.rejected_prediction_tokens,
      }),
    },
  };
}
