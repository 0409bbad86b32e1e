import type { Database, Executor } from '../../platform/db/client.js';
import type { JobQueue } from '../../platform/jobs/index.js';
import type { App } from '../../platform/http/types.js';
import type { Logger } from '../../platform/logger.js';
import type { ModelResolver, TurnAnnouncement } from '../chat/index.js';
import { isCompleteOrStopped, type MessageEvents, type MessageView } from '../conversations/index.js';
import { readCompanionSettings } from '../agents/companion-settings.js';
import type { AgentsService } from '../agents/index.js';
import type { AgentDirectory, ConversationsService } from '../conversations/index.js';
import { createMemoriesRepository } from './memories.repository.js';
import { createMemoriesService } from './memories.service.js';
import { createMemoryMarksRepository } from './memory-marks.repository.js';
import { createCompanionRepository } from './companion.repository.js';
import { registerCompanionRoutes } from './companion.routes.js';
import { createReadReceiptsService, type ReadEvent } from './read-receipts.service.js';
import { createSummariesService } from './summaries.service.js';
import { createProactiveRepository } from './proactive.repository.js';
import { createProactiveService } from './proactive.service.js';
import { createProactiveSettingsService } from './proactive-settings.service.js';
import { registerProactiveRoutes } from './proactive.routes.js';
import { createPersonalitySuggestionsRepository } from './personality-suggestions.repository.js';
import { registerPersonalitySuggestionRoutes } from './personality-suggestions.routes.js';
import {
  createPersonalitySuggestionsService,
  type PersonalitySuggestionsService,
} from './personality-suggestions.service.js';
import { createUtilityModelResolver, type TenantUtilityModelSource } from './utility-model.js';

export interface CompanionModuleDeps {
  readonly db: Database;
  readonly logger: Logger;
  readonly jobs: JobQueue;
  readonly conversations: Pick<ConversationsService, 'findVisible'>;
  readonly agents: Pick<AgentDirectory, 'findUsable'> & Pick<AgentsService, 'get' | 'update'>;
  /** Chat's model resolver: the utility model resolves against the tenant's providers like any agent's. */
  readonly resolveModel: ModelResolver;
  /** The tenant's utility model (the tenants module's settings). */
  readonly tenantUtilityModel: TenantUtilityModelSource;
  readonly modelTimeoutMs: number;
  /** How often this node scans for conversations due a personality suggestion. */
  readonly suggestionIntervalMs: number;
  /** Tells live watchers of a read (the realtime module). */
  readonly onRead?: (read: ReadEvent) => void;
  /** Tells of a proactive message once stored: live to the owner and the watchers. */
  readonly onProactiveMessage: (sent: { tenantId: string; ownerId: string; message: MessageView }) => void;
  /** Told once a proactive message is stored (the log's readers: webhooks' message.created). */
  readonly messageEvents?: MessageEvents;
  /** The proactive scheduler's clock (tests set it); real time by default. */
  readonly now?: () => Date;
}

/**
 * Companion intelligence (docs/companion.md): read receipts and summaries, per agent. Built after chat,
 * whose model resolver its jobs use; chat reads the newest summary with each turn's history, in the same
 * statement (chat-turn.repository.ts), so the window starts where the summary ends.
 */
