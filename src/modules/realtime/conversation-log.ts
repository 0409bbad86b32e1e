import { messageOfLogPayload, presentMessage, type MessageView } from '../conversations/index.js';
import type { ServerFrame } from './realtime.schemas.js';

/**
 * A conversation's events as subscribers get them, built in one place from what the log holds
 * (conversation_events, ADR 26), so a live frame and the same event read back by a gap fill or a resume
 * on any node are one and the same: `message-created`, a reply's `message-started` (part 0 of its
 * stream), its `finished` or `error`, and `conversation-updated`.
 */
export interface LoggedEvent {
  readonly seq: number;
  readonly type: 'message-created' | 'reply-started' | 'reply-settled' | 'conversation-updated';
  /** The message it is about (none for `conversation-updated`). */
  readonly messageId: string | null;
  /** The message's row as stored then, or the conversation's title, archive and project (snake_case columns). */
  readonly payload: Record<string, unknown>;
}

/** A reply's start: part 0 of its stream, whose later parts share its seq. */
export const replyStartedFrame = (
  conversationId: string,
  seq: number,
  reply: { readonly id: string; readonly model: string | null },
): ServerFrame => ({
  type: 'message-started',
  conversationId,
  seq,
  part: 0,
  messageId: reply.id,
  role: 'assistant',
  model: reply.model ?? '',
});

/**
 * How a reply ended, or stopped to wait for an approval: `error` for a failed one (`failure` when the
 * stored reply names no error), `finished` otherwise, with the reply as stored.
 */
export function replyOutcomeFrame(
  conversationId: string,
  seq: number,
  reply: MessageView,
  failure?: { readonly code: string; readonly message: string },
): ServerFrame {
  if (reply.status !== 'error') {
    return { type: 'finished', conversationId, seq, messageId: reply.id, message: reply, usage: reply.usage };
  }
  const error = reply.error ?? failure ?? { code: 'internal', message: 'The reply was interrupted' };
  return { type: 'error', conversationId, seq, messageId: reply.id, code: error.code, message: error.message, reply };
}

/** A change to the conversation itself, as every subscriber gets it. */
export const conversationUpdatedFrame = (
  conversationId: string,
  seq: number,
  state: { readonly title: string | null; readonly archived: boolean; readonly projectId: string | null },
): ServerFrame => ({
  type: 'conversation-updated',
  conversationId,
  seq,
  changes: { title: state.title, archived: state.archived, projectId: state.projectId },
});

/** The frame of one logged event. */
export function frameOfLoggedEvent(conversationId: string, event: LoggedEvent): ServerFrame {
  const { seq, payload } = event;
  switch (event.type) {
    case 'conversation-updated':
      return conversationUpdatedFrame(conversationId, seq, {
        title: (payload.title as string | null | undefined) ?? null,
        archived: payload.archived_at !== null && payload.archived_at !== undefined,
        projectId: (payload.project_id as string | null | undefined) ?? null,
      });
    case 'reply-started':
      return replyStartedFrame(conversationId, seq, messageOfLogPayload(payload));
    case 'reply-settled':
      return replyOutcomeFrame(conversationId, seq, presentMessage(messageOfLogPayload(payload)));
    case 'message-created':
      return { type: 'message-created', conversationId, seq, message: presentMessage(messageOfLogPayload(payload)) };
  }
}
