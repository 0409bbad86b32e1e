import type { Database } from '../../platform/db/client.js';
import type { Logger } from '../../platform/logger.js';
import { interruptedReply, replyLease } from '../chat/index.js';
import type { MaintenanceRepository } from './maintenance.repository.js';

export interface MaintenanceDeps {
  readonly db: Database;
  readonly repository: MaintenanceRepository;
  readonly logger: Pick<Logger, 'info' | 'warn'>;
  readonly modelTimeoutMs: number;
  readonly now?: () => Date;
}

const idempotencyKeyLifetimeMs = 24 * 60 * 60_000;
const expiredTokenRetentionMs = 24 * 60 * 60_000;
// A reply without a lease (written by a node from before leases) is judged by its age: older than the
// model timeout plus this margin, it cannot still be streaming on a live node.
const abandonedReplyMarginMs = 60_000;

export function createMaintenanceService(deps: MaintenanceDeps) {
  const now = deps.now ?? (() => new Date());
  return {
    /** One pass of every sweep; safe to run on several nodes at once (each statement is idempotent). */
    async sweep(): Promise<{ idempotencyKeys: number; refreshTokens: number; abandonedReplies: number }> {
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
        abandonedReplies: await deps.repository.failAbandonedReplies(
          deps.db,
          {
            aliveBefore: new Date(at - replyLease.staleAfterMs),
            startedBefore: new Date(at - deps.modelTimeoutMs - abandonedReplyMarginMs),
          },
          interruptedReply,
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
  };
}

export type MaintenanceService = ReturnType<typeof createMaintenanceService>;

/** Runs the sweeps now and then every `intervalMs` until stopped. Failures are logged, never thrown. */
export function scheduleMaintenance(service: MaintenanceService, logger: Pick<Logger, 'warn'>, intervalMs: number) {
  const runOnce = () =>
    service.sweep().catch((error: unknown) => logger.warn({ err: error }, 'maintenance sweep failed'));
  void runOnce();
  const timer = setInterval(() => void runOnce(), intervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
