import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeHttpServer, type RunningFakeServer } from '../fakes/fake-http-server.js';
import { buildTestApp, type TestApp } from '../harness/test-app.js';
import { createTenantWithAdmin, registerPlatformAdmin, type SignedInUser } from '../harness/tenant-setup.js';
import { createSource } from './knowledge-setup.js';

/** What an attacker wants fetched: served on the same loopback port, so reaching it would succeed. */
const internalPath = '/internal/admin.txt';

describe('knowledge documents from a URL: redirects to IPv6 spellings of inside addresses', () => {
  let t: TestApp;
  let admin: SignedInUser;
  let sourceId: string;
  let pages: RunningFakeServer;
  const targets = new Map<string, string>();

  beforeAll(async () => {
    // An allowed page on 127.0.0.1 that redirects wherever `targets` says.
    pages = await startFakeHttpServer(async ({ request, response }) => {
      const target = targets.get(request.path);
      if (target) {
        response.writeHead(302, { location: target });
        response.end();
      } else if (request.path === internalPath) {
        response.writeHead(200, { 'content-type': 'text/plain' });
        response.end('The internal admin password is hunter2.\n');
      } else {
        response.writeHead(404, { 'content-type': 'text/plain' });
        response.end('not here');
      }
    });
    t = await buildTestApp({ OUTBOUND_ALLOW: '127.0.0.1' });
    const platformAdmin = await registerPlatformAdmin(t.app);
    admin = await createTenantWithAdmin(t.app, platformAdmin);
    sourceId = (await createSource(t.app, admin)).id;
  });
  afterAll(async () => {
    await t.close();
    await pages.close();
  });

  const documentCount = async () =>
    (
      await t.app.inject({ method: 'GET', url: `/v1/knowledge-sources/${sourceId}/documents`, headers: admin.headers })
    ).json().items.length as number;

  /** Adds a document from an allowed URL that redirects to `target`; answers the endpoint's response. */
  async function addRedirectingTo(target: string) {
    const path = `/redirect-${targets.size + 1}`;
    targets.set(path, target);
    return t.app.inject({
      method: 'POST',
      url: `/v1/knowledge-sources/${sourceId}/documents/from-url`,
      headers: admin.headers,
      payload: { url: `${pages.url}${path}` },
    });
  }

  // OUTBOUND_ALLOW opens 127.0.0.1 alone. Its own IPv6 spelling ([::ffff:127.0.0.1]) is the same host and
  // is allowed with it (address-policy.test.ts); every other inside address stays shut, however written.
  const cases: [string, (port: number) => string, RegExp][] = [
    ['[::1], the IPv6 loopback,', (port) => `http://[::1]:${port}${internalPath}`, /\[::1\] is a loopback address/],
    [
      '[::ffff:127.0.0.2], a mapped loopback address not allowed,',
      (port) => `http://[::ffff:127.0.0.2]:${port}${internalPath}`,
      /\[::ffff:7f00:2\] is a loopback address/,
    ],
    [
      '[::ffff:169.254.169.254], the metadata address mapped to IPv6,',
      () => `http://[::ffff:169.254.169.254]/latest/meta-data/`,
      /\[::ffff:a9fe:a9fe\] is a cloud metadata address/,
    ],
    [
      '[::ffff:a00:1], 10.0.0.1 mapped and written in hex,',
      () => `http://[::ffff:a00:1]/`,
      /\[::ffff:a00:1\] is a private address/,
    ],
  ];

  it.each(cases)("refuses a redirect to %s with the guard's sentence, fetching nothing", async (_, target, reason) => {
    const before = await documentCount();
    pages.clearRequests();
    const response = await addRedirectingTo(target(pages.port));
    expect(pages.requests.filter((request) => request.path === internalPath)).toEqual([]);
    expect(response.statusCode, response.body).toBe(400);
    expect(response.json().detail).toMatch(reason);
    expect(response.json().detail).toContain('an administrator can allow it with OUTBOUND_ALLOW');
    expect(await documentCount()).toBe(before);
  });
});
