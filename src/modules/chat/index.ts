import type { Actor, SignInToConfirm } from '../../access/actor.js';
import type { ModelRegistry } from '../../ai/model-types.js';
import type { Config } from '../../config.js';
import type { Database } from '../../platform/db/client.js';
import type { App } from '../../platform/http/types.js';
import type { ModelWarningLog } from '../../ai/model-warnings.js';
import type { Logger } from '../../platform/logger.js';
import type { Metrics } from '../../platform/metrics.js';
import type { Shutdown } from '../../platform/shutdown.js';
import { createBackgroundTasks } from './turn/background-tasks.js';
import { createChatRepository } from './chat.repository.js';
import { registerChatRoutes } from './chat.routes.js';
import { createChatService } from './chat.service.js';
import { createModelResolver, type ModelBudgets, type TenantProviderSource } from './turn/model-resolver.js';
import type { PassageSearch } from './turn/turn-knowledge.js';
import type { FilesService } from '../files/index.js';
import type { McpToolRunner } from '../mcp/index.js';
import { createChatToolsRepository } from './tools/chat-tools.repository.js';
import { replyLease, replyLeaseRenewMsFor, startRenewingReplyLeases } from './reply-control/reply-leases.js';
import type { ReplyStops } from './reply-control/reply-stops.js';
import { createReplySlots } from './reply-control/reply-slots.js';
import type { ChatTurnDeps } from './turn/chat-turn.js';

export interface ChatModuleDeps {
  readonly db: Database;
  readonly config: Pick<
    Config,
    | 'modelTimeoutMs'
    | 'modelStallTimeoutMs'
    | 'chatHistoryMaxChars'
    | 'chatHistoryMaxTokens'
    | 'modelContextTokens'
    | 'concurrentRepliesPerUser'
    | 'replyLeaseStaleMs'
  >;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly registry: ModelRegistry;
  /** The provider SDKs' warnings, logged once per model (the app also gives it to the SDK's own calls). */
  readonly modelWarnings: ModelWarningLog;
  readonly loadTenantProviders: TenantProviderSource;
  /** The usage budgets every model call of chat (and of the modules sharing its resolver) is held to. */
  readonly budgets?: ModelBudgets | undefined;
  /** The knowledge module's search, for agents with knowledge sources. */
  readonly knowledgeSearch?: PassageSearch;
  /** The files module, for messages that carry files. */
  readonly files?: Pick<FilesService, 'prepareAttachments' | 'modelParts'>;
  /** Runs agents' MCP tools (the MCP module); absent, agents get only the built-in tools. */
  readonly toolRunner?: McpToolRunner;
  /** The node's stop (serve.ts): turns are refused once it drains and cut short when its grace is over. */
  readonly shutdown: Shutdown;
  /** Who a sign-in stands for now (the auth module), for a turn let in on a remembered one that ended. */
  readonly confirmSignIn: (signIn: SignInToConfirm) => Promise<Actor | null>;
  /** Stopping replies on any node (made before the modules, since deleting a conversation stops its replies). */
  readonly stops: ReplyStops;
  /** Defaults suit production; tests shorten them. */
  readonly tuning?: Partial<ChatTuning>;
  /** Publishes every turn's events to live watchers (the realtime module). */
  readonly announceTurn?: ChatTurnDeps['announceTurn'];
  readonly announceContinuedReply?: ChatTurnDeps['announceContinuedReply'];
  readonly announceWaitingReply?: ChatTurnDeps['announceWaitingReply'];
  readonly announceTitle?: ChatTurnDeps['announceTitle'];
  /** Announces the turns' messages in the transactions that store them (the webhooks' message.created). */
  readonly messageEvents?: ChatTurnDeps['messageEvents'];
  /** What agents with memory know of their user (the companion module). */
  readonly knownFacts?: ChatTurnDeps['knownFacts'];
  /** Tools a conversation brings beside its agent's (the inbox module's handoff in support conversations). */
  readonly conversationTools?: ChatTurnDeps['conversationTools'];
  /** Whether the AI may answer a support conversation now (the inbox module). */
  readonly supportGate?: ChatTurnDeps['supportGate'];
}

export interface ChatTuning {
  /**
   * The most messages one read of a conversation's history returns: a bound on the read, not the
   * window (which is chosen from the newest summary and cut by tokens, turn/history-window.ts). 100
   * holds twice the ten turns a summary waits for by default, with split replies of 4 bubbles.
   */
  readonly historyLimit: number;
  readonly heartbeatMs: number;
  readonly maxRetries: number;
  readonly replayPollIntervalMs: number;
  /** How much longer than the model's own bound a retried request waits for the first one's reply. */
  readonly replayGraceMs: number;
  readonly stopWaitMs: number;
  /** How often this node renews the leases of the replies it writes (reply-leases.ts). */
  readonly replyLeaseRenewMs: number;
}

