import { asc, eq, gt, gte, sql } from 'drizzle-orm';
import type { Executor } from '../../platform/db/client.js';
import { memoryExtractionMarks, messages } from '../../platform/db/schema/index.js';
import { inTenant } from '../../platform/db/tenant-scope.js';

/** What a job may read next: the user messages after the mark, under its lease. */
export interface ClaimedMessages {
  readonly conversationId: string;
  readonly messageIds: readonly string[];
}

/** The mark of memory extraction per conversation and the lease on it (schema: `memoryExtractionMarks`). */
/** The conversation's mark, while `jobId` holds its lease: only that job moves it or lets it go. */
const leaseHeldBy = (input: { tenantId: string; conversationId: string; jobId: string }) =>
  inTenant(
    memoryExtractionMarks,
    input.tenantId,
    eq(memoryExtractionMarks.conversationId, input.conversationId),
    eq(memoryExtractionMarks.leaseJobId, input.jobId),
  );

export function createMemoryMarksRepository() {
  return {
    /**
     * In the caller's transaction: the conversation of `fromMessageId`, its mark locked (made on first
     * use), and unless another job's lease runs, this job's lease taken until `leaseMs` from now and the
     * next user messages after the mark (from `fromMessageId` when there is none yet). Nothing to read
     * lets the lease go in the same transaction, so a job that found it held left nothing unread.
     * Undefined: the message is gone, or another job holds the conversation.
     */
    async claimNext(
      tx: Executor,
      input: { tenantId: string; fromMessageId: string; jobId: string; leaseMs: number; limit: number },
    ): Promise<ClaimedMessages | undefined> {
      const { tenantId, jobId } = input;
      const [message] = await tx
        .select({ conversationId: messages.conversationId })
        .from(messages)
        .where(inTenant(messages, tenantId, eq(messages.id, input.fromMessageId)));
      if (!message) return undefined;
      const { conversationId } = message;
      await tx.insert(memoryExtractionMarks).values({ conversationId, tenantId }).onConflictDoNothing();
      const [mark] = await tx
        .select({
          throughMessageId: memoryExtractionMarks.throughMessageId,
          isLeasedByOther: sql<boolean>`coalesce(${memoryExtractionMarks.leaseUntil} > now() and ${memoryExtractionMarks.leaseJobId} <> ${jobId}, false)`,
        })
        .from(memoryExtractionMarks)
        .where(inTenant(memoryExtractionMarks, tenantId, eq(memoryExtractionMarks.conversationId, conversationId)))
        .for('update');
      if (!mark || mark.isLeasedByOther) return undefined;
      const after = mark.throughMessageId
        ? gt(messages.id, mark.throughMessageId)
        : gte(messages.id, input.fromMessageId);
      const rows = await tx
        .select({ id: messages.id })
        .from(messages)
        .where(
          inTenant(messages, tenantId, eq(messages.conversationId, conversationId), eq(messages.role, 'user'), after),
        )
        .orderBy(asc(messages.id))
        .limit(input.limit);
      const isLeased = rows.length > 0;
      await tx
        .update(memoryExtractionMarks)
        .set(
          isLeased
            ? { leaseJobId: jobId, leaseUntil: sql`now() + ${`${input.leaseMs} milliseconds`}::interval` }
            : { leaseJobId: null, leaseUntil: null },
        )
        .where(eq(memoryExtractionMarks.conversationId, conversationId));
      return { conversationId, messageIds: rows.map((row) => row.id) };
    },

    /**
     * Moves the mark past a message whose facts were drawn, and the lease on; false when the lease is no
     * longer this job's (it ran out and another job took the conversation): the job then stops.
     */
    async markRead(
      db: Executor,
      input: { tenantId: string; conversationId: string; messageId: string; jobId: string; leaseMs: number },
    ): Promise<boolean> {
      const rows = await db
        .update(memoryExtractionMarks)
        .set({
          throughMessageId: input.messageId,
          leaseUntil: sql`now() + ${`${input.leaseMs} milliseconds`}::interval`,
        })
        .where(leaseHeldBy(input))
        .returning({ conversationId: memoryExtractionMarks.conversationId });
      return rows.length > 0;
    },

    /** Lets the lease go (a failed job, so that its retry or the next job takes the conversation at once). */
    async releaseLease(db: Executor, input: { tenantId: string; conversationId: string; jobId: string }) {
      await db
        .update(memoryExtractionMarks)
        .set({ leaseJobId: null, leaseUntil: null })
        .where(leaseHeldBy(input));
    },
  };
}

export type MemoryMarksRepository = ReturnType<typeof createMemoryMarksRepository>;
