/**
 * The webhook benchmark's receiver, in a process of its own: a real HTTP server on 127.0.0.1 that
 * verifies every delivery with the Standard Webhooks library, as a tenant's receiver would, and notes
 * when each event arrived. Control routes (not signed): `PUT /secret` sets the endpoint's secret (a JSON string),
 * `GET /receipts` answers what arrived, `DELETE /receipts` forgets it. `POST /hang` takes a delivery and
 * never answers: a tenant's endpoint that is down behind a proxy that holds the connection.
 */
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

export interface Receipt {
  readonly eventId: string;
  readonly type: string;
  /** The event's own time (when Parley stored it), ms since the epoch. */
  readonly eventAtMs: number;
  readonly receivedAtMs: number;
}

let webhook: Webhook | undefined;
let receipts: Receipt[] = [];
let unverified = 0;
const seen = new Set<string>();
let duplicates = 0;

const readBody = (request: IncomingMessage) =>
  new Promise<string>((resolve) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });

const server = createServer((request, response) => {
  void readBody(request).then((body) => {
    const receivedAtMs = Date.now();
    if (request.url === '/secret' && request.method === 'PUT') {
      try {
        webhook = new Webhook(JSON.parse(body) as string); // the secret as a JSON string
        return response.writeHead(204).end();
      } catch {
        return response.writeHead(400).end('send the secret as a JSON string');
      }
    }
    if (request.url === '/hang') return; // the sender's own timeout ends it
    if (request.url === '/receipts') {
      if (request.method === 'DELETE') {
        receipts = [];
        unverified = 0;
        duplicates = 0;
        seen.clear();
        return response.writeHead(204).end();
      }
      response.writeHead(200, { 'content-type': 'application/json' });
      return response.end(JSON.stringify({ receipts, unverified, duplicates }));
    }
    try {
      if (!webhook) throw new Error('no secret yet');
      const event = webhook.verify(body, request.headers as Record<string, string>) as {
        id: string;
        type: string;
        timestamp: string;
      };
      if (seen.has(event.id)) duplicates += 1;
      seen.add(event.id);
      receipts.push({ eventId: event.id, type: event.type, eventAtMs: Date.parse(event.timestamp), receivedAtMs });
      response.writeHead(204).end();
    } catch {
      unverified += 1;
      response.writeHead(400).end('bad signature');
    }
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  if (process.send) process.send({ type: 'ready', url: `http://127.0.0.1:${port}` });
});
process.on('SIGTERM', () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
});
