import type { Database } from '../../../platform/db/client.js';
import { newId } from '../../../platform/ids.js';
import type { OperatorPresenceRepository } from '../desk/operator-presence.repository.js';
import { nextStatus } from './support-status.js';
import type { SupportRepository } from './support.repository.js';
import type { SupportChange } from './support.service.js';

export interface AutoAssignDeps {
  readonly db: Database;
  readonly supportRepository: Pick<SupportRepository, 'find' | 'updateIfUnchanged' | 'insertEvent'>;
  readonly presenceRepository: Pick<
    OperatorPresenceRepository,
    'inboxAssignment' | 'lockTenantAssignments' | 'nextAssignee'
  >;
  /** Since when a presence row counts as alive (operator-presence.ts). */
  readonly freshSince: () => Date;
  readonly onChanged: (change: SupportChange) => void;
}

/**
 * Round-robin for inboxes that ask for it: a conversation that starts waiting goes to the online operator
 * with the fewest open conversations below the inbox's capacity. Choosing and assigning happen under a
 * lock of the tenant's assignments (a PostgreSQL advisory lock, held until the transaction ends), so two
 * nodes never both see room for one more and give an operator more than the capacity.
 */
export function createAutoAssign(deps: AutoAssignDeps) {
  const { db } = deps;
  return async (change: SupportChange): Promise<void> => {
    const { tenantId, after } = change;
    const settings = await deps.presenceRepository.inboxAssignment(db, tenantId, after.inboxId);
    if (!settings?.isEnabled) return;
    const assigned = await db.transaction(async (tx) => {
      await deps.presenceRepository.lockTenantAssignments(tx, tenantId);
      const found = await deps.supportRepository.find(tx, tenantId, after.id);
      const current = found?.conversation;
      if (!current || current.assigneeId !== null) return undefined;
      const transition = nextStatus(current.status, 'assign', { hasAgent: found.inboxAgentId !== null });
      if (current.status !== 'pending' || !transition?.isAllowed) return undefined;
      // A conversation in a team's queue goes to a member of the team only.
      const assigneeId = await deps.presenceRepository.nextAssignee(
        tx,
        tenantId,
        settings.capacity,
        deps.freshSince(),
        current.teamId,
      );
      if (!assigneeId) return undefined;
      const row = await deps.supportRepository.updateIfUnchanged(tx, tenantId, current.id, current, {
        status: transition.to,
        assigneeId,
        snoozedUntil: null,
        statusChangedAt: new Date(),
      });
      if (!row) return undefined;
      await deps.supportRepository.insertEvent(tx, {
        id: newId(),
        tenantId,
        supportConversationId: row.id,
        actorKind: 'system',
        actorId: null,
        action: 'assign',
        fromStatus: current.status,
        toStatus: row.status,
        assigneeId,
        reason: 'round-robin',
      });
      return { before: current, after: row };
    });
    if (assigned) deps.onChanged({ tenantId, ...assigned, action: 'assign', reason: 'round-robin' });
  };
}
