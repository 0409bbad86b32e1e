import { hasRoleAtLeast, type Actor } from '../../../access/actor.js';
import { transaction } from '../../../platform/db/after-commit.js';
import type { Database, Transaction } from '../../../platform/db/client.js';
import { AppError, conflict, notFound } from '../../../platform/errors.js';
import { newId } from '../../../platform/ids.js';
import type { WebhookEvents } from '../../webhooks/index.js';
import type { ContactsService } from '../contacts/contacts.service.js';
import type { InboxesService } from '../inboxes/inboxes.service.js';
import type { ReplyClocks } from '../targets/reply-clocks.js';
import { nextStatus, type SupportAction } from './support-status.js';
import type { StoredSupportConversation, SupportChanges, SupportRepository } from './support.repository.js';
import { presentSupportConversation } from './support.schemas.js';

export interface SupportServiceDeps {
  readonly db: Database;
  readonly repository: SupportRepository;
  readonly inboxes: Pick<InboxesService, 'hasAgent'>;
  readonly contacts: Pick<ContactsService, 'find'>;
  readonly now?: () => Date;
  readonly events?: WebhookEvents;
  /** Told of every status change once it is stored (live frames, stopping the AI, notifying operators). */
  readonly onChanged?: (change: SupportChange) => void;
  /** Queues the job that opens a snoozed conversation again at its time (snooze-wake.ts). */
  readonly scheduleWake?: (wake: SnoozeWake) => Promise<void>;
  /** Starts and meets reply-time clocks in the change's transaction (targets/reply-clocks.ts). */
  readonly replyClocks?: Pick<ReplyClocks, 'afterStatusChange'>;
  /** Told of every conversation once its creation is committed, whatever its status (routing rules). */
  readonly onCreated?: (tenantId: string, created: StoredSupportConversation) => void;
  /** Told once labels a conversation did not have are stored on it (routing rules' `label_added`). */
  readonly onLabelsAdded?: (added: LabelsAdded) => void;
}

/** Labels stored on a conversation that it did not have, by one change (support-updates.ts). */
export interface LabelsAdded {
  readonly tenantId: string;
  readonly supportConversationId: string;
  readonly labels: readonly string[];
  /** The change's own id: what makes it the same change twice. */
  readonly changeId: string;
  /** As SupportChange.depth. */
  readonly depth: number;
}

/** A stored status change: the conversation before and after, and the action that made it. */
export interface SupportChange {
  readonly tenantId: string;
  readonly before: StoredSupportConversation;
  readonly after: StoredSupportConversation;
  readonly action: SupportAction | 'create';
  readonly reason: string | null;
  /** Who made it; absent for a conversation's creation. */
  readonly byKind?: ChangeActor['kind'];
  /** Its row in support_events (absent for a creation): what makes this change the same change twice. */
  readonly eventId?: string;
  /** How many routing rules' changes led to it (0: a person's, the contact's or a timer's). */
  readonly depth?: number;
}

export interface SnoozeWake {
  readonly tenantId: string;
  readonly supportConversationId: string;
  readonly until: Date;
}

/**
 * Who changed a status: an operator over HTTP, or the contact and the system (widget, timers) later, or
 * the AI itself (its `handoff_to_human` tool), whose reply then finishes rather than being stopped.
 */
export type ChangeActor =
  { readonly kind: 'operator'; readonly actor: Actor } | { readonly kind: 'contact' | 'system' | 'ai' };

export interface ChangeRequest {
  readonly action: SupportAction;
  readonly reason?: string | undefined;
  /** For assign and transfer: who gets it. */
  readonly operatorId?: string | undefined;
  /** For transfer_team: the team whose queue it joins. */
  readonly teamId?: string | undefined;
  readonly snoozedUntil?: Date | undefined;
  /** Made by a routing rule: 1 + the depth of the change that fired the rule (routing/routing-engine.ts). */
  readonly depth?: number | undefined;
}

const actionVerbs: Record<SupportAction, string> = {
  take: 'taken',
  assign: 'assigned',
  transfer: 'transferred',
  transfer_team: 'transferred to a team',
  resolve: 'resolved',
  snooze: 'snoozed',
  reopen: 'reopened',
  request_human: 'handed to a person',
  hand_to_ai: 'handed to the AI',
  contact_message: 'reopened by the contact',
  wake: 'woken',
};

/**
 * How a support conversation changes status, whoever changes it (an operator, the contact, a job): the
 * state machine, the race check, the event, and what is told afterwards (webhooks, live frames, wakes).
 */
