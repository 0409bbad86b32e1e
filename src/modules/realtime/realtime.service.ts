import type { Actor } from '../../access/actor.js';
import type { Database } from '../../platform/db/client.js';
import { AppError } from '../../platform/errors.js';
import type { ChatService } from '../chat/index.js';
import type { ConversationsService } from '../conversations/index.js';
import { frameOfLoggedEvent, replyStartedFrame, type LoggedEvent } from './conversation-log.js';
import type { EventRelay } from './event-relay.js';
import type { RealtimeConnection, RealtimeHub } from './realtime-hub.js';
import type { RealtimeRepository } from './realtime.repository.js';
import type { ClientFrame, ServerFrame } from './realtime.schemas.js';

export interface RealtimeServiceDeps {
  readonly db: Database;
  readonly repository: RealtimeRepository;
  readonly hub: RealtimeHub;
  readonly relay: EventRelay;
  readonly conversations: Pick<ConversationsService, 'get'>;
  readonly chat: Pick<ChatService, 'sendMessage' | 'retryReply' | 'stopReply' | 'decideToolCall'>;
  readonly subscriptionsPerConnection: number;
  /** A client's `typing` is relayed at most this often per conversation and socket. */
  readonly typingThrottleMs: number;
  /** Stored messages read by one statement of a replay: a long one is read and sent a page at a time. */
  readonly replayPageSize: number;
}

type FrameOf<T extends ClientFrame['type']> = Extract<ClientFrame, { type: T }>;

/**
 * What a socket's frames do, with the same checks as the HTTP routes: every call goes through the
 * services those routes use (the conversation must be one the caller may read; sending, stopping,
 * retrying and approving are its owner's), so a socket can do nothing a request could not.
 */
