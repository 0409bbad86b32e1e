import WebSocket from 'ws';
import { readStamps, wallClockMs } from './stamped-llm.js';

/**
 * The bench's WebSocket clients, run as a child process (socket-fleet.ts) so that the server under
 * test is measured alone: its memory, and its CPU, which the clients would otherwise share.
 * Groups of sockets are opened, subscribed, recorded and closed on command.
 */
export interface OpenCommand {
  readonly group: string;
  readonly url: string;
  readonly count: number;
  readonly headers?: Record<string, string>;
  /** Sockets opening at once; the rest wait their turn. */
  readonly concurrency?: number;
}

interface Recording {
  isOn: boolean;
  deltas: number;
  latenciesMs: number[];
  firstAtMs: number;
  lastAtMs: number;
}

interface Group {
  readonly sockets: WebSocket[];
  readonly recording: Recording;
}

/** A frame's text, whichever of its three shapes `ws` hands over. */
export function frameText(data: WebSocket.RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString('utf8');
  return data.toString('utf8');
}

const groups = new Map<string, Group>();

const freshRecording = (): Recording => ({ isOn: false, deltas: 0, latenciesMs: [], firstAtMs: 0, lastAtMs: 0 });

function openOne(command: OpenCommand, recording: Recording): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(command.url, { headers: command.headers, perMessageDeflate: false });
    const timer = setTimeout(() => reject(new Error('no hello within 60 s')), 60_000);
    socket.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    socket.once('unexpected-response', (_request, response) => {
      clearTimeout(timer);
      reject(new Error(`handshake refused: ${response.statusCode}`));
    });
    socket.on('message', (data) => {
      const text = frameText(data);
      if (text.startsWith('{"type":"hello"') || text.includes('"type":"hello"')) {
        clearTimeout(timer);
        resolve(socket);
        return;
      }
      if (!recording.isOn || !text.includes('"type":"text-delta"')) return;
      const receivedAtMs = wallClockMs();
      // The stamps are read from the frame's text as it is: JSON leaves ⟦⟧ unescaped, and parsing every
      // frame would make the clients' process, not the server, the bottleneck at 500 subscribers.
      recording.deltas += 1;
      if (recording.firstAtMs === 0) recording.firstAtMs = receivedAtMs;
      recording.lastAtMs = receivedAtMs;
      for (const stamp of readStamps(text)) recording.latenciesMs.push(receivedAtMs - stamp);
    });
  });
}

export async function openGroup(command: OpenCommand): Promise<number> {
  const group: Group = groups.get(command.group) ?? { sockets: [], recording: freshRecording() };
  groups.set(command.group, group);
  let next = 0;
  const worker = async () => {
    while (next < command.count) {
      next += 1;
      group.sockets.push(await openOne(command, group.recording));
    }
  };
  await Promise.all(Array.from({ length: Math.min(command.concurrency ?? 100, command.count) }, worker));
  return group.sockets.length;
}

/** Subscribes every socket of a group and waits for each `subscribed` (or throws the server's `error`). */
export async function subscribeGroup(name: string, conversationId: string): Promise<void> {
  const group = groups.get(name);
  if (!group) throw new Error(`no group ${name}`);
  await Promise.all(
    group.sockets.map(
      (socket, index) =>
        new Promise<void>((resolve, reject) => {
          const id = `sub-${index}`;
          const onMessage = (data: WebSocket.RawData) => {
            const text = frameText(data);
            if (!text.includes(`"${id}"`)) return;
            socket.off('message', onMessage);
            if (text.includes('"subscribed"')) resolve();
            else reject(new Error(`subscribe refused: ${text}`));
          };
          socket.on('message', onMessage);
          socket.send(JSON.stringify({ type: 'subscribe', id, conversationId }));
        }),
    ),
  );
}

export function startRecording(name: string): void {
  const group = groups.get(name);
  if (!group) throw new Error(`no group ${name}`);
  Object.assign(group.recording, freshRecording(), { isOn: true });
}

export interface RecordingResult {
  readonly deltas: number;
  readonly latenciesMs: number[];
  readonly firstAtMs: number;
  readonly lastAtMs: number;
}

export function stopRecording(name: string): RecordingResult {
  const group = groups.get(name);
  if (!group) throw new Error(`no group ${name}`);
  const { deltas, latenciesMs, firstAtMs, lastAtMs } = group.recording;
  group.recording.isOn = false;
  return { deltas, latenciesMs, firstAtMs, lastAtMs };
}

export function deltaCount(name: string): number {
  return groups.get(name)?.recording.deltas ?? 0;
}

export async function closeGroup(name: string): Promise<void> {
  const group = groups.get(name);
  if (!group) return;
  groups.delete(name);
  await Promise.all(
    group.sockets.map(
      (socket) =>
        new Promise<void>((resolve) => {
          if (socket.readyState === WebSocket.CLOSED) return resolve();
          socket.once('close', () => resolve());
          socket.terminate();
        }),
    ),
  );
}
