import type { JobQueue } from '../../platform/jobs/index.js';

export const deliverJobName = 'webhooks.deliver';

export interface DeliveryScheduler {
  /** Queues an attempt of the delivery `delayMs` from now; one job per attempt, however often asked. */
  schedule(deliveryId: string, tenantId: string, attemptsMade: number, delayMs?: number): Promise<void>;
  /** Queues an attempt of a delivery that waited for its endpoint's room (see slowSendsPerEndpointPerSlot). */
  kick(deliveryId: string, tenantId: string, attemptsMade: number): Promise<void>;
}

export function createDeliveryScheduler(jobs: Pick<JobQueue, 'send'>): DeliveryScheduler {
  // One job per attempt: its singleton key is the delivery and the attempts made before it.
  const queue = (deliveryId: string, tenantId: string, attemptsMade: number, kicked: boolean, delayMs = 0) =>
    jobs.send(
      deliverJobName,
      { deliveryId, tenantId, ...(kicked && { kicked }) },
      {
        singletonKey: `${deliveryId}:${attemptsMade}`,
        ...(delayMs > 0 && { startAfterSeconds: delayMs / 1000 }),
      },
    );
  return {
    async schedule(deliveryId, tenantId, attemptsMade, delayMs = 0) {
      await queue(deliveryId, tenantId, attemptsMade, false, delayMs);
    },
    async kick(deliveryId, tenantId, attemptsMade) {
      await queue(deliveryId, tenantId, attemptsMade, true);
    },
  };
}
