import type { Redis } from 'ioredis';
import type { Config } from '../../config.js';
import { everyKey, type InvalidationBus } from '../../platform/cache/invalidation-bus.js';
import type { Database } from '../../platform/db/client.js';
import type { App } from '../../platform/http/types.js';
import type { Logger } from '../../platform/logger.js';
import type { AuthService } from '../auth/index.js';
import type { ChatService } from '../chat/index.js';
import type { ConversationsService, MessageView } from '../conversations/index.js';
import { createConnectionSlots } from './connection-slots.js';
import { createLocalEventRelay, openRedisEventRelay } from './event-relay.js';
import { createHeartbeat, type RealtimeLimits } from './realtime-connection.js';
import { createHandshake } from './realtime-handshake.js';
import { createRealtimeHub, type RealtimeConnection } from './realtime-hub.js';
import { createRealtimeTickets } from './realtime-tickets.js';
import { createRealtimeRepository } from './realtime.repository.js';
import { registerRealtimeRoutes } from './realtime.routes.js';
import { createRealtimeService } from './realtime.service.js';
import { closeCodes } from './realtime.schemas.js';
import { createSocketRights } from './socket-rights.js';
import { createTurnPublisher } from './turn-publisher.js';

export interface RealtimeModuleDeps {
  readonly db: Database;
  readonly config: Pick<Config, 'corsOrigins' | 'realtime'>;
  readonly logger: Logger;
  readonly redis?: Redis;
  readonly invalidations: InvalidationBus;
  readonly auth: Pick<AuthService, 'identify' | 'currentIdentity'>;
  /** Tests shorten the heartbeat and the like. */
  readonly tuning?: Partial<RealtimeLimits>;
}

/** How often every open socket's credential is checked again, besides when it is known to have changed. */
const credentialRecheckMs = 60_000;

/**
 * The realtime layer (docs/realtime.md): made before chat, whose turns it publishes, and given chat and
 * conversations when its routes are registered.
 */
export async function createRealtimeModule(deps: RealtimeModuleDeps) {
  const limits: RealtimeLimits = { ...deps.config.realtime, ...deps.tuning };
  const relay = deps.redis ? await openRedisEventRelay(deps.redis, deps.logger) : createLocalEventRelay();
  const hub = createRealtimeHub();
  relay.onEvent(hub.deliver);
  const publisher = createTurnPublisher({ relay });
  const repository = createRealtimeRepository();
  const tickets = createRealtimeTickets({ ttlMs: limits.ticketTtlMs, redis: deps.redis });
  const slots = createConnectionSlots({
    redis: deps.redis,
    hub,
    limit: limits.connectionsPerUser,
    logger: deps.logger,
  });

  const rights = createSocketRights({ hub, auth: deps.auth, logger: deps.logger });
  const warnIfFailed = (pass: Promise<void>) =>
    pass.catch((error: unknown) => deps.logger.warn({ err: error }, 'realtime sockets could not be judged again'));
  deps.invalidations.subscribe('credentials', (userId) => {
    void warnIfFailed(userId === everyKey ? rights.recheckEveryone() : rights.recheckUser(userId));
  });
  deps.invalidations.subscribe('conversation-access', (conversationId) => {
    // After messages may have been lost (Redis came back): every watched conversation, once.
    const conversationIds =
      conversationId === everyKey
        ? new Set(hub.subscriptions().map((subscription) => subscription.conversationId))
        : [conversationId];
    for (const id of conversationIds) void warnIfFailed(rights.recheckWatchers(id));
  });
  const recheckAll = setInterval(() => void warnIfFailed(rights.recheckEveryone()), credentialRecheckMs);
  recheckAll.unref();

  return {
    publisher,
    /** Tells `listener` whenever a user's count of sockets on this node changes (operator presence). */
    onConnectionsChanged: hub.onConnectionsChanged,
    /** For the widget's live stream (src/modules/widget), which watches conversations as sockets do. */
    hub,
    relay,
    /**
     * Tells every node that a user's credentials may have ended (disabled, deleted, password reset, key
     * deleted, signed out) or their role changed: their sockets are judged again (socket-rights.ts).
     */
    credentialsChanged: (userId: string) => deps.invalidations.publish('credentials', userId),
    /** Tells every node that who may watch a conversation changed (it was deleted): its watchers are judged again. */
    conversationAccessChanged: (conversationId: string) =>
      deps.invalidations.publish('conversation-access', conversationId),
    registerRoutes(
      app: App,
      services: { chat: ChatService; conversations: Pick<ConversationsService, 'get'>; heartbeatMs: number },
    ) {
      const service = createRealtimeService({
        db: deps.db,
        repository,
        hub,
        relay,
        conversations: services.conversations,
        chat: services.chat,
        subscriptionsPerConnection: limits.subscriptionsPerConnection,
        typingThrottleMs: limits.typingThrottleMs,
        replayPageSize: limits.replayPageSize,
      });
      rights.setWatchRule(async (actor, conversationId) => {
        await services.conversations.get(actor, conversationId);
      });
      relay.onRecovered(() => {
        service
          .catchUp()
          .catch((error: unknown) =>
            deps.logger.warn({ err: error }, 'realtime catch-up after redis came back failed'),
          );
      });
      const heartbeat = createHeartbeat(limits.heartbeatMs);
      const followers = new Set<RealtimeConnection>();
      registerRealtimeRoutes(app, {
        admit: createHandshake({
          auth: deps.auth,
          tickets,
          slots,
          corsOrigins: deps.config.corsOrigins,
          connectionsPerUser: limits.connectionsPerUser,
        }),
        auth: deps.auth,
        tickets,
        connection: { hub, service, limits, logger: deps.logger, heartbeat },
        replyStream: {
          db: deps.db,
          repository,
          hub,
          relay,
          conversations: services.conversations,
          heartbeatMs: services.heartbeatMs,
          followers,
        },
      });
      // As the stop begins, not once the server has closed, which waits for every open response: a
      // socket (1001) or a reply's SSE follower (its stream ends without the reply's outcome, which
      // tells the client to resume it on another node) would otherwise hold the stop for the whole
      // grace period, and then be cut all the same.
      app.addHook('preClose', async () => {
        for (const connection of [...hub.all(), ...followers]) {
          connection.close(closeCodes.serverStopping, 'Server stopping: reconnect');
        }
      });
      app.addHook('onClose', async () => {
        clearInterval(recheckAll);
        slots.close();
        heartbeat.stop();
        for (const connection of hub.all()) connection.close(closeCodes.serverStopping, 'Server stopping: reconnect');
        await relay.close();
      });
    },
  };
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Tells every node's watchers that these replies, failed by the lease sweep, ended (their `error`). */
    publishAbandonedReplies: (replies: readonly { tenantId: string; reply: MessageView }[]) => void;
  }
}

export type RealtimeModule = Awaited<ReturnType<typeof createRealtimeModule>>;
export type { RealtimeLimits } from './realtime-connection.js';
export type { TurnPublisher, PublishedTurn } from './turn-publisher.js';
