import pino, { type Logger } from 'pino';

export type { Logger };

/**
 * Paths pino blanks out wherever they appear in a log line. Secrets must never reach the logs, so
 * anything that can carry a credential is listed here, not left to call sites.
 */
export const redactedPaths = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'headers.authorization',
  '*.password',
  '*.apiKey',
  '*.api_key',
  '*.accessToken',
  '*.refreshToken',
  '*.secret',
  '*.token',
  'password',
  'apiKey',
  'accessToken',
  'refreshToken',
];

/**
 * The values a failed statement carried, as Drizzle writes them into its error's message ("params: …"):
 * password hashes, encrypted keys, people's messages. The statement's text stays; it holds only `$n`.
 */
const statementValues = /\nparams: [^\n]*/g;

/** Text that may quote a failed statement, without the statement's values. */
export function withoutStatementValues(text: string): string {
  return text.replace(statementValues, '\nparams: [redacted]');
}

/**
 * pino's own error serializer, minus what a failed statement carried (its `params`, also in message and
 * stack). `err` is often a message already (`err: error.message`), which is cleaned the same way.
 */
function serializeError(error: unknown): unknown {
  if (typeof error === 'string') return withoutStatementValues(error);
  if (!(error instanceof Error)) return error;
  const { params: _values, ...serialized } = pino.stdSerializers.err(error) as pino.SerializedError & {
    params?: unknown;
  };
  return {
    ...serialized,
    message: withoutStatementValues(String(serialized.message)),
    stack: withoutStatementValues(String(serialized.stack)),
  };
}

/**
 * Query parameters whose values are credentials when a client puts one in a URL. Parley reads one
 * there: the realtime socket's `?ticket=` (browsers cannot set headers on a WebSocket).
 */
const credentialParameter = /token|key|secret|password|passwd|signature|auth|code|session|ticket/i;

function isCredentialName(name: string): boolean {
  try {
    return credentialParameter.test(decodeURIComponent(name));
  } catch {
    // Not valid percent-encoding (the request is refused anyway): judged as it was sent.
    return credentialParameter.test(name);
  }
}

/** A URL as logged: the path, and the query with credential-like values blanked out. */
export function withoutCredentialParameters(url: string): string {
  const start = url.indexOf('?');
  if (start < 0) return url;
  const query = url
    .slice(start + 1)
    .split('&')
    .map((pair) => {
      const [name = '', value] = pair.split('=', 2);
      return value !== undefined && isCredentialName(name) ? `${name}=[redacted]` : pair;
    });
  return `${url.slice(0, start)}?${query.join('&')}`;
}

interface LoggedRequest {
  method: string;
  url: string;
  host?: string;
  ip?: string;
  socket?: { remotePort?: number };
}

/** Fastify's own request fields, with the URL's credential-like query values blanked out. */
function serializeRequest(request: LoggedRequest | null | undefined): unknown {
  // Anything else logged under `req` is left as it is rather than failing the log line.
  if (typeof request?.url !== 'string') return request;
  return {
    method: request.method,
    url: withoutCredentialParameters(request.url),
    host: request.host,
    remoteAddress: request.ip,
    remotePort: request.socket?.remotePort,
  };
}

export function createLogger(options: {
  level: string;
  destination?: pino.DestinationStream;
  /** Fields for every line, such as the current trace's ids (platform/tracing, when tracing is on). */
  mixin?: () => object;
}): Logger {
  return pino(
    {
      level: options.level,
      ...(options.mixin && { mixin: options.mixin }),
      redact: { paths: redactedPaths, censor: '[redacted]' },
      serializers: { err: serializeError, req: serializeRequest },
      base: { service: 'parley' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    options.destination,
  );
}
