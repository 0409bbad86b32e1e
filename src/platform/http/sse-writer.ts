import type { FastifyReply } from 'fastify';
import { hijackKeepingHeaders } from './hijacked-reply.js';

export interface SseStream {
  /** Writes one event now: no buffering, no coalescing. Does nothing once the client has gone. */
  send(data: string): void;
  /**
   * Writes these events now, in one write: for events that are born together (a text part's start and
   * its first delta, a reply's closing parts), never for deltas that arrive apart.
   */
  sendAll(data: readonly string[]): void;
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
  const write = (text: string) => {
    if (!isOpen || raw.destroyed || !raw.writable) return;
    hasWritten = true;
    if (!raw.write(text) && raw.writableLength > maxUnreadBytes) {
      reply.log.warn({ unreadBytes: raw.writableLength }, 'closed a stream whose client stopped reading it');
      raw.destroy();
    }
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
    sendAll(data) {
      write(data.map(eventOf).join(''));
    },
    sendWithId(id, data) {
      write(`id: ${id.replace(/[\r\n]/g, '')}\n${eventOf(data)}`);
    },
    end() {
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

/** One `data:` line per line of data; JSON (what we send) has none, so it is one line as it is. */
function eventOf(data: string): string {
  if (!data.includes('\n')) return `data: ${data}\n\n`;
  return `${data
    .split('\n')
    .map((line) => `data: ${line}`)
    .join('\n')}\n\n`;
}
