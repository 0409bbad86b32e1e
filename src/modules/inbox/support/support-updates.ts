import { transaction } from '../../../platform/db/after-commit.js';
import type { SupportPriority } from '../../../platform/db/schema/support.js';
import { notFound } from '../../../platform/errors.js';
import { newId } from '../../../platform/ids.js';
import type { ChangeActor, SupportServiceDeps } from './support-changes.js';
import type { StoredSupportConversation } from './support.repository.js';
import { presentSupportConversation } from './support.schemas.js';

export interface DetailsRequest {
  readonly priority?: SupportPriority | undefined;
  /** A team of the tenant, or null for none. */
  readonly teamId?: string | null | undefined;
  readonly reason?: string | undefined;
  /** As ChangeRequest.depth: made by a routing rule. */
  readonly depth?: number | undefined;
}

type UpdatesDeps = Pick<SupportServiceDeps, 'db' | 'repository' | 'events' | 'onLabelsAdded'>;

/**
 * How a conversation changes without changing status: its priority, its team, its labels. Like a status
 * change (support-changes.ts), each is recorded as an event with the status it kept, and told to webhook
 * receivers in the same transaction; whoever makes it (an operator, a routing rule) goes through here.
 */
export function createSupportUpdates(deps: UpdatesDeps) {
  const { db, repository } = deps;

  async function requireTeam(tenantId: string, teamId: string | null | undefined): Promise<void> {
    if (teamId === null || teamId === undefined) return;
    if (!(await repository.findTeam(db, tenantId, teamId))) throw notFound('Team', teamId);
  }

  /** Priority and team: each field that differs is an event (`set_priority`, `set_team`). */
  async function updateDetails(
    tenantId: string,
    id: string,
    by: ChangeActor,
    request: DetailsRequest,
  ): Promise<StoredSupportConversation> {
    await requireTeam(tenantId, request.teamId);
    return transaction(db, async (tx) => {
      const current = await repository.findForUpdate(tx, tenantId, id);
      if (!current) throw notFound('Support conversation', id);
      const changes = {
        ...(request.priority !== undefined && request.priority !== current.priority && { priority: request.priority }),
        ...(request.teamId !== undefined && request.teamId !== current.teamId && { teamId: request.teamId }),
      };
      if (Object.keys(changes).length === 0) return current;
      const row = (await repository.setDetails(tx, tenantId, id, changes))!;
      const record = (action: string) =>
        repository.insertEvent(tx, {
          id: newId(),
          tenantId,
          supportConversationId: id,
          actorKind: by.kind,
          actorId: by.kind === 'operator' ? by.actor.userId : null,
          action,
          fromStatus: current.status,
          toStatus: current.status,
          assigneeId: current.assigneeId,
          reason:
            [
              action === 'set_priority'
                ? `priority ${current.priority} → ${row.priority}`
                : `team → ${row.teamId ?? 'none'}`,
              request.reason,
            ]
              .filter(Boolean)
              .join('; ') || null,
        });
      if ('priority' in changes) await record('set_priority');
      if ('teamId' in changes) await record('set_team');
      await deps.events?.emit(tx, tenantId, 'conversation.updated', {
        supportConversation: presentSupportConversation(row),
        changes: {
          ...('priority' in changes && { priority: { from: current.priority, to: row.priority } }),
          ...('teamId' in changes && { teamId: { from: current.teamId, to: row.teamId } }),
        },
      });
      return row;
    });
  }

  /**
   * Replaces the labels, read and written under the row's lock: the labels it did not have are told to
   * `onLabelsAdded` once committed, so of two actors adding one label at once only the first adds it.
   */
  async function replaceLabels(
    tenantId: string,
    id: string,
    labelsAfter: (current: readonly string[]) => readonly string[],
    options: { depth?: number } = {},
  ): Promise<StoredSupportConversation> {
    const changeId = newId();
    const { row, added } = await transaction(db, async (tx) => {
      const current = await repository.findForUpdate(tx, tenantId, id);
      if (!current) throw notFound('Support conversation', id);
      const unique = [...new Set(labelsAfter(current.labels))].sort();
      const stored = await repository.setDetails(tx, tenantId, id, { labels: unique });
      return { row: stored!, added: unique.filter((label) => !current.labels.includes(label)) };
    });
    if (added.length > 0) {
      deps.onLabelsAdded?.({ tenantId, supportConversationId: id, labels: added, changeId, depth: options.depth ?? 0 });
    }
    return row;
  }

  /** Adds labels to those it has (a routing rule's "add label"). */
  function addLabels(tenantId: string, id: string, labels: readonly string[], depth: number) {
    return replaceLabels(tenantId, id, (current) => [...current, ...labels], { depth });
  }

  return { updateDetails, replaceLabels, addLabels };
}

export type SupportUpdates = ReturnType<typeof createSupportUpdates>;
