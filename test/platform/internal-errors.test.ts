import type { RouteOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureLogs, type LogCapture } from '../harness/log-capture.js';
import { buildTestApp, type TestApp } from '../harness/test-app.js';
import { createTenantWithAdmin, registerPlatformAdmin, type SignedInUser } from '../harness/tenant-setup.js';

/** What an unexpected failure might say: infrastructure detail a client must never see. */
const internalDetail = 'connect ECONNREFUSED 10.9.8.7:5432 while reading relation "agents_internal_shadow"';

/**
 * Makes GET /v1/agents fail the way a bug or an unreachable dependency would: the real route, its real
 * hooks (authentication, rate limit, the error handler), only its handler replaced as it is registered.
 */
function failingAgentList(route: RouteOptions): void {
  if (route.url === '/v1/agents' && route.method === 'GET') {
    route.handler = () => {
      throw new Error(internalDetail);
    };
  }
}

const genericDetail = 'Something went wrong on our side; quote the request id when reporting it';

describe('unexpected server errors', () => {
  let t: TestApp;
  let logs: LogCapture;
  let admin: SignedInUser;

  beforeAll(async () => {
    logs = captureLogs();
    t = await buildTestApp({ LOG_LEVEL: 'info' }, { logDestination: logs.destination, onRoute: failingAgentList });
    admin = await createTenantWithAdmin(t.app, await registerPlatformAdmin(t.app));
  });
  afterAll(() => t.close());

  it('answers 500 with only a generic message and the request id', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/v1/agents', headers: admin.headers });
    expect(response.statusCode).toBe(500);
    expect(response.headers['content-type']).toContain('application/problem+json');
    const requestId = response.headers['x-request-id'];
    expect(requestId).toEqual(expect.any(String));
    expect(response.json()).toEqual({
      type: 'https://parley.dev/problems/internal',
      title: 'internal',
      status: 500,
      code: 'internal',
      detail: genericDetail,
      instance: '/v1/agents',
      requestId,
    });
    expect(response.body).not.toContain('ECONNREFUSED');
    expect(response.body).not.toContain('agents_internal_shadow');
    expect(response.body).not.toMatch(/\bat .+:\d+:\d+/); // no stack frames
  });

  it('logs the error with its details under the same request id', async () => {
    const response = await t.app.inject({
      method: 'GET',
      url: '/v1/agents',
      headers: { ...admin.headers, 'x-request-id': 'support-ticket-4711' },
    });
    expect(response.statusCode).toBe(500);
    expect(response.json().requestId).toBe('support-ticket-4711');

    const failures = logs.entries().filter((entry) => entry.reqId === 'support-ticket-4711' && entry.level >= 50);
    expect(failures).toHaveLength(1);
    const [failure] = failures;
    expect(failure).toMatchObject({
      msg: 'request failed',
      tenantId: admin.tenantId,
      userId: admin.userId,
      err: { type: 'Error', message: internalDetail },
    });
    expect((failure?.err as { stack?: string }).stack).toContain(internalDetail);

    // The access log line for the request carries the id and the 500 as well.
    const completed = logs
      .entries()
      .find((entry) => entry.reqId === 'support-ticket-4711' && entry.msg === 'request completed');
    expect(completed).toMatchObject({ res: { statusCode: 500 } });
  });

  it('does not log 4xx answers as errors', async () => {
    const response = await t.app.inject({
      method: 'GET',
      url: '/v1/agents/not-a-uuid',
      headers: { ...admin.headers, 'x-request-id': 'client-mistake-1' },
    });
    expect(response.statusCode).toBe(400);
    expect(logs.entries().filter((entry) => entry.reqId === 'client-mistake-1' && entry.level >= 50)).toEqual([]);
  });
});

/**
 * A write that meets a row deleted meanwhile (its user, say) or one another request wrote in the same
 * moment: the real statements on the real database, from a route whose handler is replaced to make them.
 */
describe('writes that lose a race', () => {
  let t: TestApp;
  let admin: SignedInUser;

  beforeAll(async () => {
    t = await buildTestApp(
      {},
      {
        onRoute: (route) => {
          if (route.url !== '/v1/projects' || route.method !== 'GET') return;
          route.handler = async (request) => {
            const ownerId = String(request.headers['x-owner'] ?? '');
            const id = '01900000-0000-7000-8000-000000000001';
            await t.database.executeSql(
              `insert into projects (id, tenant_id, owner_id, name) select $1, tenant_id, $2, 'Raced' from users limit 1`,
              [id, ownerId],
            );
            return { items: [], nextCursor: null };
          };
        },
      },
    );
    admin = await createTenantWithAdmin(t.app, await registerPlatformAdmin(t.app));
  });
  afterAll(() => t.close());

  it('answers 409 with a sentence, not 500, for a row that was deleted or written at the same moment', async () => {
    const gone = await t.app.inject({
      method: 'GET',
      url: '/v1/projects',
      headers: { ...admin.headers, 'x-owner': '01900000-0000-7000-8000-00000000dead' },
    });
    expect(gone.statusCode, gone.body).toBe(409);
    expect(gone.json().detail).toBe('Something this request refers to was deleted while it ran; reload and try again');

    const headers = { ...admin.headers, 'x-owner': admin.userId };
    expect((await t.app.inject({ method: 'GET', url: '/v1/projects', headers })).statusCode).toBe(200);
    const twice = await t.app.inject({ method: 'GET', url: '/v1/projects', headers });
    expect(twice.statusCode, twice.body).toBe(409);
    expect(twice.json().detail).toBe('Another request changed the same thing at the same moment; reload and try again');
  });
});
