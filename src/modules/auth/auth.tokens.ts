import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { errors as joseErrors, jwtVerify, SignJWT, type JWTPayload } from 'jose';
import { createLruCache } from '../../platform/lru-cache.js';
import { isUuid } from '../../platform/ids.js';

const issuer = 'parley';
const audience = 'parley-api';
// Pinned: a token signed with any other algorithm (including "none") is rejected.
const algorithm = 'HS256';

export interface AccessTokenClaims {
  readonly userId: string;
  readonly tenantId: string;
  /** The user's session epoch when the token was issued (`users.session_epoch`). */
  readonly sessionEpoch: number;
  /**
   * The sign-in it belongs to: its refresh tokens' family, so that signing out (or a stolen refresh
   * token's reuse) ends the access tokens of that sign-in too. The look-up checks it is a sign-in of
   * the token's user.
   */
  readonly sessionId: string;
}

export interface AccessTokenSigner {
  sign(claims: AccessTokenClaims): Promise<string>;
  /** Returns null for any token that is not valid right now: bad signature, expired, wrong audience… */
  verify(token: string): Promise<AccessTokenClaims | null>;
  readonly ttlSeconds: number;
}

/**
 * How far a token's `iat` may lie ahead of this server's clock (another node's clock running ahead),
 * and how much longer than the configured life a token may claim to live. Beyond either, the token
 * was not made by a server that follows the configuration: refused (ADR 2).
 */
export const clockSkewSeconds = 60;

/** Verified tokens remembered at most; the least recently used is forgotten first (and verified again). */
const rememberedTokensMax = 10_000;

export function createAccessTokenSigner(key: Uint8Array, ttlSeconds: number): AccessTokenSigner {
  /**
   * Tokens whose signature, issuer, audience and algorithm already checked out, with their claims and
   * expiry. The same token comes back on every request of a session, and verifying it through WebCrypto
   * costs ~0.16 ms of the event loop plus a round trip through libuv's thread pool (ADR 7). Nothing but
   * the clock can change a verdict (the key lives as long as this signer; disabled users are refused by
   * the user look-up on every request), so the expiry is checked again on every use. Only tokens that
   * verified are kept, so it cannot be filled with forgeries.
   */
  const remembered = createLruCache<{ claims: AccessTokenClaims; expiresAtMs: number }>(rememberedTokensMax);

  // Imported once: handed the raw bytes, jose imports them into WebCrypto on every call, which doubled
  // the cost of verifying a token (~80 → ~40 µs of CPU), paid on every authenticated request.
  const hmacSha256 = { name: 'HMAC', hash: 'SHA-256' };
  const cryptoKey = crypto.subtle.importKey('raw', new Uint8Array(key), hmacSha256, false, ['sign', 'verify']);
  return {
    ttlSeconds,
    sign: async ({ userId, tenantId, sessionEpoch, sessionId }) =>
      new SignJWT({ tid: tenantId, sep: sessionEpoch, sid: sessionId })
        .setProtectedHeader({ alg: algorithm, typ: 'JWT' })
        .setSubject(userId)
        .setIssuer(issuer)
        .setAudience(audience)
        .setIssuedAt()
        .setExpirationTime(`${ttlSeconds}s`)
        // Without an id, two tokens for one user within the same second would be the same string: a
        // refresh could hand back the very token the client just had refused.
        .setJti(randomUUID())
        .sign(await cryptoKey),
    verify: async (token) => {
      const known = remembered.get(token);
      if (known) {
        // jose's own rule: a token is expired once the clock reaches its `exp`.
        if (Date.now() < known.expiresAtMs) return known.claims;
        remembered.delete(token);
        return null;
      }
      try {
        const { payload } = await jwtVerify(token, await cryptoKey, {
          issuer,
          audience,
          algorithms: [algorithm],
          // jose checks `exp` only when present: a token without it would never expire.
          requiredClaims: ['exp', 'iat', 'sub', 'tid', 'sep', 'sid'],
        });
        const claims = claimsOf(payload, ttlSeconds);
        if (claims) remembered.set(token, { claims, expiresAtMs: (payload.exp as number) * 1000 });
        return claims;
      } catch (error) {
        if (error instanceof joseErrors.JOSEError) return null;
        throw error;
      }
    },
  };
}

/**
 * The claims of a token whose signature, issuer, audience and algorithm checked out, or null when they
 * are not what this server writes. Only a token signed with our key but not by this server (another
 * deployment sharing the key, a hand-made one with the key) can fail here; each check narrows what
 * such a token can do: ids a database look-up can take, a life no longer than the configured one, an
 * issue time not in the future.
 */
function claimsOf(payload: JWTPayload, ttlSeconds: number): AccessTokenClaims | null {
  const { sub, tid, sep, sid, iat, exp } = payload;
  if (typeof sub !== 'string' || typeof tid !== 'string' || typeof sid !== 'string') return null;
  if (!isUuid(sub) || !isUuid(tid) || !isUuid(sid)) return null;
  if (typeof sep !== 'number' || !Number.isSafeInteger(sep)) return null;
  // jose has checked both are numbers, and that `exp` has not passed.
  const nowSeconds = Date.now() / 1000;
  if ((iat as number) > nowSeconds + clockSkewSeconds) return null;
  if ((exp as number) - (iat as number) > ttlSeconds + clockSkewSeconds) return null;
  return { userId: sub, tenantId: tid, sessionEpoch: sep, sessionId: sid };
}

/** Opaque bearer secrets (refresh tokens, API keys): random, and only their hash is stored. */
export function newOpaqueToken(prefix: string): string {
  return `${prefix}${randomBytes(32).toString('base64url')}`;
}

export function hashOpaqueToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export const refreshTokenPrefix = 'prt_';
export const apiKeyPrefix = 'pk_';

/** The token of an `Authorization: Bearer …` header. */
export function bearerTokenOf(authorization: string | undefined): string | undefined {
  return authorization?.match(/^Bearer\s+(\S+)$/i)?.[1];
}

/** Whether a request presents an API key (which costs a query to check, unlike an access token). */
export function presentsApiKey(authorization: string | undefined): boolean {
  return bearerTokenOf(authorization)?.startsWith(apiKeyPrefix) ?? false;
}
