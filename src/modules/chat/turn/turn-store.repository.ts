import { desc, eq, sql } from 'drizzle-orm';
import type { Executor } from '../../../platform/db/client.js';
import { preparedFor } from '../../../platform/db/prepared.js';
import {
  agentKnowledgeSources,
  agentTools,
  agents,
  conversations,
  idempotencyKeys,
  messages,
  supportConversations,
  type StoredAttachment,
} from '../../../platform/db/schema/index.js';
import { inTenant } from '../../../platform/db/tenant-scope.js';
import type { SignInToConfirm } from '../../../access/actor.js';
import { isSignInLiveSql } from '../../auth/index.js';
import { countedMessageSql, type MessageToCount } from '../../budgets/index.js';
import type { MessageRow } from './chat-turn.repository.js';
import { newTurnRows } from './new-turn-rows.js';
import {
  historyBefore,
  historyContent,
  historyReadChars,
  newestSummaryBefore,
  type HistoryMessage,
  type SummaryMark,
} from './history.repository.js';

/**
 * What the turn's checks were made against, often a copy this node keeps (chat.service.ts): the statement
 * stores the turn only while all of it still holds, so a copy that went stale costs a second try, never a
 * turn stored past a check.
 */
export interface TurnExpectation {
  /** The sender, who must own the conversation. */
  readonly ownerId: string;
  readonly agentId: string;
  /** The agent row's `updated_at` as text: any change to the agent changes it. */
  readonly agentUpdatedAt: string;
  /** Null for a chat conversation; a support conversation's contact ('' when it has none). */
  readonly supportContactId: string | null;
  /** The sender's sign-in when the request was let in without reading it (auth's live-sign-in.ts). */
  readonly signIn?: SignInToConfirm | null;
}

export interface NewTurn {
  readonly tenantId: string;
  readonly conversationId: string;
  readonly userMessageId: string;
  readonly assistantMessageId: string;
  readonly content: string;
  /** The files the user's message carries, already checked as theirs; null for none. */
  readonly attachments: StoredAttachment[] | null;
  readonly modelRef: string;
  /** The agent's published version, which the reply records. */
  readonly agentVersion: number;
  readonly now: Date;
  readonly expected: TurnExpectation;
  /** The sender's message against their daily cap, counted by this statement (budgets' `countedMessageSql`). */
  readonly messageToCount?: MessageToCount;
  /** When set, the turn is stored only if this Idempotency-Key is claimed by the same statement. */
  readonly idempotencyClaim?: { readonly userId: string; readonly key: string; readonly requestHash: string };
  /** The most messages read for the prompt, the user's new one included (so one fewer is read). */
  readonly historyLimit: number;
  /** CHAT_HISTORY_MAX_CHARS: no message is read longer than the whole history may be. */
  readonly historyMaxChars: number;
}

export interface StoredTurnRows {
  /** False when the sign-in the request was let in on (`expected.signIn`) ended: nothing was stored. */
  readonly isSignInLive: boolean;
  /** False when what the checks were made against changed (`expected`): nothing was stored. */
  readonly isCurrent: boolean;
  /** False when the sender's daily cap refused the message (`messageToCount`): nothing was stored. */
  readonly isAdmitted: boolean;
  /** False when nothing was stored: not current, not admitted, or the Idempotency-Key was already taken. */
  readonly isStored: boolean;
  readonly user: MessageRow;
  readonly assistant: MessageRow;
  /** The conversation as the turn found it: read by the statement that stored it. */
  readonly conversation: {
    readonly title: string | null;
    readonly messageCountBefore: number;
    readonly personalityOverride: string | null;
  };
  /** The agent's knowledge sources and tools now (links change without touching the agent row). */
  readonly agentLinks: { readonly knowledgeSourceIds: string[]; readonly toolKeys: string[] };
  /** The messages before the user's (oldest first), read in the same statement. */
  readonly history: HistoryMessage[];
  /** The read reached the conversation's first message (it read fewer than it could). */
  readonly isHistoryWhole: boolean;
  /** The conversation's newest summary, read in the same statement (companion summaries). */
  readonly summary: SummaryMark | undefined;
}

