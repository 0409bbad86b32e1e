import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOutboundHttp } from './create-outbound-http.js';
import { gatedCallHeaders } from './gated-call-scope.js';
import { OutboundRefusedError } from './outbound-refused-error.js';
import { createDirectHttp } from './pooled-http.js';
import { createProviderHosts, guardGlobalFetch } from './provider-hosts.js';

interface Site {
  readonly origin: string;
  readonly seen: IncomingMessage['headers'][];
  close(): Promise<void>;
}

/** A real HTTP server on 127.0.0.1 answering 200 'ok', or a redirect to `redirectTo` when given. */
async function startSite(redirectTo?: () => string): Promise<Site> {
  const seen: IncomingMessage['headers'][] = [];
  const server: Server = createServer((request, response) => {
    seen.push(request.headers);
    request.resume();
    if (redirectTo) response.writeHead(302, { location: redirectTo() }).end();
    else response.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    seen,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

let provider: Site;
let receiver: Site;
let relay: Site;

beforeAll(async () => {
  provider = await startSite();
  receiver = await startSite();
  relay = await startSite(() => `${provider.origin}/v1/chat/completions`);
});
afterAll(async () => {
  await Promise.all([provider.close(), receiver.close(), relay.close()]);
});

/** The provider's host as the environment would name it (OPENAI_COMPATIBLE_BASE_URL). */
const hosts = () => createProviderHosts([{ provider: 'compatible', baseUrl: `${provider.origin}/v1` }]);
const gateHeader = Object.keys(gatedCallHeaders())[0]!;

describe('the outbound door, at a server-wide provider’s host', () => {
  // An operator who lets tenants reach local servers (OUTBOUND_ALLOW) opens the provider's address too.
  const open = () => createOutboundHttp({ allowList: ['127.0.0.1'], providerHosts: hosts() });

  it('refuses a webhook- or MCP-style request there, with a sentence, and sends nothing', async () => {
    const door = open();
    try {
      const before = provider.seen.length;
      const refused = door.fetch(`${provider.origin}/v1/chat/completions`, { method: 'POST', body: '{}' });
      await expect(refused).rejects.toBeInstanceOf(OutboundRefusedError);
      await expect(refused).rejects.toThrow(
        `127.0.0.1:${new URL(provider.origin).port} is where this server's model provider 'compatible' is reached`,
      );
      await expect(door.assertAllowed(`${provider.origin}/hook`)).rejects.toBeInstanceOf(OutboundRefusedError);
      // A redirect does not lead there either.
      await expect(door.fetch(`${relay.origin}/hook`)).rejects.toBeInstanceOf(OutboundRefusedError);
      expect(provider.seen).toHaveLength(before);
    } finally {
      await door.close();
    }
  });

  it('sends a gated call there without the mark, and everything else elsewhere as before', async () => {
    const door = open();
    try {
      const response = await door.fetch(`${provider.origin}/v1/models`, { headers: gatedCallHeaders() });
      expect(await response.text()).toBe('ok');
      expect(Object.keys(provider.seen.at(-1)!)).not.toContain(gateHeader);
      expect((await door.fetch(`${receiver.origin}/hook`, { method: 'POST', body: 'x' })).status).toBe(200);
      // A tenant's own provider at that address is checked as one before it is stored.
      await expect(door.assertAllowed(`${provider.origin}/v1`, { isModelProvider: true })).resolves.toBeUndefined();
    } finally {
      await door.close();
    }
  });
});

describe('the global fetch, guarded', () => {
  it('refuses an unmarked request to a provider’s host, sends a marked one without the mark, and passes the rest', async () => {
    const original = globalThis.fetch;
    const unguard = guardGlobalFetch(hosts());
    try {
      const before = provider.seen.length;
      await expect(fetch(`${provider.origin}/v1/chat/completions`, { method: 'POST', body: '{}' })).rejects.toThrow(
        /did not come through the model gate/,
      );
      await expect(globalThis.fetch(new Request(`${provider.origin}/v1/models`))).rejects.toThrow(
        /model provider 'compatible'/,
      );
      expect(provider.seen).toHaveLength(before);

      const marked = await fetch(new Request(`${provider.origin}/v1/models`, { headers: gatedCallHeaders() }));
      expect(await marked.text()).toBe('ok');
      expect(Object.keys(provider.seen.at(-1)!)).not.toContain(gateHeader);
      const elsewhere = await fetch(`${receiver.origin}/hook`, { headers: { 'x-kept': 'yes' } });
      expect(await elsewhere.text()).toBe('ok');
      expect(receiver.seen.at(-1)!['x-kept']).toBe('yes');
    } finally {
      unguard();
    }
    expect(globalThis.fetch).toBe(original);
  });

  it('lets the providers’ pool send a form (its fallback) past the guard once it has checked the mark', async () => {
    const unguard = guardGlobalFetch(hosts());
    const pool = createDirectHttp();
    try {
      const form = new FormData();
      form.set('file', new Blob(['audio']), 'a.wav');
      const response = await pool.fetch(`${provider.origin}/v1/audio/transcriptions`, {
        method: 'POST',
        body: form,
        headers: gatedCallHeaders(),
      });
      expect(response.status).toBe(200);
      expect(Object.keys(provider.seen.at(-1)!)).not.toContain(gateHeader);
    } finally {
      await pool.close();
      unguard();
    }
  });
});