export function createRealtimeService(deps: RealtimeServiceDeps) {
  const { db, repository, hub } = deps;
  const lastTyping = new WeakMap<RealtimeConnection, Map<string, number>>();

  /**
   * The conversation's log after `after`, through `throughSeq`: its events as they happened, read from
   * the log (conversation-log.ts), a page at a time; each reply in flight from its start (its frames so
   * far, from any node), including one begun at or before `after`. An `after` older than the log keeps
   * is answered with a `snapshot` frame first (docs/realtime.md: retention), then the log it keeps.
   * Without `after`, or with one past the log's end (a seq of the clock-based numbering of earlier
   * versions), only the replies in flight. `isWatching`: for a socket that stayed subscribed (a gap
   * filled, a catch-up), which also gets the words of the replies that ended in the range.
   */
  async function replayFrames(
    actor: Actor,
    conversationId: string,
    after: number | undefined,
    isWatching = false,
  ): Promise<{ frames: ServerFrame[]; throughSeq: number; isComplete: boolean }> {
    const { tenantId } = actor;
    if (after === undefined) return replayInFlight(actor, conversationId);
    // The replies in flight first, then where the log stands: one that ends between the two reads is
    // still replayed whole (its relay log outlives it a minute), and its end is in the log read.
    const inFlight = await repository.streamingReplies(db, tenantId, conversationId);
    const log = await repository.conversationLog(db, tenantId, conversationId);
    if (!log) return { frames: [], throughSeq: 0, isComplete: true };
    if (after > log.lastSeq) return replayInFlight(actor, conversationId);
    const frames: ServerFrame[] = [];
    let from = after;
    if (from < log.lastSeq && (log.firstSeq === null || log.firstSeq > from + 1)) {
      from = log.firstSeq === null ? log.lastSeq : log.firstSeq - 1;
      frames.push(snapshotFrame(conversationId, from, log));
    }
    const range = { after: from, through: log.lastSeq };
    const events = await repository.eventsAfter(db, tenantId, conversationId, range, deps.replayPageSize);
    // A full page ends at its last event; the rest is the next page's.
    const isFull = events.length === deps.replayPageSize;
    const throughSeq = isFull ? events.at(-1)!.seq : log.lastSeq;
    frames.push(...events.map((event) => frameOfLoggedEvent(conversationId, event)));
    frames.push(...(await streamsOfRepliesIn(events, after, isWatching)));
    // Replies begun at or before `after` and still written: from their start (the hub drops parts had).
    for (const reply of inFlight) if (reply.seq <= from) frames.push(...(await streamSoFar(reply)));
    return { frames, throughSeq, isComplete: !isFull };
  }

  /**
   * The streams of the replies a page of the log starts, after their start, as far as the relay keeps
   * them (a minute past a reply's end): of those still written when the page was read; for a socket that
   * stayed subscribed (`isWatching`), also of those that ended in the page, and of a reply begun at or
   * before `after` that ends in it, the parts after the socket's place. Such a socket missed words only
   * in transit (its node heard nothing from Redis for a while): without them it got a reply's start and
   * end with none of the words between, or a stream that stopped short, where its neighbours on the
   * other node got them all. A client resuming with `after` gets a reply that ended as its start and its
   * end (docs/realtime.md); the hub sends any socket only the parts it lacks of a reply whose start it has.
   */
  async function streamsOfRepliesIn(
    events: readonly LoggedEvent[],
    after: number,
    isWatching: boolean,
  ): Promise<ServerFrame[]> {
    const startsOf = new Map<string, Set<number>>();
    const endingHere = new Set<string>();
    for (const [index, event] of events.entries()) {
      const replyId = event.messageId;
      if (!replyId) continue;
      if (event.type === 'reply-settled') endingHere.add(replyId);
      if (event.type !== 'reply-started') continue;
      const isOpen = !events
        .slice(index)
        .some((later) => later.type === 'reply-settled' && later.messageId === replyId);
      if (isOpen || isWatching) startsOf.set(replyId, (startsOf.get(replyId) ?? new Set<number>()).add(event.seq));
    }
    const replyIds = [...new Set([...startsOf.keys(), ...(isWatching ? endingHere : [])])];
    const logs = await Promise.all(replyIds.map((replyId) => deps.relay.replyLog(replyId)));
    return replyIds.flatMap((replyId, index) =>
      logs[index]!.filter(
        (frame) =>
          typeof frame.part === 'number' &&
          frame.part > 0 &&
          typeof frame.seq === 'number' &&
          (startsOf.get(replyId)?.has(frame.seq) === true || (isWatching && frame.seq <= after)),
      ),
    );
  }

  /** A subscribe without `after`: the replies in flight, each from its start, and where the log stands. */
  async function replayInFlight(actor: Actor, conversationId: string) {
    const log = await repository.conversationLog(db, actor.tenantId, conversationId);
    if (!log) return { frames: [], throughSeq: 0, isComplete: true };
    // Read after the log: a reply that ends in between is left out whole, start and end.
    const inFlight = await repository.streamingReplies(db, actor.tenantId, conversationId);
    const frames = (await Promise.all(inFlight.map(streamSoFar))).flat();
    return { frames, throughSeq: log.lastSeq, isComplete: true };
  }

  /**
   * Where a resume older than the kept log starts: the conversation as it is now, and the seq before the
   * oldest event kept; the client reads its messages again (GET …/messages) and applies what follows.
   */
  const snapshotFrame = (
    conversationId: string,
    seq: number,
    log: { title: string | null; archivedAt: Date | null; projectId: string | null },
  ): ServerFrame => ({
    type: 'snapshot',
    conversationId,
    seq,
    conversation: { title: log.title, archived: log.archivedAt !== null, projectId: log.projectId },
  });

  /**
   * Replays the log after `after` to a subscription begun in the hub, a page at a time, each sent as it
   * is read; live events wait meanwhile, and go out after the last page. Answers the socket's last seq.
   */
  async function replayInPages(
    connection: RealtimeConnection,
    conversationId: string,
    after: number | undefined,
    isWatching = false,
  ) {
    let page = await replayFrames(connection.actor, conversationId, after, isWatching);
    while (!page.isComplete && hub.isSubscribed(connection, conversationId)) {
      hub.sendReplayPage(connection, conversationId, page.frames, page.throughSeq);
      page = await replayFrames(connection.actor, conversationId, page.throughSeq, isWatching);
    }
    return hub.finishReplay(connection, conversationId, page.frames, page.throughSeq);
  }

  /**
   * A reply in flight: its frames so far from the relay's log, which begins with its `message-started`;
   * or that frame alone, made from the row, when the node writing it has not logged it yet.
   */
  async function streamSoFar(row: {
    id: string;
    conversationId: string;
    seq: number;
    model: string | null;
  }): Promise<ServerFrame[]> {
    const frames = (await deps.relay.replyLog(row.id)).filter((frame) => frame.seq === row.seq);
    if (frames.some((frame) => frame.part === 0)) return frames;
    return [replyStartedFrame(row.conversationId, row.seq, row), ...frames];
  }

  hub.fillGaps((connection, conversationId, after) => replayFrames(connection.actor, conversationId, after, true));

  async function subscribe(connection: RealtimeConnection, frame: FrameOf<'subscribe'>): Promise<ServerFrame> {
    const { conversationId, after } = frame;
    const isNew = !hub.isSubscribed(connection, conversationId);
    if (isNew && hub.subscriptionCountOf(connection) >= deps.subscriptionsPerConnection) {
      throw new AppError(
        'rate_limited',
        `A connection may watch at most ${deps.subscriptionsPerConnection} conversations (REALTIME_SUBSCRIPTIONS_PER_CONNECTION); unsubscribe from one first`,
      );
    }
    // Events wait from now (none reaches the socket before the check below passes), so that none of the
    // conversation's log comes on the owner's own channel meanwhile, outside its place.
    const actor = connection.actor;
    hub.beginSubscription(connection, conversationId, after ?? 0);
    try {
      // Another tenant's, or another member's, conversation is not found, exactly as over HTTP.
      await deps.conversations.get(actor, conversationId);
      // The role changed while the check ran, before socket-rights.ts could see this subscription:
      // judged again with the role the socket holds now.
      if (connection.actor !== actor) await deps.conversations.get(connection.actor, conversationId);
      const seq = await replayInPages(connection, conversationId, after);
      return { type: 'subscribed', id: frame.id, conversationId, seq };
    } catch (error) {
      hub.unsubscribe(connection, conversationId);
      throw error;
    }
  }

  /** The reply a `stop` or `approve` means when it names none: the conversation's latest in that state. */
  async function replyMeant(
    actor: Actor,
    conversationId: string,
    messageId: string | undefined,
    status: 'streaming' | 'awaiting_approval',
  ): Promise<string> {
    if (messageId) return messageId;
    await deps.conversations.get(actor, conversationId);
    const reply = await repository.latestReplyIn(db, actor.tenantId, conversationId, [status]);
    if (!reply) {
      const state = status === 'streaming' ? 'being written' : 'waiting for an approval';
      throw new AppError('conflict', `Conversation '${conversationId}' has no reply ${state}`);
    }
    return reply.id;
  }

  return {
    subscribe,

    /**
     * After events may have been lost between nodes (Redis was unreachable), every subscription of this
     * node replays what it missed since the last seq its socket got, as a gap is filled: the log's
     * events, and the words of the replies in flight or ended meanwhile as far as their log in Redis
     * goes (a reply whose writer could not reach Redis lacks the deltas of the outage there; its
     * `finished` carries it whole).
     */
    async catchUp(): Promise<void> {
      for (const { connection, conversationId } of hub.subscriptions()) {
        // From where the socket is now, not when the loop began: live events went on meanwhile. A
        // socket closed while an earlier one was read is gone from the hub: not subscribed again.
        const lastSeq = hub.beginCatchUp(connection, conversationId);
        if (lastSeq === undefined) continue;
        // The database did not answer: what came meanwhile is sent rather than held.
        await replayInPages(connection, conversationId, lastSeq, true).catch(() =>
          hub.finishReplay(connection, conversationId, []),
        );
      }
    },

    unsubscribe(connection: RealtimeConnection, frame: FrameOf<'unsubscribe'>): ServerFrame {
      hub.unsubscribe(connection, frame.conversationId);
      return { type: 'unsubscribed', id: frame.id, conversationId: frame.conversationId };
    },

    /**
     * The same turn as POST …/messages, with `clientMessageId` as its Idempotency-Key: a resend after a
     * reconnect answers the first message, with one model call. The sender watches the conversation
     * from before the turn starts, so it misses none of the reply.
     */
    async send(connection: RealtimeConnection, frame: FrameOf<'send'>): Promise<ServerFrame> {
      const { conversationId, clientMessageId } = frame;
      if (!hub.isSubscribed(connection, conversationId)) {
        await subscribe(connection, { type: 'subscribe', conversationId });
      }
      const turn = await deps.chat.sendMessage(
        connection.actor,
        conversationId,
        { content: frame.content, ...(frame.files?.length && { fileIds: frame.files }) },
        clientMessageId,
      );
      return {
        type: 'accepted',
        id: frame.id,
        conversationId,
        clientMessageId,
        messageId: turn.userMessage.id,
        replyMessageId: turn.assistantMessageId,
        isReplay: turn.isReplay,
      };
    },

    async stop(connection: RealtimeConnection, frame: FrameOf<'stop'>): Promise<ServerFrame> {
      const messageId = await replyMeant(connection.actor, frame.conversationId, frame.messageId, 'streaming');
      await deps.chat.stopReply(connection.actor, frame.conversationId, messageId);
      return { type: 'ok', id: frame.id, conversationId: frame.conversationId, messageId };
    },

    async retry(connection: RealtimeConnection, frame: FrameOf<'retry'>): Promise<ServerFrame> {
      if (!hub.isSubscribed(connection, frame.conversationId)) {
        await subscribe(connection, { type: 'subscribe', conversationId: frame.conversationId });
      }
      await deps.chat.retryReply(connection.actor, frame.conversationId, frame.messageId);
      return { type: 'ok', id: frame.id, conversationId: frame.conversationId, messageId: frame.messageId };
    },

    async approve(connection: RealtimeConnection, frame: FrameOf<'approve'>): Promise<ServerFrame> {
      const { conversationId, toolCallId, approved, reason } = frame;
      const messageId = await replyMeant(connection.actor, conversationId, frame.messageId, 'awaiting_approval');
      if (!hub.isSubscribed(connection, conversationId)) {
        await subscribe(connection, { type: 'subscribe', conversationId });
      }
      await deps.chat.decideToolCall(connection.actor, conversationId, messageId, {
        toolCallId,
        approved,
        ...(reason !== undefined && { reason }),
      });
      return { type: 'ok', id: frame.id, conversationId, messageId };
    },

    /** Relayed to the conversation's other watchers on every node, at most once per throttle; never stored. */
    async typing(connection: RealtimeConnection, frame: FrameOf<'typing'>): Promise<void> {
      const { conversationId } = frame;
      if (!hub.isSubscribed(connection, conversationId)) {
        throw new AppError('conflict', `Subscribe to conversation '${conversationId}' before sending typing for it`);
      }
      const times = lastTyping.get(connection) ?? new Map<string, number>();
      lastTyping.set(connection, times);
      const now = Date.now();
      if (now - (times.get(conversationId) ?? 0) < deps.typingThrottleMs) return;
      times.set(conversationId, now);
      const { tenantId, userId } = connection.actor;
      // Who is typing, as people see them: the display name, or the email for a user without one.
      const name = await repository.displayNameOf(db, tenantId, userId);
      deps.relay.publish({
        tenantId: connection.actor.tenantId,
        channel: 'conversation',
        conversationId,
        originConnectionId: connection.id,
        frame: { type: 'typing', conversationId, userId, name },
      });
    },
  };
}

export type RealtimeService = ReturnType<typeof createRealtimeService>;
