import { canSeeAllConversations, type Actor } from '../../access/actor.js';
import type { Credential } from '../auth/index.js';
import type { RealtimeEvent } from './event-relay.js';
import type { ServerFrame } from './realtime.schemas.js';

/** One socket as the hub sees it: who it is, what it watches, and how to write to it. */
export interface RealtimeConnection {
  readonly id: string;
  /** Who the socket acts as: replaced when the user's role changes (socket-rights.ts). */
  actor: Actor;
  readonly credential: Credential;
  send(frame: ServerFrame): void;
  close(code: number, reason: string): void;
}

/**
 * A conversation one socket watches. While its replay is read, live events wait in `pending`, so none
 * falls between the replay and the live stream; `lastSeq` then drops what the socket already has.
 */
interface Subscription {
  lastSeq: number;
  pending: ServerFrame[] | undefined;
}

/**
 * This node's sockets and what they watch; it delivers every relayed event to the sockets it concerns
 * (a conversation's subscribers, or a user's sockets), never across tenants.
 */
export function createRealtimeHub() {
  const connections = new Map<string, RealtimeConnection>();
  const byUser = new Map<string, Set<RealtimeConnection>>();
  const byConversation = new Map<string, Map<RealtimeConnection, Subscription>>();
  const watched = new Map<RealtimeConnection, Set<string>>();
  /** Told when a user's count of sockets on this node changes (operator presence). */
  const connectionListeners: ((actor: Actor, count: number) => void)[] = [];
  const tellConnections = (actor: Actor) => {
    const count = byUser.get(actor.userId)?.size ?? 0;
    for (const listener of connectionListeners) listener(actor, count);
  };

  function sendIfNew(connection: RealtimeConnection, subscription: Subscription, frame: ServerFrame): void {
    const seq = typeof frame.seq === 'number' ? frame.seq : undefined;
    if (seq !== undefined) {
      if (seq <= subscription.lastSeq) return;
      subscription.lastSeq = seq;
    }
    connection.send(frame);
  }

  function deliver(event: RealtimeEvent): void {
    if (event.channel === 'user') {
      for (const connection of (event.userId && byUser.get(event.userId)) || []) {
        if (connection.actor.tenantId === event.tenantId) connection.send(event.frame);
      }
      return;
    }
    if (event.channel === 'operators') {
      for (const connection of connections.values()) {
        if (connection.actor.tenantId === event.tenantId && canSeeAllConversations(connection.actor)) {
          connection.send(event.frame);
        }
      }
      return;
    }
    for (const [connection, subscription] of byConversation.get(event.conversationId) ?? []) {
      if (connection.actor.tenantId !== event.tenantId || connection.id === event.originConnectionId) continue;
      if (connection.actor.userId === event.exceptUserId) continue;
      if (subscription.pending) subscription.pending.push(event.frame);
      else sendIfNew(connection, subscription, event.frame);
    }
  }

  return {
    deliver,
    add(connection: RealtimeConnection): void {
      connections.set(connection.id, connection);
      const own = byUser.get(connection.actor.userId) ?? new Set();
      own.add(connection);
      byUser.set(connection.actor.userId, own);
      tellConnections(connection.actor);
    },
    remove(connection: RealtimeConnection): void {
      connections.delete(connection.id);
      byUser.get(connection.actor.userId)?.delete(connection);
      if (byUser.get(connection.actor.userId)?.size === 0) byUser.delete(connection.actor.userId);
      for (const conversationId of watched.get(connection) ?? []) {
        byConversation.get(conversationId)?.delete(connection);
        if (byConversation.get(conversationId)?.size === 0) byConversation.delete(conversationId);
      }
      watched.delete(connection);
      tellConnections(connection.actor);
    },
    /**
     * The socket now acts with `actor`'s role (its user's role changed). The listeners hear the user's
     * count of sockets that hold the desk (operator or above), under an actor that held it, so operator
     * presence follows a demotion or a promotion as it follows sockets opening and closing.
     */
    changeActor(connection: RealtimeConnection, actor: Actor): void {
      const previous = connection.actor;
      connection.actor = actor;
      if (!canSeeAllConversations(previous) && !canSeeAllConversations(actor)) return;
      const deskSockets = [...(byUser.get(actor.userId) ?? [])].filter((own) => canSeeAllConversations(own.actor));
      for (const listener of connectionListeners) {
        listener(canSeeAllConversations(actor) ? actor : previous, deskSockets.length);
      }
    },
    /** Calls `listener` whenever a user's count of sockets on this node changes. */
    onConnectionsChanged: (listener: (actor: Actor, count: number) => void): void =>
      void connectionListeners.push(listener),
    connectionCountOf: (userId: string): number => byUser.get(userId)?.size ?? 0,
    connectionsOf: (userId: string): readonly RealtimeConnection[] => [...(byUser.get(userId) ?? [])],
    all: (): readonly RealtimeConnection[] => [...connections.values()],
    subscriptionCountOf: (connection: RealtimeConnection): number => watched.get(connection)?.size ?? 0,
    watchedBy: (connection: RealtimeConnection): readonly string[] => [...(watched.get(connection) ?? [])],
    isSubscribed: (connection: RealtimeConnection, conversationId: string): boolean =>
      byConversation.get(conversationId)?.has(connection) ?? false,

    /** Starts watching; live events wait until `finishReplay`. A second subscribe replays again. */
    beginSubscription(connection: RealtimeConnection, conversationId: string, after: number): void {
      const subscribers = byConversation.get(conversationId) ?? new Map<RealtimeConnection, Subscription>();
      subscribers.set(connection, { lastSeq: after, pending: [] });
      byConversation.set(conversationId, subscribers);
      const own = watched.get(connection) ?? new Set();
      own.add(conversationId);
      watched.set(connection, own);
    },

    /** Sends the replay, then what arrived meanwhile, in seq order and each once; answers the last seq sent. */
    finishReplay(connection: RealtimeConnection, conversationId: string, replay: readonly ServerFrame[]): number {
      const subscription = byConversation.get(conversationId)?.get(connection);
      if (!subscription) return 0;
      const pending = subscription.pending ?? [];
      subscription.pending = undefined;
      const frames = [...replay, ...pending].sort((a, b) => seqOf(a) - seqOf(b));
      for (const frame of frames) sendIfNew(connection, subscription, frame);
      return subscription.lastSeq;
    },

    /** Every subscription of this node, with the last seq its socket got. */
    subscriptions(): { connection: RealtimeConnection; conversationId: string; lastSeq: number }[] {
      return [...byConversation].flatMap(([conversationId, subscribers]) =>
        [...subscribers].map(([connection, subscription]) => ({
          connection,
          conversationId,
          lastSeq: subscription.lastSeq,
        })),
      );
    },

    unsubscribe(connection: RealtimeConnection, conversationId: string): void {
      byConversation.get(conversationId)?.delete(connection);
      if (byConversation.get(conversationId)?.size === 0) byConversation.delete(conversationId);
      watched.get(connection)?.delete(conversationId);
    },
  };
}

/** Frames without a seq (typing) sort first: they are not part of the history. */
const seqOf = (frame: ServerFrame): number => (typeof frame.seq === 'number' ? frame.seq : 0);

export type RealtimeHub = ReturnType<typeof createRealtimeHub>;
