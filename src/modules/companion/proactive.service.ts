import { z } from 'zod';
import { runAsBackgroundWork } from '../../platform/db/background-work.js';
import type { Database } from '../../platform/db/client.js';
import { newId } from '../../platform/ids.js';
import type { JobContext, JobQueue } from '../../platform/jobs/index.js';
import type { Logger } from '../../platform/logger.js';
import { readCompanionSettings } from '../agents/companion-settings.js';
import { presentMessage, type MessageEvents, type MessageView } from '../conversations/index.js';
import { decideProactive } from './proactive-decision.js';
import type { GuardFacts, ProactiveRepository, ScanCursor } from './proactive.repository.js';
import { isQuietAt, minutesOfDayEverywhere } from './quiet-hours.js';
import type { UtilityModelResolver } from './utility-model.js';

/** The pg-boss queue of decisions: one job per decision (its claim id). */
export const proactiveJobName = 'companion.proactive';

const proactiveJobData = z.strictObject({
  tenantId: z.uuid(),
  conversationId: z.uuid(),
  decisionId: z.uuid(),
});
type ProactiveJobData = z.infer<typeof proactiveJobData>;

/** A failed model call is retried with backoff from 5 s (about 2.5 minutes in all), never sent. */
const proactiveJobOptions = { retryLimit: 5, retryDelaySeconds: 5, concurrency: 2 } as const;
/** A claim older than this belongs to a node that died (or a decision that ran out of retries): taken over. */
export const proactiveClaimTtlMs = 30 * 60_000;
/**
 * Candidates read per page of the scan; their due ones are claimed and queued, each step its own
 * statement, and the pass pages on until a page is not full. Short statements matter on embedded
 * storage's one session: a request's statement waits for the background statement in progress (ADR 13).
 * Pages of 2,000, whose scan read every due conversation again on each page, made a chat turn beside a
 * pass wait ~70 ms there (bench/results/proactive-2026-11-26.md); see embedded-load-2026-11-27.md for
 * pages of 100. PostgreSQL takes the same pages.
 */
const passBatchSize = 100;
const messagesRead = 20;

export interface ProactiveServiceDeps {
  readonly db: Database;
  readonly repository: ProactiveRepository;
  readonly jobs: Pick<JobQueue, 'sendMany'>;
  /** The companion jobs' one model choice: agent's utility model, tenant's, agent's model (utility-model.ts). */
  readonly resolveUtilityModel: UtilityModelResolver;
  readonly logger: Pick<Logger, 'error' | 'warn' | 'info'>;
  readonly modelTimeoutMs: number;
  /** The scheduler's clock: real time in production, set by tests. */
  readonly now: () => Date;
  /** Tells the owner's sockets and the conversation's watchers (every node), once the message is stored. */
  readonly announce: (sent: { tenantId: string; ownerId: string; message: MessageView }) => void;
  /** Announces the message in the transaction that stores it (the webhooks' `message.created`). */
  readonly messageEvents?: MessageEvents | undefined;
}

/** Which guardrail, if any, stops a proactive message now (docs/companion.md lists them). */
function blockedBy(facts: GuardFacts | undefined): string | undefined {
  if (!facts) return 'gone';
  if (facts.proactiveOff) return 'turned off in the conversation';
  if (facts.ownerDisabled) return 'owner disabled';
  if (facts.optedOut) return 'turned off for the agent';
  if (facts.takenOver) return 'a person took the conversation over';
  if (facts.unread) return 'unread message from the agent';
  return undefined;
}

const quietNow = (owner: { timeZone: string | null; quietStart: number | null; quietEnd: number | null }, now: Date) =>
  owner.quietStart !== null &&
  owner.quietEnd !== null &&
  isQuietAt({ timeZone: owner.timeZone ?? 'UTC', start: owner.quietStart, end: owner.quietEnd }, now);

