import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testPassword, uniqueEmail } from '../harness/actors.js';
import { buildTestApp, type TestApp } from '../harness/test-app.js';

const cookieMode = { 'x-parley-session': 'cookie' };

/** The cookie pair (`parley_refresh=…`) a response set. */
function refreshCookieOf(setCookie: string | string[] | undefined): string {
  const header = [setCookie ?? []].flat().find((value) => value.startsWith('parley_refresh='));
  if (!header) throw new Error('no parley_refresh cookie was set');
  return header.split(';')[0]!;
}

/** POST /v1/auth/resume: what the console asks on every page load, signed in or not. */
describe('resuming a browser session', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp({ SIGNUP_MODE: 'open' });
  });
  afterAll(() => t.close());

  const resume = (cookie?: string) =>
    t.app.inject({
      method: 'POST',
      url: '/v1/auth/resume',
      headers: { ...cookieMode, ...(cookie ? { cookie } : {}) },
      payload: {},
    });

  async function signedUpCookie(): Promise<string> {
    const registered = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/register',
      headers: cookieMode,
      payload: { email: uniqueEmail('resume'), password: testPassword },
    });
    expect(registered.statusCode).toBe(201);
    return refreshCookieOf(registered.headers['set-cookie']);
  }

  it('answers 204 with no body when the browser has no session cookie (a first visit), not a 401', async () => {
    const response = await resume();
    expect(response.statusCode).toBe(204);
    expect(response.body).toBe('');
  });

  it('resumes a session from its cookie: a new access token, and the cookie rotated', async () => {
    const cookie = await signedUpCookie();
    const response = await resume(cookie);
    expect(response.statusCode).toBe(200);
    expect(response.json().accessToken).toEqual(expect.any(String));
    expect(response.json().refreshToken).toBeUndefined();
    expect(refreshCookieOf(response.headers['set-cookie'])).not.toBe(cookie);
  });

  it('answers 204 and clears the cookie for a spent cookie, and still ends the session it was stolen from', async () => {
    const spent = await signedUpCookie();
    const resumed = await resume(spent);
    const current = refreshCookieOf(resumed.headers['set-cookie']);
    const replayed = await resume(spent);
    expect(replayed.statusCode).toBe(204);
    expect(String(replayed.headers['set-cookie'])).toMatch(/parley_refresh=;/);
    // The replay revoked the family, as a refresh does: the successor no longer resumes either.
    expect((await resume(current)).statusCode).toBe(204);
  });

  it('answers 204 for a cookie that is not a session at all', async () => {
    expect((await resume('parley_refresh=prt_not-a-real-token-at-all')).statusCode).toBe(204);
  });
});
