import { APICallError, EmptyResponseBodyError, type LanguageModelV3StreamPart } from '@ai-sdk/provider';
import { extractResponseHeaders, isAbortError, type ResponseHandler } from '@ai-sdk/provider-utils';
import { createEventDataReader } from './chat-completions-events.js';
import { createChatCompletionsParts } from './chat-completions-parts.js';

/**
 * The successful answer to a streamed Chat Completions request as the model's stream parts (ADR 28),
 * where `@ai-sdk/openai-compatible` would use `createEventSourceResponseHandler` and its TransformStream:
 * one stream whose `pull` reads the body, splits its events and turns each into parts in one pass.
 * Failures keep the SDK's shape: no body is an EmptyResponseBodyError (which `postJsonToApi` wraps as it
 * wraps the SDK's), an abort is passed on as it is, and any other failure to read the body is an
 * APICallError 'Failed to process successful response', retryable when a network error caused it.
 */
export function streamedPartsHandler(metadataKey: string): ResponseHandler<ReadableStream<LanguageModelV3StreamPart>> {
  return async ({ response, url, requestBodyValues }) => {
    const responseHeaders = extractResponseHeaders(response);
    if (response.body == null) throw new EmptyResponseBodyError({});
    const readFailure = (error: unknown): unknown =>
      isAbortError(error)
        ? error
        : withNetworkRetry(
            new APICallError({
              message: 'Failed to process successful response',
              cause: error,
              statusCode: response.status,
              url,
              responseHeaders,
              requestBodyValues,
            }),
          );
    return { responseHeaders, value: partsOf(response.body, metadataKey, readFailure) };
  };
}

function partsOf(
  body: ReadableStream<Uint8Array>,
  metadataKey: string,
  readFailure: (error: unknown) => unknown,
): ReadableStream<LanguageModelV3StreamPart> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let emitted = 0;
  let enqueue: (part: LanguageModelV3StreamPart) => void = () => undefined;
  const parts = createChatCompletionsParts((part) => {
    emitted += 1;
    enqueue(part);
  }, metadataKey);
  const events = createEventDataReader((data) => parts.readEvent(data));

  return new ReadableStream<LanguageModelV3StreamPart>({
    start(controller) {
      enqueue = (part) => controller.enqueue(part);
      // No setting of a plain call draws a warning from the SDK (eligibility: lean-chat-completions-model.ts).
      controller.enqueue({ type: 'stream-start', warnings: [] });
    },
    async pull(controller) {
      // Reads until a piece of the body gave at least one part: one pull, one or more parts.
      const before = emitted;
      while (emitted === before) {
        let next: ReadableStreamReadResult<Uint8Array>;
        try {
          next = await reader.read();
        } catch (error) {
          controller.error(readFailure(error));
          return;
        }
        if (next.done) {
          events.read(decoder.decode());
          parts.finish();
          controller.close();
          return;
        }
        events.read(decoder.decode(next.value, { stream: true }));
      }
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
}

/** provider-utils' `handleFetchError` for a failed body read: a network error's code makes it retryable. */
const retryableNetworkCodes = new Set([
  'ConnectionRefused',
  'ConnectionClosed',
  'FailedToOpenSocket',
  'ECONNRESET',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EPIPE',
  'UND_ERR_SOCKET',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_CONNECT_TIMEOUT',
]);

function withNetworkRetry(error: APICallError): APICallError {
  const seen = new Set<Error>();
  for (let current: unknown = error; current instanceof Error && !seen.has(current); current = current.cause) {
    seen.add(current);
    const { code } = current as Error & { code?: unknown };
    if (typeof code === 'string' && retryableNetworkCodes.has(code)) {
      return new APICallError({
        message: error.message,
        cause: error.cause,
        url: error.url,
        requestBodyValues: error.requestBodyValues,
        statusCode: error.statusCode,
        responseHeaders: error.responseHeaders,
        responseBody: error.responseBody,
        data: error.data,
        isRetryable: true,
      });
    }
  }
  return error;
}
