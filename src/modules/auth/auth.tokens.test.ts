import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SignJWT } from 'jose';
import { createAccessTokenSigner } from './auth.tokens.js';

const claims = {
  userId: '0193b6c0-0000-7000-8000-000000000001',
  tenantId: '0193b6c0-0000-7000-8000-000000000002',
  sessionEpoch: 3,
};

/** A token signed with our key but put together by hand, with claims the signer would never write. */
const signedByHand = (key: Uint8Array, extra: Record<string, unknown>) =>
  new SignJWT({ tid: claims.tenantId, ...extra })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(claims.userId)
    .setIssuer('parley')
    .setAudience('parley-api')
    .setExpirationTime('60s')
    .sign(key);

describe('access token signer', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('verifies a token again, from memory, to the same claims', async () => {
    const signer = createAccessTokenSigner(new Uint8Array(randomBytes(32)), 60);
    const token = await signer.sign(claims);
    expect(await signer.verify(token)).toEqual(claims);
    expect(await signer.verify(token)).toEqual(claims);
  });

  it('refuses a remembered token once it expires, as a fresh verification would', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-11-22T06:00:00Z'));
    const key = new Uint8Array(randomBytes(32));
    const signer = createAccessTokenSigner(key, 60);
    const token = await signer.sign(claims);
    expect(await signer.verify(token)).toEqual(claims);

    vi.setSystemTime(new Date('2026-11-22T06:00:59.999Z'));
    expect(await signer.verify(token)).toEqual(claims);
    vi.setSystemTime(new Date('2026-11-22T06:01:00Z'));
    expect(await signer.verify(token)).toBeNull();
    expect(await createAccessTokenSigner(key, 60).verify(token)).toBeNull();
  });

  it('issues a different token each time, even within the same second', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-11-22T06:00:00Z'));
    const signer = createAccessTokenSigner(new Uint8Array(randomBytes(32)), 60);
    const first = await signer.sign(claims);
    const second = await signer.sign(claims);
    expect(second).not.toBe(first);
    expect(await signer.verify(second)).toEqual(claims);
  });

  it('never accepts a token of another key, whatever it remembers', async () => {
    const signer = createAccessTokenSigner(new Uint8Array(randomBytes(32)), 60);
    const other = createAccessTokenSigner(new Uint8Array(randomBytes(32)), 60);
    expect(await signer.verify(await signer.sign(claims))).toEqual(claims);
    expect(await signer.verify(await other.sign(claims))).toBeNull();
  });

  it('refuses a token of our key whose ids are not UUIDs, instead of failing the lookup', async () => {
    const signer = createAccessTokenSigner(new Uint8Array(randomBytes(32)), 60);
    expect(await signer.verify(await signer.sign({ ...claims, userId: 'notauuid' }))).toBeNull();
    expect(await signer.verify(await signer.sign({ ...claims, tenantId: '1' }))).toBeNull();
  });

  it('reads a token without a session epoch as the first epoch, and refuses one whose epoch is not a whole number', async () => {
    const key = new Uint8Array(randomBytes(32));
    const signer = createAccessTokenSigner(key, 60);
    const signed = (extra: Record<string, unknown>) => signedByHand(key, extra);
    expect(await signer.verify(await signed({}))).toEqual({ ...claims, sessionEpoch: 0 });
    expect(await signer.verify(await signed({ sep: 'x' }))).toBeNull();
    expect(await signer.verify(await signed({ sep: 1.5 }))).toBeNull();
  });

  it('carries the sign-in a token belongs to, and refuses a session id that is not a UUID', async () => {
    const key = new Uint8Array(randomBytes(32));
    const signer = createAccessTokenSigner(key, 60);
    const withSession = { ...claims, sessionId: '0193b6c0-0000-7000-8000-000000000003' };
    expect(await signer.verify(await signer.sign(withSession))).toEqual(withSession);
    expect(await signer.verify(await signedByHand(key, { sep: 3, sid: 'not-a-session' }))).toBeNull();
  });
});