export function createCompanionModule(deps: CompanionModuleDeps) {
  const repository = createCompanionRepository();
  const resolveUtilityModel = createUtilityModelResolver({
    resolveModel: deps.resolveModel,
    tenantUtilityModel: deps.tenantUtilityModel,
  });
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
    resolveUtilityModel,
    logger: deps.logger,
    modelTimeoutMs: deps.modelTimeoutMs,
  });
  const memories = createMemoriesService({
    db: deps.db,
    repository: createMemoriesRepository(),
    marks: createMemoryMarksRepository(),
    jobs: deps.jobs,
    agents: deps.agents,
    resolveUtilityModel,
    logger: deps.logger,
    modelTimeoutMs: deps.modelTimeoutMs,
  });
  const suggestions = createPersonalitySuggestionsService({
    db: deps.db,
    repository: createPersonalitySuggestionsRepository(),
    jobs: deps.jobs,
    conversations: deps.conversations,
    agents: deps.agents,
    resolveUtilityModel,
    logger: deps.logger,
    modelTimeoutMs: deps.modelTimeoutMs,
  });
  const suggestionScan = createPeriodicScan(suggestions, deps.suggestionIntervalMs, deps.logger);

  const proactive = createProactiveService({
    db: deps.db,
    repository: createProactiveRepository(),
    jobs: deps.jobs,
    resolveUtilityModel,
    logger: deps.logger,
    modelTimeoutMs: deps.modelTimeoutMs,
    now: deps.now ?? (() => new Date()),
    announce: deps.onProactiveMessage,
    messageEvents: deps.messageEvents,
  });
  const proactiveSettings = createProactiveSettingsService({
    db: deps.db,
    repository: createProactiveRepository(),
    conversations: deps.conversations,
    agents: deps.agents,
  });

  /**
   * After a successful reply: the jobs its agent's settings call for (a summary, the user's facts). The
   * settings come with the turn when it read them, else from the conversation's agent now.
   */
  async function afterReply(
    turn: Pick<TurnAnnouncement, 'tenantId' | 'agent'>,
    conversationId: string,
    userMessageId: string,
    replyId: string,
    /** The reply's own statement counted the turns since the last summary (chat's storeReply). */
    userTurnsSinceSummary: number | undefined,
  ) {
    const { tenantId } = turn;
    const companion =
      turn.agent?.companion !== undefined
        ? turn.agent.companion
        : (await repository.conversationContext(deps.db, tenantId, conversationId))?.companion;
    if (companion === undefined || companion === null) return;
    const settings = readCompanionSettings(companion);
    await summaries.considerSummary(tenantId, conversationId, settings, replyId, userTurnsSinceSummary);
    await memories.considerMemories(tenantId, conversationId, settings, userMessageId);
  }

  return {
    readReceipts,
    summaries,
    memories,
    proactive,
    suggestions,
    /** Told of every chat turn as it starts (chat's announceTurn); acts once its reply is stored. */
    watchTurn(turn: TurnAnnouncement): void {
      // The user's writing resets the proactive count in the statement that stores it (chat's storeTurn).
      void turn.handle.outcome.then(async (outcome) => {
        if (outcome.error || !isCompleteOrStopped(outcome.assistantMessage)) return;
        const { conversationId, userMessage, assistantMessage } = outcome;
        // A split reply is one turn, however many bubbles: it ends at its last one.
        const lastOfReply = outcome.laterBubbles?.at(-1) ?? assistantMessage;
        const counted = outcome.userTurnsSinceSummary;
        await afterReply(turn, conversationId, userMessage.id, lastOfReply.id, counted).catch((error: unknown) =>
          deps.logger.warn({ err: error, conversationId }, 'could not queue the companion jobs of a reply'),
        );
      });
    },
    registerJobs: () => {
      summaries.registerJob(deps.jobs);
      memories.registerJob(deps.jobs);
      proactive.registerJob(deps.jobs);
      suggestions.registerJob(deps.jobs);
    },
    /** On nodes that run jobs: the personality suggestions' scan, once at start and then every interval. */
    startScans: () => suggestionScan.start(),
    stopScans: () => suggestionScan.stop(),
    registerRoutes: (app: App) => {
      registerCompanionRoutes(app, { readReceipts, summaries, memories });
      registerProactiveRoutes(app, proactiveSettings);
      registerPersonalitySuggestionRoutes(app, suggestions);
    },
  };
}

/** One scan at a time on this node; a scan that fails is logged and the next one tries again. */
function createPeriodicScan(
  suggestions: Pick<PersonalitySuggestionsService, 'scan'>,
  intervalMs: number,
  logger: Pick<Logger, 'warn'>,
) {
  let timer: NodeJS.Timeout | undefined;
  let scanning: Promise<unknown> | undefined;
  const scan = () => {
    scanning ??= suggestions
      .scan()
      .catch((error: unknown) => logger.warn({ err: error }, 'The scan for personality suggestions failed'))
      .finally(() => (scanning = undefined));
  };
  return {
    start(): void {
      scan();
      timer = setInterval(scan, intervalMs);
      timer.unref();
    },
    async stop(): Promise<void> {
      clearInterval(timer);
      await scanning;
    },
  };
}

/** The facts an agent with memory knew of its user before a conversation began, for chat's turns. */
export function createMemoryReader(db: Executor) {
  const repository = createMemoriesRepository();
  return (tenantId: string, conversationId: string, agentId: string, userId: string): Promise<string[]> =>
    repository.knownBefore(db, tenantId, conversationId, agentId, userId);
}

export type CompanionModule = ReturnType<typeof createCompanionModule>;
export type { ReadEvent } from './read-receipts.service.js';
export { userTurnsSinceSummaryQuery } from './companion.repository.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** One proactive scheduler pass now (tests; the scheduler runs them every PROACTIVE_CHECK_INTERVAL_MS). */
    runProactivePass: () => Promise<{ due: number; claimed: number }>;
    /**
     * The personality suggestions' scan and job, as the node's timer and queue run them: for a command
     * (or a test) that wants a scan now rather than at the next interval.
     */
    personalitySuggestions: Pick<PersonalitySuggestionsService, 'scan' | 'suggest'>;
  }
}
