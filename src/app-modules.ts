import fastifyMultipart from '@fastify/multipart';
import type { AppDeps } from './app.js';
import { createEmbedderRegistry } from './ai/embeddings/embedder-registry.js';
import { createRerankerRegistry } from './ai/reranking/reranker-registry.js';
import { createModelRegistry } from './ai/model-registry.js';
import { createModelWarningLog } from './ai/model-warnings.js';
import { serverProviderBaseUrls } from './ai/server-provider-urls.js';
import { createTranscription } from './ai/transcription.js';
import { createAnalyticsModule } from './modules/analytics/index.js';
import { createAgentsModule } from './modules/agents/index.js';
import type { DefaultAgent } from './modules/agents/default-agent.js';
import type { PasswordHasher } from './modules/auth/passwords.js';
import { createApiKeysModule } from './modules/api-keys/index.js';
import { createBudgetsModule, createCallCost } from './modules/budgets/index.js';
import { createChatModule, createModelResolver, createReplyStops } from './modules/chat/index.js';
import { createCompanionModule, createMemoryReader, type CompanionModule } from './modules/companion/index.js';
import {
  createConversationLogFeed,
  createConversationLogFeedRepository,
  createConversationsModule,
  type MessageEvents,
  type MessageView,
} from './modules/conversations/index.js';
import { createFilesModule } from './modules/files/index.js';
import { createInboxModule } from './modules/inbox/index.js';
import { createKnowledgeModule } from './modules/knowledge/index.js';
import { createMcpModule } from './modules/mcp/index.js';
import { createParleyMcpEndpoint } from './modules/mcp/parley-server/index.js';
import { createOpenAICompatModule } from './modules/openai-compat/index.js';
import {
  createConversationTranscripts,
  createEvaluationsModule,
  type EvaluationsModule,
} from './modules/evaluations/index.js';
import { createProjectsModule } from './modules/projects/index.js';
import { createPricingModule } from './modules/pricing/index.js';
import { createProvidersModule } from './modules/providers/index.js';
import { createTenantsModule } from './modules/tenants/index.js';
import { createStorageQuota } from './modules/storage-quota/index.js';
import { createSsoModule } from './modules/sso/index.js';
import type { AuthService } from './modules/auth/index.js';
import { createUsersModule } from './modules/users/index.js';
import { createWebhooksModule } from './modules/webhooks/index.js';
import { emitConversationCreated } from './modules/webhooks/chat-message-events.js';
import { createEmailModule } from './modules/email/index.js';
import { createWidgetModule } from './modules/widget/index.js';
import { createRealtimeModule, type RealtimeModuleDeps } from './modules/realtime/index.js';
import type { InvalidationBus } from './platform/cache/invalidation-bus.js';
import type { App } from './platform/http/types.js';
import { createShutdown } from './platform/shutdown.js';
import { createJobQueue } from './platform/jobs/index.js';
import type { Metrics } from './platform/metrics.js';
import {
  createDirectHttp,
  createOutboundHttp,
  createProviderHosts,
  guardGlobalFetch,
} from './platform/outbound/index.js';
import { createDirectoryStorage } from './platform/storage/index.js';
import { repeatSweep, type RepeatedSweep } from './platform/repeat-sweep.js';

/**
 * Builds every product module from the app's dependencies and registers its routes: the hand-wired
 * dependency graph in one place. Order matters only where one module hands another a service.
 */

