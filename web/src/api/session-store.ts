import { toApiError } from './api-error';

export interface SessionUser {
  id: string;
  tenantId: string;
  email: string;
  displayName: string | null;
  role: 'platform_admin' | 'tenant_admin' | 'operator' | 'member';
}

export interface Session {
  accessToken: string;
  user: SessionUser;
  tenant: { id: string; name: string };
}

type Listener = (session: Session | null) => void;

/**
 * The access token lives only in memory; the refresh token is an HttpOnly cookie the page cannot
 * read (the server sets it when asked with `X-Parley-Session: cookie`). Refreshes are single-flight,
 * so a burst of 401s triggers one refresh, not one per request.
 */
export function createSessionStore(fetchImpl: typeof fetch = (...args) => fetch(...args)) {
  let current: Session | null = null;
  let inFlightRefresh: Promise<Session | null> | null = null;
  const listeners = new Set<Listener>();

  const set = (session: Session | null) => {
    current = session;
    for (const listener of listeners) listener(session);
  };

  const requestSession = async (path: string, body: unknown): Promise<Session> => {
    const response = await fetchImpl(path, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-parley-session': 'cookie' },
      credentials: 'same-origin',
      body: JSON.stringify(body),
    });
    if (!response.ok) throw await toApiError(response);
    const session = (await response.json()) as Session;
    set(session);
    return session;
  };

  return {
    get: () => current,
    subscribe: (listener: Listener): (() => void) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    signIn: (email: string, password: string) => requestSession('/v1/auth/login', { email, password }),
    register: (input: { email: string; password: string; displayName?: string; tenantName?: string }) =>
      requestSession('/v1/auth/register', input),
    /** Uses the cookie to get a new access token; resolves null (signed out) when that fails. */
    refresh(): Promise<Session | null> {
      inFlightRefresh ??= requestSession('/v1/auth/refresh', {})
        .catch(() => {
          set(null);
          return null;
        })
        .finally(() => {
          inFlightRefresh = null;
        });
      return inFlightRefresh;
    },
    async signOut(): Promise<void> {
      await fetchImpl('/v1/auth/logout', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        credentials: 'same-origin',
        body: '{}',
      }).catch(() => undefined);
      set(null);
    },
  };
}

export type SessionStore = ReturnType<typeof createSessionStore>;
