import { createServer as createHttpServer } from 'node:http';
import { connect, createServer as createTcpServer } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOutboundGuard } from '../../platform/outbound/outbound-guard.js';
import { createProviderHosts } from '../../platform/outbound/provider-hosts.js';
import { egressSocketName, parseDestination, startEgressProxy, type EgressProxy } from './egress-proxy.js';

/** Sends raw bytes to the proxy's socket and answers everything it wrote back until it closed. */
function exchange(proxy: EgressProxy, request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(path.join(proxy.directory, egressSocketName));
    let answer = '';
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString('utf8')));
    socket.on('end', () => resolve(answer));
    socket.on('error', reject);
    socket.write(request);
  });
}

describe('the egress proxy of a networked stdio child', () => {
  let proxy: EgressProxy;
  let connections = 0;
  const loopback = createTcpServer((socket) => {
    connections += 1;
    socket.destroy();
  });
  const allowed = createHttpServer((_request, response) => response.end('allowed'));
  let loopbackPort = 0;
  let allowedPort = 0;

  beforeAll(async () => {
    for (const server of [loopback, allowed])
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    loopbackPort = (loopback.address() as { port: number }).port;
    allowedPort = (allowed.address() as { port: number }).port;
    // A DNS that answers loopback for one name (a rebinding attacker's), and the allowed port's name.
    const guard = createOutboundGuard({
      allowList: [`127.0.0.1:${allowedPort}`],
      resolve: (hostname) =>
        Promise.resolve(hostname === 'rebind.example' ? [{ address: '127.0.0.1', family: 4 }] : []),
    });
    proxy = await startEgressProxy(guard, undefined);
  });

  afterAll(async () => {
    await proxy.close();
    loopback.close();
    allowed.close();
  });

  it('checks a name after DNS, before connecting: one that resolves to loopback is refused', async () => {
    const answer = await exchange(proxy, `CONNECT rebind.example:${loopbackPort} HTTP/1.1\r\n\r\n`);
    expect(answer).toMatch(/^HTTP\/1\.1 403 Forbidden\r\n/);
    expect(answer).toContain('rebind.example resolves to 127.0.0.1, a loopback address');
    expect(connections).toBe(0);
  });

  it('answers 400 to what is neither CONNECT nor an absolute http:// request, and 431 to an endless head', async () => {
    expect(await exchange(proxy, 'GET / HTTP/1.1\r\nhost: x\r\n\r\n')).toMatch(/^HTTP\/1\.1 400 /);
    expect(await exchange(proxy, 'CONNECT nowhere HTTP/1.1\r\n\r\n')).toMatch(/^HTTP\/1\.1 400 /);
    expect(await exchange(proxy, `GET http://x/ HTTP/1.1\r\n${'x-filler: y\r\n'.repeat(2000)}`)).toMatch(
      /^HTTP\/1\.1 431 /,
    );
  });

  it('passes an allowed destination, in both forms', async () => {
    const plain = await exchange(
      proxy,
      `GET http://127.0.0.1:${allowedPort}/ HTTP/1.1\r\nhost: 127.0.0.1\r\nconnection: close\r\n\r\n`,
    );
    expect(plain).toMatch(/^HTTP\/1\.1 200 OK[\s\S]*allowed$/);
    const tunnel = await exchange(
      proxy,
      `CONNECT 127.0.0.1:${allowedPort} HTTP/1.1\r\n\r\nGET / HTTP/1.1\r\nhost: 127.0.0.1\r\nconnection: close\r\n\r\n`,
    );
    expect(tunnel).toMatch(/^HTTP\/1\.1 200 Connection Established\r\n\r\nHTTP\/1\.1 200 OK[\s\S]*allowed$/);
  });

  it("refuses a server-wide model provider's host, even one the allow-list opens", async () => {
    const guard = createOutboundGuard({
      allowList: [`127.0.0.1:${allowedPort}`],
      providerHosts: createProviderHosts([{ provider: 'ollama', baseUrl: `http://127.0.0.1:${allowedPort}/v1` }]),
    });
    const guarded = await startEgressProxy(guard, undefined);
    try {
      const answer = await exchange(guarded, `CONNECT 127.0.0.1:${allowedPort} HTTP/1.1\r\n\r\n`);
      expect(answer).toMatch(/^HTTP\/1\.1 403 Forbidden\r\n/);
      expect(answer).toContain("is where this server's model provider 'ollama' is reached");
    } finally {
      await guarded.close();
    }
  });

  it('reads CONNECT targets with IPv6 literals and absolute-form URLs', () => {
    expect(parseDestination('CONNECT [::1]:443 HTTP/1.1')).toEqual({ host: '::1', port: 443, isTunnel: true });
    expect(parseDestination('GET http://example.com/a HTTP/1.1')).toEqual({
      host: 'example.com',
      port: 80,
      isTunnel: false,
    });
    expect(parseDestination('GET https://example.com/ HTTP/1.1')).toBeUndefined();
  });
});
