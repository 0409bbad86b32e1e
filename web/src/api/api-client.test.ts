import { describe, expect, it } from 'vitest';
import { createAppServices } from '../app-context';

const session = (token: string) => ({
  accessToken: token,
  tokenType: 'Bearer',
  user: { id: 'u1', tenantId: 't1', email: 'a@example.test', displayName: null, role: 'member' },
  tenant: { id: 't1', name: 'Acme' },
});

/** A fake server: /v1/auth/refresh hands out numbered tokens; /v1/things accepts only the newest. */
function fakeServer(options: { refreshWorks: boolean }) {
  let issued = 0;
  const calls: string[] = [];
  const fetchImpl = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = input instanceof Request ? input.url : input.toString();
    calls.push(url);
    if (url === '/v1/auth/refresh') {
      await new Promise((resolve) => setTimeout(resolve, 5));
      if (!options.refreshWorks)
        return Response.json({ code: 'unauthenticated', detail: 'sign in again' }, { status: 401 });
      issued += 1;
      return Response.json(session(`token-${issued}`));
    }
    const authorization = new Headers(init?.headers).get('authorization');
    if (authorization !== `Bearer token-${issued}` || issued === 0) {
      return Response.json({ code: 'unauthenticated', detail: 'Sign in' }, { status: 401 });
    }
    return Response.json({ ok: true });
  }) as typeof fetch;
  return { fetchImpl, calls, refreshCount: () => calls.filter((url) => url === '/v1/auth/refresh').length };
}

describe('API client token handling', () => {
  it('refreshes once on a 401 and retries the request with the new access token', async () => {
    const server = fakeServer({ refreshWorks: true });
    const services = createAppServices(server.fetchImpl);
    await expect(services.api.get('/v1/things')).resolves.toEqual({ ok: true });
    expect(server.refreshCount()).toBe(1);
    expect(services.sessions.get()?.accessToken).toBe('token-1');
  });

  it('shares one refresh between requests that fail together', async () => {
    const server = fakeServer({ refreshWorks: true });
    const services = createAppServices(server.fetchImpl);
    await Promise.all([services.api.get('/v1/things'), services.api.get('/v1/things'), services.api.get('/v1/things')]);
    expect(server.refreshCount()).toBe(1);
  });

  it('signs out and surfaces the server sentence when the refresh fails', async () => {
    const server = fakeServer({ refreshWorks: false });
    const services = createAppServices(server.fetchImpl);
    const seen: unknown[] = [];
    services.sessions.subscribe((value) => seen.push(value));
    await expect(services.api.get('/v1/things')).rejects.toMatchObject({ status: 401, detail: 'Sign in' });
    expect(services.sessions.get()).toBeNull();
    expect(seen).toEqual([null]);
  });

  it('never stores the refresh token where page scripts can read it', async () => {
    const server = fakeServer({ refreshWorks: true });
    const services = createAppServices(server.fetchImpl);
    await services.sessions.refresh();
    expect(JSON.stringify(localStorage)).not.toContain('token');
    expect(JSON.stringify(sessionStorage)).not.toContain('token');
    expect(document.cookie).toBe('');
  });
});
