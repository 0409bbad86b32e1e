import { z } from 'zod';
import type { Executor } from '../../../platform/db/client.js';
import type { JobQueue } from '../../../platform/jobs/index.js';
import type { Logger } from '../../../platform/logger.js';
import type { SupportRepository } from './support.repository.js';
import type { SnoozeWake, SupportService } from './support.service.js';

export const snoozeWakeJobName = 'support.wake-snooze';

const snoozeWakeData = z.object({ tenantId: z.uuid(), supportConversationId: z.uuid() });

/**
 * Queues the job that opens a snoozed conversation at its time. One job per conversation and time
 * (singleton key), a second past it; the job itself checks again, so a retry or a second node is harmless.
 * A job lost before it was queued is made up for by the sweep below.
 */
export function createSnoozeWakes(jobs: Pick<JobQueue, 'send' | 'register'>) {
  return {
    async schedule(wake: SnoozeWake): Promise<void> {
      const delayMs = Math.max(0, wake.until.getTime() - Date.now());
      await jobs.send(
        snoozeWakeJobName,
        { tenantId: wake.tenantId, supportConversationId: wake.supportConversationId },
        {
          singletonKey: `${wake.supportConversationId}:${wake.until.toISOString()}`,
          startAfterSeconds: Math.ceil(delayMs / 1000) + 1,
        },
      );
    },
    register(support: Pick<SupportService, 'wakeIfDue'>): void {
      jobs.register<z.infer<typeof snoozeWakeData>>(
        snoozeWakeJobName,
        async (data) => {
          const { tenantId, supportConversationId } = snoozeWakeData.parse(data);
          await support.wakeIfDue(tenantId, supportConversationId);
        },
        { retryLimit: 5, retryDelaySeconds: 10 },
      );
    },
  };
}

/** Overdue snoozes read per statement; the sweep pages on until none is left. */
const sweepBatchSize = 200;

/**
 * The wake job is queued after the snooze commits, so a crash between the two (or a lost job) would
 * leave the conversation snoozed for ever. This sweep, every maintenance interval on each node that runs
 * jobs, wakes every snoozed conversation whose time has passed; wakeIfDue checks again, so a sweep and the
 * job (or two nodes) waking the same one is harmless.
 */
export function createSnoozeSweep(deps: {
  readonly db: Executor;
  readonly repository: Pick<SupportRepository, 'findOverdueSnoozes'>;
  readonly support: Pick<SupportService, 'wakeIfDue'>;
  readonly logger: Pick<Logger, 'warn'>;
  readonly now?: () => Date;
}) {
  const now = deps.now ?? (() => new Date());

  /** One pass: answers how many overdue snoozes it found (each woken, or left to the next pass on failure). */
  async function sweep(): Promise<number> {
    const at = now();
    let found = 0;
    let after: { snoozedUntil: Date; id: string } | undefined;
    for (;;) {
      const overdue = await deps.repository.findOverdueSnoozes(deps.db, at, sweepBatchSize, after);
      for (const snoozed of overdue) {
        await deps.support
          .wakeIfDue(snoozed.tenantId, snoozed.id)
          .catch((error: unknown) =>
            deps.logger.warn(
              { err: error, supportConversationId: snoozed.id },
              'could not wake an overdue snooze; the next sweep tries again',
            ),
          );
      }
      found += overdue.length;
      if (overdue.length < sweepBatchSize) return found;
      after = overdue.at(-1);
    }
  }

  let timer: NodeJS.Timeout | undefined;
  let sweeping: Promise<unknown> | undefined;
  return {
    sweep,
    start(intervalMs: number): void {
      const tick = () => {
        sweeping ??= sweep()
          .catch((error: unknown) => deps.logger.warn({ err: error }, 'the sweep of overdue snoozes failed'))
          .finally(() => (sweeping = undefined));
      };
      timer = setInterval(tick, intervalMs);
      timer.unref();
    },
    async stop(): Promise<void> {
      clearInterval(timer);
      await sweeping;
    },
  };
}