const value = sql.placeholder;

/**
 * A turn's checks, writes and the history before it, in one statement (see `storeTurn`): the checks
 * (`guard`: the sender's sign-in when the access hook did not read it, and what the service checked), the sender's daily count (`counted`), the Idempotency-Key (`claim`), the conversation's bump
 * and the two messages, each only when those before it succeeded. Prepared in two
 * forms, with and without an Idempotency-Key to claim; the values are placeholders, so the text never changes.
 */
function storeTurnStatement(db: Executor, isKeyed: boolean) {
  // The checks the service made, as they hold now: the sender owns the conversation, which still has the
  // agent as it was checked, and is (or is not) a support conversation with the same contact.
  const isSignInLive = sql`(${value('signInUserId')}::uuid is null or ${isSignInLiveSql({
    userId: sql`${value('signInUserId')}`,
    tenantId: sql`${value('tenantId')}`,
    sessionId: sql`${value('signInSessionId')}`,
    sessionEpoch: sql`${value('signInEpoch')}`,
    role: sql`${value('signInRole')}`,
  })})`;
  const guard = db.$with('guard', {}).as(sql`
    select from ${conversations}
    where ${inTenant(conversations, value('tenantId'), eq(conversations.id, value('conversationId')))}
      and ${isSignInLive}
      and ${conversations.ownerId} = ${value('ownerId')}::uuid
      and ${conversations.agentId} = ${value('agentId')}::uuid
      and exists (select from ${agents} where ${agents.id} = ${value('agentId')}::uuid
        and ${agents.tenantId} = ${value('tenantId')}::uuid and ${agents.updatedAt}::text = ${value('agentUpdatedAt')}::text)
      and coalesce((select coalesce(${supportConversations.contactId}::text, '') from ${supportConversations}
        where ${supportConversations.conversationId} = ${conversations.id}), '-') = ${value('supportContact')}::text`);
  // The sender's message counted against their daily cap when the checks hold (none to count: no row).
  const isCounting = sql`${value('countUserId')}::uuid is not null`;
  const counted = db.$with('counted', {}).as(
    countedMessageSql(
      {
        tenantId: sql`${value('tenantId')}`,
        userId: sql`${value('countUserId')}`,
        day: sql`${value('countDay')}`,
        cap: sql`${value('countCap')}`,
      },
      sql`${isCounting} and exists (select from guard)`,
    ),
  );
  const isAdmitted = sql`(not ${isCounting} or exists (select from counted))`;
  const claim = db.$with('claim', {}).as(sql`
    insert into ${idempotencyKeys}
      (tenant_id, user_id, key, request_hash, conversation_id, user_message_id, assistant_message_id)
    select ${value('tenantId')}::uuid, ${value('userId')}::uuid, ${value('key')}::text, ${value('requestHash')}::text,
      ${value('conversationId')}::uuid, ${value('userMessageId')}::uuid, ${value('assistantMessageId')}::uuid
    from guard where ${isAdmitted}
    on conflict do nothing
    returning key`);
  const isAllowed = isKeyed ? sql`exists (select from claim)` : sql`(exists (select from guard) and ${isAdmitted})`;
  // The conversation is bumped here, so the two messages take their seqs (the last two) from this
  // statement rather than from the trigger (a row is updated once per statement). The owner wrote, so the
  // proactive messages before count as answered (the companion's proactive pass reads these two columns):
  // reset here rather than by a statement of its own on every turn (issue 48).
  const bumped = db.$with('bumped', {}).as(sql`
    update ${conversations}
    set message_count = message_count + 2, last_seq = last_seq + 2,
      last_activity_at = ${value('now')}::timestamptz, updated_at = ${value('now')}::timestamptz,
      proactive_unanswered = 0, proactive_checked_at = null
    where ${inTenant(conversations, value('tenantId'), eq(conversations.id, value('conversationId')))} and ${isAllowed}
    returning id, last_seq, title, message_count, personality_override`);
  const stored = db.$with('stored', {}).as(sql`
    insert into ${messages}
      (id, tenant_id, conversation_id, role, content, status, model, agent_version, attachments, created_at,
        completed_at, alive_at, seq)
    select turn.id, turn.tenant_id, turn.conversation_id, turn.role, turn.content, turn.status, turn.model,
      turn.agent_version, turn.attachments, turn.created_at, turn.completed_at, turn.alive_at,
      bumped.last_seq - turn.seq_back
    from (values
      (${value('userMessageId')}::uuid, ${value('tenantId')}::uuid, ${value('conversationId')}::uuid, 'user',
        ${value('content')}::text, 'complete', null::text, null::integer, ${value('attachments')}::jsonb,
        ${value('now')}::timestamptz, ${value('now')}::timestamptz, null::timestamptz, 1),
      (${value('assistantMessageId')}::uuid, ${value('tenantId')}::uuid, ${value('conversationId')}::uuid,
        'assistant', '', 'streaming', ${value('modelRef')}::text, ${value('agentVersion')}::integer, null::jsonb,
        ${value('now')}::timestamptz, null::timestamptz, ${value('now')}::timestamptz, 0)
    ) as turn (id, tenant_id, conversation_id, role, content, status, model, agent_version, attachments, created_at,
      completed_at, alive_at, seq_back)
    cross join bumped
    where ${isAllowed}
    returning id`);
  const history = db
    .select({
      id: messages.id,
      role: messages.role,
      // Aliases of their own: the summary's columns sit beside these in the outer select.
      content: historyContent(value('historyReadChars')).as('history_content'),
      attachments: messages.attachments,
      position: sql<number>`row_number() over (order by ${messages.id} desc)`.as('history_position'),
    })
    .from(messages)
    .where(historyBefore(value('tenantId'), value('conversationId'), value('userMessageId')))
    .orderBy(desc(messages.id))
    .limit(value('historyLimit'))
    .as('history');
  const summary = newestSummaryBefore(db, value('tenantId'), value('conversationId'), value('userMessageId')).as(
    'summary',
  );
  // What is read once goes on the first row only (the newest message's, or the only row).
  const onFirstRow = <T>(expression: ReturnType<typeof sql>) =>
    sql<T>`case when coalesce(${history.position}, 1) = 1 then ${expression} end`;
  const linkedIds = (table: typeof agentKnowledgeSources | typeof agentTools, column: ReturnType<typeof sql>) =>
    sql`array(select ${column} from ${table} where ${table.agentId} = ${value('agentId')}::uuid and ${table.tenantId} = ${value('tenantId')}::uuid order by 1)`;
  // Ordered by the history's position, newest first, as storeTurn reads the rows: without the ORDER BY
  // their order is the plan's, which nothing promises.
  return db
    .with(guard, counted, ...(isKeyed ? [claim] : []), bumped, stored)
    .select({
      isSignInLive: sql<boolean>`${isSignInLive}`,
      isCurrent: sql<boolean>`exists (select from guard)`,
      isAdmitted: sql<boolean>`${isAdmitted}`,
      isStored: sql<boolean>`${isAllowed}`,
      // The assistant's seq; the user's is the one before (bigint: a string from some drivers).
      turnSeq: sql<string | number | null>`(select last_seq from bumped)`,
      title: onFirstRow<string | null>(sql`(select title from bumped)`),
      messageCount: onFirstRow<number | null>(sql`(select message_count from bumped)`),
      personalityOverride: onFirstRow<string | null>(sql`(select personality_override from bumped)`),
      knowledgeSourceIds: onFirstRow<string[] | null>(
        linkedIds(agentKnowledgeSources, sql`${agentKnowledgeSources.sourceId}::text`),
      ),
      toolKeys: onFirstRow<string[] | null>(linkedIds(agentTools, sql`${agentTools.toolKey}`)),
      id: history.id,
      role: history.role,
      content: history.content,
      attachments: history.attachments,
      summaryEnd: summary.lastMessageId,
      summaryContent: onFirstRow<string | null>(sql`${summary.content}`),
    })
    .from(sql`(select 1) as one`)
    .leftJoinLateral(summary, sql`true`)
    .leftJoinLateral(history, sql`true`)
    .orderBy(sql`${history.position}`)
    .prepare(isKeyed ? 'chat_store_keyed_turn' : 'chat_store_turn');
}

