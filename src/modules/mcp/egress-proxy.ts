import { chmod, chown, mkdtemp, rm } from 'node:fs/promises';
import { connect, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { AppError } from '../../platform/errors.js';
import type { OutboundGuard } from '../../platform/outbound/outbound-guard.js';

/**
 * The only way out of a networked stdio child's sandbox (ADR 0019). The child has a network namespace of
 * its own (no host loopback, no route anywhere); a forwarder inside it (sandbox-forwarder.ts) hands every
 * connection to 127.0.0.1:3128 to this proxy over a Unix socket bind-mounted into the sandbox. The proxy
 * speaks the two forms HTTP_PROXY clients send: `CONNECT host:port` (HTTPS and anything tunnelled) and an
 * absolute-form request (`GET http://host/path`). Each destination meets the outbound policy, the one
 * every other request of the server meets: public addresses only unless OUTBOUND_ALLOW opens one, names
 * checked after DNS at connect time (the checked addresses are the ones connected to). A refusal is a 403
 * whose body says why; nothing is connected first.
 */
export interface EgressProxy {
  /** The host directory holding the socket: bind-mounted into the sandbox. */
  readonly directory: string;
  close(): Promise<void>;
}

export const egressSocketName = 'egress.sock';
const headerMaxBytes = 16 * 1024;
const headerTimeoutMs = 10_000;
const connectTimeoutMs = 10_000;

interface Destination {
  readonly host: string;
  readonly port: number;
  readonly isTunnel: boolean;
}

/** A CONNECT target or an absolute-form http:// URL, from the request line; undefined when neither. */
export function parseDestination(requestLine: string): Destination | undefined {
  const [method, target, version] = requestLine.split(' ');
  if (!method || !target || !version?.startsWith('HTTP/1.')) return undefined;
  if (method === 'CONNECT') {
    const match = /^(\[[0-9a-fA-F:.]+\]|[^:[\]]+):(\d{1,5})$/.exec(target);
    const port = Number(match?.[2]);
    if (!match || port < 1 || port > 65_535) return undefined;
    return { host: match[1]!.replace(/^\[|\]$/g, ''), port, isTunnel: true };
  }
  if (!target.startsWith('http://') || !URL.canParse(target)) return undefined;
  const url = new URL(target);
  return { host: url.hostname.replace(/^\[|\]$/g, ''), port: Number(url.port) || 80, isTunnel: false };
}

const answer = (socket: Socket, status: string, reason: string): void => {
  socket.end(`HTTP/1.1 ${status}\r\ncontent-type: text/plain\r\nconnection: close\r\n\r\n${reason}\n`);
};

function serve(client: Socket, guard: Pick<OutboundGuard, 'checkUrl' | 'lookupFor'>): void {
  let head = Buffer.alloc(0);
  client.setTimeout(headerTimeoutMs, () => client.destroy());
  client.on('error', () => client.destroy());
  const onData = (chunk: Buffer) => {
    head = Buffer.concat([head, chunk]);
    const end = head.indexOf('\r\n\r\n');
    if (end === -1) {
      if (head.length > headerMaxBytes) {
        client.off('data', onData);
        answer(client, '431 Request Header Fields Too Large', 'The request head is too large');
      }
      return;
    }
    client.off('data', onData);
    client.pause();
    client.setTimeout(0);
    const requestLine = head.subarray(0, head.indexOf('\r\n')).toString('latin1');
    const destination = parseDestination(requestLine);
    if (!destination) {
      answer(client, '400 Bad Request', 'Only CONNECT host:port and absolute http:// requests pass this proxy');
      return;
    }
    const { host, port } = destination;
    try {
      // Literal addresses and inside-only names are refused here; names are resolved and checked below.
      guard.checkUrl(`http://${host.includes(':') ? `[${host}]` : host}:${port}/`);
    } catch (error) {
      answer(client, '403 Forbidden', error instanceof AppError ? error.message : 'The destination is refused');
      return;
    }
    const upstream = connect({ host, port, lookup: guard.lookupFor(port) });
    // A destination that never answers gets a 504 rather than holding the child's request for minutes.
    upstream.setTimeout(connectTimeoutMs, () => {
      if (!upstream.connecting) return;
      upstream.destroy();
      answer(client, '504 Gateway Timeout', `${host}:${port} did not answer within ${connectTimeoutMs / 1000} s`);
    });
    upstream.once('error', (error) => {
      if (upstream.connecting || !upstream.remoteAddress) {
        const refused = error instanceof AppError;
        answer(
          client,
          refused ? '403 Forbidden' : '502 Bad Gateway',
          refused ? error.message : `${host}:${port} could not be reached`,
        );
      } else client.destroy();
    });
    upstream.once('connect', () => {
      upstream.setTimeout(0);
      upstream.on('error', () => client.destroy());
      if (destination.isTunnel) {
        client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        upstream.write(head.subarray(end + 4));
      } else upstream.write(head);
      client.pipe(upstream).pipe(client);
      client.resume();
    });
  };
  client.on('data', onData);
}

/**
 * Starts a proxy for one child, listening in a fresh directory outside DATA_DIR that only the child's
 * user (and we) can enter.
 */
export async function startEgressProxy(
  guard: Pick<OutboundGuard, 'checkUrl' | 'lookupFor'>,
  owner: { readonly uid: number; readonly gid: number } | undefined,
): Promise<EgressProxy> {
  const directory = await mkdtemp(path.join(tmpdir(), 'parley-egress-'));
  const socketPath = path.join(directory, egressSocketName);
  const clients = new Set<Socket>();
  const server = createServer((client) => {
    clients.add(client);
    client.once('close', () => clients.delete(client));
    serve(client, guard);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, resolve);
  });
  if (owner) {
    await chown(directory, owner.uid, owner.gid);
    await chown(socketPath, owner.uid, owner.gid);
  }
  await chmod(socketPath, 0o600);
  return {
    directory,
    async close() {
      for (const client of clients) client.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(directory, { recursive: true, force: true });
    },
  };
}
