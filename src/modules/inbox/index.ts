import type { Database } from '../../platform/db/client.js';
import type { App } from '../../platform/http/types.js';
import type { JobQueue } from '../../platform/jobs/index.js';
import type { Logger } from '../../platform/logger.js';
import type { ServerKeys } from '../../platform/secrets.js';
import type { FileStorage } from '../../platform/storage/index.js';
import type { WebhookEvents } from '../webhooks/index.js';
import { createBackgroundTasks, type ModelResolver, type PassageSearch } from '../chat/index.js';
import { createCannedResponsesRepository, createCannedResponsesService } from './desk/canned-responses.js';
import { createContactDataRepository } from './contacts/contact-data.repository.js';
import { createContactDataService } from './contacts/contact-data.service.js';
import { createContactsRepository } from './contacts/contacts.repository.js';
import { createContactsService } from './contacts/contacts.service.js';
import { createDeskLive } from './desk/desk-live.js';
import { createDeskMessagesRepository } from './desk/desk-messages.repository.js';
import { createEmailDomainsRepository } from './email-domains/email-domains.repository.js';
import { registerEmailDomainsRoutes } from './email-domains/email-domains.routes.js';
import { createEmailDomainsService } from './email-domains/email-domains.service.js';
import { registerDeskRoutes } from './desk/desk.routes.js';
import { createConversationTools } from './desk/handoff-tool.js';
import { createInboxesRepository } from './inboxes/inboxes.repository.js';
import { registerInboxesRoutes } from './inboxes/inboxes.routes.js';
import { createInboxesService } from './inboxes/inboxes.service.js';
import { createTeamsRepository } from './teams/teams.repository.js';
import { registerTeamsRoutes } from './teams/teams.routes.js';
import { createTeamsService } from './teams/teams.service.js';
import { ensureDeskUser, ensureLinkedConversation } from './desk/linked-conversation.js';
import { createAutoAssign } from './support/auto-assign.js';
import { createOperatorPresence } from './desk/operator-presence.js';
import { createOperatorPresenceRepository } from './desk/operator-presence.repository.js';
import { createOperatorDesk, type DeskPublisher, type OperatorDeskDeps } from './desk/operator-desk.service.js';
import { createSnoozeSweep, createSnoozeWakes } from './support/snooze-wake.js';
import {
  registerCannedResponsesRoutes,
  registerContactsRoutes,
  registerSupportConversationsRoutes,
} from './support/support.routes.js';
import { createSupportRepository } from './support/support.repository.js';
import { createBreachSweep } from './targets/breach-sweep.js';
import { createReplyClocks } from './targets/reply-clocks.js';
import { createReplyTargetsRepository } from './targets/reply-targets.repository.js';
import { createSupportService, type SnoozeWake, type SupportChange } from './support/support.service.js';
import { createRoutingEngine } from './routing/routing-engine.js';
import { createRoutingTriggers } from './routing/routing-triggers.js';
import { createRoutingRepository } from './routing/routing.repository.js';
import { registerRoutingRoutes } from './routing/routing.routes.js';
import { createRoutingService } from './routing/routing.service.js';

/** The statuses in which a person has a support conversation, and the AI does nothing on it. */
const personStatuses: ReadonlySet<string> = new Set(['pending', 'open', 'snoozed']);

export interface InboxModuleDeps {
  readonly db: Database;
  readonly keys: Pick<ServerKeys, 'credentialsKey'>;
  readonly events?: WebhookEvents;
  /** Told once an operator's reply is stored (the log's readers: webhooks, the email outbox). */
  readonly messageEvents?: OperatorDeskDeps['messageEvents'];
  readonly logger: Pick<Logger, 'error' | 'warn' | 'info'>;
  /** Live frames for the widget and the operators' consoles (the realtime module). */
  readonly publisher?: DeskPublisher;
  /** Stops the AI's replies in a chat conversation on whichever node writes them (chat's reply stops). */
  readonly stopReplies?: (conversationId: string) => void;
  /** The inbox agents' models, for summaries and reply drafts. */
  readonly resolveModel?: ModelResolver;
  readonly knowledgeSearch?: PassageSearch;
  /** Snoozes wake by a job; without a queue (some tests) they stay snoozed until reopened. */
  readonly jobs?: Pick<JobQueue, 'send' | 'register'>;
  /** Crash tests only (TEST_PAUSE_AFTER_COMMIT_MS): the wait between a snooze's commit and its wake job. */
  readonly pauseAfterCommitMs?: number;
  /** Stored files, so an erasure removes its attachments' bytes at once. */
  readonly storage?: Pick<FileStorage, 'remove'>;
  /** Told after a tenant's inbox is made or removed (the invalidation bus: `inboxes`). */
  readonly onInboxesChanged?: (tenantId: string) => void;
  /** Told after a tenant's routing rules changed (the invalidation bus: `routing-rules`). */
  readonly onRoutingRulesChanged?: (tenantId: string) => void;
}

