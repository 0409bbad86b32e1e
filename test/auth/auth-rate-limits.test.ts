import { randomInt } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { App } from '../../src/platform/http/types.js';
import { testPassword, uniqueEmail } from '../harness/actors.js';
import { buildTestApp } from '../harness/test-app.js';
import { createTenantWithAdmin, createUser, registerPlatformAdmin } from '../harness/tenant-setup.js';

/**
 * A client address no other test (or earlier run within the minute) has used: with Redis, rate-limit
 * counters outlive the app and are shared by every test file.
 */
const freshAddress = (): string => `10.${randomInt(1, 250)}.${randomInt(1, 250)}.${randomInt(1, 250)}`;

const attemptLogin = (app: App, email: string, password: string, remoteAddress: string) =>
  app.inject({ method: 'POST', url: '/v1/auth/login', payload: { email, password }, remoteAddress });

describe('failed sign-ins per address', () => {
  it('answers 429 once one address has failed the configured number of times, across different accounts', async () => {
    const t = await buildTestApp({ LOGIN_ATTEMPTS_PER_15_MINUTES: '3' });
    try {
      const admin = await createTenantWithAdmin(t.app, await registerPlatformAdmin(t.app));
      const accounts = [await createUser(t.app, admin), await createUser(t.app, admin), await createUser(t.app, admin)];
      const untouched = await createUser(t.app, admin);
      const guesser = freshAddress();

      // One wrong password per account: no account reaches its own limit, the address does.
      for (const account of accounts) {
        const failed = await attemptLogin(t.app, account.email, 'not the password', guesser);
        expect(failed.statusCode).toBe(401);
      }
      const limited = await attemptLogin(t.app, untouched.email, testPassword, guesser);
      expect(limited.statusCode).toBe(429);
      expect(limited.json()).toMatchObject({
        code: 'rate_limited',
        detail: 'Too many failed sign-in attempts; wait before trying again',
      });
      expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
      expect(Number(limited.headers['retry-after'])).toBeLessThanOrEqual(15 * 60);

      // The accounts themselves are not locked: the same credentials work from another address.
      const elsewhere = await attemptLogin(t.app, untouched.email, testPassword, freshAddress());
      expect(elsewhere.statusCode).toBe(200);
      const firstAccount = await attemptLogin(t.app, accounts[0]!.email, testPassword, freshAddress());
      expect(firstAccount.statusCode).toBe(200);
    } finally {
      await t.close();
    }
  });

  it('counts attempts on unknown emails against the address too', async () => {
    const t = await buildTestApp({ LOGIN_ATTEMPTS_PER_15_MINUTES: '2' });
    try {
      const admin = await registerPlatformAdmin(t.app);
      const sprayer = freshAddress();
      for (let i = 0; i < 2; i += 1) {
        expect((await attemptLogin(t.app, uniqueEmail('nobody'), 'whatever-password', sprayer)).statusCode).toBe(401);
      }
      expect((await attemptLogin(t.app, admin.email, testPassword, sprayer)).statusCode).toBe(429);
    } finally {
      await t.close();
    }
  });
});

describe('AUTH_RATE_LIMIT_PER_MINUTE', () => {
  it('answers 429 with retry-after on the sign-in routes once an address has used its budget', async () => {
    const limit = 3;
    const t = await buildTestApp({ AUTH_RATE_LIMIT_PER_MINUTE: String(limit) });
    try {
      // Registered from an address of its own: with Redis, 127.0.0.1's budget is shared by other files.
      const email = uniqueEmail('admin');
      const registered = await t.app.inject({
        method: 'POST',
        url: '/v1/auth/register',
        payload: { email, password: testPassword },
        remoteAddress: freshAddress(),
      });
      expect(registered.statusCode).toBe(201);
      const admin = { email, headers: { authorization: `Bearer ${registered.json().accessToken as string}` } };
      const client = freshAddress();

      // Correct credentials every time: the failed-sign-in throttle is not what answers 429 here.
      for (let i = 0; i < limit; i += 1) {
        expect((await attemptLogin(t.app, admin.email, testPassword, client)).statusCode).toBe(200);
      }
      const limited = await attemptLogin(t.app, admin.email, testPassword, client);
      expect(limited.statusCode).toBe(429);
      expect(limited.headers['content-type']).toContain('application/problem+json');
      expect(limited.json().code).toBe('rate_limited');
      expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
      expect(Number(limited.headers['retry-after'])).toBeLessThanOrEqual(60);

      // Another address has its own budget, and the rest of the API keeps the general limit.
      expect((await attemptLogin(t.app, admin.email, testPassword, freshAddress())).statusCode).toBe(200);
      const me = await t.app.inject({
        method: 'GET',
        url: '/v1/auth/me',
        headers: admin.headers,
        remoteAddress: client,
      });
      expect(me.statusCode).toBe(200);
    } finally {
      await t.close();
    }
  });

  it('limits registration and refresh the same way', async () => {
    const limit = 2;
    const t = await buildTestApp({ AUTH_RATE_LIMIT_PER_MINUTE: String(limit), SIGNUP_MODE: 'open' });
    try {
      const registrar = freshAddress();
      const registrations = [];
      for (let i = 0; i <= limit; i += 1) {
        const response = await t.app.inject({
          method: 'POST',
          url: '/v1/auth/register',
          payload: { email: uniqueEmail('limited'), password: testPassword },
          remoteAddress: registrar,
        });
        registrations.push(response.statusCode);
      }
      expect(registrations).toEqual([201, 201, 429]);

      const refresher = freshAddress();
      const refreshes = [];
      for (let i = 0; i <= limit; i += 1) {
        const response = await t.app.inject({
          method: 'POST',
          url: '/v1/auth/refresh',
          payload: { refreshToken: 'prt_not-a-real-token' },
          remoteAddress: refresher,
        });
        refreshes.push(response.statusCode);
      }
      expect(refreshes).toEqual([401, 401, 429]);
    } finally {
      await t.close();
    }
  });
});