const storeTurn = preparedFor((db) => storeTurnStatement(db, false));
const storeKeyedTurn = preparedFor((db) => storeTurnStatement(db, true));

export function createTurnStoreRepository() {
  return {
    /**
     * Stores a turn in one statement, so one round trip sits between the checks and the model call: checks
     * that what the service checked still holds (`expected`), claims the Idempotency-Key (if any), inserts
     * the user's message and the assistant's placeholder (`streaming`) and bumps the conversation, only when
     * both succeeded, and reads the history before the user's message. Being one statement it commits as a
     * whole; the history is read from the snapshot before the inserts. A concurrent retry with the same key
     * waits on the key's row, then finds it taken and stores nothing.
     */
    async storeTurn(db: Executor, turn: NewTurn): Promise<StoredTurnRows> {
      const { idempotencyClaim: claim, expected, messageToCount: count } = turn;
      const values = {
        tenantId: turn.tenantId,
        conversationId: turn.conversationId,
        userMessageId: turn.userMessageId,
        assistantMessageId: turn.assistantMessageId,
        content: turn.content,
        attachments: turn.attachments === null ? null : JSON.stringify(turn.attachments),
        modelRef: turn.modelRef,
        agentVersion: turn.agentVersion,
        now: turn.now.toISOString(),
        ownerId: expected.ownerId,
        agentId: expected.agentId,
        agentUpdatedAt: expected.agentUpdatedAt,
        supportContact: expected.supportContactId ?? '-',
        signInUserId: expected.signIn?.userId ?? null,
        signInSessionId: expected.signIn?.sessionId ?? null,
        signInEpoch: expected.signIn?.sessionEpoch ?? null,
        signInRole: expected.signIn?.role ?? null,
        countUserId: count?.userId ?? null,
        countDay: count?.day ?? null,
        countCap: count?.cap ?? null,
        // The user's message joins the history in memory: it is not in the snapshot this reads.
        historyLimit: Math.max(0, turn.historyLimit - 1),
        historyReadChars: historyReadChars(turn.historyMaxChars),
      };
      const rows = claim
        ? await storeKeyedTurn(db).execute({ ...values, ...claim })
        : await storeTurn(db).execute(values);
      // Newest first (the statement's ORDER BY): reversed, oldest first, as a prompt holds them.
      const earlier = rows.flatMap(({ id, role, content, attachments }) =>
        id === null || role === null || content === null ? [] : [{ id, role, content, attachments }],
      );
      const first = rows[0];
      const summary = rows.find((row) => row.summaryContent !== null);
      return {
        // The same on every row: the statement always returns one, history or not.
        isSignInLive: first?.isSignInLive === true,
        isCurrent: first?.isCurrent === true,
        isAdmitted: first?.isAdmitted === true,
        isStored: first?.isStored === true,
        ...newTurnRows(turn, Number(first?.turnSeq ?? 0)),
        conversation: {
          title: first?.title ?? null,
          messageCountBefore: Math.max(0, Number(first?.messageCount ?? 2) - 2),
          personalityOverride: first?.personalityOverride ?? null,
        },
        agentLinks: { knowledgeSourceIds: first?.knowledgeSourceIds ?? [], toolKeys: first?.toolKeys ?? [] },
        history: earlier.reverse(),
        isHistoryWhole: earlier.length < values.historyLimit,
        summary:
          summary?.summaryEnd && summary.summaryContent !== null
            ? { lastMessageId: summary.summaryEnd, content: summary.summaryContent }
            : undefined,
      };
    },
  };
}
