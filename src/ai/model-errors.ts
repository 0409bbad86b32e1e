import {
  APICallError,
  EmptyResponseBodyError,
  InvalidResponseDataError,
  JSONParseError,
  LoadAPIKeyError,
  NoSuchModelError,
  TypeValidationError,
} from '@ai-sdk/provider';
import { NoOutputGeneratedError, RetryError } from 'ai';
import { AppError } from '../platform/errors.js';
import { OutboundRefusedError } from '../platform/outbound/index.js';

/** `not_ready`: the node stopped before the reply finished; not the provider's doing (503, send again). */
export type ModelErrorCode = 'model_error' | 'model_rejected' | 'model_timeout' | 'rate_limited' | 'not_ready';

/** What a user may be told about a failed model call: no API key, no raw provider text. */
export interface ModelErrorDescription {
  readonly code: ModelErrorCode;
  readonly message: string;
  readonly retryAfterSeconds?: number;
}

export interface ModelErrorContext {
  /** Named in messages (`The model provider 'openai' …`) so an admin knows which one to fix. */
  readonly providerName?: string;
  /** The request carried an image: a model that takes none answers 400, which deserves its own sentence. */
  readonly sentImages?: boolean;
}

const maxRetryAfterSeconds = 86_400;
/**
 * How `@ai-sdk/openai-compatible` (and the lean stream that matches it, ADR 28) ends a stream that simply
 * stopped: the reply was cut off, as model-stream.ts words it for the adapters that end such a stream
 * with a finish part of their own, not an unreadable response.
 */
export const streamEndedUnfinished = 'Response stream ended without a finish reason.';

/**
 * Maps anything thrown or streamed by the AI SDK to a safe description. Provider messages are never
 * copied: some echo part of the API key ("Incorrect API key provided: sk-…") or internal details.
 * Also accepts the reason string of a `streamText` abort part, which is all that part carries.
 */
export function describeModelError(error: unknown, context: ModelErrorContext = {}): ModelErrorDescription {
  const provider = context.providerName ? `The model provider '${context.providerName}'` : 'The model provider';

  // Parley's own refusal before a call (a used-up budget) already speaks to the user.
  if (error instanceof AppError && error.code === 'rate_limited') {
    const { retryAfterSeconds } = error.details;
    return {
      code: 'rate_limited',
      message: error.message,
      ...(retryAfterSeconds !== undefined && { retryAfterSeconds }),
    };
  }
  if (RetryError.isInstance(error)) {
    return describeModelError(error.lastError, context);
  }
  if (NoOutputGeneratedError.isInstance(error) && error.cause !== undefined) {
    return describeModelError(error.cause, context);
  }
  // The guard's own sentence names the address and the setting that opens it; nothing was sent. The
  // SDK passes the fetch's error on as it is, or (for a network error) as an APICallError's cause.
  const refusal = error instanceof OutboundRefusedError ? error : (error as { cause?: unknown } | null)?.cause;
  if (refusal instanceof OutboundRefusedError) {
    return { code: 'model_error', message: `${provider} is not reachable from this server: ${refusal.message}` };
  }
  if (isNamed(error, 'TimeoutError') || (typeof error === 'string' && /timeout|timed out/i.test(error))) {
    return { code: 'model_timeout', message: 'The model did not respond in time, so the request was stopped' };
  }
  if (isNamed(error, 'AbortError') || isNamed(error, 'ResponseAborted')) {
    return { code: 'model_error', message: 'The model call was cancelled before the reply was finished' };
  }
  if (APICallError.isInstance(error)) {
    // A fetch aborted by a timeout signal surfaces as an APICallError whose cause is the TimeoutError.
    if (isNamed(error.cause, 'TimeoutError')) return describeModelError(error.cause, context);
    return describeApiCallError(error, provider, context.sentImages === true);
  }
  if (LoadAPIKeyError.isInstance(error)) {
    return { code: 'model_error', message: `${provider} has no API key configured` };
  }
  if (NoSuchModelError.isInstance(error)) {
    return { code: 'model_error', message: `${provider} does not offer this model — check the model name` };
  }
  if (InvalidResponseDataError.isInstance(error) && error.message === streamEndedUnfinished) {
    return { code: 'model_error', message: `${provider} broke off its reply before finishing it — try again` };
  }
  if (
    TypeValidationError.isInstance(error) ||
    JSONParseError.isInstance(error) ||
    InvalidResponseDataError.isInstance(error) ||
    EmptyResponseBodyError.isInstance(error)
  ) {
    return { code: 'model_error', message: `${provider} sent a response that could not be read` };
  }
  if (isStreamedErrorBody(error)) {
    // An OpenAI-style `{ error: {…} }` event inside the stream reaches us as that bare body.
    return { code: 'model_error', message: `${provider} reported an error in the middle of its reply` };
  }
  return { code: 'model_error', message: 'The model call failed unexpectedly' };
}

