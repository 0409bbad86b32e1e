import { z } from 'zod';
import type { JobQueue } from '../../platform/jobs/index.js';
import type { SnoozeWake, SupportService } from './support.service.js';

export const snoozeWakeJobName = 'support.wake-snooze';

const snoozeWakeData = z.object({ tenantId: z.uuid(), supportConversationId: z.uuid() });

/**
 * Queues the job that opens a snoozed conversation at its time. One job per conversation and time
 * (singleton key), a second past it; the job itself checks again, so a retry or a second node is harmless.
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
