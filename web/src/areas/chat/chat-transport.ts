import type { ChatTransport, UIMessageChunk } from 'ai';
import type { AuthedFetch } from '../../api/api-client';
import type { ConversationEvent } from '../../realtime/realtime-frames';
import { messagesPath } from './chat-api';
import { messageText, type ChatMessage } from './chat-messages';
import { createReplyChunks } from './reply-chunks';
import { readSseEvents, type SseEvent } from './sse-events';

/**
 * A decision on a tool call, passed as the request body of `sendMessage(undefined, { body })`: the
 * server records it and streams the rest of the same reply.
 */
export interface ToolApprovalDecision {
  toolApproval: { messageId: string; toolCallId: string; approved: boolean };
}

const isToolApprovalDecision = (body: object | undefined): body is ToolApprovalDecision =>
  body !== undefined && 'toolApproval' in body;

/** How hard the transport tries before it tells the user the connection was lost. */
export interface ReplyFollowing {
  /**
   * How long a reply whose stream was cut is followed through `…/stream` before giving up. A reply whose
   * server died is settled (interrupted) by another node within REPLY_LEASE_STALE_MS plus the sweep's
   * interval (docs/realtime.md); this outlasts the defaults.
   */
  readonly resumeForMs: number;
  /** How long a send refused with `503` and `Retry-After` (a server stopping) is sent again. */
  readonly resendForMs: number;
  /** The first pause between attempts that failed, doubled each time up to `maxPauseMs`. */
  readonly pauseMs: number;
  readonly maxPauseMs: number;
}

export const replyFollowing: ReplyFollowing = {
  resumeForMs: 5 * 60_000,
  resendForMs: 15_000,
  pauseMs: 500,
  maxPauseMs: 5_000,
};

/** Answers worth asking again: the server, or the balancer before it, could not answer just now. */
const passingStatuses = new Set([408, 429, 502, 503, 504]);

/**
 * useChat's transport for one conversation. The server owns the history, so a send posts only the
 * new message as `{ content }` (with `fileIds` when files are attached) under an `Idempotency-Key` of
 * its own; regenerating a reply is the retry endpoint for that (failed) reply; a tool approval is the
 * tool-approvals endpoint of the reply that waits for it. Requests go through the app's authedFetch,
 * which attaches the token and refreshes it on a 401.
 *
 * A reply's stream ends with its `finish` part. One that ends without it was cut (its server died, a
 * proxy gave up) however cleanly the connection closed: the transport then follows the same reply
 * through `GET …/messages/:messageId/stream` from the last event id it got, on whichever server
 * answers, until its outcome arrives (docs/chat.md, "A stream cut short"); useChat sees one stream.
 * A send a stopping server refused (503 with Retry-After: nothing was done) is sent again, and so is a
 * send that got no answer at all, which its Idempotency-Key keeps from being stored twice.
 */
