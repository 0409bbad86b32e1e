import { afterEach, describe, expect, it } from 'vitest';
import { createAppServices } from '../app-context';
import { createSessionStore } from './session-store';

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

  it('retries without a second refresh when the 401 comes after another request refreshed', async () => {
    const server = fakeServer({ refreshWorks: true });
    let releaseSlow: () => void = () => undefined;
    const slowAnswer = new Promise<void>((resolve) => (releaseSlow = resolve));
    const fetchImpl = (async (input: RequestInfo | URL, init?: RequestInit) => {
      // The slow request's answer is decided when it is released: by then its token is stale.
      if (input === '/v1/slow' && server.calls.length < 3) await slowAnswer;
      return server.fetchImpl(input, init);
    }) as typeof fetch;
    const services = createAppServices(fetchImpl);
    await services.sessions.refresh();
    const slow = services.api.get('/v1/slow').catch((error: unknown) => error);
    await services.sessions.refresh();
    releaseSlow();
    await expect(slow).resolves.toEqual({ ok: true });
    expect(server.refreshCount()).toBe(2);
    expect(server.calls.filter((url) => url === '/v1/slow')).toHaveLength(2);
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

  it('keeps the session and surfaces the error when a refresh is rate limited or gets no answer', async () => {
    let refreshAnswer: () => Promise<Response> = async () => Response.json(session('token-1'));
    const fetchImpl = (async (input: string) => {
      if (input === '/v1/auth/refresh') return refreshAnswer();
      return Response.json({ code: 'unauthenticated', detail: 'Sign in' }, { status: 401 });
    }) as typeof fetch;
    const services = createAppServices(fetchImpl);
    await services.sessions.refresh();
    const seen: unknown[] = [];
    services.sessions.subscribe((value) => seen.push(value));

    refreshAnswer = async () =>
      Response.json({ code: 'rate_limited', detail: 'Too many requests; slow down' }, { status: 429 });
    await expect(services.api.get('/v1/things')).rejects.toMatchObject({
      status: 429,
      detail: 'Too many requests; slow down',
    });
    refreshAnswer = () => Promise.reject(new TypeError('Failed to fetch'));
    await expect(services.api.get('/v1/things')).rejects.toBeInstanceOf(TypeError);

    expect(services.sessions.get()?.accessToken).toBe('token-1');
    expect(seen).toEqual([]);
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

/**
 * The server's refresh cookie as one browser holds it for all its tabs: each refresh rotates it and
 * refuses the one before, the way /v1/auth/refresh does.
 */
function rotatingRefreshServer() {
  let current = 1;
  let cookieJar = 1;
  const answers: number[] = [];
  const fetchImpl = (async () => {
    const sent = cookieJar;
    await new Promise((resolve) => setTimeout(resolve, 5));
    if (sent !== current) {
      answers.push(401);
      return Response.json(
        { code: 'unauthenticated', detail: 'This refresh token was already used; sign in again' },
        { status: 401 },
      );
    }
    current += 1;
    cookieJar = current;
    answers.push(200);
    return Response.json(session(`token-${current}`));
  }) as typeof fetch;
  return { fetchImpl, answers };
}

/** Web Locks as a browser grants them: one holder per name, the others queued in order. */
function stubWebLocks() {
  const tails = new Map<string, Promise<unknown>>();
  const requested: string[] = [];
  const request = (name: string, callback: () => Promise<unknown>) => {
    requested.push(name);
    const granted = (tails.get(name) ?? Promise.resolve()).then(callback);
    tails.set(
      name,
      granted.catch(() => undefined),
    );
    return granted;
  };
  Object.defineProperty(navigator, 'locks', { value: { request }, configurable: true });
  return { requested };
}

describe('refresh across tabs', () => {
  afterEach(() => {
    Reflect.deleteProperty(navigator, 'locks');
  });

  it('lets two tabs opened together refresh one after the other, both staying signed in', async () => {
    const locks = stubWebLocks();
    const server = rotatingRefreshServer();
    const firstTab = createSessionStore(server.fetchImpl);
    const secondTab = createSessionStore(server.fetchImpl);

    const [first, second] = await Promise.all([firstTab.refresh(), secondTab.refresh()]);

    expect(server.answers).toEqual([200, 200]);
    expect(first?.accessToken).toBe('token-2');
    expect(second?.accessToken).toBe('token-3');
    expect(locks.requested).toEqual(['parley-session-refresh', 'parley-session-refresh']);
  });

  it('still refreshes where the browser has no Web Locks', async () => {
    expect('locks' in navigator).toBe(false);
    const server = rotatingRefreshServer();
    await expect(createSessionStore(server.fetchImpl).refresh()).resolves.toMatchObject({ accessToken: 'token-2' });
  });
});

describe('signing out', () => {
  it('is signed out before the logout request leaves, and a sign-in waits for its answer', async () => {
    const events: string[] = [];
    let answerLogout: () => void = () => undefined;
    const logoutAnswered = new Promise<void>((resolve) => (answerLogout = resolve));
    const fetchImpl = (async (input: RequestInfo | URL) => {
      const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
      events.push(`sent ${url}`);
      if (url === '/v1/auth/sso/logout') {
        await logoutAnswered;
        events.push('logout answered');
        return Response.json({ endSessionUrl: null });
      }
      return Response.json(session('token-new'));
    }) as typeof fetch;
    const sessions = createSessionStore(fetchImpl);
    await sessions.signIn('a@example.test', 'a password');
    events.length = 0;
    sessions.subscribe((signedIn) => events.push(signedIn ? 'signed in' : 'signed out'));

    const signingOut = sessions.signOut();
    const signingIn = sessions.signIn('a@example.test', 'a password');
    await new Promise((resolve) => setTimeout(resolve, 10));
    answerLogout();
    await Promise.all([signingOut, signingIn]);

    expect(events).toEqual([
      'signed out',
      'sent /v1/auth/sso/logout',
      'logout answered',
      'sent /v1/auth/login',
      'signed in',
    ]);
  });
});
