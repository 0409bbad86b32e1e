import type { JobQueue } from '../../platform/jobs/index.js';

export const deliverJobName = 'webhooks.deliver';

export interface DeliveryScheduler {
  /** Queues an attempt of the delivery `delayMs` from now; one job per attempt, however often asked. */
  schedule(deliveryId: string, tenantId: string, attemptsMade: number, delayMs?: number): Promise<void>;
  /** Queues an attempt of a delivery that waited for its endpoint's room (see slowSendsPerEndpointPerSlot). */
  kick(deliveryId: string, tenantId: string, attemptsMade: number): Promise<void>;
}

export function createDeliveryScheduler(jobs: Pick<JobQueue, 'send'>): DeliveryScheduler {
  return {
    async schedule(deliveryId, tenantId, attemptsMade, delayMs = 0) {
      await jobs.send(
        deliverJobName,
        { deliveryId, tenantId },
        {
          singletonKey: `${deliveryId}:${attemptsMade}`,
          ...(delayMs > 0 && { startAfterSeconds: delayMs / 1000 }),
        },
      );
    },
    async kick(deliveryId, tenantId, attemptsMade) {
      await jobs.send(
        deliverJobName,
        { deliveryId, tenantId, kicked: true },
        { singletonKey: `${deliveryId}:${attemptsMade}` },
      );
    },
  };
}
