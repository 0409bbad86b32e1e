import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The floor: the least a server can do between a client and the model. node:http in, `fetch` out,
 * the body piped back unchanged. No auth, no database, no parsing. Parley's added latency is read
 * beside this relay's.
 */
export async function startBareRelay(upstreamUrl: string, port = 0): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer((request, response) => void relay(request, response));
  async function relay(request: IncomingMessage, response: ServerResponse): Promise<void> {
    try {
      const chunks: Buffer[] = [];
      for await (const chunk of request) chunks.push(chunk as Buffer);
      const upstream = await fetch(upstreamUrl + (request.url ?? '/'), {
        method: request.method ?? 'POST',
        headers: { 'content-type': request.headers['content-type'] ?? 'application/json' },
        body: chunks.length ? Buffer.concat(chunks) : undefined,
      });
      response.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'text/plain' });
      if (upstream.body) for await (const chunk of upstream.body) response.write(chunk);
      response.end();
    } catch {
      if (!response.headersSent) response.writeHead(502);
      response.end();
    }
  }
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const { port: boundPort } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${boundPort}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const upstream = process.env.RELAY_UPSTREAM_URL;
  if (!upstream) throw new Error('Set RELAY_UPSTREAM_URL to the mock LLM');
  const relay = await startBareRelay(upstream, Number(process.env.RELAY_PORT ?? 0));
  if (process.send) process.send({ type: 'ready', url: relay.url });
  else console.log(`bare relay listening on ${relay.url} → ${upstream}`);
  process.on('disconnect', () => process.exit(0));
  process.on('SIGTERM', () => void relay.close().then(() => process.exit(0)));
}
