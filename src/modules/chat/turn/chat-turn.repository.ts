import { and, desc, eq, sql } from 'drizzle-orm';
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
import {
  historyBefore,
  historyContent,
  historyReadChars,
  newestSummaryBefore,
  type HistoryMessage,
  type SummaryMark,
} from './history.repository.js';

export type MessageRow = typeof messages.$inferSelect;
export type AssistantMessageResult = Pick<
  MessageRow,
  | 'content'
  | 'reasoning'
  | 'status'
  | 'errorCode'
  | 'errorMessage'
  | 'inputTokens'
  | 'outputTokens'
  | 'reasoningTokens'
  | 'totalTokens'
  | 'timeToFirstTokenMs'
  | 'durationMs'
  | 'finishReason'
  | 'completedAt'
  | 'citations'
  | 'passagesFound'
>;

export interface NewTurn {
  readonly tenantId: string;
  readonly conversationId: string;
  readonly userMessageId: string;
  readonly assistantMessageId: string;
  readonly content: string;
  /** The files the user's message carries, already checked as theirs; null for none. */
  readonly attachments: StoredAttachment[] | null;
  readonly modelRef: string;
  readonly now: Date;
  /** When set, the turn is stored only if this Idempotency-Key is claimed by the same statement. */
  readonly idempotencyClaim?: { readonly userId: string; readonly key: string; readonly requestHash: string };
  /** The most messages read for the prompt, the user's new one included (so one fewer is read). */
  readonly historyLimit: number;
  /** CHAT_HISTORY_MAX_CHARS: no message is read longer than the whole history may be. */
  readonly historyMaxChars: number;
}

export interface StoredTurnRows {
  /** False when the Idempotency-Key was already taken: nothing was stored. */
  readonly isStored: boolean;
  readonly user: MessageRow;
  readonly assistant: MessageRow;
  /** The messages before the user's (oldest first), read in the same statement. */
  readonly history: HistoryMessage[];
  /** The read reached the conversation's first message (it read fewer than it could). */
  readonly isHistoryWhole: boolean;
  /** The conversation's newest summary, read in the same statement (companion summaries). */
  readonly summary: SummaryMark | undefined;
}

/** One bubble after the first of a split reply, stored complete as it is delivered. */
export interface BubbleToStore {
  readonly id: string;
  readonly tenantId: string;
  readonly conversationId: string;
  /** The turn's first reply message: the head of the group. */
  readonly headId: string;
  readonly position: number;
  readonly content: string;
  readonly modelRef: string;
  readonly now: Date;
}

export interface ReplyToRecord {
  readonly tenantId: string;
  readonly conversationId: string;
  readonly messageId: string;
  readonly result: AssistantMessageResult;
  /** Set for a successful reply: the conversation's state then counts the turn and its model. */
  readonly turn?: { readonly modelRef: string; readonly now: Date };
}

/** The conversation a message is posted to, with its agent (null when it has none, or it was deleted). */
const turnContext = preparedFor((db) =>
  db
    .select({
      conversation: {
        id: conversations.id,
        ownerId: conversations.ownerId,
        title: conversations.title,
        messageCount: conversations.messageCount,
        personalityOverride: conversations.personalityOverride,
        // A support conversation's turns ask the desk whether the AI may answer (ChatTurnDeps.supportGate);
        // in this statement, so no other turn pays a round trip for it.
        isSupport: sql<boolean>`exists(select 1 from ${supportConversations} where ${supportConversations.conversationId} = ${conversations.id})`,
        // The contact a support conversation is with: its calls are the contact's in the usage ledger.
        contactId: sql<
          string | null
        >`(select ${supportConversations.contactId} from ${supportConversations} where ${supportConversations.conversationId} = ${conversations.id})`,
      },
      agent: {
        id: agents.id,
        ownerId: agents.ownerId,
        visibility: agents.visibility,
        name: agents.name,
        instructions: agents.instructions,
        model: agents.model,
        temperature: agents.temperature,
        maxOutputTokens: agents.maxOutputTokens,
        createdAt: agents.createdAt,
        // In the same query, so an agent without sources costs the turn no extra round trip (ADR 7).
        knowledgeSourceIds: sql<
          string[]
        >`array(select ${agentKnowledgeSources.sourceId}::text from ${agentKnowledgeSources} where ${agentKnowledgeSources.agentId} = ${agents.id} and ${agentKnowledgeSources.tenantId} = ${agents.tenantId} order by 1)`,
        // Long-term memory is read only for agents that keep it (docs/companion.md).
        hasMemory: sql<boolean>`coalesce((${agents.companion}->>'memory')::boolean, false)`,
        // The rest of the companion settings chat reads (split replies), parsed by the service.
        companion: agents.companion,
        // Likewise: an agent without tools pays nothing more for this column (ADR 7).
        toolKeys: sql<
          string[]
        >`array(select ${agentTools.toolKey} from ${agentTools} where ${agentTools.agentId} = ${agents.id} and ${agentTools.tenantId} = ${agents.tenantId} order by 1)`,
      },
    })
    .from(conversations)
    .leftJoin(agents, and(eq(agents.id, conversations.agentId), eq(agents.tenantId, conversations.tenantId)))
    .where(
      inTenant(conversations, sql.placeholder('tenantId'), eq(conversations.id, sql.placeholder('conversationId'))),
    )
    .prepare('chat_turn_context'),
);

