import type { Database } from '../../platform/db/client.js';
import type { Logger } from '../../platform/logger.js';
import type { FileStorage } from '../../platform/storage/index.js';
import { interruptedReply, replyLease } from '../chat/index.js';
import { presentMessage, type MessageView } from '../conversations/index.js';
import type { MessageRow } from '../conversations/messages.repository.js';
import type { MaintenanceRepository } from './maintenance.repository.js';

export interface MaintenanceDeps {
  readonly db: Database;
  readonly repository: MaintenanceRepository;
  readonly logger: Pick<Logger, 'info' | 'warn'>;
  readonly modelTimeoutMs: number;
  /** Uploaded files on disk, swept of those no row names any more, and checked for those rows name. */
  readonly storage: Pick<FileStorage, 'keysWrittenBefore' | 'removeUnfinishedBefore' | 'remove' | 'has'>;
  /** How old a stored file must be before it may be swept: far longer than an upload takes to get its row. */
  readonly storedFileGraceMs?: number;
  readonly now?: () => Date;
  /** How long a reply's lease may go unrenewed before it counts as abandoned (default replyLease's). */
  readonly replyStaleAfterMs?: number;
  /**
   * Told of the replies a sweep failed, so their watchers on every node hear the reply's end
   * (src/modules/realtime: its final `error` event). Without it they are only stored.
   */
  readonly onRepliesAbandoned?: (replies: readonly AbandonedReply[]) => void;
}

/** A reply the sweep marked interrupted, as a client sees it, with its tenant. */
export interface AbandonedReply {
  readonly tenantId: string;
  readonly reply: MessageView;
}

const idempotencyKeyLifetimeMs = 24 * 60 * 60_000;
const defaultStoredFileGraceMs = 60 * 60_000;
// Keys asked about at once: one indexed statement per table per batch.
const storageKeyBatch = 500;
const expiredTokenRetentionMs = 24 * 60 * 60_000;
/**
 * How long a conversation's log keeps its events (docs/realtime.md): 30 days, then a sweep drops them,
 * each conversation's oldest first, up to this many conversations a pass.
 */
export const conversationLogRetentionMs = 30 * 24 * 60 * 60_000;
const conversationLogPruneBatch = 1_000;
// A reply without a lease (written by a node from before leases) is judged by its age: older than the
// model timeout plus this margin, it cannot still be streaming on a live node.
const abandonedReplyMarginMs = 60_000;

