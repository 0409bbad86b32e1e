import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors, isResponseSerializationError } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError, type FieldProblem } from '../errors.js';
import { formatBytes } from '../format-bytes.js';
import { isDatabaseUnavailable, isForeignKeyViolation, isStorageFull, isUniqueViolation } from '../db/errors.js';
import { withoutStatementValues } from '../logger.js';
import { plainIssueMessage } from '../validation-messages.js';

export const problemContentType = 'application/problem+json';

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  code: string;
  detail: string;
  instance?: string;
  requestId: string;
  errors?: readonly FieldProblem[];
  [extension: string]: unknown;
}

/**
 * Turns any thrown value into the AppError the client will see. Unknown errors become `internal`.
 * `request`, when there is one, gives the route's media type and body limit, which the answer names.
 */
export function toAppError(error: unknown, request?: FastifyRequest): AppError {
  if (error instanceof AppError) return error;
  if (isDatabaseUnavailable(error)) {
    return new AppError(
      'not_ready',
      'The database is not answering just now; try again in a moment',
      {},
      { cause: error },
    );
  }
  if (isStorageFull(error)) {
    return new AppError(
      'storage_full',
      'The server\'s storage is full, so what this request would store could not be written; an administrator must free space (docs/operations.md, "When the disk is full"), then send it again',
      {},
      { cause: error },
    );
  }
  if (hasZodFastifySchemaValidationErrors(error)) {
    const fields = error.validation.map((issue) => ({
      field: fieldName(issue.instancePath, error.validationContext),
      message: issue.message ?? 'is invalid',
    }));
    const summary = fields.map((f) => `${f.field}: ${f.message}`).join('; ');
    return new AppError('validation_failed', `The request is invalid — ${summary}`, { fields });
  }
  const fastifyError = error as Partial<FastifyError>;
  switch (fastifyError.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new AppError(
        'payload_too_large',
        `The request body is larger than this server accepts${limitOf(request)}`,
      );
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new AppError('unsupported_media_type', `Send the request body as ${routeBodyType(request)}`);
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new AppError('malformed_request', 'The request body is not valid JSON');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new AppError('malformed_request', 'The request body is empty; send a JSON object');
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new AppError('malformed_request', 'The Content-Length header does not match the body');
    case 'FST_ERR_BAD_URL':
      return new AppError('malformed_request', 'The URL is not valid: a percent-encoded part of it is not UTF-8');
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return new AppError('uri_too_long', 'A part of the URL path is longer than any id or name this API takes');
    case 'FST_ERR_VALIDATION':
      return new AppError('validation_failed', `The request is invalid — ${fastifyError.message ?? ''}`);
    default:
      break;
  }
  // Races only: every reference a request makes is checked before it writes, so a row it names that is
  // gone by its insert (its user or agent deleted meanwhile), or a row another request wrote in the same
  // moment, is a conflict to reload and retry, not a failure of ours.
  const lostRace = isForeignKeyViolation(error)
    ? 'Something this request refers to was deleted while it ran; reload and try again'
    : isUniqueViolation(error)
      ? 'Another request changed the same thing at the same moment; reload and try again'
      : undefined;
  if (lostRace) return new AppError('conflict', lostRace, {}, { cause: error });
  if (fastifyError.statusCode === 400 && error instanceof SyntaxError) {
    return new AppError('malformed_request', 'The request body is not valid JSON');
  }
  if (fastifyError.statusCode === 429) {
    return new AppError('rate_limited', 'Too many requests; slow down and try again shortly');
  }
  if (typeof fastifyError.statusCode === 'number' && fastifyError.statusCode >= 400 && fastifyError.statusCode < 500) {
    return new AppError('malformed_request', 'The request could not be understood');
  }
  return new AppError(
    'internal',
    'Something went wrong on our side; quote the request id when reporting it',
    {},
    {
      cause: error,
    },
  );
}

