import type { Database } from '../../platform/db/client.js';
import type { Logger } from '../../platform/logger.js';
import type { ChatRepository } from './chat.repository.js';
import type { ReplyStops } from './reply-stops.js';

/**
 * How a node shows it is still writing its replies: every `renewEveryMs` it sets their `alive_at`
 * to now; a reply `streaming` whose `alive_at` is older than `staleAfterMs` lost its node (killed,
 * crashed), and the maintenance sweep marks it interrupted. A few renewals may be missed (a busy
 * event loop, a slow database) before a live reply looks stale.
 */
export const replyLease = { renewEveryMs: 20_000, staleAfterMs: 90_000 } as const;

export interface ReplyLeaseDeps {
  readonly db: Database;
  readonly repository: Pick<ChatRepository, 'renewStreamingReplies'>;
  readonly stops: Pick<ReplyStops, 'runningReplyIds'>;
  readonly logger: Pick<Logger, 'warn'>;
}

/** Renews this node's replies in flight until stopped; one statement per round, none while idle. */
export function startRenewingReplyLeases(deps: ReplyLeaseDeps, renewEveryMs: number = replyLease.renewEveryMs) {
  const timer = setInterval(() => {
    const ids = deps.stops.runningReplyIds();
    if (ids.length === 0) return;
    deps.repository
      .renewStreamingReplies(deps.db, ids, new Date())
      .catch((error: unknown) => deps.logger.warn({ err: error }, 'renewing the leases of replies in flight failed'));
  }, renewEveryMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
