import { ApiError, toApiError } from './api-error';

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

/** What /v1/sso/discover answers. */
export interface SingleSignOn {
  sso: boolean;
  ssoRequired: boolean;
  startUrl: string | null;
}

/**
 * Whether a failed refresh means the session is over: the server refused it (an expired, revoked or
 * reused refresh token). A rate limit, a server error or no answer at all says nothing about the
 * session, which is kept; the caller shows that error instead of the sign-in form.
 */
function endsSession(error: unknown): boolean {
  return (
    error instanceof ApiError &&
    error.status >= 400 &&
    error.status < 500 &&
    error.status !== 408 &&
    error.status !== 429
  );
}

/** The Web Locks name every tab of the console takes to refresh. */
const refreshLockName = 'parley-session-refresh';

/**
 * Runs `task` while holding a lock shared by all tabs of this origin. The server rotates the refresh
 * cookie on every refresh and refuses the old one, so two tabs opened together would each send the same
 * cookie and one would be signed out; under the lock the second tab refreshes after the first, with the
 * rotated cookie the browser now holds. Where Web Locks are missing (plain-http origins, older
 * browsers, jsdom) the task runs at once, as before.
 */
function withRefreshLock<T>(task: () => Promise<T>): Promise<T> {
  if (typeof navigator === 'undefined' || !('locks' in navigator)) return task();
  return navigator.locks.request(refreshLockName, task);
}

/**
 * The access token lives only in memory; the refresh token is an HttpOnly cookie the page cannot
 * read (the server sets it when asked with `X-Parley-Session: cookie`). Refreshes are single-flight,
 * so a burst of 401s triggers one refresh, not one per request, and one tab at a time across tabs.
 */
export function createSessionStore(fetchImpl: typeof fetch = (...args) => fetch(...args)) {
  let current: Session | null = null;
  let inFlightRefresh: Promise<Session | null> | null = null;
  /** The sign-out request on its way: a sign-in waits for it, lest its answer clear the new cookie. */
  let endingSession: Promise<unknown> = Promise.resolve();
  const listeners = new Set<Listener>();

  const set = (session: Session | null) => {
    current = session;
    for (const listener of listeners) listener(session);
  };

  const requestSession = async (path: string, body: unknown): Promise<Session> => {
    await endingSession;
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

  const store = {
    get: () => current,
    subscribe: (listener: Listener): (() => void) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    /** `tenant` (name or id) only when the server asked for it: the password opens accounts in several. */
    signIn: (email: string, password: string, tenant?: string) =>
      requestSession('/v1/auth/login', { email, password, ...(tenant && { tenant }) }),
    register: (input: { email: string; password: string; displayName?: string; tenantName?: string }) =>
      requestSession('/v1/auth/register', input),
    /**
     * Uses the cookie to get a new access token. Resolves null (signed out) when the server refuses the
     * session; rejects with the error, keeping the session, when the refresh failed for another reason.
     */
    refresh(): Promise<Session | null> {
      inFlightRefresh ??= withRefreshLock(() => requestSession('/v1/auth/refresh', {}))
        .catch((error: unknown) => {
          if (!endsSession(error)) throw error;
          set(null);
          return null;
        })
        .finally(() => {
          inFlightRefresh = null;
        });
      return inFlightRefresh;
    },
    /**
     * The session to retry with after the server refused `rejectedToken` (a 401): the current one when
     * another request has already replaced that token (its answer came after that refresh ended), else
     * a refresh. Refreshing again would rotate the cookie for nothing.
     */
    renewAfter(rejectedToken: string | undefined): Promise<Session | null> {
      if (current && current.accessToken !== rejectedToken) return Promise.resolve(current);
      return store.refresh();
    },
    /**
     * On page load: the session the cookie holds, or null when there is none. The server answers 204
     * rather than 401 for "signed out", so a visit by someone signed out logs no error in the browser.
     * Rejects when the server could not be asked (a rate limit, no answer), as `refresh` does.
     */
    resume(): Promise<Session | null> {
      inFlightRefresh ??= withRefreshLock(async () => {
        const response = await fetchImpl('/v1/auth/resume', {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-parley-session': 'cookie' },
          credentials: 'same-origin',
          body: '{}',
        });
        if (!response.ok) throw await toApiError(response);
        const session = response.status === 204 ? null : ((await response.json()) as Session);
        set(session);
        return session;
      })
        .catch((error: unknown) => {
          if (!endsSession(error)) throw error;
          set(null);
          return null;
        })
        .finally(() => {
          inFlightRefresh = null;
        });
      return inFlightRefresh;
    },
    /**
     * Ends the session; answers the identity provider's end-session URL when the session was a single
     * sign-on whose provider has one (the caller sends the browser there), else null.
     */
    async signOut(): Promise<string | null> {
      // Signed out here first: the server closes the session's live socket as it ends the session, and
      // a client still signed in would reconnect, asking for a ticket with the ended token (a 401).
      set(null);
      const request = fetchImpl('/v1/auth/sso/logout', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        credentials: 'same-origin',
        body: '{}',
      }).catch(() => undefined);
      endingSession = request;
      const response = await request;
      if (!response?.ok) return null;
      const body = (await response.json().catch(() => ({}))) as { endSessionUrl?: unknown };
      return typeof body.endSessionUrl === 'string' ? body.endSessionUrl : null;
    },
    /**
     * Whether an email (its domain) or a tenant's sign-in slug signs in through single sign-on, and
     * where the browser begins it. A failure reads as "no single sign-on": the password form stays.
     */
    async findSingleSignOn(lookup: { email: string } | { tenant: string }): Promise<SingleSignOn> {
      const none: SingleSignOn = { sso: false, ssoRequired: false, startUrl: null };
      const response = await fetchImpl('/v1/sso/discover', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        credentials: 'same-origin',
        body: JSON.stringify(lookup),
      }).catch(() => undefined);
      if (!response?.ok) return none;
      return ((await response.json().catch(() => none)) as SingleSignOn | undefined) ?? none;
    },
  };
  return store;
}

export type SessionStore = ReturnType<typeof createSessionStore>;
