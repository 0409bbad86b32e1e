import { hasRoleAtLeast, type Actor } from '../../access/actor.js';
import type { Database } from '../../platform/db/client.js';
import { decodeCursor, encodeCursor, type Page } from '../../platform/db/pagination.js';
import type { SupportStatus } from '../../platform/db/schema/support.js';
import { AppError, conflict, notFound } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import type { WebhookEvents } from '../webhooks/index.js';
import type { ContactsService } from './contacts.service.js';
import type { InboxesService } from './inboxes.service.js';
import { nextStatus, type SupportAction } from './support-status.js';
import type { StoredSupportConversation, SupportChanges, SupportRepository } from './support.repository.js';
import {
  presentEvent,
  presentNote,
  presentSupportConversation,
  type SupportConversationView,
  type SupportListQuery,
} from './support.schemas.js';

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
}

/** A stored status change: the conversation before and after, and the action that made it. */
export interface SupportChange {
  readonly tenantId: string;
  readonly before: StoredSupportConversation;
  readonly after: StoredSupportConversation;
  readonly action: SupportAction | 'create';
  readonly reason: string | null;
}

export interface SnoozeWake {
  readonly tenantId: string;
  readonly supportConversationId: string;
  readonly until: Date;
}

/** Who changed a status: an operator over HTTP, or the contact and the system (widget, timers) later. */
export type ChangeActor =
  { readonly kind: 'operator'; readonly actor: Actor } | { readonly kind: 'contact' | 'system' };

export interface ChangeRequest {
  readonly action: SupportAction;
  readonly reason?: string | undefined;
  /** For assign and transfer: who gets it. */
  readonly operatorId?: string | undefined;
  readonly snoozedUntil?: Date | undefined;
}

const actionVerbs: Record<SupportAction, string> = {
  take: 'taken',
  assign: 'assigned',
  transfer: 'transferred',
  resolve: 'resolved',
  snooze: 'snoozed',
  reopen: 'reopened',
  request_human: 'handed to a person',
  contact_message: 'reopened by the contact',
  wake: 'woken',
};

const maxContactConversations = 100;

