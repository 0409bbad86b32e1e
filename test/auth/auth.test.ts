import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { login, register, testPassword, uniqueEmail } from '../harness/actors.js';
import { buildTestApp, type TestApp } from '../harness/test-app.js';

describe('auth', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp({ SIGNUP_MODE: 'invite' });
  });
  afterAll(() => t.close());

  it('makes the first user platform admin of a first tenant, then refuses sign-up in invite mode', async () => {
    const first = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/register',
      payload: { email: uniqueEmail('first'), password: testPassword },
    });
    expect(first.statusCode).toBe(201);
    expect(first.json().user.role).toBe('platform_admin');
    expect(first.json().accessToken).toEqual(expect.any(String));
    expect(first.json().refreshToken).toMatch(/^prt_/);

    const second = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/register',
      payload: { email: uniqueEmail('second'), password: testPassword },
    });
    expect(second.statusCode).toBe(403);
    expect(second.headers['content-type']).toContain('application/problem+json');
    expect(second.json().detail).toMatch(/invitation/);
  });

  it('signs in, answers /me, and rejects a wrong password with 401', async () => {
    const email = uniqueEmail('login');
    const open = await buildTestApp({ SIGNUP_MODE: 'open' });
    try {
      await register(open.app, uniqueEmail('admin'));
      await register(open.app, email);
      const session = await login(open.app, email);
      const me = await open.app.inject({ method: 'GET', url: '/v1/auth/me', headers: session.headers });
      expect(me.statusCode).toBe(200);
      expect(me.json().user.email).toBe(email);
      const wrong = await open.app.inject({
        method: 'POST',
        url: '/v1/auth/login',
        payload: { email, password: 'not the password' },
      });
      expect(wrong.statusCode).toBe(401);
      expect(wrong.json().code).toBe('invalid_credentials');
    } finally {
      await open.close();
    }
  });
});
