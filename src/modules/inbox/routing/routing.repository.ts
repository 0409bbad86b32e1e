import { and, asc, desc, eq, inArray, isNotNull, isNull, ne, sql, type SQL } from 'drizzle-orm';
import type { Executor } from '../../../platform/db/client.js';
import {
  cannedResponses,
  contacts,
  inboxes,
  routingRules,
  supportConversations,
  supportRuleRuns,
  teams,
  users,
  type RuleTrigger,
} from '../../../platform/db/schema/index.js';
import { inTenant } from '../../../platform/db/tenant-scope.js';

export type StoredRule = typeof routingRules.$inferSelect;
export type StoredRuleRun = typeof supportRuleRuns.$inferSelect;

/** A tenant's rules are few (an editor's list); more than this is a runaway script. */
export const maxRulesPerTenant = 500;
const maxRunsShown = 500;

/** What a rule's conditions read of a conversation: the row, its inbox's kind and agent, its contact. */
const contextColumns = {
  conversation: supportConversations,
  inboxKind: inboxes.kind,
  inboxAgentId: inboxes.agentId,
  contactAttributes: contacts.attributes,
  contactVisitor: contacts.visitor,
};

export function createRoutingRepository() {
  const contextQuery = (db: Executor) =>
    db
      .select(contextColumns)
      .from(supportConversations)
      .innerJoin(inboxes, eq(inboxes.id, supportConversations.inboxId))
      .innerJoin(contacts, eq(contacts.id, supportConversations.contactId));

  return {
    listRules: (db: Executor, tenantId: string) =>
      db
        .select()
        .from(routingRules)
        .where(inTenant(routingRules, tenantId))
        .orderBy(asc(routingRules.position), asc(routingRules.id))
        .limit(maxRulesPerTenant),

    /** The rules a trigger looks at, in order (the index on tenant, trigger, position). */
    listEnabledFor: (db: Executor, tenantId: string, trigger: RuleTrigger) =>
      db
        .select()
        .from(routingRules)
        .where(inTenant(routingRules, tenantId, eq(routingRules.trigger, trigger), eq(routingRules.isEnabled, true)))
        .orderBy(asc(routingRules.position), asc(routingRules.id))
        .limit(maxRulesPerTenant),

    async findRule(db: Executor, tenantId: string, id: string) {
      const [row] = await db
        .select()
        .from(routingRules)
        .where(inTenant(routingRules, tenantId, eq(routingRules.id, id)));
      return row;
    },

    async countRules(db: Executor, tenantId: string): Promise<{ count: number; maxPosition: number }> {
      const [row] = await db
        .select({
          count: sql<number>`count(*)::int`,
          maxPosition: sql<number>`coalesce(max(${routingRules.position}), -1)::int`,
        })
        .from(routingRules)
        .where(inTenant(routingRules, tenantId));
      return row ?? { count: 0, maxPosition: -1 };
    },

    async insertRule(db: Executor, row: typeof routingRules.$inferInsert): Promise<StoredRule> {
      const [inserted] = await db.insert(routingRules).values(row).returning();
      return inserted!;
    },

    async updateRule(
      db: Executor,
      tenantId: string,
      id: string,
      changes: Partial<Pick<StoredRule, 'name' | 'trigger' | 'conditions' | 'actions' | 'isEnabled' | 'position'>>,
    ) {
      const [row] = await db
        .update(routingRules)
        .set({ ...changes, updatedAt: new Date() })
        .where(inTenant(routingRules, tenantId, eq(routingRules.id, id)))
        .returning();
      return row;
    },

    /** Makes room at `position`: the rules at it and after move one down. */
    async shiftFrom(db: Executor, tenantId: string, position: number): Promise<void> {
      await db
        .update(routingRules)
        .set({ position: sql`${routingRules.position} + 1` })
        .where(inTenant(routingRules, tenantId, sql`${routingRules.position} >= ${position}`));
    },

    async deleteRule(db: Executor, tenantId: string, id: string): Promise<boolean> {
      const rows = await db
        .delete(routingRules)
        .where(inTenant(routingRules, tenantId, eq(routingRules.id, id)))
        .returning({ id: routingRules.id });
      return rows.length > 0;
    },

    async findContext(db: Executor, tenantId: string, supportConversationId: string) {
      const [row] = await contextQuery(db)
        .where(inTenant(supportConversations, tenantId, eq(supportConversations.id, supportConversationId)))
        .limit(1);
      return row;
    },

    /** The support conversation a chat conversation's message belongs to (the log names the chat's). */
    async findContextOfChat(db: Executor, tenantId: string, chatConversationId: string) {
      const [row] = await contextQuery(db)
        .where(inTenant(supportConversations, tenantId, eq(supportConversations.conversationId, chatConversationId)))
        .limit(1);
      return row;
    },

    /** The tenant's most recent conversations, newest first (a dry run's sample). */
    listRecentContexts: (db: Executor, tenantId: string, limit: number) =>
      contextQuery(db)
        .where(inTenant(supportConversations, tenantId))
        .orderBy(desc(supportConversations.createdAt), desc(supportConversations.id))
        .limit(limit),

    /** The unresolved conversations of an inbox (a business-hours boundary fires rules for each). */
    listUnresolvedOfInbox: (db: Executor, tenantId: string, inboxId: string, limit: number) =>
      db
        .select({ id: supportConversations.id })
        .from(supportConversations)
        .where(
          inTenant(
            supportConversations,
            tenantId,
            eq(supportConversations.inboxId, inboxId),
            ne(supportConversations.status, 'resolved'),
          ),
        )
        .orderBy(asc(supportConversations.id))
        .limit(limit),

    /**
     * Claims a rule's firing for one trigger, before its actions: the unique key (conversation, rule,
     * trigger key) refuses a second claim, by a retry or another node. Undefined: it fired already.
     */
    async claimRun(db: Executor, run: typeof supportRuleRuns.$inferInsert): Promise<string | undefined> {
      const [row] = await db
        .insert(supportRuleRuns)
        .values(run)
        .onConflictDoNothing()
        .returning({ id: supportRuleRuns.id });
      return row?.id;
    },

    async setOutcomes(db: Executor, tenantId: string, runId: string, outcomes: readonly Record<string, unknown>[]) {
      await db
        .update(supportRuleRuns)
        .set({ outcomes })
        .where(inTenant(supportRuleRuns, tenantId, eq(supportRuleRuns.id, runId)));
    },

    listRuns: (db: Executor, tenantId: string, supportConversationId: string) =>
      db
        .select()
        .from(supportRuleRuns)
        .where(inTenant(supportRuleRuns, tenantId, eq(supportRuleRuns.supportConversationId, supportConversationId)))
        .orderBy(asc(supportRuleRuns.createdAt), asc(supportRuleRuns.id))
        .limit(maxRunsShown),

    /** Of these ids, the tenant's inboxes / teams / canned responses / operators (a rule names only its own). */
    async existingInboxIds(db: Executor, tenantId: string, ids: readonly string[]) {
      if (ids.length === 0) return new Set<string>();
      const rows = await db
        .select({ id: inboxes.id })
        .from(inboxes)
        .where(inTenant(inboxes, tenantId, inArray(inboxes.id, [...ids])));
      return new Set(rows.map((row) => row.id));
    },
    async existingTeamIds(db: Executor, tenantId: string, ids: readonly string[]) {
      if (ids.length === 0) return new Set<string>();
      const rows = await db
        .select({ id: teams.id })
        .from(teams)
        .where(inTenant(teams, tenantId, inArray(teams.id, [...ids])));
      return new Set(rows.map((row) => row.id));
    },
    async findCannedResponse(db: Executor, tenantId: string, id: string) {
      const [row] = await db
        .select({ id: cannedResponses.id, content: cannedResponses.content })
        .from(cannedResponses)
        .where(inTenant(cannedResponses, tenantId, eq(cannedResponses.id, id)));
      return row;
    },
    async existingCannedResponseIds(db: Executor, tenantId: string, ids: readonly string[]) {
      if (ids.length === 0) return new Set<string>();
      const rows = await db
        .select({ id: cannedResponses.id })
        .from(cannedResponses)
        .where(inTenant(cannedResponses, tenantId, inArray(cannedResponses.id, [...ids])));
      return new Set(rows.map((row) => row.id));
    },
    async existingUserIds(db: Executor, tenantId: string, ids: readonly string[]) {
      if (ids.length === 0) return new Set<string>();
      const rows = await db
        .select({ id: users.id })
        .from(users)
        .where(and(inTenant(users, tenantId, inArray(users.id, [...ids])), isNull(users.disabledAt)));
      return new Set(rows.map((row) => row.id));
    },

    /** Every inbox with opening hours, every tenant's (the hours sweep runs as the system). */
    listInboxesWithHours: (db: Executor) =>
      db
        .select({
          id: inboxes.id,
          tenantId: inboxes.tenantId,
          businessHours: inboxes.businessHours,
          hoursState: inboxes.hoursState,
        })
        .from(inboxes)
        .where(isNotNull(inboxes.businessHours))
        .orderBy(asc(inboxes.id))
        .limit(10_000),

    /** Moves an inbox's hours state only if it is still `from`: of two nodes, one sees the boundary. */
    async moveHoursState(
      db: Executor,
      inboxId: string,
      from: 'open' | 'closed' | null,
      to: 'open' | 'closed',
    ): Promise<boolean> {
      const rows = await db
        .update(inboxes)
        .set({ hoursState: to })
        .where(and(eq(inboxes.id, inboxId), from === null ? isNull(inboxes.hoursState) : eq(inboxes.hoursState, from)))
        .returning({ id: inboxes.id });
      return rows.length > 0;
    },

    /**
     * The log's events a `routing` reader wants (SQL on `e`): contacts' messages stored in a support
     * conversation of a tenant with an enabled `contact_message` rule; every other event passes unread.
     */
    contactMessagesInLog(): SQL {
      return sql`e.type = 'message-created' and e.payload->>'role' = 'user'
        and exists (select 1 from routing_rules r where r.tenant_id = e.tenant_id
          and r.trigger = 'contact_message' and r.is_enabled)
        and exists (select 1 from support_conversations sc
          where sc.conversation_id = e.conversation_id and sc.tenant_id = e.tenant_id)`;
    },

    /** Whether the tenant has an enabled rule on contacts' messages (what decides if a stored message nudges the reader). */
    async hasMessageRules(db: Executor, tenantId: string): Promise<boolean> {
      const [row] = await db
        .select({ id: routingRules.id })
        .from(routingRules)
        .where(
          inTenant(
            routingRules,
            tenantId,
            eq(routingRules.trigger, 'contact_message'),
            eq(routingRules.isEnabled, true),
          ),
        )
        .limit(1);
      return row !== undefined;
    },
  };
}

export type RoutingRepository = ReturnType<typeof createRoutingRepository>;
