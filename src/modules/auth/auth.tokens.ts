import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { errors as joseErrors, jwtVerify, SignJWT } from 'jose';
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
   * token's reuse) ends the access tokens of that sign-in too. Absent in tokens issued before.
   */
  readonly sessionId?: string;
}

export interface AccessTokenSigner {
  sign(claims: AccessTokenClaims): Promise<string>;
  /** Returns null for any token that is not valid right now: bad signature, expired, wrong audience… */
  verify(token: string): Promise<AccessTokenClaims | null>;
  readonly ttlSeconds: number;
}

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
      new SignJWT({ tid: tenantId, sep: sessionEpoch, ...(sessionId !== undefined && { sid: sessionId }) })
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
        const { payload } = await jwtVerify(token, await cryptoKey, { issuer, audience, algorithms: [algorithm] });
        // Ids a database lookup can take, or the lookup itself fails: only a token signed with our key but
        // not by this server (another deployment sharing the key, a hand-made one) can carry anything else.
        if (typeof payload.sub !== 'string' || typeof payload.tid !== 'string') return null;
        if (!isUuid(payload.sub) || !isUuid(payload.tid)) return null;
        // Tokens issued before epochs existed carry none: they belong to the first epoch.
        const sessionEpoch = payload.sep === undefined ? 0 : payload.sep;
        if (!Number.isSafeInteger(sessionEpoch)) return null;
        if (payload.sid !== undefined && (typeof payload.sid !== 'string' || !isUuid(payload.sid))) return null;
        const claims: AccessTokenClaims = {
          userId: payload.sub,
          tenantId: payload.tid,
          sessionEpoch: sessionEpoch as number,
          ...(payload.sid !== undefined && { sessionId: payload.sid }),
        };
        // Our tokens always carry `exp`; one without it is verified every time rather than kept forever.
        if (typeof payload.exp === 'number') remembered.set(token, { claims, expiresAtMs: payload.exp * 1000 });
        return claims;
      } catch (error) {
        if (error instanceof joseErrors.JOSEError) return null;
        throw error;
      }
    },
  };
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
