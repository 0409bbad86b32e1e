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
 * A conversation one socket watches. While a replay is read (a subscribe, or a gap being filled), live
 * events wait in `pending`, so none falls between the replay and the live stream. `lastSeq` is the last
 * seq of the conversation's log the socket has; `streams` the last part it got of each reply in flight;
 * `endedAt` the seq of each reply's last `finished` or `error` it got: a part of that reply's stream from
 * before it (late, from another node) is not sent after its end.
 */
interface Subscription {
  lastSeq: number;
  pending: ServerFrame[] | undefined;
  streams: Map<string, number>;
  endedAt: Map<string, number>;
}

/** What a gap is filled with: the log after a seq as the database has it, through `throughSeq`. */
export type GapFiller = (
  connection: RealtimeConnection,
  conversationId: string,
  after: number,
) => Promise<{ frames: ServerFrame[]; throughSeq: number }>;

const seqOf = (frame: ServerFrame): number => (typeof frame.seq === 'number' ? frame.seq : 0);
const partOf = (frame: ServerFrame): number | undefined => (typeof frame.part === 'number' ? frame.part : undefined);
/** Frames without a seq (typing) sort first: they are not part of the log. Then by seq, then by part. */
const inLogOrder = (a: ServerFrame, b: ServerFrame): number =>
  seqOf(a) - seqOf(b) || (partOf(a) ?? -1) - (partOf(b) ?? -1);
const isFinal = (frame: ServerFrame): boolean => frame.type === 'finished' || frame.type === 'error';

