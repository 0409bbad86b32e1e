/** Each retry waits this many times longer than the one before. */
const backoffFactor = 4;
/** No wait is longer: with the default base (1 min) and 8 attempts the last retries come 8 h apart. */
const maxBackoffMs = 8 * 3_600_000;
/** A Retry-After asking for longer than this is read as this. */
const maxRetryAfterMs = 24 * 3_600_000;

/** What one attempt came to, as the retry rule sees it. */
export type AttemptResult =
  | { readonly kind: 'answered'; readonly status: number; readonly retryAfter: string | null }
  | { readonly kind: 'timeout' }
  | { readonly kind: 'unreachable' }
  | { readonly kind: 'refused' };

/** Timeouts, connection failures, 408, 429 and 5xx may be passing; other answers (and refused addresses) would not change. */
export function isRetryable(result: AttemptResult): boolean {
  switch (result.kind) {
    case 'answered':
      return result.status === 408 || result.status === 429 || result.status >= 500;
    case 'timeout':
    case 'unreachable':
      return true;
    case 'refused':
      return false;
  }
}

/** The wait before the next attempt after `attemptsMade` attempts of this round: exponential, or Retry-After if longer. */
export function retryDelayMs(
  attemptsMade: number,
  baseMs: number,
  retryAfter: string | null,
  now = new Date(),
): number {
  const backoff = Math.min(baseMs * backoffFactor ** Math.max(0, attemptsMade - 1), maxBackoffMs);
  const asked = retryAfterMs(retryAfter, now);
  return asked === undefined ? backoff : Math.max(backoff, asked);
}

/** `Retry-After` in seconds or as an HTTP date (RFC 9110 §10.2.3); undefined when absent or unreadable. */
export function retryAfterMs(value: string | null, now = new Date()): number | undefined {
  if (value === null) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Math.min(Number(text) * 1000, maxRetryAfterMs);
  const date = Date.parse(text);
  if (Number.isNaN(date)) return undefined;
  return Math.min(Math.max(0, date - now.getTime()), maxRetryAfterMs);
}
