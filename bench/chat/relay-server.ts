import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface RelayServer {
  readonly url: string;
  close(): Promise<void>;
}

/** A floor's HTTP server on 127.0.0.1: keeps connections alive as the load client expects. */
export async function startRelayServer(
  handle: (request: IncomingMessage, response: ServerResponse) => Promise<void>,
  port = 0,
): Promise<RelayServer> {
  const server = createServer((request, response) => void handle(request, response));
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

/**
 * Run as a bench helper process (bench/chat/processes.ts): starts the floor on the mock named by
 * RELAY_UPSTREAM_URL, tells the parent its address, and stops with it.
 */
export async function runRelayAsHelper(
  moduleUrl: string,
  name: string,
  start: (upstreamUrl: string, port: number) => Promise<RelayServer>,
): Promise<void> {
  if (!process.argv[1] || path.resolve(process.argv[1]) !== fileURLToPath(moduleUrl)) return;
  const upstream = process.env.RELAY_UPSTREAM_URL;
  if (!upstream) throw new Error('Set RELAY_UPSTREAM_URL to the mock LLM');
  const relay = await start(upstream, Number(process.env.RELAY_PORT ?? 0));
  if (process.send) process.send({ type: 'ready', url: relay.url });
  else console.log(`${name} listening on ${relay.url} → ${upstream}`);
  process.on('disconnect', () => process.exit(0));
  process.on('SIGTERM', () => void relay.close().then(() => process.exit(0)));
}
