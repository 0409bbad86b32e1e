import type { UIMessage } from 'ai';
import type { Attachment, Citation, MessageUsage, StoredMessage } from './chat-api';
import { markerGroupPattern, markersInGroup } from './markdown/citation-markers';
import { toToolPart } from './tool-parts';

/**
 * What the server sends as `messageMetadata` on a stream's `start` (ids, model) and `finish` (the
 * stored reply's figures); history messages carry the same fields, so both render alike.
 */
export interface ChatMetadata {
  conversationId?: string;
  userMessageId?: string;
  assistantMessageId?: string;
  model?: string | null;
  status?: StoredMessage['status'];
  usage?: MessageUsage | null;
  timeToFirstTokenMs?: number | null;
  durationMs?: number | null;
  finishReason?: string | null;
  error?: { code: string; message: string } | null;
  /** A reply this tab is following over the realtime socket (written elsewhere, or before a reload). */
  isLive?: boolean;
  /** The files a person's message carries (sent as `fileIds`). */
  attachments?: Attachment[];
  /** The agent wrote it on its own while the user was away. */
  proactive?: boolean;
  /** When the other side read the message ("Seen"). */
  readAt?: string | null;
}

export type ChatMessage = UIMessage<ChatMetadata>;

/**
 * A stored message as useChat holds it: same id, cited passages as the `source-document` parts the
 * stream sends, reasoning, then the tools it called and its text; the figures and attachments as
 * metadata. The stored text is one piece: in a reply waiting for approval it was all written before
 * the call waiting (and what follows the decision streams in after it); in a finished one it comes
 * after its tools, where the answer drawn from them is.
 */
export function toChatMessage(message: StoredMessage): ChatMessage {
  const parts: ChatMessage['parts'] = [];
  for (const citation of message.citations ?? []) parts.push(toSourcePart(citation));
  if (message.reasoning) parts.push({ type: 'reasoning', text: message.reasoning, state: 'done' });
  const isWaiting = message.status === 'awaiting_approval';
  const toolParts = (message.toolCalls ?? []).map((call) => toToolPart(call, isWaiting));
  const textParts: ChatMessage['parts'] = message.content
    ? [{ type: 'text', text: message.content, state: 'done' }]
    : [];
  if (isWaiting) parts.push(...textParts, ...toolParts);
  else parts.push(...toolParts, ...textParts);
  return {
    id: message.id,
    role: message.role,
    parts,
    metadata: {
      conversationId: message.conversationId,
      ...(message.role === 'assistant' && { assistantMessageId: message.id }),
      model: message.model,
      status: message.status,
      usage: message.usage,
      timeToFirstTokenMs: message.timeToFirstTokenMs,
      durationMs: message.durationMs,
      finishReason: message.finishReason,
      error: message.error,
      ...(message.attachments?.length && { attachments: message.attachments }),
      ...(message.proactive && { proactive: true }),
      ...(message.readAt && { readAt: message.readAt }),
    },
  };
}

type SourcePart = Extract<ChatMessage['parts'][number], { type: 'source-document' }>;

/**
 * The server streams a citation as a `source-document` part: the chunk as its id, the document as its
 * title, and the rest under `providerMetadata.parley` (src/modules/chat/ui-message-stream.ts).
 */
function toSourcePart(citation: Citation): SourcePart {
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
        headingPath: citation.headingPath,
        score: citation.score,
        excerpt: citation.excerpt,
        ...(citation.queryCorrections && { queryCorrections: citation.queryCorrections }),
      },
    },
  };
}

function fromSourcePart(part: SourcePart, index: number): Citation {
  const extra = (part.providerMetadata?.parley ?? {}) as Record<string, unknown>;
  const marker = typeof extra.marker === 'number' ? extra.marker : index + 1;
  return {
    marker,
    sourceId: typeof extra.knowledgeSourceId === 'string' ? extra.knowledgeSourceId : '',
    documentId: typeof extra.documentId === 'string' ? extra.documentId : '',
    documentTitle: part.title,
    chunkId: part.sourceId,
    page: typeof extra.page === 'number' ? extra.page : null,
    headingPath: Array.isArray(extra.headingPath) ? extra.headingPath.filter((each) => typeof each === 'string') : [],
    score: typeof extra.score === 'number' ? extra.score : 0,
    excerpt: typeof extra.excerpt === 'string' ? extra.excerpt : '',
    ...(Array.isArray(extra.queryCorrections) && { queryCorrections: correctionsIn(extra.queryCorrections) }),
  };
}

