import { and, desc, eq, or, sql } from 'drizzle-orm';
import type { Executor } from '../../platform/db/client.js';
import {
  agents,
  conversations,
  messages,
  personalitySuggestions,
  supportConversations,
  type SuggestionTarget,
} from '../../platform/db/schema/index.js';
import { inTenant } from '../../platform/db/tenant-scope.js';

export type SuggestionRow = typeof personalitySuggestions.$inferSelect;

/** The threshold an agent's stored settings name, read in SQL as readCompanionSettings reads it in code. */
const suggestionAfterTurns = sql`case when jsonb_typeof(${agents.companion}->'suggestionAfterTurns') = 'number'
  then (${agents.companion}->>'suggestionAfterTurns')::numeric else 20 end`;

export function createPersonalitySuggestionsRepository() {
  return {
    /**
     * The conversations a suggestion is due for, across tenants (the periodic scan): their agent has
     * suggestions on, they passed its threshold of user turns, were not looked at on `day`, and the user
     * wrote since the last suggestion. Most recently active first.
     */
    async dueConversations(
      db: Executor,
      day: string,
      limit: number,
    ): Promise<{ tenantId: string; conversationId: string }[]> {
      const userMessagesOf = sql`select 1 from ${messages} m where m.conversation_id = ${conversations.id}
        and m.tenant_id = ${conversations.tenantId} and m.role = 'user'`;
      return db
        .select({ tenantId: conversations.tenantId, conversationId: conversations.id })
        .from(conversations)
        .innerJoin(agents, and(eq(agents.id, conversations.agentId), eq(agents.tenantId, conversations.tenantId)))
        .where(
          and(
            sql`${agents.companion} @> '{"personalitySuggestions": true}'::jsonb`,
            // A turn is at least one message: a cheap bound before the exact count.
            sql`${conversations.messageCount} >= ${suggestionAfterTurns}`,
            // Looked at once a day at most, whether that look found something to suggest or not.
            sql`(${conversations.personalityCheckedOn} is null or ${conversations.personalityCheckedOn} < ${day}::date)`,
            sql`(select count(*) from (${userMessagesOf}) turns) >= ${suggestionAfterTurns}`,
            sql`exists (${userMessagesOf} and m.id > coalesce((select max(s.through_message_id::text)::uuid
              from ${personalitySuggestions} s where s.conversation_id = ${conversations.id}),
              '00000000-0000-0000-0000-000000000000'::uuid))`,
          ),
        )
        .orderBy(desc(conversations.lastActivityAt))
        .limit(limit);
    },

    /** What the analysis needs of a conversation: its agent (null fields when gone), owner and override. */
    async analysisContext(db: Executor, tenantId: string, conversationId: string) {
      const [row] = await db
        .select({
          ownerId: conversations.ownerId,
          // A support conversation's owner is the desk user; its calls are the contact's in the ledger.
          contactId: supportConversations.contactId,
          personalityOverride: conversations.personalityOverride,
          agentId: agents.id,
          agentModel: agents.model,
          instructions: agents.instructions,
          companion: agents.companion,
        })
        .from(conversations)
        .leftJoin(agents, and(eq(agents.id, conversations.agentId), eq(agents.tenantId, conversations.tenantId)))
        .leftJoin(supportConversations, eq(supportConversations.conversationId, conversations.id))
        .where(inTenant(conversations, tenantId, eq(conversations.id, conversationId)));
      return row;
    },

    /** The user's latest messages (oldest first), how many they wrote, and the newest one's id. */
    async userMessages(db: Executor, tenantId: string, conversationId: string, limit: number) {
      const rows = await db
        .select({
          id: messages.id,
          content: sql<string>`left(${messages.content}, 2000)`,
          total: sql<number>`(count(*) over ())::int`,
        })
        .from(messages)
        .where(inTenant(messages, tenantId, eq(messages.conversationId, conversationId), eq(messages.role, 'user')))
        .orderBy(desc(messages.id))
        .limit(limit);
      return {
        contents: rows.map((row) => row.content).reverse(),
        userTurns: rows[0]?.total ?? 0,
        lastMessageId: rows[0]?.id,
      };
    },

    async existsOn(db: Executor, tenantId: string, conversationId: string, day: string): Promise<boolean> {
      const [row] = await db
        .select({ id: personalitySuggestions.id })
        .from(personalitySuggestions)
        .where(
          inTenant(
            personalitySuggestions,
            tenantId,
            eq(personalitySuggestions.conversationId, conversationId),
            eq(personalitySuggestions.suggestedOn, day),
          ),
        );
      return row !== undefined;
    },

    /** Undefined when the day's suggestion was stored already (another node, a retry). */
    async insert(db: Executor, suggestion: typeof personalitySuggestions.$inferInsert) {
      const [row] = await db
        .insert(personalitySuggestions)
        .values(suggestion)
        .onConflictDoNothing({ target: [personalitySuggestions.conversationId, personalitySuggestions.suggestedOn] })
        .returning();
      return row;
    },

    async list(db: Executor, tenantId: string, conversationId: string, limit: number): Promise<SuggestionRow[]> {
      return db
        .select()
        .from(personalitySuggestions)
        .where(inTenant(personalitySuggestions, tenantId, eq(personalitySuggestions.conversationId, conversationId)))
        .orderBy(desc(personalitySuggestions.createdAt), desc(personalitySuggestions.id))
        .limit(limit);
    },

    async find(db: Executor, tenantId: string, conversationId: string, suggestionId: string) {
      const [row] = await db
        .select()
        .from(personalitySuggestions)
        .where(
          inTenant(
            personalitySuggestions,
            tenantId,
            eq(personalitySuggestions.conversationId, conversationId),
            eq(personalitySuggestions.id, suggestionId),
          ),
        );
      return row;
    },

    /**
     * Records a decision, only from a state that allows it: a pending suggestion is applied or dismissed;
     * one applied to its conversation may still be applied to the agent. Undefined when another decision
     * came first.
     */
    async decide(
      db: Executor,
      decision: {
        tenantId: string;
        suggestionId: string;
        status: 'applied' | 'dismissed';
        appliedTo: SuggestionTarget | null;
        decidedBy: string | null;
        autoApplied?: boolean;
        decidedAt: Date;
      },
    ): Promise<SuggestionRow | undefined> {
      const fromState =
        decision.appliedTo === 'agent'
          ? or(
              eq(personalitySuggestions.status, 'pending'),
              and(eq(personalitySuggestions.status, 'applied'), eq(personalitySuggestions.appliedTo, 'conversation')),
            )
          : eq(personalitySuggestions.status, 'pending');
      const [row] = await db
        .update(personalitySuggestions)
        .set({
          status: decision.status,
          appliedTo: decision.appliedTo,
          decidedBy: decision.decidedBy,
          decidedAt: decision.decidedAt,
          ...(decision.autoApplied !== undefined && { autoApplied: decision.autoApplied }),
        })
        .where(
          inTenant(
            personalitySuggestions,
            decision.tenantId,
            eq(personalitySuggestions.id, decision.suggestionId),
            fromState,
          ),
        )
        .returning();
      return row;
    },

    /** The day's look is done (a suggestion stored or none to make): the scan passes it by until tomorrow. */
    async markChecked(db: Executor, tenantId: string, conversationId: string, day: string): Promise<void> {
      await db
        .update(conversations)
        .set({ personalityCheckedOn: day })
        .where(inTenant(conversations, tenantId, eq(conversations.id, conversationId)));
    },

    async setPersonalityOverride(
      db: Executor,
      tenantId: string,
      conversationId: string,
      personalityOverride: string | null,
    ): Promise<boolean> {
      const updated = await db
        .update(conversations)
        .set({ personalityOverride })
        .where(inTenant(conversations, tenantId, eq(conversations.id, conversationId)))
        .returning({ id: conversations.id });
      return updated.length > 0;
    },
  };
}

export type PersonalitySuggestionsRepository = ReturnType<typeof createPersonalitySuggestionsRepository>;
