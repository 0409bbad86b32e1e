import type { FastifyReply } from 'fastify';
import { AppError } from '../../platform/errors.js';
import { openSseStream, type SseStream } from '../../platform/http/sse-writer.js';
import type { ModelStreamEvent } from '../chat/index.js';
import { openAIErrorBody } from './openai-errors.js';
import { citationsContext, completionChunk, openAIFinishReason, openAIUsage } from './openai-presenters.js';
import type { PreparedCompletion } from './openai-compat.service.js';

const sseHeaders = { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', 'x-accel-buffering': 'no' };

/**
 * Streams a completion as OpenAI's `chat.completion.chunk` events. The stream opens with the first
 * token, so a model that fails before saying anything is an ordinary error response with its status;
 * a failure mid-stream is an `error` event. Nothing is stored, so a client that leaves stops the model.
 */
export async function streamCompletion(
  reply: FastifyReply,
  completion: PreparedCompletion,
  options: { includeUsage: boolean; heartbeatMs: number; clientLeft: AbortSignal },
): Promise<void> {
  let stream: SseStream | undefined;
  const open = (): SseStream => {
    if (stream) return stream;
    stream = openSseStream(reply, { headers: sseHeaders, heartbeatMs: options.heartbeatMs });
    // The passages go with the first chunk, as Azure's "On Your Data" sends them, before any [n] refers to one.
    stream.send(
      JSON.stringify(
        completionChunk(completion, { role: 'assistant', content: '', ...citationsContext(completion.citations) }),
      ),
    );
    return stream;
  };
  const toDelta = (event: ModelStreamEvent): Record<string, string> | null => {
    if (event.type === 'text-delta') return { content: event.delta };
    if (event.type === 'reasoning-delta') return { reasoning_content: event.delta };
    return null;
  };

  const result = await completion.run((event) => {
    const delta = toDelta(event);
    if (delta) open().send(JSON.stringify(completionChunk(completion, delta)));
  }, options.clientLeft);

  if (result.error && !stream) {
    const { code, message, retryAfterSeconds } = result.error;
    throw new AppError(code, message, retryAfterSeconds === undefined ? {} : { retryAfterSeconds });
  }
  const sse = open();
  if (result.error) {
    sse.send(JSON.stringify(openAIErrorBody(new AppError(result.error.code, result.error.message))));
  } else {
    sse.send(JSON.stringify(completionChunk(completion, {}, openAIFinishReason(result.finishReason))));
    if (options.includeUsage)
      sse.send(JSON.stringify(completionChunk(completion, null, null, openAIUsage(result.usage) ?? null)));
  }
  sse.send('[DONE]');
  sse.end();
}

/** Aborted when the connection closes before the response was fully written. */
export function abortWhenClientLeaves(reply: FastifyReply): AbortController {
  const abort = new AbortController();
  reply.raw.once('close', () => {
    if (!reply.raw.writableFinished) abort.abort();
  });
  return abort;
}
