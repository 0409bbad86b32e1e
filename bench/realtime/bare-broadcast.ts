import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { WebSocketServer, type WebSocket } from 'ws';
import { frameText } from './socket-clients.js';

/**
 * The floor: the least a WebSocket server can do to fan a model's reply out. `ws` with no auth, no
 * validation, no storage: a socket says `{type:'subscribe', conversationId}` and joins that room;
 * `POST /produce?conversationId=…&model=…` reads the mock LLM's stream and sends every token to the
 * room as a `text-delta` frame shaped like Parley's. Parley's figures are read beside these.
 */
export async function startBareBroadcast(upstreamUrl: string, port = 0) {
  const rooms = new Map<string, Set<WebSocket>>();
  const sequences = new Map<string, number>();
  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    if (request.method === 'GET' && url.pathname === '/_memory') {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ ...process.memoryUsage(), connections: webSockets.clients.size }));
      return;
    }
    if (request.method === 'POST' && url.pathname === '/produce') {
      const conversationId = url.searchParams.get('conversationId') ?? '';
      const model = url.searchParams.get('model') ?? 'stamp-t5-g0';
      void produce(conversationId, model).then(
        () => response.end('{}'),
        (error: unknown) => {
          response.writeHead(502);
          response.end(String(error));
        },
      );
      return;
    }
    response.writeHead(404);
    response.end();
  });
  const webSockets = new WebSocketServer({ server, path: '/v1/realtime' });
  webSockets.on('connection', (socket) => {
    socket.send(JSON.stringify({ type: 'hello', version: 1 }));
    socket.on('message', (data) => {
      const frame = JSON.parse(frameText(data)) as { type?: string; conversationId?: string; id?: string };
      if (frame.type !== 'subscribe' || !frame.conversationId) return;
      let room = rooms.get(frame.conversationId);
      if (!room) rooms.set(frame.conversationId, (room = new Set()));
      room.add(socket);
      socket.once('close', () => room.delete(socket));
      socket.send(JSON.stringify({ type: 'subscribed', id: frame.id, conversationId: frame.conversationId, seq: 0 }));
    });
  });

  /** Reads the model's SSE stream and broadcasts each token as it arrives. */
  async function produce(conversationId: string, model: string): Promise<void> {
    const upstream = await fetch(`${upstreamUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model, stream: true, messages: [{ role: 'user', content: 'go' }] }),
    });
    if (!upstream.body) throw new Error('no body');
    const decoder = new TextDecoder();
    let buffered = '';
    for await (const bytes of upstream.body) {
      buffered += decoder.decode(bytes, { stream: true });
      let end: number;
      while ((end = buffered.indexOf('\n\n')) >= 0) {
        const line = buffered.slice(0, end);
        buffered = buffered.slice(end + 2);
        if (!line.startsWith('data: {')) continue;
        const chunk = JSON.parse(line.slice(6)) as { choices: { delta?: { content?: string } }[] };
        const delta = chunk.choices[0]?.delta?.content;
        if (delta) broadcast(conversationId, delta);
      }
    }
  }

  function broadcast(conversationId: string, delta: string): void {
    const seq = (sequences.get(conversationId) ?? 0) + 1;
    sequences.set(conversationId, seq);
    const frame = JSON.stringify({ type: 'text-delta', conversationId, seq, messageId: 'bare', delta });
    for (const socket of rooms.get(conversationId) ?? []) socket.send(frame);
  }

  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const { port: boundPort } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${boundPort}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of webSockets.clients) socket.terminate();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const upstream = process.env.BROADCAST_UPSTREAM_URL;
  if (!upstream) throw new Error('Set BROADCAST_UPSTREAM_URL to the stamped mock LLM');
  const floor = await startBareBroadcast(upstream);
  if (process.send) process.send({ type: 'ready', url: floor.url });
  else console.log(`bare ws broadcast on ${floor.url}`);
  process.on('disconnect', () => process.exit(0));
  process.on('SIGTERM', () => void floor.close().then(() => process.exit(0)));
}
