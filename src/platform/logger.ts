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

export function createLogger(options: { level: string; destination?: pino.DestinationStream }): Logger {
  return pino(
    {
      level: options.level,
      redact: { paths: redactedPaths, censor: '[redacted]' },
      serializers: { err: serializeError },
      base: { service: 'parley' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    options.destination,
  );
}
