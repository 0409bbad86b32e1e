import {
  Agent,
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { connect, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';

export interface Balancer {
  readonly baseUrl: string;
  /** Replaces the nodes requests go to (a restarted node comes back on a new port). */
  setNodes(baseUrls: readonly string[]): void;
  close(): Promise<void>;
}

/** How long a failed connection keeps a node out, and for how long a request is tried on others (Caddy's). */
const failDurationMs = 5_000;
const tryDurationMs = 5_000;
const tryIntervalMs = 250;

/**
 * A round-robin HTTP and WebSocket balancer with no sticky sessions, as deploy/Caddyfile configures Caddy:
 * a request whose connection to a node failed is tried on the next one for up to 5 s (nothing was sent, so
 * any method may be), and a node that refused a connection is left out for 5 s (passive health checks).
 * Connections to the nodes are pooled, as Caddy keeps them; like Caddy's transport (Go's), a request that
 * failed on a pooled connection before any answer came is sent again where that is safe: GET, HEAD and
 * OPTIONS, and a request with an Idempotency-Key. Any other gets 502.
 * A node that dies after answering has its response ended as Caddy 2.6 ends it, cleanly: the client must
 * tell a cut stream from its events, which is what the chaos run checks.
 */
export async function startBalancer(initialNodes: readonly string[]): Promise<Balancer> {
  let nodes = initialNodes.map((url) => new URL(url));
  const downUntil = new Map<string, number>();
  let next = 0;
  const sockets = new Set<Duplex>();
  const pool = new Agent({ keepAlive: true });

  /** The next node to try, skipping ones marked down while any other is up. */
  const pick = (): URL | undefined => {
    if (nodes.length === 0) return undefined;
    const now = Date.now();
    for (let tried = 0; tried < nodes.length; tried += 1) {
      const node = nodes[next++ % nodes.length]!;
      if ((downUntil.get(node.host) ?? 0) <= now) return node;
    }
    return nodes[next++ % nodes.length];
  };
  const markDown = (node: URL) => downUntil.set(node.host, Date.now() + failDurationMs);
  const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  async function forward(client: IncomingMessage, answer: ServerResponse, body: Buffer): Promise<void> {
    const deadline = Date.now() + tryDurationMs;
    for (;;) {
      const node = pick();
      const outcome = node ? await send(node, client, answer, body) : 'unreachable';
      if (outcome === 'sent') return;
      if (node) markDown(node);
      if (Date.now() > deadline) {
        answer.writeHead(502, { 'content-type': 'text/plain' }).end('no node answered');
        return;
      }
      await pause(tryIntervalMs);
    }
  }

  /** One try: 'unreachable' when the connection failed before the node answered (safe to retry). */
  function send(node: URL, client: IncomingMessage, answer: ServerResponse, body: Buffer) {
    return new Promise<'sent' | 'unreachable'>((resolve) => {
      const upstream = httpRequest(
        {
          host: node.hostname,
          port: node.port,
          method: client.method,
          path: client.url,
          headers: client.headers,
          agent: pool,
        },
        (response) => {
          answer.writeHead(response.statusCode ?? 502, response.headers);
          answer.flushHeaders();
          response.pipe(answer);
          // The node died mid-answer: ended as if it had finished (see above).
          response.on('error', () => answer.end());
          response.on('aborted', () => answer.end());
          resolve('sent');
        },
      );
      // Only a connection that never opened is tried elsewhere: once the request went out, the node may
      // have acted on it, and Caddy answers 502 rather than send it twice.
      let isConnected = false;
      upstream.on('socket', (socket) => {
        if (!socket.connecting) isConnected = true;
        else socket.once('connect', () => (isConnected = true));
      });
      const isReplayable =
        ['GET', 'HEAD', 'OPTIONS'].includes(client.method ?? '') || client.headers['idempotency-key'] !== undefined;
      upstream.on('error', () => {
        if (answer.headersSent) answer.end();
        else if (!isConnected || (upstream.reusedSocket && isReplayable)) resolve('unreachable');
        else {
          answer.writeHead(502, { 'content-type': 'text/plain' }).end('the node failed before it answered');
          resolve('sent');
        }
      });
      const dropUpstream = () => upstream.destroy();
      answer.once('close', dropUpstream);
      upstream.once('close', () => answer.off('close', dropUpstream));
      upstream.end(body);
    });
  }

  function upgrade(client: IncomingMessage, socket: Duplex, head: Buffer, deadline = Date.now() + tryDurationMs) {
    const node = pick();
    if (!node) return socket.destroy();
    const upstream: Socket = connect(Number(node.port), node.hostname);
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    let isOpen = false;
    upstream.once('connect', () => {
      isOpen = true;
      const lines = [`${client.method} ${client.url} HTTP/1.1`];
      for (let at = 0; at < client.rawHeaders.length; at += 2) {
        lines.push(`${client.rawHeaders[at]}: ${client.rawHeaders[at + 1]}`);
      }
      upstream.write(`${lines.join('\r\n')}\r\n\r\n`);
      if (head.length > 0) upstream.write(head);
      upstream.pipe(socket).pipe(upstream);
    });
    upstream.on('error', () => {
      if (isOpen) return socket.destroy();
      markDown(node);
      if (Date.now() > deadline) return socket.destroy();
      setTimeout(() => upgrade(client, socket, head, deadline), tryIntervalMs);
    });
    upstream.on('close', () => isOpen && socket.destroy());
    socket.on('error', () => upstream.destroy());
    socket.on('close', () => upstream.destroy());
  }

  const server: Server = createServer((client, answer) => {
    const chunks: Buffer[] = [];
    client.on('data', (chunk: Buffer) => chunks.push(chunk));
    client.on('end', () => void forward(client, answer, Buffer.concat(chunks)));
  });
  server.on('upgrade', upgrade);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    setNodes(baseUrls) {
      nodes = baseUrls.map((url) => new URL(url));
    },
    close: async () => {
      pool.destroy();
      for (const socket of sockets) socket.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