export type TurnContextRow = Awaited<ReturnType<ReturnType<typeof turnContext>['execute']>>[number];

const value = sql.placeholder;

/**
 * A turn's writes and the history before it, in one statement (see `storeTurn`). Prepared in two forms,
 * with and without an Idempotency-Key to claim; the values are placeholders, so the text never changes.
 */
function storeTurnStatement(db: Executor, isKeyed: boolean) {
  const claim = db.$with('claim', {}).as(sql`
    insert into ${idempotencyKeys}
      (tenant_id, user_id, key, request_hash, conversation_id, user_message_id, assistant_message_id)
    values (${value('tenantId')}, ${value('userId')}, ${value('key')}, ${value('requestHash')},
      ${value('conversationId')}, ${value('userMessageId')}, ${value('assistantMessageId')})
    on conflict do nothing
    returning key`);
  const isClaimed = isKeyed ? sql`exists (select from claim)` : sql`true`;
  // The conversation is bumped here, so the two messages take their seqs (the last two) from this
  // statement rather than from the trigger (a row is updated once per statement). The owner wrote, so the
  // proactive messages before count as answered (the companion's proactive pass reads these two columns):
  // reset here rather than by a statement of its own on every turn (issue 48).
  const bumped = db.$with('bumped', {}).as(sql`
    update ${conversations}
    set message_count = message_count + 2, last_seq = last_seq + 2,
      last_activity_at = ${value('now')}::timestamptz, updated_at = ${value('now')}::timestamptz,
      proactive_unanswered = 0, proactive_checked_at = null
    where ${inTenant(conversations, value('tenantId'), eq(conversations.id, value('conversationId')))} and ${isClaimed}
    returning id, last_seq`);
  const stored = db.$with('stored', {}).as(sql`
    insert into ${messages}
      (id, tenant_id, conversation_id, role, content, status, model, attachments, created_at, completed_at, alive_at,
        seq)
    select turn.id, turn.tenant_id, turn.conversation_id, turn.role, turn.content, turn.status, turn.model,
      turn.attachments, turn.created_at, turn.completed_at, turn.alive_at, bumped.last_seq - turn.seq_back
    from (values
      (${value('userMessageId')}::uuid, ${value('tenantId')}::uuid, ${value('conversationId')}::uuid, 'user',
        ${value('content')}::text, 'complete', null::text, ${value('attachments')}::jsonb, ${value('now')}::timestamptz,
        ${value('now')}::timestamptz, null::timestamptz, 1),
      (${value('assistantMessageId')}::uuid, ${value('tenantId')}::uuid, ${value('conversationId')}::uuid,
        'assistant', '', 'streaming', ${value('modelRef')}::text, null::jsonb, ${value('now')}::timestamptz,
        null::timestamptz, ${value('now')}::timestamptz, 0)
    ) as turn (id, tenant_id, conversation_id, role, content, status, model, attachments, created_at, completed_at,
      alive_at, seq_back)
    cross join bumped
    where ${isClaimed}
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
  // Ordered by the history's position, newest first, as storeTurn reads the rows: without the ORDER BY
  // their order is the plan's, which nothing promises.
  return db
    .with(...(isKeyed ? [claim] : []), bumped, stored)
    .select({
      isStored: sql<boolean>`${isClaimed}`,
      // The assistant's seq; the user's is the one before (bigint: a string from some drivers).
      turnSeq: sql<string | number | null>`(select last_seq from bumped)`,
      id: history.id,
      role: history.role,
      content: history.content,
      attachments: history.attachments,
      summaryEnd: summary.lastMessageId,
      // Its text once, on the newest message's row (or the only row, with no history), not on every one.
      summaryContent: sql<string | null>`case when coalesce(${history.position}, 1) = 1 then ${summary.content} end`,
    })
    .from(sql`(select 1) as one`)
    .leftJoinLateral(summary, sql`true`)
    .leftJoinLateral(history, sql`true`)
    .orderBy(sql`${history.position}`)
    .prepare(isKeyed ? 'chat_store_keyed_turn' : 'chat_store_turn');
}

const storeTurn = preparedFor((db) => storeTurnStatement(db, false));
const storeKeyedTurn = preparedFor((db) => storeTurnStatement(db, true));

/**
 * A reply's outcome, every field a placeholder. Its seq comes from the trigger, or, when the statement
 * also bumps the conversation (`counted`, a CTE returning `last_seq`), from that bump.
 */
function replyCompletion(db: Executor, counted?: ReturnType<typeof turnCounted>) {
  const field = (name: keyof AssistantMessageResult) => sql`${value(name)}`;
  const seq = counted && sql`(select last_seq from ${counted})`;
  return (counted ? db.with(counted) : db)
    .update(messages)
    .set({
      content: field('content'),
      reasoning: field('reasoning'),
      status: field('status'),
      errorCode: field('errorCode'),
      errorMessage: field('errorMessage'),
      inputTokens: field('inputTokens'),
      outputTokens: field('outputTokens'),
      reasoningTokens: field('reasoningTokens'),
      totalTokens: field('totalTokens'),
      timeToFirstTokenMs: field('timeToFirstTokenMs'),
      durationMs: field('durationMs'),
      finishReason: field('finishReason'),
      completedAt: sql`${value('completedAt')}::timestamptz`,
      citations: sql`${value('citations')}::jsonb`,
      passagesFound: sql`${value('passagesFound')}::integer`,
      ...(seq && { seq }),
    })
    .where(
      inTenant(
        messages,
        value('tenantId'),
        eq(messages.id, value('messageId')),
        counted && sql`exists (select from ${counted})`,
      ),
    );
}

const recordFailedReply = preparedFor((db) =>
  replyCompletion(db).returning({ id: messages.id, seq: messages.seq }).prepare('chat_record_failed_reply'),
);

/**
 * The turn counted in the conversation's state (merged in SQL, so concurrent turns both count), and the
 * seq its reply takes from this bump (the trigger would update the conversation a second time).
 */
function turnCounted(db: Executor) {
  return db.$with('counted').as(
    db
      .update(conversations)
      .set({
        state: sql`${conversations.state} || jsonb_build_object('lastModel', ${value('modelRef')}::text, 'turns', coalesce((${conversations.state}->>'turns')::int, 0) + 1)`,
        lastSeq: sql`${conversations.lastSeq} + 1`,
        lastActivityAt: sql`${value('now')}::timestamptz`,
        updatedAt: sql`${value('now')}::timestamptz`,
      })
      .where(inTenant(conversations, value('tenantId'), eq(conversations.id, value('conversationId'))))
      .returning({ id: conversations.id, lastSeq: conversations.lastSeq }),
  );
}

const recordCompletedReply = preparedFor((db) => {
  const counted = turnCounted(db);
  return replyCompletion(db, counted)
    .returning({ id: messages.id, seq: messages.seq })
    .prepare('chat_record_completed_reply');
});

/** The two rows a turn inserts, as the database stores them (every other column takes its default, null). */
function newTurnRows(turn: NewTurn, assistantSeq: number): { user: MessageRow; assistant: MessageRow } {
  const empty = {
    tenantId: turn.tenantId,
    conversationId: turn.conversationId,
    reasoning: null,
    errorCode: null,
    errorMessage: null,
    inputTokens: null,
    outputTokens: null,
    reasoningTokens: null,
    totalTokens: null,
    timeToFirstTokenMs: null,
    durationMs: null,
    finishReason: null,
    citations: null,
    passagesFound: null,
    attachments: null,
    toolCalls: null,
    readAt: null,
    authorId: null,
    authorName: null,
    clientMessageId: null,
    proactive: false,
    replyGroupId: null,
    replyPosition: null,
    createdAt: turn.now,
  } as const;
  return {
    user: {
      ...empty,
      id: turn.userMessageId,
      role: 'user',
      content: turn.content,
      attachments: turn.attachments,
      status: 'complete',
      model: null,
      completedAt: turn.now,
      aliveAt: null,
      seq: assistantSeq - 1,
    },
    assistant: {
      ...empty,
      id: turn.assistantMessageId,
      role: 'assistant',
      content: '',
      attachments: null,
      status: 'streaming',
      model: turn.modelRef,
      completedAt: null,
      aliveAt: turn.now,
      seq: assistantSeq,
    },
  };
}

/**
 * The statements every chat turn runs, each one round trip (ADR 7): the conversation with its agent
 * before, the turn's writes with the history before the model call, and the reply after it.
 */
export function createChatTurnRepository() {
  return {
    async findTurnContext(db: Executor, tenantId: string, conversationId: string): Promise<TurnContextRow | undefined> {
      const [row] = await turnContext(db).execute({ tenantId, conversationId });
      return row;
    },

    /**
     * Stores a turn in one statement, so one round trip sits between the checks and the model call:
     * claims the Idempotency-Key (if any), inserts the user's message and the assistant's placeholder
     * (`streaming`) and bumps the conversation, only when the claim succeeded, and reads the history
     * before the user's message. Being one statement it commits as a whole; the history is read from
     * the snapshot before the inserts. A concurrent retry with the same key waits on the key's row,
     * then finds it taken and stores nothing.
     */
    async storeTurn(db: Executor, turn: NewTurn): Promise<StoredTurnRows> {
      const { idempotencyClaim: claim } = turn;
      const values = {
        tenantId: turn.tenantId,
        conversationId: turn.conversationId,
        userMessageId: turn.userMessageId,
        assistantMessageId: turn.assistantMessageId,
        content: turn.content,
        attachments: turn.attachments === null ? null : JSON.stringify(turn.attachments),
        modelRef: turn.modelRef,
        now: turn.now.toISOString(),
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
      const summary = rows.find((row) => row.summaryContent !== null);
      return {
        // The same on every row: the statement always returns one, history or not.
        isStored: rows[0]?.isStored === true,
        ...newTurnRows(turn, Number(rows[0]?.turnSeq ?? 0)),
        history: earlier.reverse(),
        isHistoryWhole: earlier.length < values.historyLimit,
        summary:
          summary?.summaryEnd && summary.summaryContent !== null
            ? { lastMessageId: summary.summaryEnd, content: summary.summaryContent }
            : undefined,
      };
    },

    /**
     * Stores a bubble of a split reply (position 1 on), and names the head the group's first bubble when
     * the second arrives. The conversation counts one more message; its turns are counted with the head.
     * Undefined when the conversation is gone. Its statements belong together: run it in a transaction
     * (the caller's, which also holds the bubble's announcement).
     */
    async storeBubble(tx: Executor, bubble: BubbleToStore): Promise<MessageRow | undefined> {
      const { tenantId, conversationId, headId, now } = bubble;
      const [bumped] = await tx
        .update(conversations)
        .set({ messageCount: sql`${conversations.messageCount} + 1`, lastActivityAt: now, updatedAt: now })
        .where(inTenant(conversations, tenantId, eq(conversations.id, conversationId)))
        .returning({ id: conversations.id });
      if (!bumped) return undefined;
      if (bubble.position === 1) {
        await tx
          .update(messages)
          .set({ replyGroupId: headId, replyPosition: 0 })
          .where(inTenant(messages, tenantId, eq(messages.id, headId)));
      }
      const [row] = await tx
        .insert(messages)
        .values({
          id: bubble.id,
          tenantId,
          conversationId,
          role: 'assistant',
          content: bubble.content,
          status: 'complete',
          model: bubble.modelRef,
          finishReason: 'stop',
          createdAt: now,
          completedAt: now,
          replyGroupId: headId,
          replyPosition: bubble.position,
        })
        .returning();
      return row;
    },

    /**
     * Stores a reply's outcome and, for a successful one, counts the turn in the conversation's state,
     * in one statement. The state is merged in SQL so two turns finishing together both count. Answers
     * the seq the reply's new state took, or undefined when there was nothing to write to: the
     * conversation was deleted while the model talked.
     */
    async recordReply(db: Executor, reply: ReplyToRecord): Promise<number | undefined> {
      const { tenantId, conversationId, messageId, result, turn } = reply;
      const values = {
        ...result,
        completedAt: result.completedAt?.toISOString() ?? null,
        citations: result.citations === null ? null : JSON.stringify(result.citations),
        tenantId,
        messageId,
      };
      const rows = turn
        ? await recordCompletedReply(db).execute({
            ...values,
            conversationId,
            modelRef: turn.modelRef,
            now: turn.now.toISOString(),
          })
        : await recordFailedReply(db).execute(values);
      // bigint: a string from some drivers.
      return rows[0] && Number(rows[0].seq);
    },
  };
}
