import type { ChatTurnEvent, ChatTurnHandle } from '../chat/index.js';
import type { ConversationChange, MessageView } from '../conversations/index.js';
import type { EventRelay, RealtimeEvent } from './event-relay.js';
import { storedSeqOf, type SeqAllocator } from './event-seq.js';
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
 * stores; this only tells. A reply's last event (`finished`, `error`) takes the seq its stored row
 * has, so a client resuming later gets that row once, or not at all if it saw the event.
 */
export function createTurnPublisher(deps: { readonly relay: EventRelay; readonly seqs: SeqAllocator }) {
  const { relay, seqs } = deps;

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

  /** The final event's seq: its stored row's, unless this node already counted past it (a clock step). */
  function finalSeq(conversationId: string, message: MessageView): number {
    const stored = storedSeqOf(message);
    return message.completedAt && stored > seqs.last(conversationId) ? stored : seqs.next(conversationId);
  }

  function publishEvent(turn: PublishedTurn, event: ChatTurnEvent): void {
    const { conversationId, assistantMessageId: messageId } = turn.handle;
    const live = (frame: ServerFrame) =>
      toConversation(
        turn,
        { ...frame, conversationId, seq: seqs.next(conversationId) },
        {
          replyId: messageId,
        },
      );
    switch (event.type) {
      case 'message-started': {
        const userSeq = storedSeqOf(event.userMessage);
        toConversation(turn, { type: 'message-created', conversationId, seq: userSeq, message: event.userMessage });
        seqs.observe(conversationId, userSeq);
        live({ type: 'message-started', messageId, role: 'assistant', model: event.model });
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
      case 'bubble': {
        const bubbleSeq = storedSeqOf(event.message);
        toConversation(
          turn,
          { type: 'message-created', conversationId, seq: bubbleSeq, message: event.message },
          { replyId: messageId },
        );
        seqs.observe(conversationId, bubbleSeq);
        return;
      }
      case 'finished':
      case 'error': {
        const message = event.assistantMessage;
        const frame =
          event.type === 'finished'
            ? { type: 'finished', messageId, message, usage: message.usage }
            : { type: 'error', messageId, code: event.error.code, message: event.error.message, reply: message };
        toConversation(
          turn,
          { ...frame, conversationId, seq: finalSeq(conversationId, message) },
          {
            replyId: messageId,
            isFinal: true,
          },
        );
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

  /** To the owner's own channel (the sidebar) and to the conversation's other watchers (operators). */
  function publishConversationUpdated(tenantId: string, ownerId: string, conversationId: string, changes: object) {
    const frame = { type: 'conversation-updated', conversationId, changes };
    relay.publish({ tenantId, channel: 'user', conversationId, userId: ownerId, frame });
    relay.publish({ tenantId, channel: 'conversation', conversationId, exceptUserId: ownerId, frame });
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
      const { title, archived, projectId } = conversation;
      publishConversationUpdated(tenantId, conversation.ownerId, conversation.id, { title, archived, projectId });
    },

    /** The title the background job wrote. */
    publishTitle(title: { tenantId: string; ownerId: string; conversationId: string; title: string }): void {
      publishConversationUpdated(title.tenantId, title.ownerId, title.conversationId, { title: title.title });
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
    publishTurn(turn: PublishedTurn): void {
      turn.handle.subscribe((event) => publishEvent(turn, event));
    },

    /** A message stored outside a turn (an operator's reply): its conversation's watchers get it once. */
    publishMessage(tenantId: string, message: MessageView): void {
      const { conversationId } = message;
      const seq = storedSeqOf(message);
      relay.publish({
        tenantId,
        channel: 'conversation',
        conversationId,
        frame: { type: 'message-created', conversationId, seq, message },
      });
      seqs.observe(conversationId, seq);
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
        {
          type: 'error',
          conversationId,
          seq: storedSeqOf(reply),
          messageId: reply.id,
          code: reply.error?.code ?? 'internal',
          message: reply.error?.message ?? 'The reply was interrupted',
          reply,
        },
        { replyId: reply.id, isFinal: true },
      );
    },
  };
}

export type TurnPublisher = ReturnType<typeof createTurnPublisher>;
