import { APICallError, InvalidResponseDataError, LoadAPIKeyError, TypeValidationError } from '@ai-sdk/provider';
import { RetryError } from 'ai';
import { describe, expect, it } from 'vitest';
import { AppError } from '../platform/errors.js';
import { describeModelError, readRetryAfterSeconds, streamEndedUnfinished, toModelAppError } from './model-errors.js';

const secretKey = 'sk-proj-SECRET1234567890';

function apiError(statusCode: number | undefined, options: { headers?: Record<string, string>; data?: unknown } = {}) {
  return new APICallError({
    message: `Incorrect API key provided: ${secretKey}`,
    url: 'https://api.openai.com/v1/chat/completions',
    requestBodyValues: { model: 'gpt-4o-mini' },
    statusCode,
    responseHeaders: options.headers,
    responseBody: JSON.stringify({ error: { message: `Incorrect API key provided: ${secretKey}` } }),
    data: options.data,
  });
}

describe('describeModelError', () => {
  it('explains a rejected key without repeating the key or the provider text', () => {
    const description = describeModelError(apiError(401), { providerName: 'openai' });
    expect(description).toEqual({
      code: 'model_error',
      message: "The model provider 'openai' rejected the API key (401) — check the provider's credentials",
    });
    expect(JSON.stringify(description)).not.toContain(secretKey);
  });

  it.each([
    [403, 'model_error', 'refused access (403)'],
    [404, 'model_error', 'does not know this model or deployment (404)'],
    [400, 'model_rejected', 'rejected the request (400)'],
    [413, 'model_rejected', 'found the conversation too large (413)'],
    [422, 'model_rejected', 'rejected the request (422)'],
    [401, 'model_error', 'rejected the API key (401)'],
    [500, 'model_error', 'internal error (500)'],
    [503, 'model_error', 'overloaded or unavailable (503)'],
    [529, 'model_error', 'overloaded or unavailable (529)'],
    [504, 'model_timeout', 'timed out before answering (504)'],
    [408, 'model_timeout', 'timed out before answering (408)'],
    // A stream that began with 200 and then failed to read: not the request's fault.
    [200, 'model_error', 'broke off its reply'],
  ] as const)('maps HTTP %i to %s', (status, code, phrase) => {
    const description = describeModelError(apiError(status));
    expect(description.code).toBe(code);
    expect(description.message).toContain(phrase);
    expect(description.message).not.toContain(secretKey);
  });

  it('names images as the likely cause of a 400 only when the request sent one', () => {
    for (const status of [400, 415, 422]) {
      expect(describeModelError(apiError(status), { providerName: 'local', sentImages: true }).message).toBe(
        `The model provider 'local' rejected the request (${status}) — this model may not accept images: ` +
          'choose a vision-capable model for the agent, or send the message without the image',
      );
    }
    expect(describeModelError(apiError(400), { sentImages: false }).message).not.toContain('image');
    expect(describeModelError(apiError(401), { sentImages: true }).message).toContain('rejected the API key (401)');
  });

  it('reports a rate limit with the wait the provider asked for', () => {
    expect(describeModelError(apiError(429, { headers: { 'retry-after': '12' } }))).toEqual({
      code: 'rate_limited',
      message: 'The model provider is rate limiting requests (429) — try again in 12 seconds',
      retryAfterSeconds: 12,
    });
  });

  it('reports a rate limit without a wait when the provider names none', () => {
    const description = describeModelError(apiError(429));
    expect(description.code).toBe('rate_limited');
    expect(description.retryAfterSeconds).toBeUndefined();
    expect(description.message).toContain('try again shortly');
  });

  it('tells an exhausted quota apart from a rate limit', () => {
    const description = describeModelError(apiError(429, { data: { error: { code: 'insufficient_quota' } } }));
    expect(description.code).toBe('model_error');
    expect(description.message).toContain('out of credit or quota');
  });

  it('explains a connection failure', () => {
    expect(describeModelError(apiError(undefined)).message).toContain('could not be reached');
  });

  it('describes the last attempt of a retried call', () => {
    const retry = new RetryError({
      message: 'Failed after 3 attempts',
      reason: 'maxRetriesExceeded',
      errors: [apiError(500), apiError(503)],
    });
    expect(describeModelError(retry).message).toContain('(503)');
  });

  it('reports a timeout signal, and the abort reason text streamText keeps, as a timeout', () => {
    expect(describeModelError(new DOMException('The operation timed out', 'TimeoutError')).code).toBe('model_timeout');
    expect(describeModelError('Chunk timeout of 200ms exceeded').code).toBe('model_timeout');
  });

  it('reports a plain abort as a cancelled call', () => {
    const description = describeModelError(new DOMException('This operation was aborted', 'AbortError'));
    expect(description).toEqual({
      code: 'model_error',
      message: 'The model call was cancelled before the reply was finished',
    });
  });

  it('explains a missing key and an unreadable response', () => {
    expect(describeModelError(new LoadAPIKeyError({ message: 'x' })).message).toContain('no API key configured');
    const invalid = new TypeValidationError({ value: { secret: secretKey }, cause: new Error('bad') });
    expect(describeModelError(invalid).message).toContain('could not be read');
    expect(describeModelError(invalid).message).not.toContain(secretKey);
  });

  it('words a stream the OpenAI-compatible adapter found ended without a finish reason as cut off', () => {
    const cutOff = new InvalidResponseDataError({ data: undefined, message: streamEndedUnfinished });
    expect(describeModelError(cutOff, { providerName: 'vllm' })).toEqual({
      code: 'model_error',
      message: "The model provider 'vllm' broke off its reply before finishing it — try again",
    });
    const otherwise = new InvalidResponseDataError({ data: { choices: 1 } });
    expect(describeModelError(otherwise).message).toContain('could not be read');
  });

  it('never repeats the text of an unknown error', () => {
    const description = describeModelError(new Error(`boom ${secretKey}`));
    expect(description).toEqual({ code: 'model_error', message: 'The model call failed unexpectedly' });
  });
});

describe('toModelAppError', () => {
  it('carries the code, status and wait into the one application error', () => {
    const error = toModelAppError(apiError(429, { headers: { 'retry-after': '3' } }));
    expect(error).toBeInstanceOf(AppError);
    expect(error.code).toBe('rate_limited');
    expect(error.status).toBe(429);
    expect(error.details.retryAfterSeconds).toBe(3);
  });
});

describe('readRetryAfterSeconds', () => {
  it('prefers milliseconds and rounds up', () => {
    expect(readRetryAfterSeconds({ 'retry-after-ms': '1500', 'retry-after': '9' })).toBe(2);
  });

  it('reads an HTTP date', () => {
    const inTenSeconds = new Date(Date.now() + 10_000).toUTCString();
    const seconds = readRetryAfterSeconds({ 'retry-after': inTenSeconds });
    expect(seconds).toBeGreaterThanOrEqual(9);
    expect(seconds).toBeLessThanOrEqual(11);
  });

  it('ignores a value it cannot read', () => {
    expect(readRetryAfterSeconds({ 'retry-after': 'soon' })).toBeUndefined();
    expect(readRetryAfterSeconds(undefined)).toBeUndefined();
  });
});