export function createMaintenanceService(deps: MaintenanceDeps) {
  const now = deps.now ?? (() => new Date());
  /** Fails the abandoned replies and tells their watchers; returns how many. */
  const failAbandoned = async (cutoffs: { staleAfterMs: number; startedMsAgo: number }): Promise<number> => {
    const rows: MessageRow[] = await deps.repository.failAbandonedReplies(deps.db, cutoffs, interruptedReply);
    if (rows.length > 0) {
      deps.onRepliesAbandoned?.(rows.map((row) => ({ tenantId: row.tenantId, reply: presentMessage(row) })));
    }
    return rows.length;
  };
  return {
    /** One pass of every sweep; safe to run on several nodes at once (each statement is idempotent). */
    async sweep(): Promise<{
      idempotencyKeys: number;
      refreshTokens: number;
      abandonedReplies: number;
      budgetReservations: number;
      conversationEvents: number;
    }> {
      const at = now().getTime();
      const result = {
        idempotencyKeys: await deps.repository.deleteIdempotencyKeysBefore(
          deps.db,
          new Date(at - idempotencyKeyLifetimeMs),
        ),
        refreshTokens: await deps.repository.deleteRefreshTokensExpiredBefore(
          deps.db,
          new Date(at - expiredTokenRetentionMs),
        ),
        abandonedReplies: await failAbandoned({
          staleAfterMs: deps.replyStaleAfterMs ?? replyLease.staleAfterMs,
          startedMsAgo: deps.modelTimeoutMs + abandonedReplyMarginMs,
        }),
        budgetReservations: await deps.repository.releaseExpiredBudgetReservations(deps.db, new Date(at)),
        conversationEvents: await deps.repository.pruneConversationEventsBefore(
          deps.db,
          new Date(at - conversationLogRetentionMs),
          conversationLogPruneBatch,
        ),
      };
      if (result.abandonedReplies > 0) {
        deps.logger.warn(
          { count: result.abandonedReplies },
          'marked replies interrupted by a stopped server as failed',
        );
      }
      return result;
    },

    /**
     * Embedded storage has one process, which holds the data directory's lock: a reply still `streaming`
     * when it starts was cut short by the last run (killed, or stopped harder than its grace allowed).
     * Marked at once, rather than by the lease sweep 90 s on, so it can be retried or stopped at once.
     */
    async failRepliesOfEarlierRun(): Promise<number> {
      const count = await failAbandoned({ staleAfterMs: 0, startedMsAgo: 0 });
      if (count > 0) deps.logger.warn({ count }, 'marked replies the last run left streaming as interrupted');
      return count;
    },

    /**
     * Removes the stored files no row names any more, and what unfinished uploads left. Rows go by the
     * database's cascades (a deleted user takes their attachments, a deleted tenant everything), which
     * cannot reach the disk. Only files older than the grace period are candidates, so an upload between
     * its write and its row is never taken. Safe on several nodes at once: removing twice is harmless.
     */
    async sweepStoredFiles(): Promise<{ orphanedFiles: number; unfinishedUploads: number }> {
      const cutoff = new Date(now().getTime() - (deps.storedFileGraceMs ?? defaultStoredFileGraceMs));
      let orphanedFiles = 0;
      let batch: string[] = [];
      const sweepBatch = async () => {
        const referenced = await deps.repository.referencedStorageKeys(deps.db, batch);
        for (const key of batch) {
          if (referenced.has(key)) continue;
          await deps.storage.remove(key);
          orphanedFiles += 1;
        }
        batch = [];
      };
      for await (const key of deps.storage.keysWrittenBefore(cutoff)) {
        batch.push(key);
        if (batch.length === storageKeyBatch) await sweepBatch();
      }
      if (batch.length > 0) await sweepBatch();
      const unfinishedUploads = await deps.storage.removeUnfinishedBefore(cutoff);
      if (orphanedFiles + unfinishedUploads > 0) {
        deps.logger.info({ orphanedFiles, unfinishedUploads }, 'removed stored files that no row names any more');
      }
      return { orphanedFiles, unfinishedUploads };
    },

    /**
     * Counts the stored files rows name that are not on disk, and says so once. A data directory or
     * database restored without `files/` started silently, and each such download answered 404 and
     * each re-index failed, with nothing to tell the operator why.
     */
    async reportMissingStoredFiles(): Promise<number> {
      let missing = 0;
      let afterKey = '';
      for (;;) {
        const keys = await deps.repository.storageKeysAfter(deps.db, afterKey, storageKeyBatch);
        // A page's files are looked at together: one at a time, a large install took seconds longer.
        const present = await Promise.all(keys.map((key) => deps.storage.has(key)));
        missing += present.filter((isThere) => !isThere).length;
        if (keys.length < storageKeyBatch) break;
        afterKey = keys.at(-1)!;
      }
      if (missing > 0) {
        deps.logger.warn(
          { missing },
          'stored files that the database names are missing from DATA_DIR/files (restored without them?): their downloads answer 404 and their documents cannot be indexed again until the files are copied back',
        );
      }
      return missing;
    },
  };
}

/** Runs `sweep` now and then every `intervalMs` until stopped. Failures are logged, never thrown. */
export function scheduleMaintenance(sweep: () => Promise<unknown>, logger: Pick<Logger, 'warn'>, intervalMs: number) {
  const runOnce = () => sweep().catch((error: unknown) => logger.warn({ err: error }, 'maintenance sweep failed'));
  void runOnce();
  const timer = setInterval(() => void runOnce(), intervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