/** How often a job-running node looks for log events other nodes stored (its own are read at once). */
const logReaderPollMs = 1_000;
/** How often a job-running node looks at inboxes' opening hours: business-hours rules fire within this. */
const routingHoursSweepMs = 30_000;
export async function registerModules(
  app: App,
  deps: AppDeps & {
    readonly metrics: Metrics;
    readonly invalidations: InvalidationBus;
    readonly defaultAgent: DefaultAgent;
    readonly passwords: PasswordHasher;
    readonly auth: RealtimeModuleDeps['auth'] &
      Pick<AuthService, 'startSession' | 'logout' | 'endSingleSignOnSessions'>;
  },
): Promise<void> {
  const { config, database, metrics, invalidations } = deps;
  // The server-wide providers' hosts take only the model gate's calls: through the outbound door, and
  // through the process's global fetch, guarded (below) until the app closes.
  const providerHosts = createProviderHosts(serverProviderBaseUrls(config.providers));
  // One guard for every outbound call made on a user's behalf (URL fetches, MCP servers, tenants' own
  // model providers), one file store.
  const outbound = createOutboundHttp({ allowList: config.outboundAllowList, providerHosts });
  // The server-wide providers (chosen by the operator, so not guarded) share one connection pool.
  const direct = createDirectHttp();
  const providerFetch = direct.fetch;
  const storage = createDirectoryStorage(config.filesDir);
  // Before chat: agents' tools run through its runner.
  const mcp = createMcpModule({
    db: database.db,
    logger: deps.logger,
    keys: deps.keys,
    outbound,
    outboundAllowList: config.outboundAllowList,
    providerHosts,
    mountPlaces: config.mountPlaces,
    scriptDirs: config.mcpScriptDirs,
    stdio: { user: config.mcpStdioUser, mode: config.mcpStdioSandbox, searchPath: config.searchPath },
    options: deps.mcp,
  });
  const unguardGlobalFetch = guardGlobalFetch(providerHosts);
  // Pooled MCP connections (and stdio servers' processes) end with the app, then the outbound sockets.
  // Fastify runs onClose hooks last-registered first: registered before the job queue's and the chat
  // drain's, this runs after them, so a job or a turn finishing in the grace period still has its pools.
  app.addHook('onClose', async () => {
    await mcp.close();
    await outbound.close();
    await direct.close();
    unguardGlobalFetch();
  });
  // Before users and conversations: deleting either stops the replies still being written for it.
  const replyStops = createReplyStops(invalidations);
  // Before chat, whose turns it publishes to live watchers on every node.
  const realtime = await createRealtimeModule({
    db: database.db,
    config,
    logger: deps.logger,
    redis: deps.redis,
    invalidations,
    auth: deps.auth,
    tuning: deps.realtime,
  });
  const credentialsChanged = realtime.credentialsChanged;
  // serve.ts's lease sweep, outside the app, tells the watchers of the replies it fails through this.
  app.decorate('publishAbandonedReplies', (replies: readonly { tenantId: string; reply: MessageView }[]) => {
    for (const { tenantId, reply } of replies) realtime.publisher.publishAbandonedReply(tenantId, reply);
  });
  const users = createUsersModule({
    db: database.db,
    passwords: deps.passwords,
    stopRepliesOf: replyStops.stopOwner,
    onCredentialsChanged: credentialsChanged,
  });
  users.registerRoutes(app, users.service);
  // Single sign-on per tenant (docs/sso.md): provisions through the users module, disables through its path.
  createSsoModule({
    db: database.db,
    keys: deps.keys,
    outbound,
    logger: deps.logger,
    auth: deps.auth,
    users: users.service,
    usersRepository: users.repository,
    passwords: deps.passwords,
    config,
  }).registerRoutes(app);
  const apiKeys = createApiKeysModule({ db: database.db, onCredentialsChanged: credentialsChanged });
  apiKeys.registerRoutes(app, apiKeys.service);
  // One registry for chat and the model picker, so the picker offers what chat accepts.
  const modelRegistry = createModelRegistry({ config, providerFetch, isLeanStreamOn: config.isLeanModelStreamOn });
  const providers = createProvidersModule({
    db: database.db,
    keys: deps.keys,
    models: modelRegistry,
    outbound,
    invalidations,
    modelTimeoutMs: config.modelTimeoutMs,
  });
  providers.registerRoutes(app, providers.service);
  const pricing = createPricingModule({ db: database.db, invalidations, serverProviders: config.providers });
  pricing.registerRoutes(app, pricing.service);
  // The conversations' log read across conversations (ADR 27): analytics, webhooks' message.created and
  // the email outbox each read it past a cursor of their own, instead of writing rows inside every turn.
  const logFeed = createConversationLogFeed({
    db: database.db,
    repository: createConversationLogFeedRepository(),
    logger: deps.logger,
  });
  const analytics = createAnalyticsModule({
    db: database.db,
    logger: deps.logger,
    serverProviders: config.providers,
    readLog: () => logFeed.catchUp('analytics'),
  });
  logFeed.add(analytics.rollups.logReader());
  analytics.registerRoutes(app, analytics.service);
  if (deps.runsJobs ?? true) {
    // Every job-running node recounts what changed; the tenant's lock keeps them from doubling work.
    app.addHook('onReady', async () => analytics.rollups.start(config.analyticsRefreshIntervalMs));
    app.addHook('onClose', () => analytics.rollups.stop());
  }
  // Every stored file's row passes through it: attachments, widget images, documents, imports.
  const storageQuota = createStorageQuota({ db: database.db, config });
  // After providers: a tenant's utility model is checked against its providers.
  const tenants = createTenantsModule({
    db: database.db,
    storageQuota,
    users: users.repository,
    passwords: deps.passwords,
    defaultAgent: deps.defaultAgent,
    requireKnownModel: providers.service.requireKnownModel,
  });
  tenants.registerRoutes(app, tenants.service);
  // The evaluations module is built last (it answers through chat); publishing asks its gate at call time.
  // eslint-disable-next-line prefer-const -- assigned once the modules it answers through are built
  let evaluations: EvaluationsModule | undefined;
  const agents = createAgentsModule({
    db: database.db,
    defaultModelRef: providers.service.defaultModelRef,
    requireKnownModel: providers.service.requireKnownModel,
    publishGate: (executor, check) => evaluations?.gate.requireBeforePublish(executor, check) ?? Promise.resolve(),
  });
  agents.registerRoutes(app);
  // Background jobs run on pg-boss in the same database: started once the app is ready, stopped (running
  // jobs finished, or handed back for a retry) when it closes, before its owner closes the database.
  const jobs = createJobQueue({
    database,
    logger: deps.logger,
    pollIntervalSeconds: config.jobPollIntervalMs / 1000,
    leaseSeconds: config.jobLeaseStaleMs / 1000,
  });
  // Before the modules whose changes are events: they emit to it in their change's transaction (ADR 20).
  const webhooks = createWebhooksModule({
    db: database.db,
    config,
    logger: deps.logger,
    jobs,
    outbound,
    keys: deps.keys,
    invalidations,
  });
  webhooks.registerRoutes(app);
  const events = webhooks.events;
  // Every stored message is in its conversation's log; these readers announce it and mail replies. A node
  // that stores one tells them to read now; a job-running node also polls for what other nodes stored.
  const email = createEmailModule({ db: database.db, logger: deps.logger, config, jobs, keys: deps.keys });
  logFeed.add(webhooks.messageCreatedReader());
  logFeed.add(email.replyMails());
  invalidations.subscribe('inboxes', (tenantId) => email.forgetEmailTenant(tenantId));
  const messageEvents: MessageEvents = {
    stored: (tenantId) =>
      void (async () => {
        if (await events.isWanted(tenantId, 'message.created')) logFeed.nudge('webhooks');
        if (await email.hasEmailInbox(tenantId)) logFeed.nudge('email');
        if (await inbox.hasMessageRules(tenantId)) logFeed.nudge('routing');
      })().catch((error: unknown) =>
        deps.logger.warn({ err: error }, 'The log readers could not be told of a message'),
      ),
  };
  app.decorate('webhookOutbox', { events, sweepUnrelayed: webhooks.sweepUnrelayed });
  // Usage budgets: every model resolver below checks them before a call and counts each call's tokens.
  const budgets = createBudgetsModule({
    db: database.db,
    logger: deps.logger,
    events,
    pricing: pricing.service,
    invalidations,
  });
  budgets.registerRoutes(app);
  const projects = createProjectsModule({ db: database.db });
  projects.registerRoutes(app, projects.service);
  const conversations = createConversationsModule({
    db: database.db,
    agents: agents.service,
    projects: projects.service,
    stopReplies: replyStops.stopConversation,
    onConversationChanged: (change) => realtime.publisher.publishConversationChange(change),
    onConversationRemoved: realtime.conversationAccessChanged,
    recordCreated: (tx, tenantId, conversation) => emitConversationCreated(tx, events, tenantId, conversation),
  });
  conversations.registerRoutes(app);
  const knowledge = createKnowledgeModule({
    db: database.db,
    storageKind: database.kind,
    config,
    logger: deps.logger,
    jobs,
    storage,
    outbound,
    embedders: createEmbedderRegistry({ config, providerFetch }),
    rerankers: createRerankerRegistry({ config, providerFetch }),
    loadTenantProviders: providers.service.loadTenantProviders,
    recordModelCall: (tenantId, call) => budgets.service.record(tenantId, call),
    metrics,
    events,
    quota: storageQuota,
  });
  if (deps.runsJobs ?? true) {
    knowledge.registerJobs();
    webhooks.registerJobs();
  }
  deps.onServices?.({ knowledgeImports: knowledge.imports });
  // Uploads are multipart; the parser exists only in this scope, so every other route stays JSON-only.
  await app.register(async (scope) => {
    await scope.register(fastifyMultipart);
    knowledge.registerRoutes(scope);
  });
  app.addHook('onReady', async () => {
    await jobs.start();
    if (deps.runsJobs ?? true) webhooks.startSweep();
  });
  // Documents an older index version wrote are reindexed in the background, once the queue has started.
  if (deps.runsJobs ?? true) {
    app.addHook('onReady', () => knowledge.scheduleIndexRefresh());
    app.addHook('onReady', () => knowledge.startImportsUpkeep(config.maintenanceSweepIntervalMs));
    app.addHook('onClose', async () => knowledge.stopImportsUpkeep());
  }
  app.addHook('onClose', () => jobs.stop({ graceMs: config.shutdownGraceMs }));
  // Runs before the job queue stops and after chat's drain (hooks run last-registered first), so the
  // events of the last turns are stored and their jobs queued.
  app.addHook('onClose', () => webhooks.close());
  if (deps.runsJobs ?? true) {
    app.addHook('onReady', async () => {
      logFeed.start('webhooks', logReaderPollMs);
      logFeed.start('email', logReaderPollMs);
    });
  }
  // Before the relay and the job queue close: a pass under way finishes, and what it relays is tracked.
  app.addHook('onClose', () => logFeed.stop());
  // The customer-service desk (docs/customer-service.md); its signing secrets are sealed like provider keys.
  // Before chat, whose turns in support conversations get its handoff tool.
  const inbox = createInboxModule({
    db: database.db,
    keys: deps.keys,
    events,
    messageEvents,
    onInboxesChanged: (tenantId) => invalidations.publish('inboxes', tenantId),
    onRoutingRulesChanged: (tenantId) => invalidations.publish('routing-rules', tenantId),
    logger: deps.logger,
    publisher: realtime.publisher,
    stopReplies: replyStops.stopConversation,
    resolveModel: createModelResolver({
      registry: modelRegistry,
      loadTenantProviders: providers.service.loadTenantProviders,
      budgets: budgets.service,
    }),
    knowledgeSearch: knowledge.search,
    jobs,
    pauseAfterCommitMs: config.testPauseAfterCommitMs,
    storage,
  });
  invalidations.subscribe('routing-rules', (tenantId) => inbox.forgetRoutingRules(tenantId));
  if (deps.runsJobs ?? true) {
    inbox.registerJobs();
    // A snooze whose wake job was lost opens at most one maintenance interval late.
    app.addHook('onReady', async () => inbox.snoozeSweep.start(config.maintenanceSweepIntervalMs));
    app.addHook('onClose', () => inbox.snoozeSweep.stop());
  }
  app.decorate('wakeOverdueSnoozes', () => inbox.snoozeSweep.sweep());
  // Reply-time targets: contacts' messages start next-response clocks from the log (dated by the message,
  // so polling is enough); breaches are announced by a sweep on nodes that run jobs.
  logFeed.add(inbox.replyTargetsReader);
  if (deps.runsJobs ?? true) {
    app.addHook('onReady', async () => {
      logFeed.start('reply-targets', logReaderPollMs);
      // A breach is announced within a maintenance interval; the API shows `breached` at the due time itself.
      inbox.breachSweep.start(config.maintenanceSweepIntervalMs);
    });
    app.addHook('onClose', () => inbox.breachSweep.stop());
  }
  // Routing rules: contacts' messages from the log (cursor `routing`); business-hours boundaries by a sweep
  // on nodes that run jobs, each boundary fired once across nodes (inboxes.hours_state, compare-and-set).
  logFeed.add(inbox.routingReader);
  if (deps.runsJobs ?? true) {
    let hoursSweep: RepeatedSweep | undefined;
    app.addHook('onReady', async () => {
      logFeed.start('routing', logReaderPollMs);
      hoursSweep = repeatSweep(inbox.sweepRoutingHours, routingHoursSweepMs, (error) =>
        deps.logger.warn({ err: error }, 'The business-hours rules sweep failed; it runs again soon'),
      );
    });
    app.addHook('onClose', async () => hoursSweep?.stop());
  }
  app.decorate('routingRules', {
    readContactMessages: () => logFeed.catchUp('routing'),
    sweepHours: inbox.sweepRoutingHours,
    drain: inbox.drainRouting,
  });
  app.decorate('replyTargets', {
    sweepBreaches: (at?: Date) => inbox.breachSweep.sweep(at),
    readContactMessages: () => logFeed.catchUp('reply-targets'),
  });
  inbox.registerRoutes(app);
  realtime.onConnectionsChanged((actor, connections) => inbox.presence.connectionsChanged(actor, connections));
  app.addHook('onReady', async () => inbox.presence.start());
  // Registered before realtime's close (which ends the sockets), so it runs after it: the last counts are written.
  app.addHook('onClose', async () => {
    await inbox.presence.stop();
    await inbox.drain();
  });
  // Chat attachments: stored like documents, by id under DATA_DIR/files.
  const files = createFilesModule({
    db: database.db,
    config,
    storage,
    transcription: createTranscription({
      config,
      loadTenantProviders: providers.service.loadTenantProviders,
      providerFetch,
      admit: (tenantId) => budgets.service.admit(tenantId),
      recordModelCall: (tenantId, call) => budgets.service.record(tenantId, call),
    }),
    quota: storageQuota,
  });
  await files.registerRoutes(app);
  const shutdown = deps.shutdown ?? createShutdown();
  const modelWarnings = createModelWarningLog(deps.logger);
  // The SDK's own calls (the tool loop, titles, embeddings) report through this global; by default it
  // writes each warning to the console on every call, outside the log.
  globalThis.AI_SDK_LOG_WARNINGS = modelWarnings;
  const chat = createChatModule({
    db: database.db,
    confirmSignIn: async ({ userId, sessionEpoch, sessionId }) =>
      (await deps.auth.currentIdentity({ userId, sessionEpoch, sessionId }))?.actor ?? null,
    config,
    logger: deps.logger,
    metrics,
    registry: modelRegistry,
    modelWarnings,
    loadTenantProviders: providers.service.loadTenantProviders,
    budgets: budgets.service,
    // The same search the query endpoint uses: what it shows is what an agent is given.
    knowledgeSearch: knowledge.search,
    files: files.service,
    toolRunner: mcp.toolRunner,
    shutdown,
    stops: replyStops,
    tuning: deps.chat,
    announceTurn: (turn) => {
      realtime.publisher.publishTurn(turn);
      companion.watchTurn(turn);
    },
    announceContinuedReply: (turn) => realtime.publisher.publishContinuedReply(turn),
    announceWaitingReply: (tenantId, reply) => realtime.publisher.publishWaitingReply(tenantId, reply),
    announceTitle: (title) => realtime.publisher.publishTitle(title),
    messageEvents,
    knownFacts: createMemoryReader(database.db),
    conversationTools: inbox.conversationTools,
    supportGate: inbox.supportGate,
  });
  chat.registerRoutes(app);
  // Companion features (docs/companion.md): built after chat, whose model resolver its jobs use; no
  // turn starts before the app is ready, so chat's turns always find it.
  const companion: CompanionModule = createCompanionModule({
    db: database.db,
    logger: deps.logger,
    jobs,
    conversations: conversations.service,
    agents: agents.service,
    resolveModel: chat.resolveModel,
    tenantUtilityModel: tenants.service.utilityModelOf,
    modelTimeoutMs: config.modelTimeoutMs,
    suggestionIntervalMs: config.personalitySuggestionIntervalMs,
    onRead: (read) => realtime.publisher.publishRead(read),
    onProactiveMessage: ({ tenantId, ownerId, message }) =>
      realtime.publisher.publishProactiveMessage(tenantId, ownerId, message),
    messageEvents,
    now: deps.clock,
  });
  if (deps.runsJobs ?? true) {
    companion.registerJobs();
    app.addHook('onReady', async () => companion.startScans());
    // Runs before the job queue stops (hooks run last-registered first): a scan's last sends still land.
    app.addHook('onClose', () => companion.stopScans());
  }
  companion.registerRoutes(app);
  // Proactive messages: every node runs the scheduler (claims keep it to one message per decision).
  app.decorate('runProactivePass', () => companion.proactive.runPass());
  if (deps.runsJobs ?? true) {
    app.addHook('onReady', async () => companion.proactive.start(config.proactiveCheckIntervalMs));
    app.addHook('onClose', () => companion.proactive.stop());
  }
  app.decorate('personalitySuggestions', companion.suggestions);
  realtime.registerRoutes(app, {
    chat: chat.service,
    conversations: conversations.service,
    heartbeatMs: deps.chat?.heartbeatMs ?? 15_000,
  });
  // The support desk's public side: website visitors talk to an inbox, its AI answers through chat.
  const widget = createWidgetModule({
    db: database.db,
    inboxes: inbox.inboxes,
    support: inbox.support,
    chat: chat.service,
    files: files.service,
    readReceipts: companion.readReceipts,
    imageMaxBytes: config.widgetImageMaxBytes,
    typingThrottleMs: config.realtime.typingThrottleMs,
    deskUserOf: inbox.deskUserOf,
    recordTopic: inbox.recordTopic,
    realtime,
    perMinute: config.widgetRateLimitPerMinute,
    heartbeatMs: deps.chat?.heartbeatMs ?? 15_000,
    webhooks: { events, enrich: webhooks.enrich },
    messageEvents,
  });
  widget.registerRoutes(app);
  // Email inboxes (docs/customer-service.md, "The email inbox"): mail in through the widget's path, replies out by job.
  if (deps.runsJobs ?? true) {
    email.registerJobs();
    app.addHook('onReady', async () => email.startSweep(config.maintenanceSweepIntervalMs));
  }
  app.addHook('onReady', async () => {
    await email.startListener({ ...widget.channel, files: files.service });
  });
  app.addHook('onClose', () => email.close());
  // The rating page of rating requests by mail, rating through the widget's path.
  email.registerRatingRoutes(app, widget.channel);
  app.decorate('email', {
    listenerAddress: email.listenerAddress,
    sweepWaiting: email.sweepWaiting,
    sweepRatingRequests: email.sweepRatingRequests,
  });
  // Turns outlive their requests (a client may leave mid-stream); closing waits for them to be stored.
  app.addHook('onClose', () => chat.service.drain());
  const openAICompat = createOpenAICompatModule({
    agents: agents.service,
    resolveModel: chat.resolveModel,
    modelStream: chat.modelStream,
    slots: chat.slots,
    modelTimeoutMs: config.modelTimeoutMs,
    knowledgeSearch: knowledge.search,
    shutdown,
    logger: deps.logger,
  });
  await openAICompat.registerRoutes(app);
  // Evaluations (docs/agents.md): a set's cases answered by versions of an agent, through chat's resolver
  // (budgets and ledger, path `evaluation`), as jobs.
  evaluations = createEvaluationsModule({
    db: database.db,
    logger: deps.logger,
    jobs,
    events,
    findModifiableAgent: agents.service.findModifiable,
    versionSettings: agents.versionSettings,
    requireKnownModel: providers.service.requireKnownModel,
    transcripts: createConversationTranscripts({
      chatHistory: (actor, id, query) => conversations.messages.listHistory(actor, id, query),
      deskLines: (actor, id, query) => inbox.desk.listMessages(actor, id, query),
    }),
    answering: {
      resolveModel: chat.resolveModel,
      modelStream: chat.modelStream,
      knowledgeSearch: knowledge.search,
      modelTimeoutMs: config.modelTimeoutMs,
      costOf: createCallCost(pricing.service),
    },
    tuning: deps.evaluations,
  });
  if (deps.runsJobs ?? true) {
    evaluations.registerJobs();
    const running = evaluations;
    app.addHook('onReady', async () => running.startSweep(config.maintenanceSweepIntervalMs));
    app.addHook('onClose', () => running.stopSweep());
  }
  evaluations.registerRoutes(app);

  mcp.registerRoutes(app);
  // Parley itself as an MCP server (/mcp), over the same services as the HTTP API.
  createParleyMcpEndpoint({
    logger: deps.logger,
    knowledgeSearch: knowledge.search,
    sources: knowledge.sources,
    agents: agents.service,
    conversations: conversations.service,
    chat: chat.service,
  }).registerRoutes(app);
}