/** A provider's error body as parsed from a stream event: a plain object with a message or a type. */
function isStreamedErrorBody(error: unknown): boolean {
  if (typeof error !== 'object' || error === null || error instanceof Error) return false;
  const body = error as { message?: unknown; type?: unknown };
  return typeof body.message === 'string' || typeof body.type === 'string';
}

/** The same description as the application's one error type, ready to throw or to serialise. */
export function toModelAppError(error: unknown, context: ModelErrorContext = {}): AppError {
  const { code, message, retryAfterSeconds } = describeModelError(error, context);
  return new AppError(code, message, retryAfterSeconds === undefined ? {} : { retryAfterSeconds }, {
    cause: error,
  });
}

function describeApiCallError(error: APICallError, provider: string, sentImages: boolean): ModelErrorDescription {
  const status = error.statusCode;
  if (status === undefined) {
    return {
      code: 'model_error',
      message: `${provider} could not be reached — check its base URL and that it is running`,
    };
  }
  if (status === 429) {
    if (hasErrorCode(error.data, 'insufficient_quota')) {
      return {
        code: 'model_error',
        message: `${provider} account is out of credit or quota (429) — check its billing`,
      };
    }
    const retryAfterSeconds = readRetryAfterSeconds(error.responseHeaders);
    const wait = retryAfterSeconds ? `in ${retryAfterSeconds} seconds` : 'shortly';
    return {
      code: 'rate_limited',
      message: `${provider} is rate limiting requests (429) — try again ${wait}`,
      ...(retryAfterSeconds !== undefined && { retryAfterSeconds }),
    };
  }
  if (status === 408 || status === 504) {
    return { code: 'model_timeout', message: `${provider} timed out before answering (${status})` };
  }
  if (status >= 500) {
    const unavailable = status === 502 || status === 503 || status === 529;
    const what = unavailable ? 'is overloaded or unavailable' : 'had an internal error';
    return { code: 'model_error', message: `${provider} ${what} (${status}) — try again shortly` };
  }
  // The response had begun well; reading its stream failed (the connection broke off, say).
  if (status < 300) return { code: 'model_error', message: `${provider} broke off its reply — try again` };
  // What the request itself carries was refused: a 4xx for the caller, who may change it, and not a 5xx
  // that clients (OpenAI's among them) retry as it is. Keys, access and model names are the operator's.
  const isRequestRefused = status === 400 || status === 413 || status === 415 || status === 422;
  return {
    code: isRequestRefused ? 'model_rejected' : 'model_error',
    message: describeClientError(provider, status, sentImages),
  };
}

function describeClientError(provider: string, status: number, sentImages: boolean): string {
  if (sentImages && (status === 400 || status === 415 || status === 422)) {
    return (
      `${provider} rejected the request (${status}) — this model may not accept images: choose a ` +
      'vision-capable model for the agent, or send the message without the image'
    );
  }
  switch (status) {
    case 401:
      return `${provider} rejected the API key (401) — check the provider's credentials`;
    case 403:
      return `${provider} refused access (403) — the API key may not be allowed to use this model`;
    case 404:
      return `${provider} does not know this model or deployment (404) — check the model name and base URL`;
    case 413:
      return `${provider} found the conversation too large (413) — start a new conversation or shorten it`;
    default:
      return `${provider} rejected the request (${status}) — the model may not support these settings, or the conversation may be too long`;
  }
}

/** `retry-after-ms` (OpenAI) is preferred to `retry-after`, which may be seconds or an HTTP date. */
export function readRetryAfterSeconds(headers: Record<string, string> | undefined): number | undefined {
  if (!headers) return undefined;
  const milliseconds = Number.parseFloat(headers['retry-after-ms'] ?? '');
  if (Number.isFinite(milliseconds) && milliseconds >= 0) return boundSeconds(milliseconds / 1000);
  const retryAfter = headers['retry-after'];
  if (!retryAfter) return undefined;
  const seconds = Number(retryAfter);
  if (Number.isFinite(seconds) && seconds >= 0) return boundSeconds(seconds);
  const date = Date.parse(retryAfter);
  return Number.isNaN(date) ? undefined : boundSeconds(Math.max(0, (date - Date.now()) / 1000));
}

function boundSeconds(seconds: number): number {
  return Math.min(maxRetryAfterSeconds, Math.ceil(seconds));
}

function isNamed(error: unknown, name: string): boolean {
  return typeof error === 'object' && error !== null && 'name' in error && error.name === name;
}

/** Reads only the machine-readable code of an OpenAI-style error body, never its message. */
function hasErrorCode(data: unknown, code: string): boolean {
  if (typeof data !== 'object' || data === null || !('error' in data)) return false;
  const inner = data.error;
  return typeof inner === 'object' && inner !== null && 'code' in inner && inner.code === code;
}
