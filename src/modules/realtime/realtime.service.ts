import type { Actor } from '../../access/actor.js';
import type { Database } from '../../platform/db/client.js';
import { AppError } from '../../platform/errors.js';
import type { ChatService } from '../chat/index.js';
import { presentMessage, type ConversationsService } from '../conversations/index.js';
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
   * The conversation's log after `after`, as the database has it now, through `throughSeq`: stored
   * messages whose latest state is later (`message-created`), the conversation's own change if later
   * (`conversation-updated`), and every reply in flight from its start (its frames so far, from any
   * node). Without `after`, or with one past the log's end (a seq of the clock-based numbering of
   * earlier versions), only the replies in flight.
   */
  async function replayFrames(
    actor: Actor,
    conversationId: string,
    after: number | undefined,
  ): Promise<{ frames: ServerFrame[]; throughSeq: number; isComplete: boolean }> {
    const log = await repository.conversationLog(db, actor.tenantId, conversationId);
    if (!log) return { frames: [], throughSeq: 0, isComplete: true };
    const from = after !== undefined && after <= log.lastSeq ? after : undefined;
    const pageSize = deps.replayPageSize;
    const rows =
      from === undefined
        ? await repository.streamingReplies(db, actor.tenantId, conversationId)
        : await repository.messagesChangedAfter(db, actor.tenantId, conversationId, from, pageSize);
    // A full page ends at its last row (rows come by seq, so none before it is missing); the rest is the
    // next page's. A page of replies in flight alone (seqs at or before `from`) cannot move on: the end.
    const lastRowSeq = rows.at(-1)?.seq ?? 0;
    const isFull = from !== undefined && rows.length === pageSize && lastRowSeq > from;
    const throughSeq = isFull ? Math.min(lastRowSeq, log.lastSeq) : log.lastSeq;
    const frames: ServerFrame[] = [];
    for (const row of rows) {
      // Changed since the log was read: it comes live.
      if (row.seq > throughSeq) continue;
      const message = presentMessage(row);
      if (row.status === 'streaming') frames.push(...(await streamSoFar(row)));
      else frames.push({ type: 'message-created', conversationId, seq: row.seq, message });
    }
    if (from !== undefined && log.stateSeq > from && log.stateSeq <= throughSeq) {
      const changes = { title: log.title, archived: log.archivedAt !== null, projectId: log.projectId };
      frames.push({ type: 'conversation-updated', conversationId, seq: log.stateSeq, changes });
    }
    return { frames, throughSeq, isComplete: throughSeq === log.lastSeq };
  }

  /**
   * Replays the log after `after` to a subscription begun in the hub, a page at a time, each sent as it
   * is read; live events wait meanwhile, and go out after the last page. Answers the socket's last seq.
   */
  async function replayInPages(connection: RealtimeConnection, conversationId: string, after: number | undefined) {
    let page = await replayFrames(connection.actor, conversationId, after);
    while (!page.isComplete && hub.isSubscribed(connection, conversationId)) {
      hub.sendReplayPage(connection, conversationId, page.frames, page.throughSeq);
      page = await replayFrames(connection.actor, conversationId, page.throughSeq);
    }
    return hub.finishReplay(connection, conversationId, page.frames, page.throughSeq);
  }

  /**
   * A reply in flight: its frames so far from the relay's log, which begins with its `message-started`;
   * or that frame alone, made from the row, when the node writing it has not logged it yet.
   */
  async function streamSoFar(row: { id: string; conversationId: string; seq: number; model: string | null }) {
    const frames = (await deps.relay.replyLog(row.id)).filter((frame) => frame.seq === row.seq);
    if (frames.some((frame) => frame.part === 0)) return frames;
    const started = { type: 'message-started', messageId: row.id, role: 'assistant', model: row.model ?? '' };
    return [{ ...started, conversationId: row.conversationId, seq: row.seq, part: 0 }, ...frames];
  }

  hub.fillGaps((connection, conversationId, after) => replayFrames(connection.actor, conversationId, after));

  async function subscribe(connection: RealtimeConnection, frame: FrameOf<'subscribe'>): Promise<ServerFrame> {
    const { conversationId, after } = frame;
    const isNew = !hub.isSubscribed(connection, conversationId);
    if (isNew && hub.subscriptionCountOf(connection) >= deps.subscriptionsPerConnection) {
      throw new AppError(
        'rate_limited',
        `A connection may watch at most ${deps.subscriptionsPerConnection} conversations (REALTIME_SUBSCRIPTIONS_PER_CONNECTION); unsubscribe from one first`,
      );
    }
    // Another tenant's, or another member's, conversation is not found, exactly as over HTTP.
    const actor = connection.actor;
    await deps.conversations.get(actor, conversationId);
    hub.beginSubscription(connection, conversationId, after ?? 0);
    try {
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
     * node replays what it missed since the last seq its socket got, as `subscribe` with `after` would:
     * stored messages, and the replies in flight as far as their log in Redis goes (a reply still being
     * written when Redis came back may lack the deltas of the outage; its `finished` carries it whole).
     */
    async catchUp(): Promise<void> {
      for (const { connection, conversationId, lastSeq } of hub.subscriptions()) {
        // A socket closed while an earlier one was read is gone from the hub: not subscribed again.
        if (!hub.isSubscribed(connection, conversationId)) continue;
        hub.beginSubscription(connection, conversationId, lastSeq);
        // The database did not answer: what came meanwhile is sent rather than held.
        await replayInPages(connection, conversationId, lastSeq).catch(() =>
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
