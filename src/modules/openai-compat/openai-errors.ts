import type { FastifyInstance } from 'fastify';
import { isResponseSerializationError } from 'fastify-type-provider-zod';
import type { AppError } from '../../platform/errors.js';
import { toAppError } from '../../platform/http/error-handler.js';

export interface OpenAIErrorBody {
  error: { message: string; type: string; param: string | null; code: string };
}

/** OpenAI's error shape, so its clients raise their usual exceptions (AuthenticationError, RateLimitError…). */
export function openAIErrorBody(error: Pick<AppError, 'code' | 'message' | 'status'>): OpenAIErrorBody {
  return { error: { message: error.message, type: openAIErrorType(error.status), param: null, code: error.code } };
}

function openAIErrorType(status: number): string {
  if (status === 401) return 'authentication_error';
  if (status === 403) return 'permission_error';
  if (status === 429) return 'rate_limit_error';
  if (status >= 500) return 'api_error';
  return 'invalid_request_error';
}

/** The OpenAI-compatible routes' own translator; everywhere else errors stay problem+json. */
export function registerOpenAIErrorHandler(scope: FastifyInstance): void {
  scope.setErrorHandler((error, request, reply) => {
    const appError = toAppError(error);
    if (appError.status >= 500) {
      request.log.error({ err: isResponseSerializationError(error) ? error.cause : error }, 'request failed');
    }
    if (appError.details.retryAfterSeconds !== undefined) {
      void reply.header('retry-after', String(appError.details.retryAfterSeconds));
    }
    return reply.status(appError.status).type('application/json').send(openAIErrorBody(appError));
  });
}