/**
 * This node's sockets and what they watch; it delivers every relayed event to the sockets it concerns
 * (a conversation's subscribers, or a user's sockets), never across tenants. A conversation's events
 * reach each socket in the order of its log (docs/realtime.md): seq lastSeq + 1 is sent, a seq already
 * had is dropped, and a later one (events of another node overtook) waits while the missing range is
 * read from the database (`fillGaps`), then everything goes out in order; so does a reply's part past
 * the next one, whose missing parts the same read finds in the relay's log of the reply.
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
  let gapFiller: GapFiller | undefined;

  /** A frame of a reply's stream (it has a part): in order inside its reply, whatever came since. */
  function sendPart(connection: RealtimeConnection, subscription: Subscription, frame: ServerFrame): void {
    const messageId = String(frame.messageId);
    const part = partOf(frame) ?? 0;
    if (seqOf(frame) < (subscription.endedAt.get(messageId) ?? 0)) return;
    const last = subscription.streams.get(messageId);
    if (last === undefined ? part !== 0 : part <= last) return;
    subscription.streams.set(messageId, part);
    connection.send(frame);
  }

  function sendLogged(connection: RealtimeConnection, subscription: Subscription, frame: ServerFrame): void {
    subscription.lastSeq = seqOf(frame);
    if (isFinal(frame)) {
      subscription.streams.delete(String(frame.messageId));
      subscription.endedAt.set(String(frame.messageId), seqOf(frame));
    } else if (partOf(frame) !== undefined) subscription.streams.set(String(frame.messageId), partOf(frame) ?? 0);
    connection.send(frame);
  }

  /** A live frame, in log order; `jumpTo`: a seq the database could not fill up to, sent all the same. */
  function offer(
    connection: RealtimeConnection,
    conversationId: string,
    subscription: Subscription,
    frame: ServerFrame,
    jumpTo = 0,
  ): void {
    if (subscription.pending) return void subscription.pending.push(frame);
    if (typeof frame.seq !== 'number') return connection.send(frame);
    const seq = frame.seq;
    const part = partOf(frame);
    if (seq <= subscription.lastSeq) {
      // A stream behind the socket's place goes on only if the socket has its start (a reply whose
      // start it had, or replayed, in flight): a late `message-started` of a reply it got whole is dropped.
      const lastPart = subscription.streams.get(String(frame.messageId));
      if (part === undefined || lastPart === undefined) return;
      // A part past the next one: the parts between were lost between nodes (this node's Redis
      // subscription was down). They are read from the relay's log as a gap of the log is, rather than
      // skipped for good: the socket gets each reply's stream whole, whoever wrote it.
      if (part <= lastPart + 1 || !gapFiller || seq <= jumpTo) return sendPart(connection, subscription, frame);
      return fillGap(connection, conversationId, subscription, frame, gapFiller);
    }
    const isNext = seq === subscription.lastSeq + 1 && (part === undefined || part === 0);
    if (isNext || !gapFiller || seq <= jumpTo) return sendLogged(connection, subscription, frame);
    fillGap(connection, conversationId, subscription, frame, gapFiller);
  }

  function fillGap(
    connection: RealtimeConnection,
    conversationId: string,
    subscription: Subscription,
    frame: ServerFrame,
    filler: GapFiller,
  ): void {
    subscription.pending = [frame];
    const settle = (frames: readonly ServerFrame[], throughSeq: number) => {
      if (byConversation.get(conversationId)?.get(connection) !== subscription) return;
      settleReplay(connection, conversationId, subscription, frames, throughSeq, seqOf(frame));
    };
    filler(connection, conversationId, subscription.lastSeq).then(
      ({ frames, throughSeq }) => settle(frames, throughSeq),
      // The database did not answer: what came is sent in order rather than held or lost.
      () => settle([], 0),
    );
  }

  /** The replay (read from the database), then what arrived meanwhile, in log order, each once. */
  function settleReplay(
    connection: RealtimeConnection,
    conversationId: string,
    subscription: Subscription,
    replay: readonly ServerFrame[],
    throughSeq: number,
    jumpTo = 0,
  ): void {
    const pending = subscription.pending ?? [];
    subscription.pending = undefined;
    sendReplayed(connection, subscription, replay, throughSeq);
    for (const frame of pending.sort(inLogOrder)) offer(connection, conversationId, subscription, frame, jumpTo);
  }

  /**
   * Frames read from the database, in log order, each once: the log's events as they happened, none
   * missing up to `throughSeq` (after a `snapshot`, when the log no longer keeps the start).
   */
  function sendReplayed(
    connection: RealtimeConnection,
    subscription: Subscription,
    replay: readonly ServerFrame[],
    throughSeq: number,
  ): void {
    for (const frame of [...replay].sort(inLogOrder)) {
      if (typeof frame.seq !== 'number') connection.send(frame);
      else if (partOf(frame) !== undefined && frame.seq <= subscription.lastSeq)
        sendPart(connection, subscription, frame);
      else if (frame.seq > subscription.lastSeq) sendLogged(connection, subscription, frame);
    }
    subscription.lastSeq = Math.max(subscription.lastSeq, throughSeq);
  }

  function deliver(event: RealtimeEvent): void {
    if (event.channel === 'user') {
      for (const connection of (event.userId && byUser.get(event.userId)) || []) {
        if (connection.actor.tenantId !== event.tenantId) continue;
        // A change in the conversation's log reaches a socket watching it there, in its place.
        if (typeof event.frame.seq === 'number' && byConversation.get(event.conversationId)?.has(connection)) continue;
        connection.send(event.frame);
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
      offer(connection, event.conversationId, subscription, event.frame);
    }
  }

  return {
    deliver,
    /** How a subscription's gap is filled: the same read as `subscribe` with `after` (realtime.service.ts). */
    fillGaps(filler: GapFiller): void {
      gapFiller = filler;
    },
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

    /**
     * Starts watching; live events wait until `finishReplay`. A second subscribe replays again.
     * `partsHad`: the last part the client has of a reply in flight (an SSE `Last-Event-ID` of
     * `<seq>.<part>`), so its stream goes on after that part rather than from its start.
     */
    beginSubscription(
      connection: RealtimeConnection,
      conversationId: string,
      after: number,
      partsHad?: { messageId: string; part: number },
    ): void {
      const subscribers = byConversation.get(conversationId) ?? new Map<RealtimeConnection, Subscription>();
      const streams = new Map(partsHad ? [[partsHad.messageId, partsHad.part]] : []);
      // Subscribing again (a catch-up) keeps which replies the socket saw end.
      const endedAt = subscribers.get(connection)?.endedAt ?? new Map<string, number>();
      subscribers.set(connection, { lastSeq: after, pending: [], streams, endedAt });
      byConversation.set(conversationId, subscribers);
      const own = watched.get(connection) ?? new Set();
      own.add(conversationId);
      watched.set(connection, own);
    },

    /**
     * Replays again to a socket already subscribed (events may have been lost between nodes), from
     * the last seq it has now; answers that seq, or undefined when it is not subscribed. Unlike a
     * subscribe, the socket keeps its place in each reply in flight and what waited for a gap being
     * filled: a catch-up that started the socket's replies over sent it their parts a second time
     * (from part 0), or dropped the ones that came after, since it had not "had" their start.
     */
    beginCatchUp(connection: RealtimeConnection, conversationId: string): number | undefined {
      const subscribers = byConversation.get(conversationId);
      const subscription = subscribers?.get(connection);
      if (!subscribers || !subscription) return undefined;
      // A new object: a gap fill under way settles nothing (this replay covers its range).
      subscribers.set(connection, { ...subscription, pending: subscription.pending ?? [] });
      return subscription.lastSeq;
    },

    /**
     * Sends the replay, then what arrived meanwhile, in log order and each once; `throughSeq` is the
     * conversation's last seq as the replay read it. Answers the last seq the socket has.
     */
    finishReplay(
      connection: RealtimeConnection,
      conversationId: string,
      replay: readonly ServerFrame[],
      throughSeq = 0,
    ): number {
      const subscription = byConversation.get(conversationId)?.get(connection);
      if (!subscription) return 0;
      // An `after` past the log's end (a seq of the clock-based numbering of earlier versions): from the end.
      if (throughSeq > 0 && subscription.lastSeq > throughSeq) subscription.lastSeq = throughSeq;
      settleReplay(connection, conversationId, subscription, replay, throughSeq);
      return subscription.lastSeq;
    },

    /** One page of a long replay (not its last): sent in order; live events keep waiting. */
    sendReplayPage(
      connection: RealtimeConnection,
      conversationId: string,
      page: readonly ServerFrame[],
      throughSeq: number,
    ): void {
      const subscription = byConversation.get(conversationId)?.get(connection);
      if (subscription) sendReplayed(connection, subscription, page, throughSeq);
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

export type RealtimeHub = ReturnType<typeof createRealtimeHub>;
