import type { Executor, Transaction } from '../../../platform/db/client.js';
import { newId } from '../../../platform/ids.js';
import type { ReplyTargetKind, StoredReplyTargets } from '../../../platform/db/schema/index.js';
import { messageOfLogPayload, type LogReader } from '../../conversations/index.js';
import { addOpenMinutes } from '../inboxes/business-hours.js';
import type { StoredSupportConversation } from '../support/support.repository.js';
import type { ApplicableTargets, ReplyTargetsRepository } from './reply-targets.repository.js';

export interface ReplyClocksDeps {
  readonly repository: ReplyTargetsRepository;
}

/** The statuses in which a person has the conversation: a contact's message there is owed a reply. */
const personStatuses: ReadonlySet<string> = new Set(['pending', 'open', 'snoozed']);

const minutesOf: Record<ReplyTargetKind, keyof StoredReplyTargets> = {
  first_response: 'firstResponseMinutes',
  next_response: 'nextResponseMinutes',
  resolution: 'resolutionMinutes',
};

/** When a clock of the kind started at `startedAt` is due (undefined: the targets have none of that kind). */
export function dueTimeOf(applicable: ApplicableTargets, target: ReplyTargetKind, startedAt: Date): Date | undefined {
  const minutes = applicable.targets?.[minutesOf[target]];
  if (typeof minutes !== 'number') return undefined;
  const hours = applicable.targets?.isBusinessHoursOnly ? applicable.businessHours : null;
  return addOpenMinutes(hours, startedAt, minutes);
}

/**
 * The reply-time clocks of support conversations (docs/desk-routing.md, "Reply-time targets"), started and
 * met inside the transaction of the change that causes them: a status change (support-changes.ts), an
 * operator's reply (operator-desk.service.ts), or a contact's message, read from the conversations' log
 * (the one place every channel's messages pass through). After each, the conversation's due times are
 * copied from its running clocks, so the queue and the API read them from the row.
 */
export function createReplyClocks(deps: ReplyClocksDeps) {
  const { repository } = deps;

  async function startClock(
    tx: Executor,
    tenantId: string,
    supportConversationId: string,
    applicable: ApplicableTargets,
    target: ReplyTargetKind,
    startedAt: Date,
  ): Promise<boolean> {
    const dueAt = dueTimeOf(applicable, target, startedAt);
    if (!dueAt) return false;
    return repository.start(tx, {
      id: newId(),
      tenantId,
      supportConversationId,
      target,
      inboxId: applicable.inboxId,
      teamId: applicable.teamId,
      startedAt,
      dueAt,
    });
  }

  /**
   * After a status change (or a creation: `before` undefined), in its transaction. A person asked for the
   * first time starts first response and resolution; a resolve meets resolution and cancels the response
   * clocks still running, as a hand back to the AI does. Answers the row with its due times as they now are.
   */
  async function afterStatusChange(
    tx: Transaction,
    tenantId: string,
    before: StoredSupportConversation | undefined,
    after: StoredSupportConversation,
    operatorId: string | null,
    at: Date,
  ): Promise<StoredSupportConversation> {
    let isChanged = false;
    if (after.status === 'pending' && before?.status !== 'pending') {
      const isFirstAsk = !(await repository.hasEverStarted(tx, tenantId, after.id, 'first_response'));
      const applicable = isFirstAsk ? await repository.findApplicable(tx, tenantId, after.id) : undefined;
      if (applicable?.targets) {
        const startedFirst = await startClock(tx, tenantId, after.id, applicable, 'first_response', at);
        const startedResolution = await startClock(tx, tenantId, after.id, applicable, 'resolution', at);
        isChanged = startedFirst || startedResolution;
      }
    }
    if (after.status === 'resolved' && before !== undefined && before.status !== 'resolved') {
      const resolvedBy = operatorId ?? after.assigneeId;
      const met = await repository.meet(tx, tenantId, after.id, ['resolution'], at, resolvedBy);
      const cancelled = await repository.cancel(
        tx,
        tenantId,
        after.id,
        ['first_response', 'next_response'],
        at,
        after.assigneeId,
      );
      isChanged = met + cancelled > 0;
    }
    // Handed back to the AI: no person owes a reply now (resolution still runs).
    if (after.status === 'bot' && before !== undefined && before.status !== 'bot') {
      const cancelled = await repository.cancel(
        tx,
        tenantId,
        after.id,
        ['first_response', 'next_response'],
        at,
        after.assigneeId,
      );
      isChanged = cancelled > 0;
    }
    if (!isChanged) return after;
    return (await repository.syncDueTimes(tx, tenantId, after.id)) ?? after;
  }

  /** An operator's reply, in its transaction: it meets the first and next response clocks that run. */
  async function afterOperatorReply(
    tx: Transaction,
    tenantId: string,
    supportConversationId: string,
    operatorId: string,
    at: Date,
  ): Promise<void> {
    const met = await repository.meet(
      tx,
      tenantId,
      supportConversationId,
      ['first_response', 'next_response'],
      at,
      operatorId,
    );
    if (met > 0) await repository.syncDueTimes(tx, tenantId, supportConversationId);
  }

  /**
   * A contact's message while a person has the conversation and the last word was an operator's starts
   * next response, from the message's own time (so a reader that comes late still dates it right). A
   * message read again (the log hands events on twice near the horizon) finds its clock already started.
   */
  async function afterContactMessage(
    tx: Transaction,
    tenantId: string,
    conversationId: string,
    sentAt: Date,
  ): Promise<void> {
    const support = await repository.findByChat(tx, tenantId, conversationId);
    if (!support || !personStatuses.has(support.status)) return;
    const latest = await repository.latestStart(tx, tenantId, support.id, 'next_response');
    if (latest && latest.getTime() >= sentAt.getTime()) return;
    if (!(await repository.wasLastWordOperators(tx, tenantId, conversationId, sentAt))) return;
    const applicable = await repository.findApplicable(tx, tenantId, support.id);
    if (!applicable?.targets) return;
    if (!(await startClock(tx, tenantId, support.id, applicable, 'next_response', sentAt))) return;
    // An operator who answered before this reader came met it then.
    const answered = await repository.firstOperatorReplyAfter(tx, tenantId, conversationId, sentAt);
    if (answered) {
      await repository.meet(tx, tenantId, support.id, ['next_response'], answered.createdAt, answered.authorId);
    }
    await repository.syncDueTimes(tx, tenantId, support.id);
  }

  return {
    afterStatusChange,
    afterOperatorReply,
    /** The log's reader of contact messages (its cursor: `reply-targets`). */
    contactMessages(): LogReader {
      return {
        name: 'reply-targets',
        only: repository.contactMessagesInLog(),
        handle: async (tx, events) => {
          for (const event of events) {
            const message = messageOfLogPayload(event.payload);
            if (message.role !== 'user') continue;
            await afterContactMessage(tx, event.tenantId, event.conversationId, message.createdAt);
          }
        },
      };
    },
  };
}

export type ReplyClocks = ReturnType<typeof createReplyClocks>;
