import { transaction } from '../../../platform/db/after-commit.js';
import type { Database } from '../../../platform/db/client.js';
import type { Logger } from '../../../platform/logger.js';
import { repeatSweep, type RepeatedSweep } from '../../../platform/repeat-sweep.js';
import type { WebhookEvents } from '../../webhooks/index.js';
import type { DeskPublisher } from '../desk/operator-desk.service.js';
import { presentSupportConversation } from '../support/support.schemas.js';
import type { ReplyTargetsRepository, StoredClock } from './reply-targets.repository.js';

export interface BreachSweepDeps {
  readonly db: Database;
  readonly repository: ReplyTargetsRepository;
  readonly events?: WebhookEvents | undefined;
  readonly publisher?: Pick<DeskPublisher, 'publishToOperators'> | undefined;
  readonly logger: Pick<Logger, 'warn'>;
  readonly now?: () => Date;
}

/** Overdue clocks read per statement; the sweep pages on while a page announces something. */
const sweepBatchSize = 200;

/**
 * Announces each reply-time target breached: on every node that runs jobs, now and then, the running
 * clocks past their due time are marked breached with a compare-and-set, and the node whose mark took
 * emits `conversation.target_breached` in that transaction (the webhook outbox) and tells the operators
 * live after it commits. Two nodes sweeping at once announce each breach once.
 */
export function createBreachSweep(deps: BreachSweepDeps) {
  const { db, repository } = deps;
  const now = deps.now ?? (() => new Date());

  async function announce(clock: StoredClock, at: Date): Promise<boolean> {
    const breached = await transaction(db, async (tx) => {
      const marked = await repository.markBreached(tx, clock.tenantId, clock.id, at);
      if (!marked) return undefined;
      const conversation = await repository.findConversation(tx, marked.tenantId, marked.supportConversationId);
      if (!conversation) return undefined;
      await deps.events?.emit(
        tx,
        marked.tenantId,
        'conversation.target_breached',
        {
          supportConversation: presentSupportConversation(conversation, at),
          target: marked.target,
          startedAt: marked.startedAt.toISOString(),
          dueAt: marked.dueAt.toISOString(),
          breachedAt: at.toISOString(),
        },
        { key: marked.id },
      );
      return marked;
    });
    if (!breached) return false;
    deps.publisher?.publishToOperators(breached.tenantId, {
      type: 'support-target-breached',
      supportConversationId: breached.supportConversationId,
      target: breached.target,
      dueAt: breached.dueAt.toISOString(),
    });
    return true;
  }

  /** One pass as at `at` (tests sweep ahead of the clock): answers how many breaches this node announced. */
  async function sweep(at: Date = now()): Promise<number> {
    let announced = 0;
    for (;;) {
      const overdue = await repository.findOverdue(db, at, sweepBatchSize);
      let announcedNow = 0;
      for (const clock of overdue) {
        const isAnnounced = await announce(clock, at).catch((error: unknown) => {
          deps.logger.warn(
            { err: error, clockId: clock.id },
            'could not announce a breach; the next sweep tries again',
          );
          return false;
        });
        if (isAnnounced) announcedNow += 1;
      }
      announced += announcedNow;
      // A full page of which nothing was announced is another node's, or failing: the next pass sees it.
      if (overdue.length < sweepBatchSize || announcedNow === 0) return announced;
    }
  }

  let repeated: RepeatedSweep | undefined;
  return {
    sweep,
    start(intervalMs: number): void {
      repeated ??= repeatSweep(
        () => sweep(),
        intervalMs,
        (error) => deps.logger.warn({ err: error }, 'the sweep of reply-time breaches failed'),
      );
    },
    async stop(): Promise<void> {
      await repeated?.stop();
      repeated = undefined;
    },
  };
}

export type BreachSweep = ReturnType<typeof createBreachSweep>;
