import { and, desc, eq, lt, ne, or, sql, type SQL } from 'drizzle-orm';
import type { Executor } from '../../platform/db/client.js';
import { preparedFor } from '../../platform/db/prepared.js';
import { rowsOf } from '../../platform/db/raw-rows.js';
import { agents, conversations, idempotencyKeys, messages } from '../../platform/db/schema/index.js';
import { inTenant } from '../../platform/db/tenant-scope.js';

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
>;

export type HistoryMessage = Pick<MessageRow, 'role' | 'content'>;

export interface NewTurn {
  readonly tenantId: string;
  readonly conversationId: string;
  readonly userMessageId: string;
  readonly assistantMessageId: string;
  readonly content: string;
  readonly modelRef: string;
  readonly now: Date;
  /** When set, the turn is stored only if this Idempotency-Key is claimed by the same statement. */
  readonly idempotencyClaim?: { readonly userId: string; readonly key: string; readonly requestHash: string };
  /** How many of the messages before this one to return, for the model. */
  readonly historyLimit: number;
}

export interface StoredTurnRows {
  /** False when the Idempotency-Key was already taken: nothing was stored. */
  readonly isStored: boolean;
  readonly user: MessageRow;
  readonly assistant: MessageRow;
  /** The messages before the user's (oldest first), read in the same statement. */
  readonly history: HistoryMessage[];
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

/** What a model sees of the past: the user's messages and complete, non-empty replies before a message. */
const historyBefore = (tenantId: string, conversationId: string, messageId: string): SQL =>
  inTenant(
    messages,
    tenantId,
    eq(messages.conversationId, conversationId),
    lt(messages.id, messageId),
    ne(messages.content, ''),
    or(eq(messages.role, 'user'), eq(messages.status, 'complete')),
  );

/** The two rows a turn inserts, as the database stores them (every other column takes its default, null). */
function newTurnRows(turn: NewTurn): { user: MessageRow; assistant: MessageRow } {
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
    createdAt: turn.now,
  } as const;
  return {
    user: {
      ...empty,
      id: turn.userMessageId,
      role: 'user',
      content: turn.content,
      status: 'complete',
      model: null,
      completedAt: turn.now,
    },
    assistant: {
      ...empty,
      id: turn.assistantMessageId,
      role: 'assistant',
      content: '',
      status: 'streaming',
      model: turn.modelRef,
      completedAt: null,
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
      const { tenantId, conversationId, userMessageId, assistantMessageId, idempotencyClaim: claim } = turn;
      const at = turn.now.toISOString();
      const claimStatement = claim
        ? sql`claim as ${db
            .insert(idempotencyKeys)
            .values({ tenantId, conversationId, userMessageId, assistantMessageId, ...claim })
            .onConflictDoNothing()
            .returning({ key: idempotencyKeys.key })},`
        : sql``;
      const isClaimed = claim ? sql`exists (select from claim)` : sql`true`;
      const history = db
        .select({ role: messages.role, content: messages.content })
        .from(messages)
        .where(historyBefore(tenantId, conversationId, userMessageId))
        .orderBy(desc(messages.id))
        .limit(Math.max(0, turn.historyLimit - 1));
      const result = await db.execute(sql`
        with ${claimStatement}
        stored as (
          insert into ${messages} (id, tenant_id, conversation_id, role, content, status, model, created_at, completed_at)
          select * from (values
            (${userMessageId}::uuid, ${tenantId}::uuid, ${conversationId}::uuid, 'user', ${turn.content}::text,
              'complete', null::text, ${at}::timestamptz, ${at}::timestamptz),
            (${assistantMessageId}::uuid, ${tenantId}::uuid, ${conversationId}::uuid, 'assistant', '',
              'streaming', ${turn.modelRef}::text, ${at}::timestamptz, null::timestamptz)
          ) as turn (id, tenant_id, conversation_id, role, content, status, model, created_at, completed_at)
          where ${isClaimed}
          returning id
        ),
        bumped as (
          update ${conversations}
          set message_count = message_count + 2, last_activity_at = ${at}::timestamptz, updated_at = ${at}::timestamptz
          where ${inTenant(conversations, tenantId, eq(conversations.id, conversationId))} and ${isClaimed}
          returning id
        )
        select ${isClaimed} as "isStored", history.role, history.content
        from (select 1) as one left join lateral ${history} as history on true`);
      const rows = rowsOf<{ isStored: boolean; role: MessageRow['role'] | null; content: string | null }>(result);
      const earlier = rows.flatMap(({ role, content }) =>
        role === null || content === null ? [] : [{ role, content }],
      );
      return { isStored: rows[0]?.isStored === true, ...newTurnRows(turn), history: earlier.reverse() };
    },

    /**
     * The last `limit` messages before `beforeMessageId` worth sending to a model: the user's, and the
     * assistant's complete, non-empty replies (failed or unfinished ones would mislead it).
     */
    async recentHistory(
      db: Executor,
      tenantId: string,
      conversationId: string,
      beforeMessageId: string,
      limit: number,
    ): Promise<HistoryMessage[]> {
      const rows = await db
        .select({ role: messages.role, content: messages.content })
        .from(messages)
        .where(historyBefore(tenantId, conversationId, beforeMessageId))
        .orderBy(desc(messages.id))
        .limit(limit);
      return rows.reverse();
    },

    /**
     * Stores a reply's outcome and, for a successful one, counts the turn in the conversation's state,
     * in one statement. The state is merged in SQL so two turns finishing together both count.
     */
    async recordReply(db: Executor, reply: ReplyToRecord): Promise<void> {
      const { tenantId, conversationId, turn } = reply;
      const completion = db
        .update(messages)
        .set(reply.result)
        .where(inTenant(messages, tenantId, eq(messages.id, reply.messageId)));
      if (!turn) {
        await completion;
        return;
      }
      const completed = db.$with('completed').as(completion.returning({ id: messages.id }));
      await db
        .with(completed)
        .update(conversations)
        .set({
          state: sql`${conversations.state} || jsonb_build_object('lastModel', ${turn.modelRef}::text, 'turns', coalesce((${conversations.state}->>'turns')::int, 0) + 1)`,
          lastActivityAt: turn.now,
          updatedAt: turn.now,
        })
        .where(inTenant(conversations, tenantId, eq(conversations.id, conversationId)));
    },
  };
}
