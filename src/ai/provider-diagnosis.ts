import { APICallError } from '@ai-sdk/provider';
import { NoOutputGeneratedError, RetryError } from 'ai';

/** Statuses where the provider says what was wrong with the request (too long, unknown model, bad setting). */
const explainedStatuses = new Set([400, 404, 409, 413, 415, 422]);
const maxDiagnosisChars = 300;
/** Long runs of letters, digits and dashes with a digit among them: keys, tokens, request ids. */
const secretLike = /[A-Za-z0-9_-]*\d[A-Za-z0-9_-]*/g;
const minSecretLength = 20;

/**
 * For the operator's log only, never a response: the provider's own words when it refused the request,
 * e.g. "This model's maximum context length is 8192 tokens". Users get describeModelError's sentence,
 * which names no provider text; without this the log said no more, and a 400 could not be diagnosed.
 * 401 and 403 are left out, since providers echo the key there, and long key-like words are blanked anyway.
 */
export function providerDiagnosis(error: unknown): string | undefined {
  if (RetryError.isInstance(error)) return providerDiagnosis(error.lastError);
  if (NoOutputGeneratedError.isInstance(error)) return providerDiagnosis(error.cause);
  if (!APICallError.isInstance(error) || !explainedStatuses.has(error.statusCode ?? 0)) return undefined;
  const said = messageIn(error.data) ?? messageIn(parseJson(error.responseBody)) ?? error.responseBody ?? error.message;
  const redacted = said.replace(secretLike, (word) => (word.length >= minSecretLength ? '[redacted]' : word));
  const oneLine = redacted.replace(/\s+/g, ' ').trim();
  return oneLine.length > maxDiagnosisChars ? `${oneLine.slice(0, maxDiagnosisChars)}…` : oneLine;
}

/** `{ error: { message } }` (OpenAI, Anthropic, Azure) or `{ message }` (vLLM's older errors). */
function messageIn(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const { error, message } = body as { error?: { message?: unknown }; message?: unknown };
  if (typeof error?.message === 'string') return error.message;
  return typeof message === 'string' ? message : undefined;
}

function parseJson(text: string | undefined): unknown {
  try {
    return text === undefined ? undefined : (JSON.parse(text) as unknown);
  } catch {
    return undefined;
  }
}
