import type { Database, Executor } from '../../platform/db/client.js';
import type { App } from '../../platform/http/types.js';
import type { ChatService } from '../chat/index.js';
import { presentMessage, type MessageEvents } from '../conversations/index.js';
import { emitContactCreated, type InboxesService, type SupportService } from '../inbox/index.js';
import type { StoredContact } from '../inbox/contacts/contacts.repository.js';
import type { EventRelay } from '../realtime/event-relay.js';
import type { RealtimeHub } from '../realtime/realtime-hub.js';
import type { EventEnricher, WebhookEvents, WebhookEventType } from '../webhooks/index.js';
import { createApiChannelRepository } from './api-channel.repository.js';
import { registerApiChannelRoutes } from './api-channel.routes.js';
import { createApiChannel } from './api-channel.service.js';
import { createSupportEventContext } from './support-event-context.js';
import { registerWidgetAssetRoutes } from './widget-assets.routes.js';
import { createWidgetSessions } from './widget-sessions.js';
import { createWidgetSignals } from './widget-signals.js';
import type { FilesService } from '../files/index.js';
import type { ReadReceiptsService } from '../companion/read-receipts.service.js';
import { createWidgetRepository } from './widget.repository.js';
import { registerWidgetRoutes } from './widget.routes.js';
import { createWidgetService } from './widget.service.js';

export interface WidgetModuleDeps {
  readonly db: Database;
  /** Told once a visitor's or a notice's message is stored (the log's readers: webhooks, mail). */
  readonly messageEvents?: MessageEvents | undefined;
  readonly inboxes: Pick<InboxesService, 'isVerifiedContact'>;
  readonly support: Pick<SupportService, 'change' | 'createForContact'>;
  readonly chat: Pick<ChatService, 'sendMessage'>;
  readonly files: Pick<FilesService, 'uploadImage' | 'openContent'>;
  /** The companion's read receipts ("Seen" both ways). */
  readonly readReceipts: Pick<ReadReceiptsService, 'markRead'>;
  readonly imageMaxBytes: number;
  readonly typingThrottleMs: number;
  /** The inbox module's desk user, who owns the chat conversations behind support conversations (ADR 18). */
  readonly deskUserOf: (tenantId: string) => Promise<string>;
  /** The inbox module's: a waiting conversation's first message becomes the summary the queue shows. */
  readonly recordTopic?: (tenantId: string, supportConversationId: string, content: string) => Promise<void>;
  readonly realtime: { readonly hub: RealtimeHub; readonly relay: EventRelay };
  readonly perMinute: number;
  readonly heartbeatMs: number;
  readonly statusPollMs?: number;
  /** Webhook events: contacts' lines and ratings are sent, and support events get their contact and inbox. */
  readonly webhooks?: {
    readonly events: WebhookEvents;
    enrich(type: WebhookEventType, enricher: EventEnricher): void;
  };
}

/** The events a bridge on the API channel routes by their support conversation's contact and inbox. */
const supportEventTypes = [
  'conversation.created',
  'message.created',
  'csat.submitted',
  'conversation.status_changed',
  'handoff.requested',
  'conversation.target_breached',
  'conversation.updated',
  'rule.matched',
] as const satisfies readonly WebhookEventType[];

/**
 * The contact's side of the support desk: the public widget API (docs/customer-service.md, "The widget")
 * and the API channel, where the tenant's own system speaks for its contacts (docs/integrations.md).
 */
export function createWidgetModule(deps: WidgetModuleDeps) {
  const repository = createWidgetRepository();
  const apiChannelRepository = createApiChannelRepository();
  const events = deps.webhooks?.events;
  const addSupportContext = createSupportEventContext(deps.db, apiChannelRepository);
  for (const type of supportEventTypes) deps.webhooks?.enrich(type, addSupportContext);
  // The contacts API sends its own `contact.created`; these are the contacts visitors and bridges make.
  const recordContactCreated = async (tx: Executor, contact: StoredContact) => {
    if (events) await emitContactCreated(tx, events, contact);
  };
  const sessions = createWidgetSessions({ db: deps.db, repository, inboxes: deps.inboxes, recordContactCreated });
  const service = createWidgetService({
    db: deps.db,
    repository,
    support: deps.support,
    chat: deps.chat,
    files: deps.files,
    imageMaxBytes: deps.imageMaxBytes,
    deskUserOf: deps.deskUserOf,
    recordTopic: deps.recordTopic,
    events,
    // A message no model wrote reaches the widget's stream and operators' sockets as chat's own do.
    announceMessage: (tenantId, row) => {
      const message = presentMessage(row);
      const seq = message.seq;
      deps.realtime.relay.publish({
        tenantId,
        channel: 'conversation',
        conversationId: message.conversationId,
        frame: { type: 'message-created', conversationId: message.conversationId, seq, message },
      });
    },
    messageEvents: deps.messageEvents,
  });
  const apiChannel = createApiChannel({
    db: deps.db,
    repository: apiChannelRepository,
    widgetRepository: repository,
    widget: service,
    recordContactCreated,
  });
  const signals = createWidgetSignals({
    service,
    readReceipts: deps.readReceipts,
    relay: deps.realtime.relay,
    typingThrottleMs: deps.typingThrottleMs,
  });
  return {
    service,
    /** What the email channel sends contacts' mail through: the same contacts and path as the widget's. */
    channel: { widget: service, widgetRepository: repository, recordContactCreated },
    registerRoutes(app: App): void {
      const openStreams = new Set<{ end(): void }>();
      // Before the server waits for its connections to end: a live stream would never end by itself.
      app.addHook('preClose', (done) => {
        for (const stream of openStreams) stream.end();
        done();
      });
      registerWidgetAssetRoutes(app, sessions);
      registerApiChannelRoutes(app, apiChannel);
      registerWidgetRoutes(app, {
        sessions,
        service,
        signals,
        imageMaxBytes: deps.imageMaxBytes,
        perMinute: deps.perMinute,
        stream: {
          db: deps.db,
          repository,
          hub: deps.realtime.hub,
          relay: deps.realtime.relay,
          heartbeatMs: deps.heartbeatMs,
          statusPollMs: deps.statusPollMs ?? 2_000,
          openStreams,
        },
      });
    },
  };
}
