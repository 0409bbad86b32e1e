import { BlockList, connect, createServer, type Socket } from 'node:net';

export interface HostRelay {
  /** The relay's port on every host address; containers reach it as `host.containers.internal:{port}`. */
  readonly port: number;
  close(): Promise<void>;
}

/**
 * Passes TCP connections from containers on one podman network to a service that listens on the host's
 * 127.0.0.1 only (the test PostgreSQL and Redis here), which a container cannot reach itself. It has to
 * listen on every address (the network's bridge has no address until its first container starts), so it
 * answers only connections from the network's subnet (`10.89.0.0/24`) and drops the others at once.
 */
export async function startHostRelay(target: { host: string; port: number }, subnet: string): Promise<HostRelay> {
  const [network, prefix] = subnet.split('/');
  const allowed = new BlockList();
  allowed.addSubnet(network!, Number(prefix), 'ipv4');
  const open = new Set<Socket>();
  const server = createServer((client) => {
    if (!client.remoteAddress || !allowed.check(client.remoteAddress, 'ipv4')) return void client.destroy();
    const upstream = connect(target.port, target.host);
    for (const socket of [client, upstream]) {
      open.add(socket);
      socket.on('close', () => open.delete(socket));
    }
    // Either side ending or failing ends both: the client sees its connection drop, as it would without us.
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '0.0.0.0', resolve);
  });
  const { port } = server.address() as { port: number };
  return {
    port,
    close: async () => {
      for (const socket of open) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