const defaultTuning: ChatTuning = {
  historyLimit: 100,
  heartbeatMs: 15_000,
  maxRetries: 0,
  replayPollIntervalMs: 250,
  replayGraceMs: 5_000,
  stopWaitMs: 10_000,
  replyLeaseRenewMs: replyLease.renewEveryMs,
};

export function createChatModule(deps: ChatModuleDeps) {
  // Leases renewed often enough for REPLY_LEASE_STALE_MS, unless a test sets the pace itself.
  const tuning = {
    ...defaultTuning,
    replyLeaseRenewMs: replyLeaseRenewMsFor(deps.config.replyLeaseStaleMs),
    ...deps.tuning,
  };
  const repository = createChatRepository();
  const resolveModel = createModelResolver({
    registry: deps.registry,
    loadTenantProviders: deps.loadTenantProviders,
    budgets: deps.budgets,
    // A background job's call on a support conversation is registered with the stops, then the desk asked.
    supportGate: deps.supportGate && {
      hasPerson: (tenantId, conversationId) => deps.supportGate!.hasPerson(tenantId, conversationId),
      watchConversation: (conversationId) => deps.stops.watchConversation(conversationId),
    },
  });
  const modelStream = {
    metrics: deps.metrics,
    maxRetries: tuning.maxRetries,
    stallTimeoutMs: deps.config.modelStallTimeoutMs,
    onWarnings: deps.modelWarnings,
  };
  const slots = createReplySlots(deps.config.concurrentRepliesPerUser);
  const service = createChatService({
    db: deps.db,
    repository,
    metrics: deps.metrics,
    modelStream,
    background: createBackgroundTasks(deps.logger),
    logger: deps.logger,
    modelTimeoutMs: deps.config.modelTimeoutMs,
    historyLimit: tuning.historyLimit,
    historyMaxChars: deps.config.chatHistoryMaxChars,
    historyMaxTokens: deps.config.chatHistoryMaxTokens,
    defaultContextTokens: deps.config.modelContextTokens,
    knowledgeSearch: deps.knowledgeSearch,
    tools: { repository: createChatToolsRepository(), toolRunner: deps.toolRunner },
    shutdown: deps.shutdown,
    confirmSignIn: deps.confirmSignIn,
    stops: deps.stops,
    announceTurn: deps.announceTurn,
    announceContinuedReply: deps.announceContinuedReply,
    announceWaitingReply: deps.announceWaitingReply,
    announceTitle: deps.announceTitle,
    messageEvents: deps.messageEvents,
    knownFacts: deps.knownFacts,
    conversationTools: deps.conversationTools,
    supportGate: deps.supportGate,
    slots,
    stopWaitMs: tuning.stopWaitMs,
    attachmentParts: deps.files?.modelParts,
    prepareAttachments: deps.files?.prepareAttachments,
    resolveModel,
    // A retry waits at most as long as the first request's model call may take.
    replay: {
      maxWaitMs: deps.config.modelTimeoutMs + tuning.replayGraceMs,
      pollIntervalMs: tuning.replayPollIntervalMs,
    },
  });
  return {
    service,
    /** Shared with the OpenAI-compatible API, which streams the same way but stores nothing. */
    resolveModel,
    modelStream,
    /** The OpenAI-compatible API's completions count against the same per-user bound as chat turns. */
    slots,
    registerRoutes: (app: App) => {
      registerChatRoutes(app, service, { heartbeatMs: tuning.heartbeatMs });
      const leases = startRenewingReplyLeases(
        { db: deps.db, repository, stops: deps.stops, logger: deps.logger },
        tuning.replyLeaseRenewMs,
      );
      app.addHook('onClose', async () => leases.stop());
    },
  };
}

export type { ChatService } from './chat.service.js';
export { createBackgroundTasks, type BackgroundTasks } from './turn/background-tasks.js';
export type { BuiltinTool } from './tools/builtin-tools.js';
export { createModelResolver } from './turn/model-resolver.js';
export { createReplyStops, type ReplyStops } from './reply-control/reply-stops.js';
export type { ReplySlots } from './reply-control/reply-slots.js';
export { replyLease } from './reply-control/reply-leases.js';
export type { ChatTurnEvent, ChatTurnHandle } from './turn/chat-events.js';
export type { TurnAnnouncement } from './turn/chat-turn.js';
export {
  interruptedReply,
  streamModelReply,
  type ModelStreamDeps,
  type ModelStreamEvent,
  type ModelStreamResult,
  type SamplingSettings,
} from './turn/model-stream.js';
export { logModelFailure } from './turn/model-failure-log.js';
export type {
  ModelBudgets,
  ModelResolver,
  ModelUse,
  ResolvedModel,
  TenantProviderSource,
} from './turn/model-resolver.js';
export {
  citationsCitedIn,
  retrieveTurnKnowledge,
  systemWithKnowledge,
  type PassageSearch,
  type TurnKnowledge,
} from './turn/turn-knowledge.js';
