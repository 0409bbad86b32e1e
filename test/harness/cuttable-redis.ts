import { createServer, connect, type Server, type Socket } from 'node:net';

/** A client's command that makes its connection a subscriber (RESP: `$9\r\nsubscribe\r\n`, any case). */
const subscribeCommand = /\r\n(?:p|s)?subscribe\r\n/i;

/**
 * A TCP relay to the test Redis that the test can cut and restore, as a failing Redis host would:
 * `cut` drops every connection through it, `cutSubscriptions` only those that subscribed to a channel
 * (a node's pub/sub listener), as a network fault that hits one long-lived connection would. Until
 * `restore`, it refuses new connections.
 */
export async function startCuttableRedis(
  target: URL,
): Promise<{ url: string; cut(): Promise<void>; cutSubscriptions(): void; restore(): Promise<void> }> {
  /** Each client connection with its upstream, and whether it subscribed. */
  const pairs = new Set<{ client: Socket; upstream: Socket; isSubscriber: boolean }>();
  let port = 0;
  const open = () =>
    new Promise<Server>((resolve, reject) => {
      const server = createServer((client) => {
        const upstream = connect(Number(target.port || 6379), target.hostname);
        const pair = { client, upstream, isSubscriber: false };
        pairs.add(pair);
        for (const socket of [client, upstream]) {
          socket.on('error', () => undefined).on('close', () => pairs.delete(pair));
        }
        client.on('data', (chunk: Buffer) => {
          if (!pair.isSubscriber && subscribeCommand.test(chunk.toString('latin1'))) pair.isSubscriber = true;
        });
        client.pipe(upstream).pipe(client);
      });
      server.once('error', reject).listen(port, '127.0.0.1', () => resolve(server));
    });
  let server = await open();
  let isCut = false;
  port = (server.address() as { port: number }).port;
  const drop = (pair: { client: Socket; upstream: Socket }) => {
    pair.client.destroy();
    pair.upstream.destroy();
  };
  return {
    url: `redis://127.0.0.1:${port}${target.pathname}`,
    cut: async () => {
      isCut = true;
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const pair of pairs) drop(pair);
      });
    },
    cutSubscriptions: () => {
      if (isCut) return;
      isCut = true;
      // Stops listening at once; the connections left (the other commands') go on through it.
      server.close();
      for (const pair of pairs) if (pair.isSubscriber) drop(pair);
    },
    restore: async () => {
      if (!isCut) return;
      server = await open();
      isCut = false;
    },
  };
}
