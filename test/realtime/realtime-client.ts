import { once } from 'node:events';
import WebSocket from 'ws';

export type Frame = Record<string, unknown> & { type: string; seq?: number };

/** A real `ws` client of the realtime socket that keeps every frame it got, for tests to wait on. */
export interface TestSocket {
  readonly ws: WebSocket;
  readonly frames: Frame[];
  send(frame: unknown): void;
  /** The first frame (from `fromIndex`) that matches, waiting for it to arrive. */
  next(match: (frame: Frame) => boolean, fromIndex?: number): Promise<Frame>;
  /** The close code and reason, once the server closed the socket. */
  readonly closed: Promise<{ code: number; reason: string }>;
  close(): Promise<void>;
}

/** How long `next` waits for a frame: longer than any answer takes, even on a loaded machine. */
const nextTimeoutMs = 60_000;

export const wsUrl = (address: string, query = ''): string => `${address.replace(/^http/, 'ws')}/v1/realtime${query}`;

/** Opens a socket; rejects with the HTTP status when the server refused the upgrade. */
export async function openSocket(
  address: string,
  options: { headers?: Record<string, string>; ticket?: string; autoPong?: boolean } = {},
): Promise<TestSocket> {
  const query = options.ticket ? `?ticket=${encodeURIComponent(options.ticket)}` : '';
  const ws = new WebSocket(wsUrl(address, query), {
    headers: options.headers ?? {},
    autoPong: options.autoPong ?? true,
  });
  const frames: Frame[] = [];
  const waiters = new Set<() => void>();
  ws.on('message', (data) => {
    frames.push(JSON.parse((data as Buffer).toString('utf8')) as Frame);
    for (const wake of [...waiters]) wake();
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.on('close', (code, reason) => resolve({ code, reason: String(reason) })),
  );
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('unexpected-response', (_request, response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += String(chunk)));
      response.on('end', () =>
        reject(Object.assign(new Error(`refused ${response.statusCode}`), { status: response.statusCode, body })),
      );
    });
    ws.once('error', reject);
  });
  const socket: TestSocket = {
    ws,
    frames,
    send: (frame) => ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame)),
    next(match, fromIndex = 0) {
      return new Promise((resolve, reject) => {
        // A frame that never comes fails the test with what came instead, rather than hanging it to its timeout.
        const timer = setTimeout(() => {
          if (waiters.delete(check))
            reject(new Error(`no matching frame in ${nextTimeoutMs} ms; the last: ${JSON.stringify(frames.slice(-8))}`));
        }, nextTimeoutMs);
        timer.unref();
        const check = () => {
          const found = frames.slice(fromIndex).find(match);
          if (found) {
            waiters.delete(check);
            clearTimeout(timer);
            resolve(found);
          }
        };
        waiters.add(check);
        check();
        void closed.then(() => {
          if (!waiters.has(check)) return;
          check();
          if (waiters.delete(check))
            reject(
              new Error(`socket closed before a matching frame; got ${JSON.stringify(frames.map((f) => f.type))}`),
            );
        });
      });
    },
    closed,
    async close() {
      if (ws.readyState === ws.CLOSED) return;
      ws.close();
      await once(ws, 'close');
    },
  };
  await socket.next((frame) => frame.type === 'hello');
  return socket;
}

/** The answer to a frame of the client's (its `id` echoed). */
/**
 * How the server answered an upgrade it refused: its status and problem+json body (status 0: the socket
 * opened after all, and is closed again).
 */
export const refusalOf = (promise: Promise<TestSocket>): Promise<{ status: number; body: string }> =>
  promise.then(
    async (socket) => {
      await socket.close();
      return { status: 0, body: '' };
    },
    (error: { status?: number; body?: string }) => ({ status: error.status ?? -1, body: error.body ?? '' }),
  );

export const answerTo = (socket: TestSocket, id: string) => socket.next((frame) => frame.id === id);

export const isReplyFrame = (messageId: string) => (frame: Frame) => frame.messageId === messageId;

/**
 * Where a frame stands in its conversation's log: its seq, then its part inside a reply's stream
 * (`message-started` is 0); an event with no part is the seq's only one (-1).
 */
export const logPositionOf = (frame: Frame): [number, number] => [
  frame.seq ?? -1,
  typeof frame.part === 'number' ? frame.part : -1,
];

const isFinalFrame = (frame: Frame) => frame.type === 'finished' || frame.type === 'error';

/**
 * True when frames come in the order of their conversation's log, each once: the log's events (and
 * each reply's `message-started`, part 0, which is its place in the log) by strictly increasing seq;
 * the parts of each reply's stream from 0, strictly increasing, and none after that reply's final
 * event. A stream's later parts may come after later seqs of the log (a rename while the reply is
 * written): they belong to the reply, not to the moment.
 */
export function isInLogOrder(frames: readonly Frame[]): boolean {
  let lastLogSeq = -1;
  const lastPartOf = new Map<number, number>();
  const endedStreams = new Set<number>();
  const streamOf = new Map<string, number>();
  for (const frame of frames) {
    const [seq, part] = logPositionOf(frame);
    if (part <= 0) {
      if (seq <= lastLogSeq) return false;
      lastLogSeq = seq;
    }
    if (part >= 0) {
      const last = lastPartOf.get(seq);
      if (endedStreams.has(seq) || (last === undefined ? part !== 0 : part <= last)) return false;
      lastPartOf.set(seq, part);
      if (part === 0) streamOf.set(String(frame.messageId), seq);
    }
    if (isFinalFrame(frame)) {
      const stream = streamOf.get(String(frame.messageId));
      if (stream !== undefined) endedStreams.add(stream);
    }
  }
  return true;
}

/** What a client keeps of frames that may come again (a resume replays a reply from its start): each (seq, part) once. */
export function dedupeByLogPosition(frames: readonly Frame[]): Frame[] {
  const seen = new Set<string>();
  return frames.filter((frame) => {
    const key = logPositionOf(frame).join('.');
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