export function createProactiveService(deps: ProactiveServiceDeps) {
  const { db, repository } = deps;

  /**
   * One scheduler pass: finds the due conversations whose owner is not in quiet hours, page by page until
   * the scan is over, claims them (a conditional update: of several nodes passing at once, one claims each) and queues one
   * decision job per claim. Answers how many were found and claimed. Background work: on embedded
   * storage's one session, requests' statements go before each of its own.
   */
  const runPass = (): Promise<{ due: number; claimed: number }> => runAsBackgroundWork(pass);

  async function pass(): Promise<{ due: number; claimed: number }> {
    const now = deps.now();
    const zoneMinutes = minutesOfDayEverywhere(now);
    const totals = { due: 0, claimed: 0 };
    let after: ScanCursor | undefined;
    for (;;) {
      const scan = { now, claimTtlMs: proactiveClaimTtlMs, limit: passBatchSize, zoneMinutes, after };
      const page = await repository.findDue(db, scan);
      // The query leaves out owners in quiet hours; this catches a time zone it does not name (an alias).
      const awake = page.due.filter((conversation) => !quietNow(conversation, now));
      const claimed = await repository.claim(
        db,
        awake.map((conversation) => conversation.id),
        now,
        proactiveClaimTtlMs,
      );
      await deps.jobs.sendMany<ProactiveJobData>(
        proactiveJobName,
        claimed.map((decision) => ({ data: decision, singletonKey: decision.decisionId })),
      );
      totals.due += page.due.length;
      totals.claimed += claimed.length;
      if (page.scanned < passBatchSize || !page.end) return totals;
      after = page.end;
    }
  }

  /**
   * The decision job. Rechecks the guardrails, asks the model, and stores the message only if the
   * conversation is still as it saw it and still claimed by this decision (so one decision sends one
   * message, whatever runs it twice). A conversation gone meanwhile ends it quietly.
   */
  async function decide(data: ProactiveJobData, job: Pick<JobContext, 'signal'>): Promise<void> {
    const { tenantId, conversationId, decisionId } = data;
    const context = await repository.decisionContext(db, tenantId, conversationId);
    if (!context || context.claim !== decisionId) return;
    const now = deps.now();
    const settings = readCompanionSettings(context.companion);
    const blocked =
      (!settings.proactive && 'proactive messages off for the agent') ||
      (context.unanswered >= settings.proactiveMaxUnanswered && 'unanswered cap reached') ||
      (quietNow(context, now) && 'quiet hours') ||
      blockedBy(await repository.guardFacts(db, conversationId));
    if (blocked) {
      await repository.release(db, conversationId, decisionId);
      return;
    }
    const resolved = await deps.resolveUtilityModel(
      tenantId,
      { companion: context.companion, agentModel: context.agentModel },
      { path: 'proactive', userId: context.ownerId, agentId: context.agentId, conversationId },
    );
    const idleMinutes = Math.round((now.getTime() - context.lastActivityAt.getTime()) / 60_000);
    const decision = await decideProactive(
      resolved,
      {
        agentInstructions: context.agentInstructions,
        messages: await repository.recentMessages(db, tenantId, conversationId, messagesRead),
        idleMinutes,
        unanswered: context.unanswered,
      },
      { abortSignal: job.signal, timeoutMs: deps.modelTimeoutMs },
    );
    if (decision.action === 'wait') {
      await repository.release(db, conversationId, decisionId, now);
      return;
    }
    const stored = await repository.storeProactiveMessage(
      db,
      {
        tenantId,
        conversationId,
        decisionId,
        seen: { unanswered: context.unanswered, lastActivityAt: context.lastActivityAt },
        message: { id: newId(), content: decision.message, model: resolved.modelRef },
        now,
      },
      async (tx) => blockedBy(await repository.guardFacts(tx, conversationId)) === undefined,
    );
    if (!stored) {
      // The user wrote, a guardrail closed, or the conversation went: this decision sends nothing.
      await repository.release(db, conversationId, decisionId);
      return;
    }
    deps.messageEvents?.stored(tenantId);
    deps.announce({ tenantId, ownerId: context.ownerId, message: presentMessage(stored) });
  }

  let timer: NodeJS.Timeout | undefined;
  let passing: Promise<unknown> | undefined;

  return {
    runPass,
    decide,

    /** Every `intervalMs` on this node; several nodes may pass at once (the claim picks one per conversation). */
    start(intervalMs: number): void {
      const tick = () => {
        passing ??= runPass()
          .catch((error: unknown) => deps.logger.warn({ err: error }, 'A proactive scheduler pass failed'))
          .finally(() => (passing = undefined));
      };
      timer = setInterval(tick, intervalMs);
      timer.unref();
    },

    async stop(): Promise<void> {
      clearInterval(timer);
      await passing;
    },

    registerJob(jobs: Pick<JobQueue, 'register'>): void {
      jobs.register<object>(
        proactiveJobName,
        async (data, job) => {
          const parsed = proactiveJobData.safeParse(data);
          if (!parsed.success) {
            deps.logger.error({ jobId: job.id }, `${proactiveJobName} job with malformed data dropped`);
            return;
          }
          await decide(parsed.data, job).catch((error: unknown) => {
            deps.logger.warn(
              { err: error, conversationId: parsed.data.conversationId, retryCount: job.retryCount },
              'A proactive decision failed; it is retried and sends nothing until it succeeds',
            );
            throw error;
          });
        },
        proactiveJobOptions,
      );
    },
  };
}

export type ProactiveService = ReturnType<typeof createProactiveService>;
