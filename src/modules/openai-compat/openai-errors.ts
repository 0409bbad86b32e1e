import type { FastifyInstance } from 'fastify';
import type { AppError } from '../../platform/errors.js';
import { logFailure, toAppError } from '../../platform/http/error-handler.js';

export interface OpenAIErrorBody {
  error: { message: string; type: string; param: string | null; code: string };
}

/**
 * OpenAI's error shape, so its clients raise their usual exceptions (AuthenticationError, RateLimitError…):
 * `param` names the first field refused, and the one thing these routes look up by name is a model.
 */
export function openAIErrorBody(error: Pick<AppError, 'code' | 'message' | 'status' | 'details'>): OpenAIErrorBody {
  return {
    error: {
      message: error.message,
      type: openAIErrorType(error.status),
      param: error.details.fields?.[0]?.field ?? null,
      code: error.code === 'not_found' ? 'model_not_found' : error.code,
    },
  };
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
    const appError = toAppError(error, request);
    logFailure(request, error, appError);
    if (appError.details.retryAfterSeconds !== undefined) {
      void reply.header('retry-after', String(appError.details.retryAfterSeconds));
    }
    return reply.status(appError.status).type('application/json').send(openAIErrorBody(appError));
  });
}