function fieldName(instancePath: string | undefined, context: string | undefined): string {
  const path = (instancePath ?? '').replace(/^\//, '').replaceAll('/', '.');
  return path || (context ?? 'body');
}

/** `request` is the request answered; one that never reached a route has no URL, only an id. */
export function problemBody(error: AppError, request: { readonly url?: string; readonly id: string }): ProblemBody {
  return {
    // Extensions first, so they can never replace a standard member.
    ...error.details.extensions,
    type: `https://parley.dev/problems/${error.code.replaceAll('_', '-')}`,
    title: error.code.replaceAll('_', ' '),
    status: error.status,
    code: error.code,
    // For `internal` the message is generic by construction: the cause goes to the log, not here.
    detail: error.message,
    ...(request.url !== undefined && { instance: request.url.split('?')[0] }),
    requestId: request.id,
    ...(error.details.fields && { errors: error.details.fields }),
  };
}

export function sendProblem(reply: FastifyReply, error: AppError): FastifyReply {
  if (error.details.retryAfterSeconds !== undefined) {
    void reply.header('retry-after', String(error.details.retryAfterSeconds));
  }
  return reply.status(error.status).type(problemContentType).send(problemBody(error, reply.request));
}

/**
 * Errors Fastify meets before a route is found (a URL that does not decode, a path segment past
 * `maxParamLength`); given as the `frameworkErrors` option, so they answer problem+json too.
 */
export function answerFrameworkError(error: FastifyError, _request: FastifyRequest, reply: FastifyReply): void {
  void sendProblem(reply, toAppError(error));
}

/** What the route's schema says it consumes (uploads: multipart/form-data); JSON otherwise. */
function routeBodyType(request: FastifyRequest | undefined): string {
  const consumes = request?.routeOptions.schema?.consumes;
  return consumes?.[0] ?? 'application/json';
}

/** The route's body limit (BODY_LIMIT_BYTES), as the sentence's end, so the caller knows what fits. */
function limitOf(request: FastifyRequest | undefined): string {
  const limit = request?.routeOptions.bodyLimit;
  return limit ? ` (${formatBytes(limit)}, BODY_LIMIT_BYTES)` : '';
}

/** The one translator from errors to application/problem+json. */
export function registerErrorHandler(app: FastifyInstance): void {
  z.config({ customError: plainIssueMessage });
  app.setErrorHandler((error, request, reply) => {
    const appError = toAppError(error, request);
    logFailure(request, error, appError);
    return sendProblem(reply, appError);
  });
}

/** Logs a 5xx as what it is; every error handler (problem+json, OpenAI's format) logs through here. */
export function logFailure(request: FastifyRequest, error: unknown, appError: AppError): void {
  if (appError.status < 500) return;
  // Not every request has a real socket (app.inject gives a stand-in): without one, no caller left.
  const socket: { destroyed?: boolean } | undefined = request.raw.socket;
  if (socket?.destroyed === true) {
    // The caller hung up, which cancelled what it was waiting for (a stateless model call): not a failure.
    request.log.info({ code: appError.code }, 'caller left before the answer was written');
  } else if (appError.code === 'internal') {
    request.log.error({ err: isResponseSerializationError(error) ? error.cause : error }, 'request failed');
  } else {
    // Something we depend on failed (a model provider, an MCP server, the database starting), and the
    // answer already says so. Not its sentence: an MCP server's own output, secrets and all, is in it.
    request.log.warn(
      { code: appError.code, cause: causeOf(appError) },
      'request failed: a service it relies on did not answer',
    );
  }
}

/**
 * Unknown routes answer a 404 problem. When the web console is served, a browser navigation to one of
 * its client-side routes (a GET outside /v1 that accepts HTML) gets the console's page instead.
 */
export function registerNotFoundHandler(
  app: FastifyInstance,
  options: { pageFallback?: (reply: FastifyReply) => FastifyReply | Promise<FastifyReply> } = {},
): void {
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0] ?? '/';
    const isPageNavigation =
      request.method === 'GET' && !path.startsWith('/v1/') && (request.headers.accept ?? '').includes('text/html');
    if (isPageNavigation && options.pageFallback) return options.pageFallback(reply);
    return sendProblem(reply, new AppError('not_found', `No route matches ${request.method} ${path}`));
  });
}

/** The message of what caused an error, one bounded line; undefined when nothing did. */
function causeOf(error: AppError): string | undefined {
  const cause = error.cause;
  if (cause === undefined) return undefined;
  const message = cause instanceof Error ? `${cause.name}: ${cause.message}` : JSON.stringify(cause);
  return withoutStatementValues(message).replace(/\s+/g, ' ').slice(0, 300);
}