export function createSupportService(deps: SupportServiceDeps) {
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
    const assigneeId = assigneeAfter(request, by, current);
    const changes: SupportChanges = {
      status: transition.to,
      ...(assigneeId !== undefined && { assigneeId }),
      snoozedUntil: transition.to === 'snoozed' ? (request.snoozedUntil ?? null) : null,
      ...(transition.to !== current.status && { statusChangedAt: now() }),
    };
    const updated = await db.transaction(async (tx) => {
      const row = await repository.updateIfUnchanged(tx, tenantId, id, current, changes);
      if (!row) return undefined;
      await repository.insertEvent(tx, {
        id: newId(),
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
    });
    if (updated.status !== current.status)
      await deps.events?.emit(tenantId, 'conversation.status_changed', {
        supportConversation: presentSupportConversation(updated),
        fromStatus: current.status,
        toStatus: updated.status,
        action: request.action,
      });
    if (request.action === 'request_human' && updated.status !== current.status)
      await deps.events?.emit(tenantId, 'handoff.requested', {
        supportConversation: presentSupportConversation(updated),
        reason: request.reason ?? null,
      });
    if (updated.status === 'snoozed' && updated.snoozedUntil) {
      await deps.scheduleWake?.({ tenantId, supportConversationId: id, until: updated.snoozedUntil });
    }
    return updated;
  }

  /** A new conversation, whoever opened it: the webhook event, and operators told when it waits for them. */
  async function announceCreated(tenantId: string, created: StoredSupportConversation): Promise<void> {
    await deps.events?.emit(
      tenantId,
      'conversation.created',
      { supportConversation: presentSupportConversation(created) },
      { key: created.id },
    );
    if (created.status === 'pending') {
      deps.onChanged?.({ tenantId, before: created, after: created, action: 'create', reason: null });
    }
  }

  return {
    change,

    /**
     * The snooze job: opens the conversation if it is still snoozed and its time has come. Run twice (a
     * retry, two nodes), the second finds it open already and does nothing.
     */
    async wakeIfDue(tenantId: string, id: string): Promise<void> {
      const found = await repository.find(db, tenantId, id);
      const snoozed = found?.conversation;
      if (snoozed?.status !== 'snoozed' || !snoozed.snoozedUntil) return;
      // Early (another node's clock): wait again rather than leave it snoozed for ever.
      if (snoozed.snoozedUntil > now()) {
        await deps.scheduleWake?.({ tenantId, supportConversationId: id, until: snoozed.snoozedUntil });
        return;
      }
      try {
        await change(tenantId, id, { kind: 'system' }, { action: 'wake', reason: 'the snooze ran out' });
      } catch (error) {
        // Another node woke it (or an operator changed it) first: nothing is left to do.
        if (!(error instanceof AppError && error.code === 'conflict')) throw error;
      }
    },

    async create(actor: Actor, input: { inboxId: string; contactId: string }): Promise<SupportConversationView> {
      const hasAgent = await deps.inboxes.hasAgent(actor.tenantId, input.inboxId);
      await deps.contacts.find(actor.tenantId, input.contactId);
      const status: SupportStatus = hasAgent ? 'bot' : 'pending';
      const created = await db.transaction(async (tx) => {
        const row = await repository.insert(tx, {
          id: newId(),
          tenantId: actor.tenantId,
          inboxId: input.inboxId,
          contactId: input.contactId,
          status,
        });
        await repository.insertEvent(tx, {
          id: newId(),
          tenantId: actor.tenantId,
          supportConversationId: row.id,
          actorKind: 'operator',
          actorId: actor.userId,
          action: 'create',
          fromStatus: null,
          toStatus: status,
          reason: null,
        });
        return row;
      });
      await announceCreated(actor.tenantId, created);
      return presentSupportConversation(created);
    },

    /**
     * For the widget API: a contact's first message opens a conversation, linked to the chat
     * conversation its messages are written to (ADR 16), recorded as the contact's doing.
     */
    async createForContact(
      tenantId: string,
      input: { inboxId: string; contactId: string; conversationId: string; hasAgent: boolean },
    ): Promise<StoredSupportConversation> {
      const status: SupportStatus = input.hasAgent ? 'bot' : 'pending';
      const created = await db.transaction(async (tx) => {
        const row = await repository.insert(tx, {
          id: newId(),
          tenantId,
          inboxId: input.inboxId,
          contactId: input.contactId,
          conversationId: input.conversationId,
          status,
        });
        await repository.insertEvent(tx, {
          id: newId(),
          tenantId,
          supportConversationId: row.id,
          actorKind: 'contact',
          actorId: null,
          action: 'create',
          fromStatus: null,
          toStatus: status,
          reason: input.hasAgent ? null : 'the inbox has no AI agent',
        });
        return row;
      });
      await announceCreated(tenantId, created);
      return created;
    },

    async list(actor: Actor, query: SupportListQuery): Promise<Page<SupportConversationView>> {
      const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
      if (query.cursor !== undefined && !after) {
        throw new AppError('validation_failed', 'The cursor is not one this endpoint returned', {
          fields: [{ field: 'cursor', message: 'is not a cursor returned by this endpoint' }],
        });
      }
      const assignee = query.view === 'mine' ? 'me' : query.view === 'unassigned' ? 'unassigned' : query.assignee;
      const assigneeId = assignee === 'me' ? actor.userId : assignee === 'unassigned' ? null : assignee;
      const filter = {
        status: query.status,
        inboxId: query.inboxId,
        assigneeId,
        isUnresolvedOnly: query.view !== undefined && query.status === undefined,
      };
      const rows = await repository.listQueue(db, actor.tenantId, filter, query.limit, after);
      const page = rows.slice(0, query.limit);
      const last = page.at(-1);
      return {
        items: page.map((entry) => presentSupportConversation(entry.row)),
        nextCursor:
          rows.length > query.limit && last ? encodeCursor({ createdAt: last.cursorAt, id: last.row.id }) : null,
      };
    },

    /** The queue's tabs with their counts, over the same status (by default every unresolved one). */
    counts(actor: Actor, query: { status?: SupportStatus | undefined; inboxId?: string | undefined }) {
      return repository.countQueue(db, actor.tenantId, actor.userId, query);
    },

    async get(actor: Actor, id: string): Promise<SupportConversationView> {
      return presentSupportConversation((await find(actor.tenantId, id)).conversation);
    },

    async act(actor: Actor, id: string, request: ChangeRequest): Promise<SupportConversationView> {
      return presentSupportConversation(await change(actor.tenantId, id, { kind: 'operator', actor }, request));
    },

    async listOfContact(actor: Actor, contactId: string) {
      await deps.contacts.find(actor.tenantId, contactId);
      const rows = await repository.listOfContact(db, actor.tenantId, contactId, maxContactConversations);
      return { items: rows.map(presentSupportConversation) };
    },

    async events(actor: Actor, id: string) {
      await find(actor.tenantId, id);
      return { items: (await repository.listEvents(db, actor.tenantId, id)).map(presentEvent) };
    },

    async notes(actor: Actor, id: string) {
      await find(actor.tenantId, id);
      return { items: (await repository.listNotes(db, actor.tenantId, id)).map(presentNote) };
    },

    async addNote(actor: Actor, id: string, body: string) {
      await find(actor.tenantId, id);
      const note = await repository.insertNote(db, {
        id: newId(),
        tenantId: actor.tenantId,
        supportConversationId: id,
        authorId: actor.userId,
        body,
      });
      return presentNote(note);
    },

    async setLabels(actor: Actor, id: string, labels: string[]): Promise<SupportConversationView> {
      const unique = [...new Set(labels)].sort();
      const row = await repository.setLabels(db, actor.tenantId, id, unique);
      if (!row) throw notFound('Support conversation', id);
      return presentSupportConversation(row);
    },
  };
}

export type SupportService = ReturnType<typeof createSupportService>;
