import { z } from 'zod';
import { hasRoleAtLeast, type Actor } from '../../access/actor.js';
import type { Database } from '../../platform/db/client.js';
import { isForeignKeyViolation, isUniqueViolation } from '../../platform/db/errors.js';
import { AppError, notFound } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import type { JobContext, JobQueue } from '../../platform/jobs/index.js';
import type { Logger } from '../../platform/logger.js';
import { readCompanionSettings, type CompanionSettings } from '../agents/companion-settings.js';
import type { AgentDirectory } from '../conversations/index.js';
import { extractFacts, factKeyOf } from './memory-extraction.js';
import type { MemoriesRepository } from './memories.repository.js';
import type { MemoryMarksRepository } from './memory-marks.repository.js';
import { presentMemory, type MemoryView, type UpdateMemoryInput } from './memories.schemas.js';
import { conversationSubject, type UtilityModelResolver } from './utility-model.js';

/** The pg-boss queue of memory extraction: at most one waiting job per conversation. */
export const memoryJobName = 'companion.remember';

export const memoryJobData = z.strictObject({
  tenantId: z.uuid(),
  /** The first user message whose facts are kept: the job reads it and every user message after it. */
  messageId: z.uuid(),
});
export type MemoryJobData = z.infer<typeof memoryJobData>;

const memoryJobOptions = { retryLimit: 5, retryDelaySeconds: 5 } as const;
/** User messages one job claims at a time: far more than turns come in while one job waits. */
const messagesPerJob = 200;
/** A job's lease on a conversation lasts one model call and this, renewed at every message it finishes. */
const leaseMarginMs = 60_000;

export interface MemoriesServiceDeps {
  readonly db: Database;
  readonly repository: MemoriesRepository;
  readonly marks: MemoryMarksRepository;
  readonly jobs: Pick<JobQueue, 'send'>;
  readonly agents: Pick<AgentDirectory, 'findUsable'>;
  readonly resolveUtilityModel: UtilityModelResolver;
  readonly logger: Pick<Logger, 'error'>;
  readonly modelTimeoutMs: number;
}

/**
 * Long-term memory (docs/companion.md): short facts about a user, per agent, kept across that user's
 * conversations with it. Only the user sees and changes their own; no other user, even an admin.
 */
