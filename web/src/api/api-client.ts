import { ApiError, toApiError } from './api-error';
import type { SessionStore } from './session-store';

/**
 * fetch with the access token attached. A 401 triggers one refresh (or takes the token another request
 * has just refreshed) and one retry. If the server refuses the refresh, the session store signs out and
 * the app returns to the sign-in screen; if the refresh failed otherwise (rate limited, no answer), its
 * error is thrown and the session kept.
 */
export function createAuthedFetch(sessions: SessionStore, fetchImpl: typeof fetch = (...args) => fetch(...args)) {
  const send = (input: RequestInfo | URL, init: RequestInit, token: string | undefined) => {
    const headers = new Headers(init.headers);
    if (token) headers.set('authorization', `Bearer ${token}`);
    return fetchImpl(input, { ...init, headers, credentials: 'same-origin' });
  };

  return async (input: RequestInfo | URL, init: RequestInit = {}): Promise<Response> => {
    const sentToken = sessions.get()?.accessToken;
    const response = await send(input, init, sentToken);
    if (response.status !== 401) return response;
    const refreshed = await sessions.renewAfter(sentToken);
    if (!refreshed) return response;
    return send(input, init, refreshed.accessToken);
  };
}

export type AuthedFetch = ReturnType<typeof createAuthedFetch>;

/** JSON API calls; failures throw ApiError carrying the server's sentence. */
export function createApiClient(authedFetch: AuthedFetch) {
  async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await authedFetch(path, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!response.ok) throw await toApiError(response);
    if (response.status === 204) return undefined as T;
    return (await response.json()) as T;
  }
  return {
    get: <T>(path: string) => request<T>('GET', path),
    post: <T>(path: string, body: unknown = {}) => request<T>('POST', path, body),
    patch: <T>(path: string, body: unknown) => request<T>('PATCH', path, body),
    put: <T>(path: string, body: unknown) => request<T>('PUT', path, body),
    delete: (path: string) => request<undefined>('DELETE', path),
  };
}

export type ApiClient = ReturnType<typeof createApiClient>;
export { ApiError };
