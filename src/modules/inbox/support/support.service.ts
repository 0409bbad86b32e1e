import type { Actor } from '../../../access/actor.js';
import { transaction } from '../../../platform/db/after-commit.js';
import { decodeCursor, encodeCursor, type Page } from '../../../platform/db/pagination.js';
import type { InboxKind, SupportStatus } from '../../../platform/db/schema/support.js';
import { AppError } from '../../../platform/errors.js';
import { newId } from '../../../platform/ids.js';
import { createSupportChanges, type ChangeRequest, type SupportServiceDeps } from './support-changes.js';
import { createSupportUpdates } from './support-updates.js';
import type { StoredSupportConversation } from './support.repository.js';
import {
  presentEvent,
  presentNote,
  presentSupportConversation,
  type SupportConversationUpdate,
  type SupportConversationView,
  type SupportListQuery,
} from './support.schemas.js';

export type {
  ChangeActor,
  ChangeRequest,
  LabelsAdded,
  SnoozeWake,
  SupportChange,
  SupportServiceDeps,
} from './support-changes.js';

const maxContactConversations = 100;

/** The queue's team filter: one team's id, or 'mine' (every team the caller belongs to). */
const teamOf = (actor: Actor, teamId: string | undefined) =>
  teamId === undefined ? undefined : teamId === 'mine' ? { memberId: actor.userId } : { id: teamId };

export function createSupportService(deps: SupportServiceDeps) {
  const { db, repository } = deps;
  const now = deps.now ?? (() => new Date());
  const { find, change, recordCreated, announceCreated } = createSupportChanges(deps);
  const updates = createSupportUpdates(deps);

  /** Views with the contact's rating where there is one: operators see it where they work. */
  async function withRatings(tenantId: string, rows: readonly StoredSupportConversation[]) {
    const ratings = await repository.ratingsOf(
      db,
      tenantId,
      rows.map((row) => row.id),
    );
    const byId = new Map(ratings.map((rating) => [rating.supportConversationId, rating]));
    return rows.map((row) => {
      const rating = byId.get(row.id);
      return {
        ...presentSupportConversation(row),
        rating: rating
          ? {
              rating: rating.rating,
              comment: rating.comment,
              ratedFor: rating.isAiOnly ? ('ai' as const) : ('operator' as const),
              ratedAt: rating.createdAt.toISOString(),
            }
          : null,
      };
    });
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
      const created = await transaction(db, async (tx) => {
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
        return recordCreated(tx, actor.tenantId, row);
      });
      announceCreated(actor.tenantId, created);
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
      const created = await transaction(db, async (tx) => {
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
        return recordCreated(tx, tenantId, row);
      });
      announceCreated(tenantId, created);
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
        channel: query.channel,
        team: teamOf(actor, query.teamId),
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
    counts(
      actor: Actor,
      query: {
        status?: SupportStatus | undefined;
        inboxId?: string | undefined;
        channel?: InboxKind | undefined;
        teamId?: string | undefined;
      },
    ) {
      const { teamId, ...rest } = query;
      return repository.countQueue(db, actor.tenantId, actor.userId, { ...rest, team: teamOf(actor, teamId) });
    },

    async get(actor: Actor, id: string): Promise<SupportConversationView> {
      const { conversation } = await find(actor.tenantId, id);
      const [rated] = await withRatings(actor.tenantId, [conversation]);
      return rated!;
    },

    async act(actor: Actor, id: string, request: ChangeRequest): Promise<SupportConversationView> {
      return presentSupportConversation(await change(actor.tenantId, id, { kind: 'operator', actor }, request));
    },

    async listOfContact(actor: Actor, contactId: string) {
      await deps.contacts.find(actor.tenantId, contactId);
      const rows = await repository.listOfContact(db, actor.tenantId, contactId, maxContactConversations);
      return { items: await withRatings(actor.tenantId, rows) };
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
      return presentSupportConversation(await updates.replaceLabels(actor.tenantId, id, () => labels));
    },

    /** An operator's PATCH: priority and team (support-updates.ts). */
    async update(actor: Actor, id: string, request: SupportConversationUpdate): Promise<SupportConversationView> {
      const row = await updates.updateDetails(actor.tenantId, id, { kind: 'operator', actor }, request);
      return presentSupportConversation(row);
    },

    /** Priority, team and labels as the system changes them (routing rules): the operators' path. */
    updateDetails: updates.updateDetails,
    addLabels: updates.addLabels,
  };
}

export type SupportService = ReturnType<typeof createSupportService>;
