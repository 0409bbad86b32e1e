import { UI_MESSAGE_STREAM_HEADERS, type FinishReason, type UIMessageChunk } from 'ai';
import type { FastifyReply } from 'fastify';
import type { StoredCitation } from '../../../platform/db/schema/index.js';
import { openSseStream } from '../../../platform/http/sse-writer.js';
import type { MessageView } from '../../conversations/index.js';
import type { ChatTurnEvent, ChatTurnHandle } from '../turn/chat-events.js';

/** Sent as `messageMetadata` on `start` and `finish`, so a `useChat` client knows the stored ids. */
export interface ChatMessageMetadata {
  readonly conversationId: string;
  readonly userMessageId: string;
  readonly assistantMessageId: string;
  readonly model?: string | null;
  readonly status?: MessageView['status'];
  readonly usage?: MessageView['usage'];
  readonly timeToFirstTokenMs?: number | null;
  readonly durationMs?: number | null;
  /** As stored: `stopped` for a reply its owner stopped, which the stream's own finish part cannot say. */
  readonly finishReason?: string | null;
  readonly error?: MessageView['error'];
  /** A split reply's later bubbles, each a stored message of its own, in order (docs/companion.md). */
  readonly bubbleMessageIds?: readonly string[];
}

/** The data of a split reply's `data-bubble` part, sent before the bubble's text part. */
export interface BubblePartData {
  readonly messageId: string;
  readonly position: number;
}

const finishReasons: readonly FinishReason[] = ['stop', 'length', 'content-filter', 'tool-calls', 'error', 'other'];

/**
 * Translates a turn's events into AI SDK UI message stream parts (what `useChat` reads). Stateful
 * only to open and close text and reasoning parts around their deltas.
 */
export function createUiMessageChunkMapper() {
  let openPart: { kind: 'text' | 'reasoning'; id: string } | undefined;
  let partCount = 0;
  let ids = { conversationId: '', userMessageId: '', assistantMessageId: '' };
  const bubbleMessageIds: string[] = [];

  const closeOpenPart = (): UIMessageChunk[] => {
    if (!openPart) return [];
    const closing: UIMessageChunk = { type: openPart.kind === 'text' ? 'text-end' : 'reasoning-end', id: openPart.id };
    openPart = undefined;
    return [closing];
  };
  const delta = (kind: 'text' | 'reasoning', text: string): UIMessageChunk[] => {
    const chunks: UIMessageChunk[] = [];
    if (openPart?.kind !== kind) {
      chunks.push(...closeOpenPart());
      openPart = { kind, id: `${kind}-${++partCount}` };
      chunks.push({ type: kind === 'text' ? 'text-start' : 'reasoning-start', id: openPart.id });
    }
    chunks.push(
      kind === 'text'
        ? { type: 'text-delta', id: openPart.id, delta: text }
        : { type: 'reasoning-delta', id: openPart.id, delta: text },
    );
    return chunks;
  };
  const finishMetadata = (message: MessageView): ChatMessageMetadata => ({
    ...ids,
    model: message.model,
    status: message.status,
    usage: message.usage,
    timeToFirstTokenMs: message.timeToFirstTokenMs,
    durationMs: message.durationMs,
    finishReason: message.finishReason,
    error: message.error,
    ...(bubbleMessageIds.length > 0 && { bubbleMessageIds: [...bubbleMessageIds] }),
  });

  return (event: ChatTurnEvent): UIMessageChunk[] => {
    switch (event.type) {
      case 'message-started': {
        const { conversationId, assistantMessageId } = event;
        ids = { conversationId, userMessageId: event.userMessage.id, assistantMessageId };
        const metadata: ChatMessageMetadata = { ...ids, model: event.model || null };
        return [{ type: 'start', messageId: assistantMessageId, messageMetadata: metadata }, { type: 'start-step' }];
      }
      case 'sources':
        return [...closeOpenPart(), ...event.citations.map(toSourceDocument)];
      case 'text-delta':
        return delta('text', event.delta);
      case 'reasoning-delta':
        return delta('reasoning', event.delta);
      case 'tool-call':
        return [
          ...closeOpenPart(),
          {
            type: 'tool-input-available',
            toolCallId: event.toolCallId,
            toolName: event.toolName,
            input: event.input,
            dynamic: true,
          },
        ];
      case 'tool-result':
        return [
          ...closeOpenPart(),
          event.isDenied
            ? { type: 'tool-output-denied', toolCallId: event.toolCallId }
            : event.errorText === undefined
              ? {
                  type: 'tool-output-available',
                  toolCallId: event.toolCallId,
                  output: event.output ?? null,
                  dynamic: true,
                }
              : { type: 'tool-output-error', toolCallId: event.toolCallId, errorText: event.errorText, dynamic: true },
        ];
      case 'tool-approval-request':
        return [
          ...closeOpenPart(),
          { type: 'tool-approval-request', approvalId: event.approvalId, toolCallId: event.toolCallId },
        ];
      // A split reply stays one UI message: each later bubble is a text part of its own, named by a
      // `data-bubble` part (its stored message), after a `data-typing` part for the pause (kept in the
      // message, so a client shows the agent typing while it is the last part).
      case 'bubble-typing':
        return [
          ...closeOpenPart(),
          { type: 'data-typing', data: { position: event.position, pauseMs: event.pauseMs } },
        ];
      case 'bubble': {
        bubbleMessageIds.push(event.message.id);
        const data: BubblePartData = { messageId: event.message.id, position: event.position };
        return [
          ...closeOpenPart(),
          { type: 'data-bubble', id: event.message.id, data },
          ...delta('text', event.message.content),
          ...closeOpenPart(),
        ];
      }
      case 'finished': {
        const reason = event.assistantMessage.finishReason as FinishReason | null;
        return [
          ...closeOpenPart(),
          { type: 'finish-step' },
          {
            type: 'finish',
            finishReason: reason && finishReasons.includes(reason) ? reason : 'other',
            messageMetadata: finishMetadata(event.assistantMessage),
          },
        ];
      }
      case 'error':
        return [
          ...closeOpenPart(),
          { type: 'error', errorText: event.error.message },
          { type: 'finish', finishReason: 'error', messageMetadata: finishMetadata(event.assistantMessage) },
        ];
    }
  };
}

