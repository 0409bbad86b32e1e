import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testPassword, uniqueEmail } from '../harness/actors.js';
import { buildTestApp, type TestApp } from '../harness/test-app.js';

const cookieMode = { 'x-parley-session': 'cookie' };

function refreshCookie(setCookie: string | string[] | undefined): string {
  const header = [setCookie ?? []].flat().find((value) => value.startsWith('parley_refresh='));
  if (!header) throw new Error('no parley_refresh cookie was set');
  return header;
}

describe('browser sessions (refresh token in an HttpOnly cookie)', () => {
  let t: TestApp;
  /** Signs up asking for a cookie session, as the web console does. */
  const registerWithCookie = (emailPrefix: string) =>
    t.app.inject({
      method: 'POST',
      url: '/v1/auth/register',
      headers: cookieMode,
      payload: { email: uniqueEmail(emailPrefix), password: testPassword },
    });
  beforeAll(async () => {
    t = await buildTestApp({ SIGNUP_MODE: 'open' });
  });
  afterAll(() => t.close());

  it('keeps the refresh token out of the body and in an HttpOnly, SameSite=Strict cookie', async () => {
    const response = await registerWithCookie('cookie');
    expect(response.statusCode).toBe(201);
    expect(response.json().refreshToken).toBeUndefined();
    expect(response.json().accessToken).toEqual(expect.any(String));
    const cookie = refreshCookie(response.headers['set-cookie']);
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Strict/i);
    expect(cookie).toMatch(/Path=\/v1\/auth/);
  });

  it('refreshes from the cookie alone, rotates it, and refuses the spent one', async () => {
    const email = uniqueEmail('cookie-refresh');
    const registered = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/register',
      headers: cookieMode,
      payload: { email, password: testPassword },
    });
    const first = refreshCookie(registered.headers['set-cookie']).split(';')[0]!;

    const refreshed = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/refresh',
      headers: { ...cookieMode, cookie: first },
      payload: {},
    });
    expect(refreshed.statusCode).toBe(200);
    expect(refreshed.json().user.email).toBe(email);
    const second = refreshCookie(refreshed.headers['set-cookie']).split(';')[0]!;
    expect(second).not.toBe(first);

    const replayed = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/refresh',
      headers: { ...cookieMode, cookie: first },
      payload: {},
    });
    expect(replayed.statusCode).toBe(401);
  });

  it('answers 401 with a sentence when there is neither a body token nor a cookie', async () => {
    const response = await t.app.inject({ method: 'POST', url: '/v1/auth/refresh', payload: {} });
    expect(response.statusCode).toBe(401);
    expect(response.json().detail).toBe('No session to refresh; sign in again');
  });

  it('ends the cookie session on logout and clears the cookie', async () => {
    const registered = await registerWithCookie('cookie-logout');
    const cookie = refreshCookie(registered.headers['set-cookie']).split(';')[0]!;
    const logout = await t.app.inject({ method: 'POST', url: '/v1/auth/logout', headers: { cookie }, payload: {} });
    expect(logout.statusCode).toBe(204);
    expect(refreshCookie(logout.headers['set-cookie'])).toMatch(/Expires=Thu, 01 Jan 1970|Max-Age=0/);
    const refresh = await t.app.inject({ method: 'POST', url: '/v1/auth/refresh', headers: { cookie }, payload: {} });
    expect(refresh.statusCode).toBe(401);
  });

  it('takes refresh and logout with no body at all, the cookie being the session', async () => {
    const registered = await registerWithCookie('cookie-nobody');
    let cookie = refreshCookie(registered.headers['set-cookie']).split(';')[0]!;
    const refreshed = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/refresh',
      headers: { ...cookieMode, cookie },
    });
    expect(refreshed.statusCode).toBe(200);
    cookie = refreshCookie(refreshed.headers['set-cookie']).split(';')[0]!;
    const logout = await t.app.inject({ method: 'POST', url: '/v1/auth/logout', headers: { cookie } });
    expect(logout.statusCode).toBe(204);
    const after = await t.app.inject({ method: 'POST', url: '/v1/auth/refresh', headers: { cookie } });
    expect(after.statusCode).toBe(401);
  });

  it('answers a logout that names no session with 400, not a 204 that ended nothing', async () => {
    const logout = await t.app.inject({ method: 'POST', url: '/v1/auth/logout', payload: {} });
    expect(logout.statusCode).toBe(400);
    expect(logout.json().detail).toBe(
      "No session to end: send the session's refresh token as refreshToken in the body, or its session cookie",
    );
  });
});
