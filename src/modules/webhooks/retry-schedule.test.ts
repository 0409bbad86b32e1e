import { describe, expect, it } from 'vitest';
import { isRetryable, retryAfterMs, retryDelayMs } from './retry-schedule.js';

describe('the webhook retry schedule', () => {
  it('retries timeouts, unreachable receivers, 408, 429 and 5xx; not other answers or refused addresses', () => {
    const answered = (status: number) => ({ kind: 'answered', status, retryAfter: null }) as const;
    expect([408, 429, 500, 502, 503, 504].map((status) => isRetryable(answered(status)))).toEqual(Array(6).fill(true));
    expect([301, 400, 401, 403, 404, 410, 422].map((status) => isRetryable(answered(status)))).toEqual(
      Array(7).fill(false),
    );
    expect(isRetryable({ kind: 'timeout' })).toBe(true);
    expect(isRetryable({ kind: 'unreachable' })).toBe(true);
    expect(isRetryable({ kind: 'refused' })).toBe(false);
  });

  it('backs off four times longer each attempt, capped at 8 hours, spanning about a day over 8 attempts', () => {
    const delays = [1, 2, 3, 4, 5, 6, 7].map((attempt) => retryDelayMs(attempt, 60_000, null));
    expect(delays.slice(0, 4)).toEqual([60_000, 240_000, 960_000, 3_840_000]);
    expect(delays.at(-1)).toBe(8 * 3_600_000);
    const totalHours = delays.reduce((sum, delay) => sum + delay, 0) / 3_600_000;
    expect(totalHours).toBeGreaterThan(18);
    expect(totalHours).toBeLessThan(30);
  });

  it('waits as long as Retry-After asks when that is longer, in seconds or as a date', () => {
    const now = new Date('2026-01-01T00:00:00Z');
    expect(retryDelayMs(1, 100, '5', now)).toBe(5000);
    expect(retryDelayMs(1, 100, 'Thu, 01 Jan 2026 00:00:30 GMT', now)).toBe(30_000);
    expect(retryDelayMs(3, 60_000, '1', now)).toBe(960_000);
    expect(retryAfterMs('soon', now)).toBeUndefined();
    expect(retryAfterMs('999999999', now)).toBe(24 * 3_600_000);
  });
});
