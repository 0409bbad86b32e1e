import type { Database, Executor } from '../../platform/db/client.js';
import type { JobQueue } from '../../platform/jobs/index.js';
import type { App } from '../../platform/http/types.js';
import type { Logger } from '../../platform/logger.js';
import type { ModelResolver, TurnAnnouncement } from '../chat/index.js';
import type { ConversationsService } from '../conversations/index.js';
import { createCompanionRepository } from './companion.repository.js';
import { registerCompanionRoutes } from './companion.routes.js';
import { createReadReceiptsService, type ReadEvent } from './read-receipts.service.js';
import { createSummariesService } from './summaries.service.js';

export interface CompanionModuleDeps {
  readonly db: Database;
  readonly logger: Logger;
  readonly jobs: JobQueue;
  readonly conversations: Pick<ConversationsService, 'findVisible'>;
  /** Chat's model resolver: the utility model resolves against the tenant's providers like any agent's. */
  readonly resolveModel: ModelResolver;
  readonly modelTimeoutMs: number;
  /** Tells live watchers of a read (the realtime module). */
  readonly onRead?: (read: ReadEvent) => void;
}

/**
 * Companion intelligence (docs/companion.md): read receipts and summaries, per agent. Built after chat,
 * whose model resolver its jobs use; chat reads summaries through `createSummaryReader`, made before it.
 */
export function createCompanionModule(deps: CompanionModuleDeps) {
  const repository = createCompanionRepository();
  const readReceipts = createReadReceiptsService({
    db: deps.db,
    repository,
    conversations: deps.conversations,
    onRead: deps.onRead,
  });
  const summaries = createSummariesService({
    db: deps.db,
    repository,
    jobs: deps.jobs,
    conversations: deps.conversations,
    resolveModel: deps.resolveModel,
    logger: deps.logger,
    modelTimeoutMs: deps.modelTimeoutMs,
  });
  return {
    readReceipts,
    summaries,
    /** Told of every chat turn as it starts (chat's announceTurn). */
    watchTurn: (turn: TurnAnnouncement) => summaries.watchTurn(turn),
    registerJobs: () => summaries.registerJob(deps.jobs),
    registerRoutes: (app: App) => registerCompanionRoutes(app, { readReceipts, summaries }),
  };
}

/** The latest summary's text before a message: what chat gives a model whose history was cut. */
export function createSummaryReader(db: Executor) {
  const repository = createCompanionRepository();
  return async (tenantId: string, conversationId: string, beforeMessageId: string): Promise<string | undefined> =>
    (await repository.latestSummary(db, tenantId, conversationId, beforeMessageId))?.content;
}

export type CompanionModule = ReturnType<typeof createCompanionModule>;
export type { ReadEvent } from './read-receipts.service.js';