export function createSupportChanges(deps: SupportServiceDeps) {
  const { db, repository } = deps;
  const now = deps.now ?? (() => new Date());

  async function find(tenantId: string, id: string) {
    const found = await repository.find(db, tenantId, id);
    if (!found) throw notFound('Support conversation', id);
    return found;
  }

  /** Assignees are operators or administrators of the tenant; another tenant's user is unknown here. */
  async function requireAssignable(tenantId: string, userId: string): Promise<void> {
    const teammate = await repository.findTeammate(db, tenantId, userId);
    if (!teammate) throw notFound('User', userId);
    if (!hasRoleAtLeast(teammate, 'operator')) {
      throw new AppError(
        'unprocessable',
        `User '${userId}' is a member; only operators and administrators can be given conversations`,
      );
    }
  }

  /** A team of the tenant the conversation is not already waiting in (transfer_team). */
  async function requireTeamMove(tenantId: string, current: StoredSupportConversation, teamId: string) {
    const team = await repository.findTeam(db, tenantId, teamId);
    if (!team) throw notFound('Team', teamId);
    if (current.status === 'pending' && current.teamId === teamId) {
      throw conflict(
        `Support conversation '${current.id}' already waits in the queue of team '${team.name}' (another operator may have moved it there): reload it`,
      );
    }
    return team;
  }

  /** Who owns the conversation after the action (undefined: unchanged). */
  function assigneeAfter(request: ChangeRequest, by: ChangeActor, current: StoredSupportConversation) {
    switch (request.action) {
      case 'take':
        return by.kind === 'operator' ? by.actor.userId : undefined;
      case 'assign':
      case 'transfer':
        return request.operatorId;
      case 'reopen':
        return current.assigneeId ?? (by.kind === 'operator' ? by.actor.userId : undefined);
      case 'contact_message':
      case 'request_human':
      case 'transfer_team':
      case 'hand_to_ai':
        return null;
      case 'resolve':
      case 'snooze':
      case 'wake':
        return undefined;
    }
  }

  /**
   * The one way a status changes: checked by the state machine, applied only if nobody changed the
   * conversation since it was read (else 409), and recorded as an event in the same transaction.
   */
  async function change(tenantId: string, id: string, by: ChangeActor, request: ChangeRequest) {
    const { conversation: current, inboxAgentId } = await find(tenantId, id);
    const transition = nextStatus(current.status, request.action, { hasAgent: inboxAgentId !== null });
    if (!transition) return current;
    if (!transition.isAllowed) {
      throw conflict(`Support conversation '${id}' cannot be ${actionVerbs[request.action]}: ${transition.reason}`);
    }
    if (request.operatorId !== undefined) await requireAssignable(tenantId, request.operatorId);
    const team = request.teamId === undefined ? undefined : await requireTeamMove(tenantId, current, request.teamId);
    const assigneeId = assigneeAfter(request, by, current);
    const changes: SupportChanges = {
      status: transition.to,
      ...(assigneeId !== undefined && { assigneeId }),
      snoozedUntil: transition.to === 'snoozed' ? (request.snoozedUntil ?? null) : null,
      // A move to a team's queue starts its wait there, even from another team's waiting queue.
      ...((transition.to !== current.status || team) && { statusChangedAt: now() }),
      ...(team && { teamId: team.id }),
    };
    const eventId = newId();
    const updated = await transaction(db, async (tx) => {
      const changed = await repository.updateIfUnchanged(tx, tenantId, id, current, changes);
      if (!changed) return undefined;
      // Its reply-time clocks move with it, and the row carries their due times from here on.
      const row =
        (await deps.replyClocks?.afterStatusChange(
          tx,
          tenantId,
          current,
          changed,
          by.kind === 'operator' ? by.actor.userId : null,
          changes.statusChangedAt ?? now(),
        )) ?? changed;
      await repository.insertEvent(tx, {
        id: eventId,
        tenantId,
        supportConversationId: id,
        actorKind: by.kind,
        actorId: by.kind === 'operator' ? by.actor.userId : null,
        action: request.action,
        fromStatus: current.status,
        toStatus: row.status,
        assigneeId: row.assigneeId,
        reason: request.reason ?? null,
      });
      // The webhook events commit with the change (the outbox): a crash can lose neither.
      if (row.status !== current.status)
        await deps.events?.emit(tx, tenantId, 'conversation.status_changed', {
          supportConversation: presentSupportConversation(row),
          fromStatus: current.status,
          toStatus: row.status,
          action: request.action,
        });
      if (request.action === 'request_human' && row.status !== current.status)
        await deps.events?.emit(tx, tenantId, 'handoff.requested', {
          supportConversation: presentSupportConversation(row),
          reason: request.reason ?? null,
        });
      return row;
    });
    if (!updated) {
      throw conflict(
        `Support conversation '${id}' changed while it was being ${actionVerbs[request.action]} (another operator may have taken it): reload it and try again`,
      );
    }
    // Operators are told first (in the background): the webhook events' reads must not delay the notice.
    deps.onChanged?.({
      tenantId,
      before: current,
      after: updated,
      action: request.action,
      reason: request.reason ?? null,
      byKind: by.kind,
      eventId,
      depth: request.depth ?? 0,
    });
    if (updated.status === 'snoozed' && updated.snoozedUntil) {
      await deps.scheduleWake?.({ tenantId, supportConversationId: id, until: updated.snoozedUntil });
    }
    return updated;
  }

  /**
   * In the transaction that creates a conversation, whoever opened it: its reply-time clocks (a human-only
   * inbox's starts waiting for a person) and its webhook event (the outbox). Answers the row as it now is.
   */
  async function recordCreated(
    tx: Transaction,
    tenantId: string,
    inserted: StoredSupportConversation,
  ): Promise<StoredSupportConversation> {
    const created =
      (await deps.replyClocks?.afterStatusChange(tx, tenantId, undefined, inserted, null, inserted.createdAt)) ??
      inserted;
    await deps.events?.emit(
      tx,
      tenantId,
      'conversation.created',
      { supportConversation: presentSupportConversation(created) },
      { key: created.id },
    );
    return created;
  }

  /** Once it is committed: operators told when a new conversation waits for them. */
  function announceCreated(tenantId: string, created: StoredSupportConversation): void {
    deps.onCreated?.(tenantId, created);
    if (created.status === 'pending') {
      deps.onChanged?.({ tenantId, before: created, after: created, action: 'create', reason: null });
    }
  }

  return { find, change, recordCreated, announceCreated };
}
