import { AppError, notFound } from '../../platform/errors.js';
import type { ReadReceiptsService } from '../companion/read-receipts.service.js';
import type { EventRelay } from '../realtime/event-relay.js';
import type { Visitor } from './widget-sessions.js';
import type { WidgetService } from './widget.service.js';

export interface WidgetSignalsDeps {
  readonly service: Pick<WidgetService, 'findOwn' | 'widgetActor'>;
  /** The companion's read receipts: the visitor reads as the chat's owner (the desk user), operators as others. */
  readonly readReceipts: Pick<ReadReceiptsService, 'markRead'>;
  readonly relay: Pick<EventRelay, 'publish'>;
  /** A visitor's `typing` goes out at most this often per conversation (the console's sockets have the same). */
  readonly typingThrottleMs: number;
}

/** Past this many remembered typists, those quiet for longer than the throttle are forgotten. */
const maxRememberedTypists = 10_000;

/**
 * The visitor's ephemeral signals, on the realtime hub like everyone's: `typing` (relayed to the
 * conversation's watchers, never stored) and reads (companion read receipts, the `read` frame).
 */
export function createWidgetSignals(deps: WidgetSignalsDeps) {
  const lastTypingAt = new Map<string, number>();

  function isThrottled(key: string, now: number): boolean {
    if (now - (lastTypingAt.get(key) ?? 0) < deps.typingThrottleMs) return true;
    if (lastTypingAt.size >= maxRememberedTypists) {
      for (const [other, at] of lastTypingAt) if (now - at >= deps.typingThrottleMs) lastTypingAt.delete(other);
    }
    lastTypingAt.set(key, now);
    return false;
  }

  return {
    /** "The visitor is typing" to whoever watches the conversation: operators' sockets, on every node. */
    async typing(visitor: Visitor, id: string): Promise<void> {
      const { chatConversationId } = await deps.service.findOwn(visitor, id);
      if (isThrottled(`${visitor.contactId}:${id}`, Date.now())) return;
      deps.relay.publish({
        tenantId: visitor.tenantId,
        channel: 'conversation',
        conversationId: chatConversationId,
        frame: { type: 'typing', conversationId: chatConversationId, userId: visitor.contactId, name: null },
      });
    },

    /** The visitor read the replies up to this message: operators see "Seen" (a `read` frame, side `owner`). */
    async markRead(visitor: Visitor, id: string, input: { upToMessageId: string }) {
      const { chatConversationId } = await deps.service.findOwn(visitor, id);
      const actor = await deps.service.widgetActor(visitor.tenantId);
      const receipt = await deps.readReceipts.markRead(actor, chatConversationId, input).catch((error: unknown) => {
        // The chat conversation's id is not the visitor's business: the 404 names only the message.
        throw error instanceof AppError && error.code === 'not_found'
          ? notFound('Message', input.upToMessageId)
          : error;
      });
      return { readThroughMessageId: receipt.readThroughMessageId, readAt: receipt.readAt };
    },
  };
}

export type WidgetSignals = ReturnType<typeof createWidgetSignals>;
