import { and, asc, eq, inArray, isNull, ne, sql, type SQL } from 'drizzle-orm';
import type { Executor } from '../../../platform/db/client.js';
import type { PageCursor } from '../../../platform/db/pagination.js';
import {
  inboxes,
  supportConversations,
  supportQueueCounts,
  teamMembers,
  unassignedKey,
  type InboxKind,
  type SupportStatus,
} from '../../../platform/db/schema/index.js';
import { inTenant } from '../../../platform/db/tenant-scope.js';

export interface QueueFilter {
  readonly status?: SupportStatus | undefined;
  readonly inboxId?: string | undefined;
  /** A user's id, or null for the unassigned. */
  readonly assigneeId?: string | null | undefined;
  /** Leave resolved conversations out (the queue's tabs without a status). */
  readonly isUnresolvedOnly?: boolean;
  /** Only the conversations of the tenant's inboxes of this kind. */
  readonly channel?: InboxKind | undefined;
  /** One team's queue, or the queues of every team this user belongs to. */
  readonly team?: { readonly id: string } | { readonly memberId: string } | undefined;
}

/** The queue's team condition: one team, or any team the user is a member of (one subquery). */
const inTeam = (tenantId: string, team: QueueFilter['team']) => {
  if (team === undefined) return undefined;
  if ('id' in team) return eq(supportConversations.teamId, team.id);
  return sql`${supportConversations.teamId} in (select ${teamMembers.teamId} from ${teamMembers} where ${teamMembers.tenantId} = ${tenantId} and ${teamMembers.userId} = ${team.memberId})`;
};

/** The tenant's inboxes of one kind, as a subquery: a channel's filter on anything keyed by inbox. */
const inboxesOfKind = (db: Executor, tenantId: string, kind: InboxKind) =>
  db
    .select({ id: inboxes.id })
    .from(inboxes)
    .where(and(eq(inboxes.tenantId, tenantId), eq(inboxes.kind, kind)));

/** The tabs of the queue with how many conversations each holds. */
export interface QueueCounts {
  readonly mine: number;
  readonly unassigned: number;
  readonly all: number;
}

/**
 * The tabs' counts within a team's queue (or the caller's teams'): support_queue_counts has no team, so
 * these count the rows, on the unresolved team index; a team's queue is a small part of a tenant's.
 */
async function countTeamQueue(
  db: Executor,
  tenantId: string,
  userId: string,
  filter: Pick<QueueFilter, 'status' | 'inboxId' | 'channel' | 'team'>,
): Promise<QueueCounts> {
  const [row] = await db
    .select({
      mine: sql<number>`(count(*) filter (where ${supportConversations.assigneeId} = ${userId}))::int`,
      unassigned: sql<number>`(count(*) filter (where ${supportConversations.assigneeId} is null))::int`,
      all: sql<number>`count(*)::int`,
    })
    .from(supportConversations)
    .where(
      inTenant(
        supportConversations,
        tenantId,
        filter.status === undefined
          ? ne(supportConversations.status, 'resolved')
          : eq(supportConversations.status, filter.status),
        filter.inboxId === undefined ? undefined : eq(supportConversations.inboxId, filter.inboxId),
        filter.channel === undefined
          ? undefined
          : inArray(supportConversations.inboxId, inboxesOfKind(db, tenantId, filter.channel)),
        inTeam(tenantId, filter.team),
      ),
    );
  return row ?? { mine: 0, unassigned: 0, all: 0 };
}
/** The queue's reads: its pages and its tabs' counts, by status, inbox, channel, assignee and team. */
export function createSupportQueueQueries() {
  return {
    /** The queue: longest waiting first (by when the status last changed), keyset on (status_changed_at, id). */
    async listQueue(db: Executor, tenantId: string, filter: QueueFilter, limit: number, after?: PageCursor) {
      const conditions: (SQL | undefined)[] = [
        filter.status === undefined ? undefined : eq(supportConversations.status, filter.status),
        filter.isUnresolvedOnly ? ne(supportConversations.status, 'resolved') : undefined,
        filter.inboxId === undefined ? undefined : eq(supportConversations.inboxId, filter.inboxId),
        filter.channel === undefined
          ? undefined
          : inArray(supportConversations.inboxId, inboxesOfKind(db, tenantId, filter.channel)),
        inTeam(tenantId, filter.team),
        filter.assigneeId === undefined
          ? undefined
          : filter.assigneeId === null
            ? isNull(supportConversations.assigneeId)
            : eq(supportConversations.assigneeId, filter.assigneeId),
        after
          ? sql`(${supportConversations.statusChangedAt}, ${supportConversations.id}) > (${after.createdAt}::timestamptz, ${after.id}::uuid)`
          : undefined,
      ];
      return db
        .select({
          row: supportConversations,
          cursorAt: sql<string>`${supportConversations.statusChangedAt}::text`,
        })
        .from(supportConversations)
        .where(inTenant(supportConversations, tenantId, ...conditions))
        .orderBy(asc(supportConversations.statusChangedAt), asc(supportConversations.id))
        .limit(limit + 1);
    },

    /**
     * Each tab's count from support_queue_counts, which a trigger keeps in step with every change (in its
     * transaction, so as exact as a count(*)): a few hundred rows whatever the number of conversations.
     */
    async countQueue(
      db: Executor,
      tenantId: string,
      userId: string,
      filter: Pick<QueueFilter, 'status' | 'inboxId' | 'channel' | 'team'>,
    ): Promise<QueueCounts> {
      if (filter.team !== undefined) return countTeamQueue(db, tenantId, userId, filter);
      const counted = supportQueueCounts.conversations;
      const [row] = await db
        .select({
          mine: sql<number>`coalesce(sum(${counted}) filter (where ${supportQueueCounts.assigneeKey} = ${userId}), 0)::int`,
          unassigned: sql<number>`coalesce(sum(${counted}) filter (where ${supportQueueCounts.assigneeKey} = ${unassignedKey}), 0)::int`,
          all: sql<number>`coalesce(sum(${counted}), 0)::int`,
        })
        .from(supportQueueCounts)
        .where(
          inTenant(
            supportQueueCounts,
            tenantId,
            filter.status === undefined
              ? ne(supportQueueCounts.status, 'resolved')
              : eq(supportQueueCounts.status, filter.status),
            filter.inboxId === undefined ? undefined : eq(supportQueueCounts.inboxId, filter.inboxId),
            filter.channel === undefined
              ? undefined
              : inArray(supportQueueCounts.inboxId, inboxesOfKind(db, tenantId, filter.channel)),
          ),
        );
      return row ?? { mine: 0, unassigned: 0, all: 0 };
    },
  };
}