/** The customer-service desk: inboxes, contacts, support conversations with their states, notes, canned responses. */
export function createInboxModule(deps: InboxModuleDeps) {
  const emailDomains = createEmailDomainsService({ db: deps.db, repository: createEmailDomainsRepository() });
  const teams = createTeamsService({ db: deps.db, repository: createTeamsRepository() });
  const inboxes = createInboxesService({
    db: deps.db,
    repository: createInboxesRepository(),
    credentialsKey: deps.keys.credentialsKey,
    requireApprovedAddress: (tenantId, address) => emailDomains.requireApprovedAddress(tenantId, address),
    requireTeam: (tenantId, teamId) => teams.requireTeam(tenantId, teamId),
    onInboxesChanged: deps.onInboxesChanged,
  });
  const contacts = createContactsService({ db: deps.db, repository: createContactsRepository(), events: deps.events });
  const contactData = createContactDataService({
    db: deps.db,
    repository: createContactDataRepository(),
    events: deps.events,
    logger: deps.logger,
    ...(deps.storage && { storage: deps.storage }),
  });
  const supportRepository = createSupportRepository();
  const deskRepository = createDeskMessagesRepository();
  const snoozeWakes = deps.jobs && createSnoozeWakes(deps.jobs);
  const presenceRepository = createOperatorPresenceRepository();
  const presence = createOperatorPresence({
    db: deps.db,
    repository: presenceRepository,
    publisher: deps.publisher,
    logger: deps.logger,
  });
  const autoAssign = createAutoAssign({
    db: deps.db,
    supportRepository,
    presenceRepository,
    freshSince: presence.freshSince,
    onChanged: (change) => live.onChanged(change),
  });
  const live = createDeskLive({
    db: deps.db,
    repository: deskRepository,
    publisher: deps.publisher,
    stopReplies: deps.stopReplies ?? (() => undefined),
    resolveModel: deps.resolveModel,
    autoAssign,
    background: createBackgroundTasks(deps.logger),
  });
  const replyTargetsRepository = createReplyTargetsRepository();
  const replyClocks = createReplyClocks({ repository: replyTargetsRepository });
  const support = createSupportService({
    db: deps.db,
    repository: supportRepository,
    inboxes,
    contacts,
    events: deps.events,
    replyClocks,
    onChanged: (change: SupportChange) => {
      live.onChanged(change);
      routingTriggers.onStatusChanged(change);
    },
    // Routing rules look at every change once it is committed (routing/routing-triggers.ts).
    onCreated: (tenantId, created) => routingTriggers.onCreated(tenantId, created),
    onLabelsAdded: (added) => routingTriggers.onLabelsAdded(added),
    ...(snoozeWakes && {
      scheduleWake: async (wake: SnoozeWake) => {
        if (deps.pauseAfterCommitMs) await new Promise((resolve) => setTimeout(resolve, deps.pauseAfterCommitMs));
        await snoozeWakes.schedule(wake);
      },
    }),
  });
  const snoozeSweep = createSnoozeSweep({ db: deps.db, repository: supportRepository, support, logger: deps.logger });
  const desk = createOperatorDesk({
    db: deps.db,
    supportRepository,
    repository: deskRepository,
    support,
    publisher: deps.publisher,
    messageEvents: deps.messageEvents,
    resolveModel: deps.resolveModel,
    knowledgeSearch: deps.knowledgeSearch,
    replyClocks,
  });
  const breachSweep = createBreachSweep({
    db: deps.db,
    repository: replyTargetsRepository,
    events: deps.events,
    publisher: deps.publisher,
    logger: deps.logger,
  });
  const routingRepository = createRoutingRepository();
  const routingTriggers = createRoutingTriggers({
    db: deps.db,
    repository: routingRepository,
    logger: deps.logger,
    engine: createRoutingEngine({
      db: deps.db,
      repository: routingRepository,
      support,
      sendLine: (tenantId, id, content, key) => desk.sendAutomaticReply(tenantId, id, content, key),
      events: deps.events,
      logger: deps.logger,
    }),
  });
  const routing = createRoutingService({
    db: deps.db,
    repository: routingRepository,
    onRulesChanged: deps.onRoutingRulesChanged,
    hasConversation: async (tenantId, id) => (await supportRepository.find(deps.db, tenantId, id)) !== undefined,
  });
  const cannedResponses = createCannedResponsesService({
    db: deps.db,
    repository: createCannedResponsesRepository(),
  });
  const services = { inboxes, contacts, contactData, support, cannedResponses };
  return {
    ...services,
    desk,
    presence,
    /** ChatModuleDeps.conversationTools: `handoff_to_human` in support conversations the AI answers. */
    conversationTools: createConversationTools({ db: deps.db, repository: deskRepository, support }),
    /**
     * ChatModuleDeps.supportGate: the AI answers a support conversation only while it is `bot`. Read
     * fresh (no cache): the turn asks after registering its reply, so a change either shows here or stops it.
     */
    supportGate: {
      mayAnswer: async (tenantId: string, conversationId: string): Promise<boolean> => {
        const linked = await deskRepository.findByConversation(deps.db, tenantId, conversationId);
        return linked === undefined || linked.status === 'bot';
      },
      /** A person has it (`pending`, `open`, `snoozed`): no AI call at all, jobs included. */
      hasPerson: async (tenantId: string, conversationId: string): Promise<boolean> => {
        const linked = await deskRepository.findByConversation(deps.db, tenantId, conversationId);
        return linked !== undefined && personStatuses.has(linked.status);
      },
    },
    /** The tenant's desk user, owner of every chat conversation behind a support conversation (the widget's too). */
    deskUserOf: (tenantId: string) => ensureDeskUser({ db: deps.db, repository: deskRepository }, tenantId),
    /** The chat conversation behind a support conversation, made and linked on first use. */
    ensureLinkedConversation: (tenantId: string, supportConversationId: string) =>
      ensureLinkedConversation({ db: deps.db, repository: deskRepository }, tenantId, supportConversationId),
    registerJobs(): void {
      snoozeWakes?.register(support);
    },
    /** Wakes the snoozes whose time passed without their job (snooze-wake.ts); on nodes that run jobs. */
    snoozeSweep,
    /** Announces reply-time targets breached (targets/breach-sweep.ts); on nodes that run jobs. */
    breachSweep,
    /** The log's reader that starts next-response clocks at contacts' messages (cursor `reply-targets`). */
    replyTargetsReader: replyClocks.contactMessages(),
    /** The widget: a human-only inbox's first message is what the queue shows of it (desk-live.ts). */
    recordTopic: (tenantId: string, supportConversationId: string, content: string) =>
      live.recordTopic(tenantId, supportConversationId, content),
    /** Waits for the live work still running (notices, summaries): shutdown and tests. */
    drain: async () => {
      await live.drain();
      await routingTriggers.drain();
    },
    /** Routing rules on contacts' messages, read from the log (cursor `routing`); on every node. */
    routingReader: routingTriggers.contactMessages(),
    /** Whether the tenant's stored messages are worth a pass of the routing reader now (cached). */
    hasMessageRules: (tenantId: string) => routingTriggers.hasMessageRules(tenantId),
    forgetRoutingRules: (tenantId: string) => routingTriggers.forgetRules(tenantId),
    /** Fires business-hours rules at each inbox's opening and closing; on nodes that run jobs. */
    sweepRoutingHours: () => routingTriggers.sweepHours(),
    /** Waits for the routing rules still running (tests). */
    drainRouting: () => routingTriggers.drain(),
    registerRoutes(app: App): void {
      registerInboxesRoutes(app, inboxes);
      registerEmailDomainsRoutes(app, emailDomains);
      registerTeamsRoutes(app, teams);
      registerContactsRoutes(app, services);
      registerSupportConversationsRoutes(app, services);
      registerCannedResponsesRoutes(app, services);
      registerDeskRoutes(app, { support, desk, presence });
      registerRoutingRoutes(app, routing);
    },
  };
}

export type { InboxesService } from './inboxes/inboxes.service.js';
export type { SupportService } from './support/support.service.js';
export { ensureDeskUser } from './desk/linked-conversation.js';
export { handoffDeclaration } from './desk/handoff-tool.js';
export { emitContactCreated } from './contacts/contacts.service.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** One sweep of overdue snoozes now (tests; nodes that run jobs sweep every MAINTENANCE_SWEEP_INTERVAL_MS). */
    wakeOverdueSnoozes: () => Promise<number>;
    /**
     * Reply-time targets now (tests): one breach sweep as at `at` (default now; answers how many this node
     * announced), and the contacts' messages read from the log up to now (next-response clocks).
     */
    /** Routing rules now (tests): the contacts' messages read up to now, one hours sweep, and the rules still running. */
    routingRules: {
      readContactMessages: () => Promise<void>;
      sweepHours: () => Promise<number>;
      drain: () => Promise<void>;
    };
    replyTargets: { sweepBreaches: (at?: Date) => Promise<number>; readContactMessages: () => Promise<void> };
  }
}
