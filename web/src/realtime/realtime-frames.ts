/**
 * The frames of the realtime protocol (v1, docs/realtime.md) as the console reads them. The server
 * validates what it receives; here only the fields the console uses are named, and anything else on
 * a frame is passed through untouched.
 */

/** Every event of a conversation: the chat turn's events, `message-created`, `conversation-updated`, `typing`. */
export interface ConversationEvent {
  readonly type: string;
  readonly conversationId: string;
  /** The conversation's log position (docs/realtime.md); absent on `typing` (never stored, never replayed). */
  readonly seq?: number;
  /** On a reply's stream events: their order inside the reply, whose start took `seq` (0 = `message-started`). */
  readonly part?: number;
  readonly [field: string]: unknown;
}

/** The per-user channel: `conversation-created`, `conversation-activity`, `support-pending` and `support-summary` (to operators). */
export interface UserEvent {
  readonly type: string;
  readonly [field: string]: unknown;
}

export interface HelloFrame {
  readonly type: 'hello';
  readonly version: number;
  readonly userId: string;
  readonly tenantId: string;
  readonly heartbeatMs?: number;
}

/** Frames about the connection itself, answered to one of ours (they carry its `id`). */
export interface AnswerFrame {
  readonly type: 'subscribed' | 'unsubscribed' | 'accepted' | 'ok' | 'pong' | 'error';
  readonly id?: string;
  readonly conversationId?: string;
  readonly seq?: number;
  readonly code?: string;
  readonly message?: string;
}

const userChannelTypes = new Set([
  'conversation-created',
  'conversation-activity',
  'support-pending',
  'support-summary',
  'support-target-breached',
]);
const answerTypes = new Set(['subscribed', 'unsubscribed', 'accepted', 'ok', 'pong']);

export type ServerFrame =
  | { kind: 'hello'; frame: HelloFrame }
  | { kind: 'answer'; frame: AnswerFrame }
  | { kind: 'conversation'; frame: ConversationEvent }
  | { kind: 'user'; frame: UserEvent }
  | { kind: 'unreadable' };

/**
 * Sorts a frame by what it is about. An `error` with an `id` answers one of our frames; one with a
 * `conversationId` and a `seq` is a turn's error, an event of that conversation like any other.
 */
export function readServerFrame(text: string): ServerFrame {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { kind: 'unreadable' };
  }
  if (typeof value !== 'object' || value === null || !('type' in value) || typeof value.type !== 'string') {
    return { kind: 'unreadable' };
  }
  const frame = value as { type: string; conversationId?: unknown; seq?: unknown; id?: unknown };
  if (frame.type === 'hello') return { kind: 'hello', frame: frame as HelloFrame };
  if (answerTypes.has(frame.type)) return { kind: 'answer', frame: frame as AnswerFrame };
  if (frame.type === 'error' && (typeof frame.id === 'string' || typeof frame.seq !== 'number')) {
    return { kind: 'answer', frame: frame as AnswerFrame };
  }
  if (userChannelTypes.has(frame.type)) return { kind: 'user', frame: frame };
  if (typeof frame.conversationId === 'string') return { kind: 'conversation', frame: frame as ConversationEvent };
  return { kind: 'unreadable' };
}
