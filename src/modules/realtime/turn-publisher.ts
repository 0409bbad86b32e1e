import type { ChatTurnEvent, ChatTurnHandle } from '../chat/index.js';
import type { ConversationChange, MessageView } from '../conversations/index.js';
import { conversationUpdatedFrame, replyOutcomeFrame, replyStartedFrame } from './conversation-log.js';
import type { EventRelay, RealtimeEvent } from './event-relay.js';
import type { ServerFrame } from './realtime.schemas.js';

/** What the chat turn tells the realtime layer as it starts: whose turn, and its events. */
export interface PublishedTurn {
  readonly tenantId: string;
  /** The conversation's owner, whose per-user channel hears of its activity. */
  readonly ownerId: string;
  readonly handle: ChatTurnHandle;
}

const previewLength = 140;

/**
 * Turns a chat turn's typed events into frames with their seq, published to every node. The turn
 * stores; this only tells. Every seq was taken in the database with the change it numbers (a message
 * created, its status changed, the conversation renamed), so it is the same on every node whatever
 * their clocks say. A reply's stream is not stored: its frames carry the seq of the reply's start and
 * a `part` counting up from 0 (`message-started`), ordered inside the reply without taking seqs.
 */
export function createTurnPublisher(deps: { readonly relay: EventRelay }) {
  const { relay } = deps;

  const toConversation = (turn: PublishedTurn, frame: ServerFrame, extra: Partial<RealtimeEvent> = {}) =>
    relay.publish({
      tenantId: turn.tenantId,
      channel: 'conversation',
      conversationId: turn.handle.conversationId,
      frame,
      ...extra,
    });

  const toOwner = (turn: PublishedTurn, frame: ServerFrame) =>
    relay.publish({
      tenantId: turn.tenantId,
      channel: 'user',
      conversationId: turn.handle.conversationId,
      userId: turn.ownerId,
      frame,
    });

  /**
   * The reply's stream so far: the seq it started at and the last part sent. `isContinuation`: a reply
   * going on after its tool calls were decided, whose user message and activity were told already.
   */
  function publishEvent(
    turn: PublishedTurn,
    stream: { seq: number; part: number; isContinuation: boolean },
    event: ChatTurnEvent,
  ): void {
    const { conversationId, assistantMessageId: messageId } = turn.handle;
    // The spread goes last: on Node 20's V8, properties added after a spread cost microseconds each
    // (a slow path), and this runs once per token; the frames given here never carry these three.
    const live = (frame: ServerFrame) =>
      toConversation(turn, { conversationId, seq: stream.seq, part: ++stream.part, ...frame }, { replyId: messageId });
    switch (event.type) {
      case 'message-started': {
        const { userMessage } = event;
        if (!stream.isContinuation) {
          toConversation(turn, { type: 'message-created', conversationId, seq: userMessage.seq, message: userMessage });
        }
        stream.seq = event.replySeq;
        stream.part = 0;
        toConversation(turn, replyStartedFrame(conversationId, stream.seq, { id: messageId, model: event.model }), {
          replyId: messageId,
        });
        if (stream.isContinuation) return;
        toOwner(turn, {
          type: 'conversation-activity',
          conversationId,
          lastMessageAt: event.userMessage.createdAt,
          preview: event.userMessage.content.slice(0, previewLength),
        });
        return;
      }
      case 'sources':
        return live({ type: 'sources', messageId, sources: event.citations });
      case 'text-delta':
      case 'reasoning-delta':
        return live({ type: event.type, messageId, delta: event.delta });
      case 'tool-call':
        return live({
          type: 'tool-call',
          messageId,
          toolCallId: event.toolCallId,
          toolName: event.toolName,
          input: event.input,
        });
      case 'tool-result': {
        const { type: _type, ...result } = event;
        return live({ type: 'tool-result', messageId, ...result });
      }
      case 'tool-approval-request':
        return live({
          type: 'tool-approval-requested',
          messageId,
          toolCallId: event.toolCallId,
          approvalId: event.approvalId,
        });
      // A split reply: the pause before a bubble (the client shows the agent typing), then the bubble,
      // a stored message of its own, with the seq of its row.
      case 'bubble-typing':
        return live({ type: 'bubble-typing', messageId, position: event.position, pauseMs: event.pauseMs });
      case 'bubble':
        return toConversation(
          turn,
          { type: 'message-created', conversationId, seq: event.message.seq, message: event.message },
          { replyId: messageId },
        );
      case 'finished':
      case 'error': {
        const message = event.assistantMessage;
        // As the log holds it (conversation-log.ts): the same frame on every node, live or read back.
        const failure = event.type === 'error' ? event.error : undefined;
        toConversation(turn, replyOutcomeFrame(conversationId, message.seq, message, failure), {
          replyId: messageId,
          isFinal: true,
        });
        toOwner(turn, {
          type: 'conversation-activity',
          conversationId,
          lastMessageAt: message.completedAt ?? message.createdAt,
          preview: message.content.slice(0, previewLength),
        });
        return;
      }
    }
  }

  function publishStream(turn: PublishedTurn, isContinuation: boolean): void {
    const stream = { seq: 0, part: 0, isContinuation };
    turn.handle.subscribe((event) => publishEvent(turn, stream, event));
  }

  /**
   * To the owner's own channel (the sidebar) and to the conversation's watchers. With its seq (a change
   * numbered in the log), the watchers, the owner's subscribed sockets too, get it in its place; the
   * hub then leaves it off the owner's channel on a socket subscribed to the conversation.
   */
  function publishConversationUpdated(
    update: { tenantId: string; ownerId: string; conversationId: string; seq?: number | undefined },
    state: { title: string | null; archived: boolean; projectId: string | null },
  ) {
    const { tenantId, ownerId, conversationId, seq } = update;
    const { seq: _none, ...unnumbered } = conversationUpdatedFrame(conversationId, 0, state);
    const frame = seq ? conversationUpdatedFrame(conversationId, seq, state) : unnumbered;
    relay.publish({ tenantId, channel: 'user', conversationId, userId: ownerId, frame });
    relay.publish({
      tenantId,
      channel: 'conversation',
      conversationId,
      frame,
      ...(!seq && { exceptUserId: ownerId }),
    });
  }

  return {
    /** A conversation made (to its owner's channel) or changed (title, archive, project). */
    publishConversationChange(change: ConversationChange): void {
      const { conversation, tenantId } = change;
      if (change.kind === 'created') {
        relay.publish({
          tenantId,
          channel: 'user',
          conversationId: conversation.id,
          userId: conversation.ownerId,
          frame: { type: 'conversation-created', conversationId: conversation.id, conversation },
        });
        return;
      }
      publishConversationUpdated(
        { tenantId, ownerId: conversation.ownerId, conversationId: conversation.id, seq: change.seq },
        conversation,
      );
    },

    /**
     * The title the background job wrote, with the seq its write took in the conversation's log, and the
     * conversation's state with it, as the log holds it.
     */
    publishTitle(title: {
      tenantId: string;
      ownerId: string;
      conversationId: string;
      title: string;
      archived: boolean;
      projectId: string | null;
      seq: number;
    }): void {
      publishConversationUpdated(title, title);
    },

    /**
     * Someone read a conversation (POST …/read): its watchers hear it (an operator sees "seen"), and so
     * do the owner's other tabs, whose unread counts change when the owner read it.
     */
    publishRead(read: {
      tenantId: string;
      ownerId: string;
      conversationId: string;
      readerId: string;
      side: 'owner' | 'others';
      readThroughMessageId: string;
      readAt: string;
    }): void {
      const { tenantId, ownerId, conversationId } = read;
      const frame = {
        type: 'read',
        conversationId,
        readerId: read.readerId,
        side: read.side,
        readThroughMessageId: read.readThroughMessageId,
        readAt: read.readAt,
      };
      relay.publish({ tenantId, channel: 'conversation', conversationId, frame, exceptUserId: ownerId });
      relay.publish({ tenantId, channel: 'user', conversationId, userId: ownerId, frame });
    },

    /** Called by the chat turn as it starts (ChatTurnDeps.announceTurn). */
    publishTurn: (turn: PublishedTurn): void => publishStream(turn, false),

    /**
     * A reply going on after its tool calls were decided (chat's announceContinuedReply): its stream
     * again from part 0, under the seq its return to `streaming` took in the database.
     */
    publishContinuedReply: (turn: PublishedTurn): void => publishStream(turn, true),

    /**
     * A reply still waiting for approval after one of its calls was decided: its watchers get its new
     * state as `finished`, under the seq the decision took.
     */
    publishWaitingReply(tenantId: string, reply: MessageView): void {
      const { conversationId } = reply;
      toConversation(
        { tenantId, ownerId: '', handle: { conversationId } as ChatTurnHandle },
        replyOutcomeFrame(conversationId, reply.seq, reply),
        { replyId: reply.id, isFinal: true },
      );
    },

    /** A message stored outside a turn (an operator's reply): its conversation's watchers get it once. */
    publishMessage(tenantId: string, message: MessageView): void {
      const { conversationId, seq } = message;
      relay.publish({
        tenantId,
        channel: 'conversation',
        conversationId,
        frame: { type: 'message-created', conversationId, seq, message },
      });
    },

    /**
     * A message the agent sent on its own (docs/companion.md): the conversation's watchers get it as
     * history, and every socket of its owner (on any node) a `proactive-message` frame and the activity.
     */
    publishProactiveMessage(tenantId: string, ownerId: string, message: MessageView): void {
      const { conversationId } = message;
      this.publishMessage(tenantId, message);
      const toOwner = (frame: ServerFrame) =>
        relay.publish({ tenantId, channel: 'user', conversationId, userId: ownerId, frame });
      toOwner({ type: 'proactive-message', conversationId, message });
      toOwner({
        type: 'conversation-activity',
        conversationId,
        lastMessageAt: message.completedAt ?? message.createdAt,
        preview: message.content.slice(0, previewLength),
      });
    },

    /** A frame for a conversation's watchers that is not part of its history (no seq). */
    publishToConversation(tenantId: string, conversationId: string, frame: ServerFrame): void {
      relay.publish({ tenantId, channel: 'conversation', conversationId, frame });
    },

    /** A frame for every socket of the tenant's operators and administrators, on every node. */
    publishToOperators(tenantId: string, frame: ServerFrame): void {
      relay.publish({ tenantId, channel: 'operators', conversationId: '', frame });
    },

    /** A reply a node left half-written, failed by the sweep: its watchers hear its end (any node). */
    publishAbandonedReply(tenantId: string, reply: MessageView): void {
      const { conversationId } = reply;
      toConversation(
        { tenantId, ownerId: '', handle: { conversationId } as ChatTurnHandle },
        replyOutcomeFrame(conversationId, reply.seq, reply),
        { replyId: reply.id, isFinal: true },
      );
    },
  };
}

export type TurnPublisher = ReturnType<typeof createTurnPublisher>;
