import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SignJWT } from 'jose';
import { clockSkewSeconds, createAccessTokenSigner } from './auth.tokens.js';

const claims = {
  userId: '0193b6c0-0000-7000-8000-000000000001',
  tenantId: '0193b6c0-0000-7000-8000-000000000002',
  sessionEpoch: 3,
  sessionId: '0193b6c0-0000-7000-8000-000000000003',
};

/** A token signed with our key but put together by hand, with claims the signer would never write. */
const signedByHand = (key: Uint8Array, extra: Record<string, unknown>) =>
  new SignJWT({ tid: claims.tenantId, sep: claims.sessionEpoch, sid: claims.sessionId, ...extra })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(claims.userId)
    .setIssuer('parley')
    .setAudience('parley-api')
    .setIssuedAt()
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

  it('refuses a token without a session epoch, or whose epoch is not a whole number', async () => {
    const key = new Uint8Array(randomBytes(32));
    const signer = createAccessTokenSigner(key, 60);
    expect(await signer.verify(await signedByHand(key, {}))).toEqual(claims);
    expect(await signer.verify(await signedByHand(key, { sep: undefined }))).toBeNull();
    expect(await signer.verify(await signedByHand(key, { sep: 'x' }))).toBeNull();
    expect(await signer.verify(await signedByHand(key, { sep: 1.5 }))).toBeNull();
  });

  it('refuses a token without a session id, or whose session id is not a UUID', async () => {
    const key = new Uint8Array(randomBytes(32));
    const signer = createAccessTokenSigner(key, 60);
    expect(await signer.verify(await signedByHand(key, { sid: undefined }))).toBeNull();
    expect(await signer.verify(await signedByHand(key, { sid: 'not-a-session' }))).toBeNull();
  });

  it('refuses a token without an expiry or an issue time', async () => {
    const key = new Uint8Array(randomBytes(32));
    const signer = createAccessTokenSigner(key, 60);
    const base = () =>
      new SignJWT({ tid: claims.tenantId, sep: claims.sessionEpoch, sid: claims.sessionId })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject(claims.userId)
        .setIssuer('parley')
        .setAudience('parley-api');
    expect(await signer.verify(await base().setIssuedAt().sign(key))).toBeNull();
    expect(await signer.verify(await base().setExpirationTime('60s').sign(key))).toBeNull();
  });

  it('refuses a token living longer than the configured life plus the clock skew', async () => {
    const key = new Uint8Array(randomBytes(32));
    const signer = createAccessTokenSigner(key, 60);
    const nowSeconds = Math.floor(Date.now() / 1000);
    const living = (seconds: number) =>
      new SignJWT({ tid: claims.tenantId, sep: claims.sessionEpoch, sid: claims.sessionId })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject(claims.userId)
        .setIssuer('parley')
        .setAudience('parley-api')
        .setIssuedAt(nowSeconds)
        .setExpirationTime(nowSeconds + seconds)
        .sign(key);
    expect(await signer.verify(await living(60 + clockSkewSeconds))).toEqual(claims);
    expect(await signer.verify(await living(61 + clockSkewSeconds))).toBeNull();
  });

  it('refuses a token issued further in the future than the clock skew', async () => {
    const key = new Uint8Array(randomBytes(32));
    const signer = createAccessTokenSigner(key, 60);
    const issuedIn = (seconds: number) =>
      new SignJWT({ tid: claims.tenantId, sep: claims.sessionEpoch, sid: claims.sessionId })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject(claims.userId)
        .setIssuer('parley')
        .setAudience('parley-api')
        .setIssuedAt(Math.floor(Date.now() / 1000) + seconds)
        .setExpirationTime('60s')
        .sign(key);
    expect(await signer.verify(await issuedIn(clockSkewSeconds - 5))).toEqual(claims);
    expect(await signer.verify(await issuedIn(clockSkewSeconds + 5))).toBeNull();
  });
});
