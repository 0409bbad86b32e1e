import { and, eq, sql } from 'drizzle-orm';
import type { Executor } from '../../../platform/db/client.js';
import { preparedFor } from '../../../platform/db/prepared.js';
import {
  agentKnowledgeSources,
  agentTools,
  agents,
  conversations,
  messages,
  supportConversations,
} from '../../../platform/db/schema/index.js';
import { inTenant } from '../../../platform/db/tenant-scope.js';
import { createReplyStoreRepository } from './reply-store.repository.js';
import { createTurnStoreRepository } from './turn-store.repository.js';

export type { RecordedReply, ReplyToRecord } from './reply-store.repository.js';

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
        // What the turn's statement checks the agent against: any change to its row changes it.
        updatedAt: sql<string>`${agents.updatedAt}::text`,
        // The agent's published version, which the reply records (agent_versions.number).
        publishedVersion: agents.publishedVersion,
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

/**
 * The statements every chat turn runs, each one round trip (ADR 7): the conversation with its agent
 * before, the turn's writes with the history before the model call, and the reply after it.
 */
export function createChatTurnRepository() {
  return {
    ...createTurnStoreRepository(),
    ...createReplyStoreRepository(),
    async findTurnContext(db: Executor, tenantId: string, conversationId: string): Promise<TurnContextRow | undefined> {
      const [row] = await turnContext(db).execute({ tenantId, conversationId });
      return row;
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
  };
}
