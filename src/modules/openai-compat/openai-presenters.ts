import type { ModelStreamResult, ReplyFinishReason, TokenUsage } from '../chat/turn/model-stream.js';
import type { StoredCitation } from '../../platform/db/schema/index.js';
import type { ChatCompletionView, OpenAICitation, OpenAIUsage } from './openai-compat.schemas.js';

type OpenAIFinishReason = ChatCompletionView['choices'][number]['finish_reason'];

export function openAIFinishReason(reason: ReplyFinishReason | null): OpenAIFinishReason {
  switch (reason) {
    case 'length':
      return 'length';
    case 'content-filter':
      return 'content_filter';
    case 'tool-calls':
      return 'tool_calls';
    default:
      return 'stop';
  }
}

/** Undefined when the provider reported no counts: unknown is not zero. */
export function openAIUsage(usage: TokenUsage): OpenAIUsage | undefined {
  if (usage.inputTokens === null && usage.outputTokens === null && usage.totalTokens === null) return undefined;
  const promptTokens = usage.inputTokens ?? 0;
  const completionTokens = usage.outputTokens ?? 0;
  return {
    prompt_tokens: promptTokens,
    completion_tokens: completionTokens,
    total_tokens: usage.totalTokens ?? promptTokens + completionTokens,
    ...(usage.reasoningTokens !== null && { completion_tokens_details: { reasoning_tokens: usage.reasoningTokens } }),
  };
}

/** The passages given to the model, for `message.context` (Azure's "On Your Data" shape). */
export function toOpenAICitations(citations: readonly StoredCitation[]): OpenAICitation[] {
  return citations.map((citation) => ({
    marker: citation.marker,
    title: citation.documentTitle,
    content: citation.excerpt,
    document_id: citation.documentId,
    source_id: citation.sourceId,
    chunk_id: citation.chunkId,
    page: citation.page,
    heading_path: [...citation.headingPath],
  }));
}

/** `{ context: { citations } }` when the agent was given passages, else nothing. */
export const citationsContext = (citations: readonly OpenAICitation[]) =>
  citations.length > 0 ? { context: { citations: [...citations] } } : {};

export function toChatCompletion(
  completion: { id: string; created: number; model: string; citations: readonly OpenAICitation[] },
  result: ModelStreamResult,
): ChatCompletionView {
  return {
    id: completion.id,
    object: 'chat.completion',
    created: completion.created,
    model: completion.model,
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: result.text,
          refusal: null,
          ...(result.reasoning && { reasoning_content: result.reasoning }),
          ...citationsContext(completion.citations),
        },
        logprobs: null,
        finish_reason: openAIFinishReason(result.finishReason),
      },
    ],
    ...withUsage(openAIUsage(result.usage)),
  };
}

const withUsage = (usage: OpenAIUsage | undefined) => (usage ? { usage } : {});

/**
 * One `chat.completion.chunk`; `usage` only on the extra last chunk that `include_usage` asks for, null
 * there when the provider reported none.
 */
export function completionChunk(
  completion: { id: string; created: number; model: string },
  delta: Record<string, unknown> | null,
  finishReason: OpenAIFinishReason | null = null,
  usage?: OpenAIUsage | null,
) {
  return {
    id: completion.id,
    object: 'chat.completion.chunk',
    created: completion.created,
    model: completion.model,
    choices: delta ? [{ index: 0, delta, logprobs: null, finish_reason: finishReason }] : [],
    ...(usage !== undefined && { usage }),
  };
}
