import { and, asc, eq, gt, inArray, isNull, sql } from 'drizzle-orm';
import type { Executor } from '../../../platform/db/client.js';
import {
  inboxes,
  operatorPresence,
  supportConversations,
  teamMembers,
  users,
} from '../../../platform/db/schema/index.js';
import { inTenant } from '../../../platform/db/tenant-scope.js';

/** The roles that work the desk. */
const deskRoles = ['operator', 'tenant_admin', 'platform_admin'] as const;

/** What one operator's presence rows say, for the console's list. */
export interface OperatorRow {
  readonly id: string;
  readonly name: string;
  readonly role: string;
  readonly connections: number;
  readonly isAway: boolean;
  readonly openConversations: number;
}

/**
 * The outer user's columns, qualified: Drizzle writes a selected field's columns bare, and inside these
 * subqueries a bare "id" would be the support conversation's own.
 */
const outerUserId = sql.raw('"users"."id"');
const outerTenantId = sql.raw('"users"."tenant_id"');

const openCount = sql<number>`(select count(*)::int from ${supportConversations} where ${supportConversations.tenantId} = ${outerTenantId} and ${supportConversations.assigneeId} = ${outerUserId} and ${supportConversations.status} in ('open', 'snoozed'))`;

export function createOperatorPresenceRepository() {
  /** Live sockets of the user on nodes that renewed their rows since `freshSince`. */
  const liveConnections = (freshSince: Date) =>
    sql<number>`coalesce((select sum(${operatorPresence.connections})::int from ${operatorPresence} where ${operatorPresence.userId} = ${outerUserId} and ${operatorPresence.seenAt} > ${freshSince}), 0)`;
  const isAway = sql<boolean>`coalesce((select bool_or(${operatorPresence.isAway}) from ${operatorPresence} where ${operatorPresence.userId} = ${outerUserId}), false)`;

  return {
    /** This node's count of the user's sockets; the row goes with the last one. */
    async setNodeConnections(
      db: Executor,
      presence: { tenantId: string; userId: string; nodeId: string; connections: number },
    ): Promise<void> {
      if (presence.connections === 0) {
        await db
          .delete(operatorPresence)
          .where(and(eq(operatorPresence.userId, presence.userId), eq(operatorPresence.nodeId, presence.nodeId)));
        return;
      }
      // A new node's row takes the away the operator chose on another.
      await db
        .insert(operatorPresence)
        .values({
          ...presence,
          isAway: sql`coalesce((select bool_or(${operatorPresence.isAway}) from ${operatorPresence} where ${operatorPresence.userId} = ${presence.userId}), false)`,
          seenAt: new Date(),
        })
        .onConflictDoUpdate({
          target: [operatorPresence.userId, operatorPresence.nodeId],
          set: { connections: presence.connections, seenAt: new Date() },
        });
    },

    /** Says this node's rows are still true (run every half-minute). */
    async renewNode(db: Executor, nodeId: string): Promise<void> {
      await db.update(operatorPresence).set({ seenAt: new Date() }).where(eq(operatorPresence.nodeId, nodeId));
    },

    /** A stopping node's rows go with it. */
    async removeNode(db: Executor, nodeId: string): Promise<void> {
      await db.delete(operatorPresence).where(eq(operatorPresence.nodeId, nodeId));
    },

    /** Whether the inbox assigns by round-robin, and its operators' capacity. */
    async inboxAssignment(db: Executor, tenantId: string, inboxId: string) {
      const [row] = await db
        .select({ isEnabled: inboxes.isAutoAssignEnabled, capacity: inboxes.operatorCapacity })
        .from(inboxes)
        .where(inTenant(inboxes, tenantId, eq(inboxes.id, inboxId)))
        .limit(1);
      return row;
    },

    /** Away or back, on every node's row of the user; false when the user has no socket anywhere. */
    async setAway(db: Executor, tenantId: string, userId: string, isAway: boolean): Promise<boolean> {
      const rows = await db
        .update(operatorPresence)
        .set({ isAway })
        .where(inTenant(operatorPresence, tenantId, eq(operatorPresence.userId, userId)))
        .returning({ userId: operatorPresence.userId });
      return rows.length > 0;
    },

    /** The tenant's operators and administrators with their sockets, away flag and open conversations. */
    async listOperators(db: Executor, tenantId: string, freshSince: Date): Promise<OperatorRow[]> {
      return db
        .select({
          id: users.id,
          name: sql<string>`coalesce(${users.displayName}, ${users.email})`,
          role: users.role,
          connections: liveConnections(freshSince),
          isAway,
          openConversations: openCount,
        })
        .from(users)
        .where(and(inTenant(users, tenantId, inArray(users.role, [...deskRoles])), isNull(users.disabledAt)))
        .orderBy(asc(users.createdAt), asc(users.id))
        .limit(500);
    },

    /**
     * Round-robin's choice: an online, not away operator of the tenant (of the team, when the
     * conversation has one) below capacity, fewest open conversations first, then the one whose last
     * conversation came longest ago.
     */
    async nextAssignee(
      db: Executor,
      tenantId: string,
      capacity: number,
      freshSince: Date,
      teamId: string | null = null,
    ) {
      const lastAssignedAt = sql`(select max(${supportConversations.statusChangedAt}) from ${supportConversations} where ${supportConversations.tenantId} = ${outerTenantId} and ${supportConversations.assigneeId} = ${outerUserId})`;
      const [row] = await db
        .select({ id: users.id })
        .from(users)
        .where(
          and(
            inTenant(users, tenantId, inArray(users.role, [...deskRoles])),
            isNull(users.disabledAt),
            gt(liveConnections(freshSince), 0),
            sql`not ${isAway}`,
            sql`${openCount} < ${capacity}`,
            teamId === null
              ? undefined
              : sql`${outerUserId} in (select ${teamMembers.userId} from ${teamMembers} where ${teamMembers.teamId} = ${teamId})`,
          ),
        )
        .orderBy(asc(openCount), sql`${lastAssignedAt} asc nulls first`, asc(users.id))
        .limit(1);
      return row?.id;
    },

    /** One auto-assignment at a time per tenant, across nodes, until the transaction ends. */
    async lockTenantAssignments(db: Executor, tenantId: string): Promise<void> {
      await db.execute(sql`select pg_advisory_xact_lock(hashtext(${`support-assign:${tenantId}`}))`);
    },
  };
}

export type OperatorPresenceRepository = ReturnType<typeof createOperatorPresenceRepository>;