function correctionsIn(values: readonly unknown[]): { from: string; to: string }[] {
  return values.flatMap((value) => {
    const { from, to } = (value ?? {}) as Record<string, unknown>;
    return typeof from === 'string' && typeof to === 'string' ? [{ from, to }] : [];
  });
}

/**
 * The markers a text cites: `[1]`, `[1][2]` and `[1, 2]` alike. The server's rule exactly (citedMarkers in
 * src/ai/passages-prompt.ts), so a streaming reply shows the sources it will be stored with.
 */
export function citedMarkers(text: string): Set<number> {
  const markers = new Set<number>();
  for (const match of text.matchAll(markerGroupPattern)) {
    for (const marker of markersInGroup(match[1] ?? '')) markers.add(marker);
  }
  return markers;
}

/**
 * The passages to show under a reply, by marker: those its text cites, as the stored reply keeps them.
 * The stream sends every passage retrieved before the text exists; a reply that cites none (nothing
 * relevant was found) shows none, as it will after a reload.
 */
export function messageCitations(message: ChatMessage): Citation[] {
  const cited = citedMarkers(messageText(message));
  return message.parts
    .filter((part): part is SourcePart => part.type === 'source-document')
    .map(fromSourcePart)
    .filter((citation) => cited.has(citation.marker))
    .sort((a, b) => a.marker - b.marker);
}

export const messageText = (message: ChatMessage): string =>
  message.parts.map((part) => (part.type === 'text' ? part.text : '')).join('');

export const messageReasoning = (message: ChatMessage): string =>
  message.parts.map((part) => (part.type === 'reasoning' ? part.text : '')).join('');

/**
 * Why a send or retry failed, from what useChat reports: an `error` part of the stream carries the
 * server's sentence as is; a refused request carries the problem body as its message; a dropped
 * connection is a TypeError.
 */
export type ChatFailure =
  | { kind: 'reply'; sentence: string }
  | { kind: 'request'; sentence: string; code: string }
  | { kind: 'connection'; sentence: string };

export function describeChatFailure(error: Error): ChatFailure {
  if (error instanceof TypeError) {
    return {
      kind: 'connection',
      sentence: 'The connection to the server was lost; the reply may still have been stored',
    };
  }
  const problem = parseProblem(error.message);
  if (problem) return { kind: 'request', sentence: problem.detail, code: problem.code };
  return { kind: 'reply', sentence: error.message || 'The reply failed' };
}

function parseProblem(text: string): { detail: string; code: string } | undefined {
  if (!text.startsWith('{')) return undefined;
  try {
    const body = JSON.parse(text) as { detail?: unknown; code?: unknown };
    if (typeof body.detail !== 'string') return undefined;
    return { detail: body.detail, code: typeof body.code === 'string' ? body.code : 'unknown' };
  } catch {
    return undefined;
  }
}

/** "gpt-4o · 12 in / 340 out tokens · first token 0.4 s · 3.1 s" — whatever of it is known. */
export function describeReplyFigures(metadata: ChatMetadata | undefined): string[] {
  if (!metadata) return [];
  const figures: string[] = [];
  if (metadata.model) figures.push(metadata.model);
  const usage = metadata.usage;
  if (usage && (usage.inputTokens !== null || usage.outputTokens !== null)) {
    figures.push(`${formatCount(usage.inputTokens)} in / ${formatCount(usage.outputTokens)} out tokens`);
  }
  if (typeof metadata.timeToFirstTokenMs === 'number') {
    figures.push(`first token ${formatDuration(metadata.timeToFirstTokenMs)}`);
  }
  if (typeof metadata.durationMs === 'number') figures.push(`total ${formatDuration(metadata.durationMs)}`);
  return figures;
}

const formatCount = (value: number | null) => (value === null ? '?' : value.toLocaleString('en'));

function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
}
