import type { IncomingMessage, ServerResponse } from 'node:http';
import { runRelayAsHelper, startRelayServer, type RelayServer } from './relay-server.js';

/**
 * The floor: the least a server can do between a client and the model. node:http in, `fetch` out,
 * the body piped back unchanged. No auth, no database, no parsing. Parley's added latency is read
 * beside this relay's.
 */
export async function startBareRelay(upstreamUrl: string, port = 0): Promise<RelayServer> {
  return startRelayServer(relay, port);

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
}

await runRelayAsHelper(import.meta.url, 'bare relay', startBareRelay);
