import { createServer, connect, type Server, type Socket } from 'node:net';

/** A TCP relay to the test Redis that the test can cut and restore, as a failing Redis host would. */
export async function startCuttableRedis(
  target: URL,
): Promise<{ url: string; cut(): Promise<void>; restore(): Promise<void> }> {
  const sockets = new Set<Socket>();
  let port = 0;
  const open = () =>
    new Promise<Server>((resolve, reject) => {
      const server = createServer((client) => {
        const upstream = connect(Number(target.port || 6379), target.hostname);
        for (const socket of [client, upstream]) {
          sockets.add(socket);
          socket.on('error', () => undefined).on('close', () => sockets.delete(socket));
        }
        client.pipe(upstream).pipe(client);
      });
      server.once('error', reject).listen(port, '127.0.0.1', () => resolve(server));
    });
  let server = await open();
  let isCut = false;
  port = (server.address() as { port: number }).port;
  return {
    url: `redis://127.0.0.1:${port}${target.pathname}`,
    cut: async () => {
      isCut = true;
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      });
    },
    restore: async () => {
      if (!isCut) return;
      server = await open();
      isCut = false;
    },
  };
}