export function createChatTransport(
  conversationId: string,
  authedFetch: AuthedFetch,
  following: ReplyFollowing = replyFollowing,
): ChatTransport<ChatMessage> {
  const api = messagesPath(conversationId);
  const headers = { accept: 'text/event-stream', 'content-type': 'application/json' };

  const requestFor = (options: Parameters<ChatTransport<ChatMessage>['sendMessages']>[0]) => {
    const { trigger, messageId, messages, body } = options;
    if (trigger === 'regenerate-message' && messageId) {
      return { url: `${api}/${encodeURIComponent(messageId)}/retry`, body: {}, isKeyed: false };
    }
    if (isToolApprovalDecision(body)) {
      const decision = body.toolApproval;
      return {
        url: `${api}/${encodeURIComponent(decision.messageId)}/tool-approvals`,
        body: { toolCallId: decision.toolCallId, approved: decision.approved },
        isKeyed: false,
      };
    }
    const last = messages.at(-1);
    const fileIds = last?.metadata?.attachments?.map((attachment) => attachment.fileId) ?? [];
    const content = last ? messageText(last) : '';
    return { url: api, body: fileIds.length > 0 ? { content, fileIds } : { content }, isKeyed: true };
  };

  /** The answer to the send, sent again while a stopping server refuses it or nothing answers (keyed sends). */
  async function send(request: ReturnType<typeof requestFor>, signal: AbortSignal | undefined): Promise<Response> {
    const init: RequestInit = {
      method: 'POST',
      headers: request.isKeyed ? { ...headers, 'idempotency-key': newIdempotencyKey() } : headers,
      body: JSON.stringify(request.body),
      signal,
    };
    const deadline = Date.now() + following.resendForMs;
    for (let attempt = 1; ; attempt += 1) {
      let response: Response;
      try {
        response = await authedFetch(request.url, init);
      } catch (error) {
        if (!request.isKeyed || signal?.aborted || Date.now() >= deadline) throw error;
        await pause(pauseBefore(attempt, following), signal);
        continue;
      }
      const retryAfterMs = response.status === 503 ? retryAfterMsOf(response.headers.get('retry-after')) : undefined;
      if (retryAfterMs === undefined || Date.now() + retryAfterMs >= deadline) return response;
      await response.body?.cancel();
      await pause(retryAfterMs, signal);
    }
  }

  /** The send's stream as chunks, then, if it was cut, the same reply resumed until its outcome. */
  async function* followReply(body: ReadableStream<Uint8Array>, signal: AbortSignal | undefined) {
    const reply = createReplyChunks();
    let lastEventId: string | undefined;
    const cut: { error?: unknown } = {};
    yield* chunksOf(body, signal, cut, (event) => {
      if (event.id) lastEventId = event.id;
      if (event.data === '[DONE]') return [];
      const chunk = JSON.parse(event.data) as UIMessageChunk;
      reply.observe(chunk);
      return [chunk];
    });
    if (reply.hasFinished) return;
    const replyId = reply.replyId;
    // Cut before the reply began: nothing to follow (useChat shows the connection lost).
    if (!replyId) throw connectionLost(cut.error);
    const deadline = Date.now() + following.resumeForMs;
    for (let failures = 0; ;) {
      if (failures > 0) {
        if (Date.now() >= deadline) throw connectionLost(cut.error);
        await pause(pauseBefore(failures, following), signal);
      }
      const response = await authedFetch(`${api}/${encodeURIComponent(replyId)}/stream`, {
        headers: { accept: 'text/event-stream', ...(lastEventId && { 'last-event-id': lastEventId }) },
        signal,
      }).catch((error: unknown) => {
        if (signal?.aborted) throw error;
        return undefined;
      });
      if (response && !response.ok && !passingStatuses.has(response.status)) {
        // The reply is gone (its conversation deleted), or this user may no longer read it.
        await response.body?.cancel();
        throw connectionLost(cut.error);
      }
      if (!response?.ok || !response.body) {
        failures += 1;
        continue;
      }
      let isSettled = false;
      yield* chunksOf(response.body, signal, {}, (event) => {
        if (event.id) lastEventId = event.id;
        const frame = JSON.parse(event.data) as ConversationEvent;
        if (frame.type === 'finished' || frame.type === 'error') isSettled = true;
        return reply.fromFrame(frame);
      });
      if (isSettled) return;
      // Cut again (that server stopped too): once more at once, then with pauses.
      failures = failures > 0 ? failures + 1 : 1;
    }
  }

  return {
    async sendMessages(options) {
      const response = await send(requestFor(options), options.abortSignal);
      if (!response.ok) throw new Error((await response.text()) || 'The server refused the message');
      if (!response.body) throw new Error('The response body is empty.');
      return streamOf(followReply(response.body, options.abortSignal));
    },
    // A reply being written when the page opened is followed over the realtime socket instead.
    reconnectToStream: () => Promise.resolve(null),
  };
}

/**
 * The chunks of each event of an SSE body until it ends or its connection drops, which is not an error
 * here (`cut.error` keeps it): the caller judges a cut by what is missing. Stopping (the signal) is.
 */
async function* chunksOf(
  body: ReadableStream<Uint8Array>,
  signal: AbortSignal | undefined,
  cut: { error?: unknown },
  toChunks: (event: SseEvent) => UIMessageChunk[],
): AsyncGenerator<UIMessageChunk> {
  const events = readSseEvents(body);
  for (;;) {
    let next: IteratorResult<SseEvent>;
    try {
      next = await events.next();
    } catch (error) {
      if (signal?.aborted) throw error;
      cut.error = error;
      return;
    }
    if (next.done) return;
    yield* toChunks(next.value);
  }
}

/** What useChat is told when a reply could not be followed to its end: the connection was lost. */
function connectionLost(error: unknown): Error {
  if (error instanceof TypeError) return error;
  return new TypeError('The connection to the server was lost before the reply ended');
}

/** Full jitter over an exponential pause (docs/realtime.md's advice for reconnecting). */
function pauseBefore(attempt: number, following: ReplyFollowing): number {
  const ceiling = Math.min(following.maxPauseMs, following.pauseMs * 2 ** (attempt - 1));
  return ceiling / 2 + Math.random() * (ceiling / 2);
}

function retryAfterMsOf(header: string | null): number | undefined {
  const seconds = header === null ? Number.NaN : Number(header);
  return Number.isFinite(seconds) && seconds >= 0 ? Math.min(seconds, 5) * 1000 : undefined;
}

const pause = (ms: number, signal: AbortSignal | undefined) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason as Error);
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        reject(signal.reason as Error);
      },
      { once: true },
    );
  });

/** A key for one send, from the random source every browser has (randomUUID needs a secure context). */
function newIdempotencyKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return `console-${Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('')}`;
}

function streamOf<T>(source: AsyncGenerator<T>): ReadableStream<T> {
  return new ReadableStream<T>({
    async pull(controller) {
      const next = await source.next();
      if (next.done) controller.close();
      else controller.enqueue(next.value);
    },
    async cancel() {
      await source.return(undefined);
    },
  });
}
