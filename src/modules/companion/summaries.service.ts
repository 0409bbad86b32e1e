import { z } from 'zod';
import type { Actor } from '../../access/actor.js';
import type { Database } from '../../platform/db/client.js';
import { newId } from '../../platform/ids.js';
import type { JobContext, JobQueue } from '../../platform/jobs/index.js';
import type { Logger } from '../../platform/logger.js';
import type { CompanionSettings } from '../agents/companion-settings.js';
import type { ConversationsService } from '../conversations/index.js';
import type { CompanionRepository } from './companion.repository.js';
import { presentSummary, type SummaryView } from './companion.schemas.js';
import { writeSummary } from './conversation-summary.js';
import { conversationSubject, type UtilityModelResolver } from './utility-model.js';

/** The pg-boss queue of summaries: at most one waiting job per conversation. */
export const summaryJobName = 'companion.summarize';

export const summaryJobData = z.strictObject({
  tenantId: z.uuid(),
  conversationId: z.uuid(),
  /** The reply that reached the threshold: the summary covers at least this far (the newest reply when it runs). */
  throughMessageId: z.uuid(),
});
export type SummaryJobData = z.infer<typeof summaryJobData>;

/** Enough to cover N turns of any agent's threshold; a longer stretch is summarised in its first messages. */
const maxMessagesPerSummary = 2000;
const listedSummaries = 100;
/** A failed model call is retried with backoff from 5 s (about 2.5 minutes over its five retries), never stored. */
const summaryJobOptions = { retryLimit: 5, retryDelaySeconds: 5 } as const;

export interface SummariesServiceDeps {
  readonly db: Database;
  readonly repository: CompanionRepository;
  readonly jobs: Pick<JobQueue, 'send'>;
  readonly conversations: Pick<ConversationsService, 'findVisible'>;
  readonly resolveUtilityModel: UtilityModelResolver;
  readonly logger: Pick<Logger, 'error'>;
  readonly modelTimeoutMs: number;
}

export function createSummariesService(deps: SummariesServiceDeps) {
  const { db, repository } = deps;

  /** After a reply is stored: queues a summary once N user turns passed since the last one. */
  async function considerSummary(
    tenantId: string,
    conversationId: string,
    settings: CompanionSettings,
    replyId: string,
    /** Counted already, by the statement that stored the reply (a chat turn's): no statement of its own. */
    counted?: number,
  ): Promise<void> {
    if (!settings.summaries) return;
    // Counted in user turns (a turn adds a user message and one reply, or several), at or past N: a
    // turn that jumps the count does not skip a summary.
    const turns = counted ?? (await repository.countUserTurnsSinceSummary(db, tenantId, conversationId, replyId));
    if (turns < settings.summaryEveryTurns) return;
    const data: SummaryJobData = { tenantId, conversationId, throughMessageId: replyId };
    // One waiting job per conversation (the queue's singleton key), a retry included: a turn while one
    // waits adds nothing, since that job reaches the newest reply when it runs.
    await deps.jobs.send(summaryJobName, data, { singletonKey: conversationId, isSkippedWhileRetrying: true });
  }

  /** The job. Run twice, or on two nodes, it stores one summary; a conversation gone meanwhile ends it quietly. */
  async function summarise(data: SummaryJobData, job: Pick<JobContext, 'signal'>): Promise<void> {
    const { tenantId, conversationId } = data;
    const context = await repository.conversationContext(db, tenantId, conversationId);
    if (!context) return;
    // Up to the newest reply now: the turns since the job was queued are in it, not in another job.
    const newest = await repository.newestFinishedReplyId(db, tenantId, conversationId);
    const throughMessageId = newest && newest > data.throughMessageId ? newest : data.throughMessageId;
    const previous = await repository.latestSummary(db, tenantId, conversationId);
    if (previous && previous.lastMessageId >= throughMessageId) return;
    const range = { after: previous?.lastMessageId, through: throughMessageId };
    const messages = await repository.messagesToSummarise(db, tenantId, conversationId, range, maxMessagesPerSummary);
    const first = messages[0];
    if (!first) return;
    const turns = await repository.countUserTurns(db, tenantId, conversationId, range);
    const resolved = await deps.resolveUtilityModel(tenantId, context, {
      path: 'summary',
      ...conversationSubject(context),
      agentId: context.agentId,
      conversationId,
    });
    const content = await writeSummary(resolved, previous?.content, messages, {
      abortSignal: job.signal,
      timeoutMs: deps.modelTimeoutMs,
    });
    const summary = {
      id: newId(),
      tenantId,
      conversationId,
      content,
      firstMessageId: previous?.firstMessageId ?? first.id,
      lastMessageId: throughMessageId,
      messageCount: messages.length,
      userTurns: (previous?.userTurns ?? 0) + turns,
      model: resolved.modelRef,
    };
    // Stored only on top of the summary it was written from: a run that another (a second node, an
    // expired job's rerun) overtook meanwhile stores nothing, so summaries never overlap.
    await db.transaction(async (tx) => {
      if (!(await repository.lockConversation(tx, tenantId, conversationId))) return;
      const newestSummary = await repository.latestSummary(tx, tenantId, conversationId);
      if (newestSummary?.id !== previous?.id) return;
      await repository.insertSummary(tx, summary);
    });
  }

  return {
    considerSummary,

    registerJob(jobs: Pick<JobQueue, 'register'>): void {
      jobs.register<object>(
        summaryJobName,
        async (data, job) => {
          const parsed = summaryJobData.safeParse(data);
          if (!parsed.success) {
            deps.logger.error({ jobId: job.id }, `${summaryJobName} job with malformed data dropped`);
            return;
          }
          await summarise(parsed.data, job);
        },
        summaryJobOptions,
      );
    },

    summarise,

    async list(actor: Actor, conversationId: string): Promise<{ items: SummaryView[] }> {
      await deps.conversations.findVisible(actor, conversationId);
      const rows = await repository.listSummaries(db, actor.tenantId, conversationId, listedSummaries);
      return { items: rows.map(presentSummary) };
    },
  };
}

export type SummariesService = ReturnType<typeof createSummariesService>;
