import type { Database } from '../../../platform/db/client.js';
import type { Logger } from '../../../platform/logger.js';
import type { ChatRepository } from '../chat.repository.js';
import type { ReplyStops } from './reply-stops.js';

/**
 * How a node shows it is still writing its replies: every `renewEveryMs` it sets their `alive_at` to
 * now, and saves what each has said since the last round (so a node killed mid-reply loses at most one
 * round of text, not the whole reply). A reply `streaming` whose `alive_at` is older than `staleAfterMs`
 * lost its node (killed, crashed), and the maintenance sweep marks it interrupted. A few renewals may be
 * missed (a busy event loop, a slow database) before a live reply looks stale.
 */
export const replyLease = { renewEveryMs: 20_000, staleAfterMs: 90_000 } as const;

/** How often to renew when leases go stale after `staleAfterMs` (REPLY_LEASE_STALE_MS): four chances at least. */
export const replyLeaseRenewMsFor = (staleAfterMs: number): number =>
  Math.min(replyLease.renewEveryMs, Math.floor(staleAfterMs / 4));

export interface ReplyLeaseDeps {
  readonly db: Database;
  readonly repository: Pick<ChatRepository, 'renewStreamingReplies' | 'saveReplyDraft'>;
  readonly stops: Pick<ReplyStops, 'runningReplyIds' | 'takeUnsavedDrafts'>;
  readonly logger: Pick<Logger, 'warn'>;
}

/**
 * Renews this node's replies in flight until stopped: one statement per reply that said something
 * since the last round, one for all the others, none while idle.
 */
export function startRenewingReplyLeases(deps: ReplyLeaseDeps, renewEveryMs: number = replyLease.renewEveryMs) {
  const timer = setInterval(() => {
    renewRound(deps).catch((error: unknown) =>
      deps.logger.warn({ err: error }, 'renewing the leases of replies in flight failed'),
    );
  }, renewEveryMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}

async function renewRound(deps: ReplyLeaseDeps): Promise<void> {
  const drafts = deps.stops.takeUnsavedDrafts();
  const drafted = new Set(drafts.map((draft) => draft.messageId));
  const quiet = deps.stops.runningReplyIds().filter((id) => !drafted.has(id));
  // One after another: a round never takes more than one pooled connection from the requests.
  for (const draft of drafts) await deps.repository.saveReplyDraft(deps.db, draft);
  if (quiet.length > 0) await deps.repository.renewStreamingReplies(deps.db, quiet);
}
