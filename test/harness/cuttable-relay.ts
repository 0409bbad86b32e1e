import { createServer, connect, type Server, type Socket } from 'node:net';

/** One client connection through the relay, with its upstream and what its first bytes said. */
interface RelayedPair {
  readonly client: Socket;
  readonly upstream: Socket;
  /** Set when `marks` said so of a chunk the client sent (e.g. a Redis connection that subscribed). */
  isMarked: boolean;
}

export interface CuttableRelay {
  /** The relay's own port on 127.0.0.1. */
  readonly port: number;
  /** Drops every connection through it and refuses new ones until `restore`, as a host going down would. */
  cut(): Promise<void>;
  /** Stops taking connections and drops only the marked ones; the others go on through it. */
  cutMarked(): void;
  /** Takes connections again (on the same port). */
  restore(): Promise<void>;
  close(): Promise<void>;
}

/**
 * A TCP relay to a server on 127.0.0.1 that a test can cut and restore, as a failing host or network
 * would: what Redis and PostgreSQL outages are made of in the tests. `marks` tells the connections
 * `cutMarked` drops from the bytes their clients send.
 */
export async function startCuttableRelay(
  targetPort: number,
  marks: (chunk: Buffer) => boolean = () => false,
): Promise<CuttableRelay> {
  const pairs = new Set<RelayedPair>();
  let port = 0;
  const open = () =>
    new Promise<Server>((resolve, reject) => {
      const server = createServer((client) => {
        const upstream = connect(targetPort, '127.0.0.1');
        const pair: RelayedPair = { client, upstream, isMarked: false };
        pairs.add(pair);
        for (const socket of [client, upstream]) {
          socket.on('error', () => undefined).on('close', () => drop(pair));
        }
        client.on('data', (chunk: Buffer) => {
          if (!pair.isMarked && marks(chunk)) pair.isMarked = true;
        });
        client.pipe(upstream).pipe(client);
      });
      server.once('error', reject).listen(port, '127.0.0.1', () => resolve(server));
    });
  const drop = (pair: RelayedPair) => {
    pairs.delete(pair);
    pair.client.destroy();
    pair.upstream.destroy();
  };
  let server = await open();
  let isCut = false;
  port = (server.address() as { port: number }).port;
  const stopListening = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return {
    port,
    cut: async () => {
      if (isCut) return;
      isCut = true;
      const closed = stopListening();
      for (const pair of [...pairs]) drop(pair);
      await closed;
    },
    cutMarked: () => {
      if (isCut) return;
      isCut = true;
      void stopListening();
      for (const pair of [...pairs]) if (pair.isMarked) drop(pair);
    },
    restore: async () => {
      if (!isCut) return;
      server = await open();
      isCut = false;
    },
    close: async () => {
      for (const pair of [...pairs]) drop(pair);
      if (!isCut) await stopListening();
      isCut = true;
    },
  };
}