export function createMemoriesService(deps: MemoriesServiceDeps) {
  const { db, repository, marks } = deps;

  /** The agent as the caller may use it, else the 404 of a missing agent. */
  async function requireUsableAgent(actor: Actor, agentId: string): Promise<void> {
    if (!(await deps.agents.findUsable(actor, agentId))) throw notFound('Agent', agentId);
  }

  /** A contact's memories are the desk's to see: operators and administrators (checked here for every caller). */
  function requireDeskRole(actor: Actor): void {
    if (!hasRoleAtLeast(actor, 'operator')) {
      throw new AppError('forbidden', "Only operators and administrators can see or change a contact's memories");
    }
  }

  const keyOf = (actor: Actor, agentId: string, memoryId: string) => ({
    tenantId: actor.tenantId,
    agentId,
    userId: actor.userId,
    memoryId,
  });

  /**
   * The job: the facts of every user message of the conversation after the mark (its own, and those of
   * turns made while it waited, which queued no job of their own), each read once: the mark moves past a
   * message once its facts are kept, under a lease that lets one job at a time read the conversation
   * (memory-marks.repository.ts). A job queued for a message another job already read finds nothing to
   * do; one that finds the lease held leaves its message to the holder, which looks again before it lets
   * go. Only a crash between a message's model call and its mark reads that message twice.
   */
  async function remember(data: MemoryJobData, job: Pick<JobContext, 'id' | 'signal'>): Promise<void> {
    const { tenantId } = data;
    const leaseMs = deps.modelTimeoutMs + leaseMarginMs;
    const claim = { tenantId, fromMessageId: data.messageId, jobId: job.id, leaseMs, limit: messagesPerJob };
    for (;;) {
      const claimed = await db.transaction((tx) => marks.claimNext(tx, claim));
      if (!claimed || claimed.messageIds.length === 0) return;
      const { conversationId } = claimed;
      try {
        for (const messageId of claimed.messageIds) {
          await rememberMessage(tenantId, messageId, job);
          const isStillOurs = await marks.markRead(db, { ...claim, conversationId, messageId });
          if (!isStillOurs) return;
        }
      } catch (error) {
        await marks.releaseLease(db, { tenantId, conversationId, jobId: job.id });
        throw error;
      }
    }
  }

  async function rememberMessage(tenantId: string, messageId: string, job: Pick<JobContext, 'signal'>) {
    const data = { tenantId, messageId };
    const context = await repository.userMessageContext(db, data.tenantId, data.messageId);
    if (!context) return;
    const settings = readCompanionSettings(context.companion);
    if (!settings.memory) return;
    // A support conversation's facts are its contact's, kept only where its inbox keeps memory.
    if (context.isSupport && !context.isInboxMemoryEnabled) return;
    // The person the facts are about: the contact in a support conversation, else the owner.
    const resolved = await deps.resolveUtilityModel(data.tenantId, context, {
      path: 'memory',
      ...conversationSubject(context),
      agentId: context.agentId,
      conversationId: context.conversationId,
    });
    const facts = await extractFacts(resolved, context.content, {
      abortSignal: job.signal,
      timeoutMs: deps.modelTimeoutMs,
    });
    for (const fact of facts) {
      const stored = repository.insertIfNew(db, {
        id: newId(),
        tenantId: data.tenantId,
        agentId: context.agentId,
        userId: context.ownerId,
        contactId: context.contactId,
        content: fact,
        factKey: factKeyOf(fact),
        sourceMessageId: data.messageId,
      });
      // The message, its agent or its user deleted meanwhile: nothing is left to remember for.
      const isGone = await stored.then(
        () => false,
        (error: unknown) => {
          if (isForeignKeyViolation(error)) return true;
          throw error;
        },
      );
      if (isGone) return;
    }
  }

  return {
    /** After a successful turn of an agent with memory on: queue the user message's extraction. */
    async considerMemories(
      tenantId: string,
      conversationId: string,
      settings: CompanionSettings,
      userMessageId: string,
    ): Promise<void> {
      if (!settings.memory) return;
      const data: MemoryJobData = { tenantId, messageId: userMessageId };
      // One waiting job per conversation, a retry included: it reads this message too when it runs.
      await deps.jobs.send(memoryJobName, data, { singletonKey: conversationId, isSkippedWhileRetrying: true });
    },

    registerJob(jobs: Pick<JobQueue, 'register'>): void {
      jobs.register<object>(
        memoryJobName,
        async (data, job) => {
          const parsed = memoryJobData.safeParse(data);
          if (!parsed.success) {
            deps.logger.error({ jobId: job.id }, `${memoryJobName} job with malformed data dropped`);
            return;
          }
          await remember(parsed.data, job);
        },
        memoryJobOptions,
      );
    },

    /** The facts known before a conversation began, for its model (chat's turn, for agents with memory on). */
    knownBefore: (tenantId: string, conversationId: string, agentId: string, userId: string) =>
      repository.knownBefore(db, tenantId, conversationId, agentId, userId),

    async list(actor: Actor, agentId: string): Promise<{ items: MemoryView[] }> {
      await requireUsableAgent(actor, agentId);
      const rows = await repository.list(db, actor.tenantId, agentId, actor.userId);
      return { items: rows.map(presentMemory) };
    },

    async update(actor: Actor, agentId: string, memoryId: string, input: UpdateMemoryInput): Promise<MemoryView> {
      await requireUsableAgent(actor, agentId);
      // patchBody refuses a body without it.
      const content = input.content ?? '';
      const changes = { content, factKey: factKeyOf(content) };
      const row = await repository.update(db, keyOf(actor, agentId, memoryId), changes).catch((error: unknown) => {
        if (!isUniqueViolation(error)) throw error;
        throw new AppError('conflict', 'This agent already remembers that fact about you; delete one of the two');
      });
      if (!row) throw notFound('Memory', memoryId);
      return presentMemory(row);
    },

    /** What the tenant's agents remember about one contact (support conversations of inboxes that keep memory). */
    async listForContact(actor: Actor, contactId: string): Promise<{ items: MemoryView[] }> {
      requireDeskRole(actor);
      const rows = await repository.listForContact(db, actor.tenantId, contactId);
      if (!rows) throw notFound('Contact', contactId);
      return { items: rows.map(presentMemory) };
    },

    async removeForContact(actor: Actor, contactId: string, memoryId: string): Promise<void> {
      requireDeskRole(actor);
      const isDeleted = await repository.deleteForContact(db, { tenantId: actor.tenantId, contactId, memoryId });
      if (!isDeleted) throw notFound('Memory', memoryId);
    },

    async remove(actor: Actor, agentId: string, memoryId: string): Promise<void> {
      await requireUsableAgent(actor, agentId);
      if (!(await repository.delete(db, keyOf(actor, agentId, memoryId)))) throw notFound('Memory', memoryId);
    },
  };
}

export type MemoriesService = ReturnType<typeof createMemoriesService>;
