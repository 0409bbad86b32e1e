import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../harness/test-app.js';

// web/dist is built by the test run's global set-up (test/build-web-console.ts).
describe('web console serving', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp();
  });
  afterAll(() => t.close());

  it('serves the console at / with no-cache, and its hashed assets with a year-long immutable cache', async () => {
    const page = await t.app.inject({ method: 'GET', url: '/', headers: { accept: 'text/html' } });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toContain('text/html');
    expect(page.headers['cache-control']).toBe('no-cache');
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(page.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    // No image from anywhere else: a reply's remote image is a link, never loaded by the page.
    expect(page.headers['content-security-policy']).toContain("img-src 'self' data: blob:;");
    const asset = page.body.match(/\/assets\/[\w.-]+\.js/)?.[0];
    expect(asset).toBeDefined();
    const script = await t.app.inject({ method: 'GET', url: asset! });
    expect(script.statusCode).toBe(200);
    expect(script.headers['cache-control']).toBe('public, max-age=31536000, immutable');
  });

  it('answers a browser navigation to a client-side route with the console page', async () => {
    const page = await t.app.inject({
      method: 'GET',
      url: '/chat/some-conversation',
      headers: { accept: 'text/html' },
    });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('<div id="root">');
    expect(page.headers['content-security-policy']).toContain("default-src 'self'");
  });

  it('keeps unknown API paths as JSON problems, even for a browser', async () => {
    const api = await t.app.inject({ method: 'GET', url: '/v1/nope', headers: { accept: 'text/html' } });
    expect(api.statusCode).toBe(404);
    expect(api.headers['content-type']).toContain('application/problem+json');
  });
});
