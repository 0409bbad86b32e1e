import type { FinishReason, UIMessageChunk } from 'ai';
import type { ConversationEvent } from '../../realtime/realtime-frames';
import type { StoredMessage } from './chat-api';
import type { ChatMetadata } from './chat-messages';

const finishReasons: readonly FinishReason[] = ['stop', 'length', 'content-filter', 'tool-calls', 'error', 'other'];

/**
 * One reply's UI message chunks, as useChat reads them, whichever way they came: the stream a send
 * answers with (already chunks: `observe` follows them), then, once that stream was cut, the realtime
 * frames `GET …/messages/:messageId/stream` resumes it with (`fromFrame` turns each into the chunks the
 * server's ui-message-stream.ts makes of the same event), so the reply goes on in the same message: the
 * text part that was open stays open, and the outcome ends it as a send's stream would have.
 */
export function createReplyChunks() {
  let openPart: { kind: 'text' | 'reasoning'; id: string } | undefined;
  let partCount = 0;
  let hasStarted = false;
  let hasFinished = false;
  let ids: Pick<ChatMetadata, 'conversationId' | 'userMessageId' | 'assistantMessageId'> = {};

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
      openPart = { kind, id: `${kind}-resumed-${++partCount}` };
      chunks.push({ type: kind === 'text' ? 'text-start' : 'reasoning-start', id: openPart.id });
    }
    chunks.push({ type: kind === 'text' ? 'text-delta' : 'reasoning-delta', id: openPart.id, delta: text });
    return chunks;
  };
  const finishOf = (reply: StoredMessage | undefined, finishReason: FinishReason): UIMessageChunk => {
    hasFinished = true;
    const metadata: ChatMetadata = {
      ...ids,
      ...(reply && {
        model: reply.model,
        status: reply.status,
        usage: reply.usage,
        timeToFirstTokenMs: reply.timeToFirstTokenMs,
        durationMs: reply.durationMs,
        finishReason: reply.finishReason,
        error: reply.error,
      }),
    };
    return { type: 'finish', finishReason, messageMetadata: metadata };
  };

  return {
    /** Follows a chunk of the send's own stream, so that frames carry on from where it was. */
    observe(chunk: UIMessageChunk): void {
      switch (chunk.type) {
        case 'start': {
          hasStarted = true;
          const metadata = (chunk.messageMetadata ?? {}) as ChatMetadata;
          ids = {
            conversationId: metadata.conversationId,
            userMessageId: metadata.userMessageId,
            assistantMessageId: metadata.assistantMessageId ?? chunk.messageId,
          };
          return;
        }
        case 'text-start':
        case 'reasoning-start':
          openPart = { kind: chunk.type === 'text-start' ? 'text' : 'reasoning', id: chunk.id };
          return;
        case 'text-end':
        case 'reasoning-end':
          openPart = undefined;
          return;
        case 'finish':
          hasFinished = true;
          return;
        default:
          return;
      }
    },
    /** The reply being written, once the send's stream said which (its `start`). */
    get replyId(): string | undefined {
      return ids.assistantMessageId;
    },
    /** Whether the reply's outcome (its `finish`) is in: a stream that ends before it was cut. */
    get hasFinished(): boolean {
      return hasFinished;
    },
    /** The chunks of one realtime frame of the reply (docs/realtime.md, "Server events"). */
    fromFrame(frame: ConversationEvent): UIMessageChunk[] {
      switch (frame.type) {
        case 'message-started': {
          if (hasStarted) return [];
          hasStarted = true;
          const messageId = String(frame.messageId);
          ids = { conversationId: frame.conversationId, assistantMessageId: messageId };
          const metadata: ChatMetadata = { ...ids, model: typeof frame.model === 'string' ? frame.model : null };
          return [{ type: 'start', messageId, messageMetadata: metadata }, { type: 'start-step' }];
        }
        case 'sources':
          return [...closeOpenPart(), ...(Array.isArray(frame.sources) ? frame.sources.map(toSourceDocument) : [])];
        case 'text-delta':
          return delta('text', textOf(frame.delta));
        case 'reasoning-delta':
          return delta('reasoning', textOf(frame.delta));
        case 'tool-call':
          return [
            ...closeOpenPart(),
            {
              type: 'tool-input-available',
              toolCallId: String(frame.toolCallId),
              toolName: String(frame.toolName),
              input: frame.input,
              dynamic: true,
            },
          ];
        case 'tool-result': {
          const toolCallId = String(frame.toolCallId);
          const result: UIMessageChunk =
            frame.isDenied === true
              ? { type: 'tool-output-denied', toolCallId }
              : typeof frame.errorText === 'string'
                ? { type: 'tool-output-error', toolCallId, errorText: frame.errorText, dynamic: true }
                : { type: 'tool-output-available', toolCallId, output: frame.output ?? null, dynamic: true };
          return [...closeOpenPart(), result];
        }
        case 'tool-approval-requested':
          return [
            ...closeOpenPart(),
            {
              type: 'tool-approval-request',
              approvalId: String(frame.approvalId),
              toolCallId: String(frame.toolCallId),
            },
          ];
        case 'bubble-typing':
          return [
            ...closeOpenPart(),
            { type: 'data-typing', data: { position: frame.position, pauseMs: frame.pauseMs } },
          ];
        case 'message-created': {
          // A later bubble of a split reply: a stored message of its own, a text part of this one.
          const bubble = frame.message as StoredMessage | undefined;
          if (!bubble?.replyGroup) return [];
          const data = { messageId: bubble.id, position: bubble.replyGroup.position };
          return [
            ...closeOpenPart(),
            { type: 'data-bubble', id: bubble.id, data },
            ...delta('text', bubble.content),
            ...closeOpenPart(),
          ];
        }
        case 'finished': {
          const reply = frame.message as StoredMessage | undefined;
          const reason = reply?.finishReason as FinishReason | null | undefined;
          return [
            ...closeOpenPart(),
            { type: 'finish-step' },
            finishOf(reply, reason && finishReasons.includes(reason) ? reason : 'other'),
          ];
        }
        case 'error':
          return [
            ...closeOpenPart(),
            { type: 'error', errorText: typeof frame.message === 'string' ? frame.message : 'The reply failed' },
            finishOf(frame.reply as StoredMessage | undefined, 'error'),
          ];
        default:
          return [];
      }
    },
  };
}

/** A retrieved passage as the server streams it (ui-message-stream.ts: its `source-document` parts). */
function toSourceDocument(value: unknown): UIMessageChunk {
  const citation = (value ?? {}) as Record<string, unknown>;
  return {
    type: 'source-document',
    sourceId: String(citation.chunkId),
    mediaType: 'text/plain',
    title: textOf(citation.documentTitle),
    providerMetadata: {
      parley: {
        marker: citation.marker as number,
        knowledgeSourceId: citation.sourceId as string,
        documentId: citation.documentId as string,
        page: (citation.page ?? null) as number | null,
        headingPath: (citation.headingPath ?? []) as string[],
        score: citation.score as number,
        excerpt: citation.excerpt as string,
        ...(Array.isArray(citation.queryCorrections) && {
          queryCorrections: citation.queryCorrections as { from: string; to: string }[],
        }),
      },
    },
  };
}

const textOf = (value: unknown): string => (typeof value === 'string' ? value : '');
