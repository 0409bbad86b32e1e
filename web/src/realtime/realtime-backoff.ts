/** How long to wait before reconnect attempt `attempt` (0 for the first retry). */
export interface BackoffPolicy {
  readonly baseMs: number;
  readonly capMs: number;
}

/** 0.5 s, 1 s, 2 s … up to 30 s, as docs/realtime.md advises clients. */
export const defaultBackoff: BackoffPolicy = { baseMs: 500, capMs: 30_000 };

/**
 * Exponential backoff with full jitter: a uniform draw in [0, min(cap, base × 2^attempt)). The draw
 * spreads the reconnects of many tabs after a server restart over the whole window, instead of every
 * tab knocking again at the same instant (a fixed delay, or backoff without jitter, does that).
 */
export function reconnectDelayMs(
  attempt: number,
  random: () => number,
  policy: BackoffPolicy = defaultBackoff,
): number {
  const ceilingMs = Math.min(policy.capMs, policy.baseMs * 2 ** Math.max(0, attempt));
  return Math.floor(random() * ceilingMs);
}
