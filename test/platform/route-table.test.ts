import { randomUUID } from 'node:crypto';
import type { RouteOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../harness/test-app.js';

/**
 * The whole route table, checked at once: every route says who may call it, and every route that is
 * not public turns an anonymous caller away with 401 before doing anything else.
 */
describe('route table', () => {
  let t: TestApp;
  const routes: RouteOptions[] = [];

  beforeAll(async () => {
    t = await buildTestApp({}, { onRoute: (route) => routes.push(route) });
  });
  afterAll(() => t.close());

  const methodsOf = (route: RouteOptions): string[] => [route.method].flat().filter((method) => method !== 'HEAD');
  const accessOf = (route: RouteOptions): unknown => (route.config as { access?: unknown } | undefined)?.access;
  /** A concrete URL for a route pattern: a random UUID for each parameter. */
  const exampleUrl = (url: string): string =>
    url.replace(/:[A-Za-z0-9_]+/g, () => randomUUID()).replace(/\*$/, 'anything');

  it('sees a plausible route table', () => {
    const urls = routes.map((route) => route.url);
    expect(urls).toEqual(expect.arrayContaining(['/v1/auth/login', '/v1/users/:id', '/v1/providers', '/openapi.json']));
  });

  it('has an access rule on every route', () => {
    const undeclared = routes
      .filter((route) => methodsOf(route).length > 0 && accessOf(route) === undefined)
      .map((route) => `${methodsOf(route).join(',')} ${route.url}`);
    expect(undeclared).toEqual([]);
  });

  /**
   * The OpenAI-compatible surface answers in OpenAI's error format, because that is what its clients
   * parse; everything else speaks problem+json.
   */
  const openAiFormatRoutes = new Set(['/v1/models', '/v1/models/:model', '/v1/chat/completions']);
  const isExpectedRefusal = (
    url: string,
    response: { statusCode: number; headers: Record<string, unknown>; json(): unknown },
  ) => {
    if (response.statusCode !== 401) return false;
    const contentType = String(response.headers['content-type']);
    if (openAiFormatRoutes.has(url)) {
      const body = response.json() as { error?: { message?: unknown } };
      return contentType.startsWith('application/json') && typeof body.error?.message === 'string';
    }
    return (
      contentType.startsWith('application/problem+json') &&
      (response.json() as { code?: unknown }).code === 'unauthenticated'
    );
  };

  it('answers 401 (problem+json) to an anonymous caller on every non-public route', async () => {
    const failures: string[] = [];
    for (const route of routes.filter((candidate) => accessOf(candidate) !== 'public')) {
      for (const method of methodsOf(route)) {
        const url = exampleUrl(route.url);
        const hasBody = ['POST', 'PUT', 'PATCH'].includes(method);
        const response = await t.app.inject({ method: method as 'GET', url, ...(hasBody && { payload: {} }) });
        if (!isExpectedRefusal(route.url, response)) {
          failures.push(`${method} ${route.url} → ${response.statusCode} ${String(response.headers['content-type'])}`);
        }
      }
    }
    expect(failures).toEqual([]);
  });

  it('never answers 5xx to an anonymous request with an empty body, public routes included', async () => {
    const failures: string[] = [];
    for (const route of routes) {
      for (const method of methodsOf(route)) {
        // WebSocket and streaming endpoints are reached with GET like any other; an empty body is enough.
        const hasBody = ['POST', 'PUT', 'PATCH'].includes(method);
        const response = await t.app.inject({
          method: method as 'GET',
          url: exampleUrl(route.url),
          ...(hasBody && { payload: {} }),
        });
        if (response.statusCode >= 500)
          failures.push(`${method} ${route.url} → ${response.statusCode}: ${response.body}`);
      }
    }
    expect(failures).toEqual([]);
  });
});
