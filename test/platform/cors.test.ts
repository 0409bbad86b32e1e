import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/platform/http/types.js';
import { buildTestApp, type TestApp } from '../harness/test-app.js';

const consoleOrigin = 'https://console.example.test';
const otherAllowedOrigin = 'https://admin.example.test';
const strangerOrigin = 'https://evil.example.test';

const preflight = (app: App, origin: string) =>
  app.inject({
    method: 'OPTIONS',
    url: '/v1/agents',
    headers: {
      origin,
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'authorization,content-type',
    },
  });

describe('CORS with CORS_ORIGINS set', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp({ CORS_ORIGINS: ` ${consoleOrigin} , ${otherAllowedOrigin}` });
  });
  afterAll(() => t.close());

  it('answers a preflight from an allowed origin with the allow headers, before authentication', async () => {
    for (const origin of [consoleOrigin, otherAllowedOrigin]) {
      const response = await preflight(t.app, origin);
      expect(response.statusCode).toBe(204);
      expect(response.headers['access-control-allow-origin']).toBe(origin);
      expect(String(response.headers['access-control-allow-methods'])).toContain('POST');
      expect(String(response.headers['access-control-allow-headers']).toLowerCase()).toContain('authorization');
      expect(String(response.headers['access-control-allow-headers']).toLowerCase()).toContain('content-type');
      expect(response.headers['access-control-allow-credentials']).toBeUndefined();
      expect(String(response.headers.vary)).toMatch(/origin/i);
    }
  });

  it('gives a preflight from any other origin no allow-origin header', async () => {
    const response = await preflight(t.app, strangerOrigin);
    expect(response.statusCode).toBeLessThan(500);
    expect(response.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('answers an OPTIONS that is not a preflight with the allowed methods, not a plain-text 400', async () => {
    for (const headers of [{}, { origin: strangerOrigin }]) {
      const response = await t.app.inject({ method: 'OPTIONS', url: '/v1/projects', headers });
      expect(response.statusCode, JSON.stringify(headers)).toBe(204);
      expect(String(response.headers['access-control-allow-methods'])).toContain('POST');
      expect(response.headers['access-control-allow-origin']).toBeUndefined();
    }
  });

  it('marks actual responses for allowed origins only, exposing the request id and retry-after', async () => {
    const allowed = await t.app.inject({ method: 'GET', url: '/v1/auth/status', headers: { origin: consoleOrigin } });
    expect(allowed.statusCode).toBe(200);
    expect(allowed.headers['access-control-allow-origin']).toBe(consoleOrigin);
    const exposed = String(allowed.headers['access-control-expose-headers']).toLowerCase();
    expect(exposed).toContain('x-request-id');
    expect(exposed).toContain('retry-after');

    const stranger = await t.app.inject({ method: 'GET', url: '/v1/auth/status', headers: { origin: strangerOrigin } });
    expect(stranger.statusCode).toBe(200);
    expect(stranger.headers['access-control-allow-origin']).toBeUndefined();
  });
});

describe('CORS defaults', () => {
  it('allows no cross-origin caller when CORS_ORIGINS is empty', async () => {
    const t = await buildTestApp();
    try {
      const response = await preflight(t.app, consoleOrigin);
      expect(response.headers['access-control-allow-origin']).toBeUndefined();
      const actual = await t.app.inject({ method: 'GET', url: '/v1/auth/status', headers: { origin: consoleOrigin } });
      expect(actual.headers['access-control-allow-origin']).toBeUndefined();
    } finally {
      await t.close();
    }
  });

  it('allows every origin with CORS_ORIGINS=*', async () => {
    const t = await buildTestApp({ CORS_ORIGINS: '*' });
    try {
      const response = await preflight(t.app, strangerOrigin);
      expect(response.statusCode).toBe(204);
      expect(response.headers['access-control-allow-origin']).toBe(strangerOrigin);
    } finally {
      await t.close();
    }
  });
});
