import type { StoredCitation } from '../../../platform/db/schema/index.js';
import type { ErrorCode } from '../../../platform/errors.js';
import type { MessageView } from '../../conversations/index.js';
import type { ReplyRun } from '../reply-control/reply-stops.js';

/** Why a reply failed, safe to show: a model error (model-errors.ts) or, rarely, our own. */
export interface TurnError {
  readonly code: ErrorCode;
  readonly message: string;
  readonly retryAfterSeconds?: number;
}

/**
 * What a chat turn tells its subscribers, in order: `message-started`, `sources` when the agent has
 * knowledge sources, any number of deltas and tool events, then exactly one of `finished` or
 * `error`. Transports (SSE today; WebSocket and
 * other nodes later) only translate these; the turn has already stored what they describe.
 */
export type ChatTurnEvent =
  | {
      readonly type: 'message-started';
      readonly conversationId: string;
      readonly userMessage: MessageView;
      readonly assistantMessageId: string;
      /** The seq the reply took as it started streaming: its stream's frames are numbered under it. */
      readonly replySeq: number;
      readonly model: string;
    }
  /** The passages retrieved for the reply, before it is written; the stored reply keeps those it cites. */
  | { readonly type: 'sources'; readonly citations: readonly StoredCitation[] }
  | { readonly type: 'text-delta'; readonly delta: string }
  | { readonly type: 'reasoning-delta'; readonly delta: string }
  /** The model called one of the agent's tools (tool loop); its result or approval request follows. */
  | { readonly type: 'tool-call'; readonly toolCallId: string; readonly toolName: string; readonly input: unknown }
  /** A tool's outcome: its output, or the error text the model was shown. */
  | {
      readonly type: 'tool-result';
      readonly toolCallId: string;
      readonly output?: unknown;
      readonly errorText?: string;
      /** The user refused the call; `errorText` is what the model is told. */
      readonly isDenied?: boolean;
    }
  /**
   * The call waits for the user's decision (POST …/tool-approvals); the turn then ends with `finished`
   * and the message's status `awaiting_approval`. The approval id is the tool call id.
   */
  | { readonly type: 'tool-approval-request'; readonly toolCallId: string; readonly approvalId: string }
  /**
   * A split reply (docs/companion.md): the first bubble goes out as text deltas; before each later one
   * the agent "types" for `pauseMs`, then the bubble is stored and sent as a message of its own.
   */
  | { readonly type: 'bubble-typing'; readonly position: number; readonly pauseMs: number }
  | { readonly type: 'bubble'; readonly position: number; readonly message: MessageView }
  | { readonly type: 'finished'; readonly assistantMessage: MessageView }
  | { readonly type: 'error'; readonly error: TurnError; readonly assistantMessage: MessageView };

export type ChatTurnListener = (event: ChatTurnEvent) => void;

export interface ChatTurnOutcome {
  readonly conversationId: string;
  readonly userMessage: MessageView;
  readonly assistantMessage: MessageView;
  /** A split reply's bubbles after the first (stored messages of their own), in order; empty otherwise. */
  readonly laterBubbles?: readonly MessageView[];
  /** Set when the reply ended in an error; the assistant message then has status `error`. */
  readonly error?: TurnError;
  /** Counted by the reply's statement for an agent that keeps summaries (the companion's summary check). */
  readonly userTurnsSinceSummary?: number;
}

/** A running (or finished) turn, as the transports see it. */
export interface ChatTurnHandle {
  readonly conversationId: string;
  readonly userMessage: MessageView;
  readonly assistantMessageId: string;
  /** True when this answers a retried request (same Idempotency-Key) rather than starting a turn. */
  readonly isReplay: boolean;
  /** Replays the events so far, then forwards new ones as they happen. Returns the unsubscribe. */
  readonly subscribe: (listener: ChatTurnListener) => () => void;
  /** Settles once the reply is stored; never rejects. */
  readonly outcome: Promise<ChatTurnOutcome>;
}

/**
 * Fan-out with replay: a subscriber that arrives late (a retried request joining a turn in flight)
 * still sees the whole turn from `message-started`. A listener that throws is dropped, never the turn.
 * What the model says also goes to the reply's draft, when the turn writes one (reply-stops.ts).
 */
export function createTurnChannel(draft?: Pick<ReplyRun, 'addToDraft'>) {
  const history: ChatTurnEvent[] = [];
  const listeners = new Set<ChatTurnListener>();

  const deliver = (listener: ChatTurnListener, event: ChatTurnEvent): void => {
    try {
      listener(event);
    } catch {
      listeners.delete(listener);
    }
  };

  return {
    emit: (event: ChatTurnEvent): void => {
      if (event.type === 'text-delta') draft?.addToDraft('text', event.delta);
      else if (event.type === 'reasoning-delta') draft?.addToDraft('reasoning', event.delta);
      history.push(event);
      for (const listener of [...listeners]) deliver(listener, event);
    },
    subscribe: (listener: ChatTurnListener): (() => void) => {
      for (const event of history) deliver(listener, event);
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

export type TurnChannel = ReturnType<typeof createTurnChannel>;
