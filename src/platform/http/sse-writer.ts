import type { FastifyReply } from 'fastify';
import { hijackKeepingHeaders } from './hijacked-reply.js';

/**
 * Events leave without waiting: what is sent in one tick (the events one read of a provider's response
 * gives, a text part's start and its first delta) leaves in one write at the tick's end, never later;
 * events sent apart leave apart. A write per event was the largest system cost of a chat turn (issue 63).
 */
export interface SseStream {
  /** Writes one event, this tick. Does nothing once the client has gone. */
  send(data: string): void;
  /**
   * Writes these events, this tick; with `id`, the last of them carries it (`id:`), so a client whose
   * last id is this one has them all.
   */
  sendAll(data: readonly string[], id?: string): void;
  /** Writes one event with an `id:`, which a client that reconnects sends back as `Last-Event-ID`. */
  sendWithId(id: string, data: string): void;
  end(): void;
  readonly isOpen: boolean;
  /** Runs once, when the client goes away or the stream is ended (at once if that already happened). */
  onClose(listener: () => void): void;
}

export interface SseOptions {
  readonly headers: Readonly<Record<string, string>>;
  /** A comment line every so often keeps proxies from closing a quiet stream. */
  readonly heartbeatMs: number;
  readonly status?: number;
  /** How much may wait unread for the client before it is taken to have stopped reading (below). */
  readonly maxUnreadBytes?: number;
}

/**
 * A client that stops reading (a paused tab, a stuck proxy) leaves every later event queued in the
 * server's memory: one such reader of a 10 MB reply held 165 MB, in an audit. Four megabytes is far
 * more than a live client lets pile up; past it the connection is closed, and whatever writes to the
 * stream hears it as the client going away (a chat reply is still written and stored, and can be read
 * from the conversation's history).
 */
const defaultMaxUnreadBytes = 4 * 1024 * 1024;

/**
 * Takes the response over from Fastify (reply.hijack) and writes Server-Sent Events to it. It only
 * serialises and keeps the connection alive; what the events mean is the caller's business.
 */
export function openSseStream(reply: FastifyReply, options: SseOptions): SseStream {
  const raw = hijackKeepingHeaders(reply);
  // Each event leaves at once rather than waiting to fill a packet (absent under app.inject).
  if (typeof raw.socket?.setNoDelay === 'function') raw.socket.setNoDelay(true);
  // A stream's connection closes when the stream ends: kept alive, it would sit idle in a state the
  // server's close does not reap (a hijacked response), and a server stopping would wait on it forever.
  raw.shouldKeepAlive = false;
  raw.writeHead(options.status ?? 200, options.headers);
  // The headers leave with the first event when that is sent in this same tick (one packet, not two),
  // and on their own right after it otherwise, so the client always learns at once that it is streaming.
  let hasWritten = false;
  process.nextTick(() => {
    if (!hasWritten && !raw.destroyed && typeof raw.flushHeaders === 'function') raw.flushHeaders();
  });

  let isOpen = true;
  const closeListeners: (() => void)[] = [];
  const maxUnreadBytes = options.maxUnreadBytes ?? defaultMaxUnreadBytes;
  const canWrite = () => isOpen && !raw.destroyed && raw.writable;
  // What this tick sent, written once after it (process.nextTick runs after the promise jobs queued now).
  let pending = '';
  const flush = () => {
    const text = pending;
    pending = '';
    if (!text || !canWrite()) return;
    if (!raw.write(text) && raw.writableLength > maxUnreadBytes) {
      reply.log.warn({ unreadBytes: raw.writableLength }, 'closed a stream whose client stopped reading it');
      raw.destroy();
    }
  };
  const write = (text: string) => {
    if (!canWrite()) return;
    hasWritten = true;
    if (pending === '') process.nextTick(flush);
    pending += text;
  };
  const heartbeat = setInterval(() => write(': keep-alive\n\n'), options.heartbeatMs);
  heartbeat.unref();
  const close = () => {
    if (!isOpen) return;
    isOpen = false;
    clearInterval(heartbeat);
    for (const listener of closeListeners.splice(0)) listener();
  };
  raw.on('close', close);

  return {
    send(data) {
      write(eventOf(data));
    },
    sendAll(data, id) {
      if (id === undefined || data.length === 0) return write(data.map(eventOf).join(''));
      write(data.slice(0, -1).map(eventOf).join('') + eventWithId(id, data.at(-1)!));
    },
    sendWithId(id, data) {
      write(eventWithId(id, data));
    },
    end() {
      flush();
      if (isOpen && !raw.writableEnded) raw.end();
      close();
    },
    get isOpen() {
      return isOpen;
    },
    onClose(listener) {
      if (isOpen) closeListeners.push(listener);
      else listener();
    },
  };
}

function eventWithId(id: string, data: string): string {
  return `id: ${id.replace(/[\r\n]/g, '')}\n${eventOf(data)}`;
}

/** One `data:` line per line of data; JSON (what we send) has none, so it is one line as it is. */
function eventOf(data: string): string {
  if (!data.includes('\n')) return `data: ${data}\n\n`;
  return `${data
    .split('\n')
    .map((line) => `data: ${line}`)
    .join('\n')}\n\n`;
}