/**
 * A retrieved passage as a `source-document` part. The marker and the passage's place travel in
 * `providerMetadata.parley`, so a client can link each [n] in the text to its source.
 */
function toSourceDocument(citation: StoredCitation): UIMessageChunk {
  return {
    type: 'source-document',
    sourceId: citation.chunkId,
    mediaType: 'text/plain',
    title: citation.documentTitle,
    providerMetadata: {
      parley: {
        marker: citation.marker,
        knowledgeSourceId: citation.sourceId,
        documentId: citation.documentId,
        page: citation.page,
        headingPath: [...citation.headingPath],
        score: citation.score,
        excerpt: citation.excerpt,
        ...(citation.queryCorrections && {
          queryCorrections: citation.queryCorrections.map(({ from, to }) => ({ from, to })),
        }),
      },
    },
  };
}

/**
 * The SSE id of each turn event: its place in the reply's stream as the realtime frames number it
 * (turn-publisher.ts, docs/realtime.md): `<seq>.<part>` for the reply's start (part 0) and each event of
 * its stream, `<seq>` for a bubble (a stored message) and for the outcome. A client that was cut off
 * sends the last one it got as `Last-Event-ID` to `GET …/messages/:messageId/stream`, on any node, and
 * the reply goes on right after it.
 */
export function createReplyStreamPositions() {
  let seq = 0;
  let part = 0;
  return (event: ChatTurnEvent): string => {
    switch (event.type) {
      case 'message-started':
        seq = event.replySeq;
        part = 0;
        return `${seq}.0`;
      case 'bubble':
        return String(event.message.seq);
      case 'finished':
      case 'error':
        return String(event.assistantMessage.seq);
      default:
        part += 1;
        return `${seq}.${part}`;
    }
  };
}

/**
 * Streams a turn to the client as a UI message stream over SSE. Its normal end, whatever the reply's
 * outcome, is a `finish` part then `data: [DONE]`; a stream that ends without them was cut (its node
 * died, a proxy gave up), and the client resumes the reply from the last event id (docs/chat.md). A
 * replayed turn (a retried Idempotency-Key) tells the stored reply in a few events of its own, which
 * are no places in the reply's stream: they carry no ids. A client that goes away only unsubscribes:
 * the turn goes on and is stored.
 */
export function streamTurnAsUiMessages(reply: FastifyReply, turn: ChatTurnHandle, heartbeatMs: number): void {
  const stream = openSseStream(reply, {
    headers: { ...UI_MESSAGE_STREAM_HEADERS, ...(turn.isReplay && { 'idempotent-replayed': 'true' }) },
    heartbeatMs,
  });
  const toChunks = createUiMessageChunkMapper();
  const positionOf = turn.isReplay ? () => undefined : createReplyStreamPositions();
  const unsubscribe = turn.subscribe((event) => {
    // One write per event: a delta is one part; only parts born of the same event share a write.
    const parts = toChunks(event).map((chunk) => JSON.stringify(chunk));
    const id = positionOf(event);
    stream.sendAll(parts, id);
    if (event.type !== 'finished' && event.type !== 'error') return;
    // In the same write as the outcome's parts.
    stream.send('[DONE]');
    stream.end();
  });
  stream.onClose(unsubscribe);
}
