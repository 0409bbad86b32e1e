import { createRemoteJWKSet, customFetch, errors, jwtVerify, type JWTPayload } from 'jose';
import { AppError } from '../../platform/errors.js';
import { createLruCache } from '../../platform/lru-cache.js';
import { tokenCheckSentences } from './oidc-failures.js';

/**
 * What an ID token (or logout token) may be signed with: the provider's own public keys. Never `none`,
 * and never the client secret (HS256), which Parley holds too and a JWKS cannot publish.
 */
const publicKeyAlgorithms = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
];

/**
 * How far a provider's clock may run ahead of this server's (`iat`, `nbf`) or behind it (`exp`), as
 * access tokens allow (auth.tokens.ts).
 */
export const providerClockSkewSeconds = 60;

/** A provider's JWKS is read again after this long, or at once when a token names a key it lacks. */
const keySetMaxAgeMs = 10 * 60_000;
/** Providers whose keys are kept at once (one per JWKS URL; tenants of one provider share it). */
const keySetsMax = 1_000;

export interface ProviderKeysDeps {
  /** The outbound door's fetch: a JWKS URL comes from a discovery document a tenant admin chose. */
  readonly fetch: (url: string, init: RequestInit) => Promise<Response>;
  readonly timeoutMs: number;
}

export interface ExpectedToken {
  readonly jwksUri: string;
  readonly issuer: string;
  readonly audience: string;
  /** The oldest a token may be by its `iat`; one issued later than now (plus the skew) is refused too. */
  readonly maxAgeSeconds: number;
  readonly requiredClaims: readonly string[];
  /**
   * Whether anyone may have sent the token (a logout token posted to a public route), rather than the
   * provider's token endpoint answering Parley: then a key the JWKS lacks reads it again at most every
   * 30 s, so strangers cannot make Parley read a provider's keys at their pace.
   */
  readonly isFromAnyone: boolean;
}

/** jose's own pause between two reads of a JWKS for keys it lacked. */
const refetchCooldownFromAnyoneMs = 30_000;

/**
 * Verifies tokens a provider signed: the signature against the keys its JWKS publishes, then issuer,
 * audience and times. openid-client checks an ID token's claims but not its signature (it verifies
 * those of the token endpoint only with its non-repudiation checks), so without this anyone who could
 * answer for the token endpoint could sign in as anyone.
 *
 * Each JWKS is cached for keySetMaxAgeMs and read again at once for a key it lacks (a rotation), so a
 * key the provider rotated in works on every node at its first token. For ID tokens jose's cool-down
 * between such reads is off: with it, a rotation within 30 s of the last read refused the new key, and
 * only the provider's token endpoint (or who stands in its place) hands Parley an ID token. Tokens
 * anyone may post (isFromAnyone) keep it.
 */
export function createProviderKeys(deps: ProviderKeysDeps) {
  const keySets = createLruCache<ReturnType<typeof createRemoteJWKSet>>(keySetsMax);

  const keySetOf = (jwksUri: string, isFromAnyone: boolean) =>
    keySets.getOrCreate(`${isFromAnyone ? 'anyone' : 'provider'} ${jwksUri}`, () =>
      createRemoteJWKSet(new URL(jwksUri), {
        cacheMaxAge: keySetMaxAgeMs,
        cooldownDuration: isFromAnyone ? refetchCooldownFromAnyoneMs : 0,
        timeoutDuration: deps.timeoutMs,
        [customFetch]: (url: string, init: RequestInit) => deps.fetch(url, init),
      }),
    );

  return {
    /** The token's claims once it verifies; otherwise an AppError with a sentence (403, or 422 when the keys could not be read). */
    async verify(token: string, expected: ExpectedToken): Promise<JWTPayload> {
      try {
        const { payload } = await jwtVerify(token, keySetOf(expected.jwksUri, expected.isFromAnyone), {
          algorithms: publicKeyAlgorithms,
          issuer: expected.issuer,
          audience: expected.audience,
          clockTolerance: providerClockSkewSeconds,
          // Also what makes jose refuse an `iat` in the future (beyond the tolerance).
          maxTokenAge: expected.maxAgeSeconds,
          requiredClaims: [...expected.requiredClaims],
        });
        return payload;
      } catch (error) {
        throw describeKeyFailure(error, expected.jwksUri);
      }
    },
  };
}

export type ProviderKeys = ReturnType<typeof createProviderKeys>;

function describeKeyFailure(error: unknown, jwksUri: string): AppError {
  const refused = (sentence: string) => new AppError('forbidden', sentence, {}, { cause: error });
  if (error instanceof errors.JWKSNoMatchingKey) return refused(tokenCheckSentences.OAUTH_KEY_SELECTION_FAILED!);
  if (error instanceof errors.JWSSignatureVerificationFailed || error instanceof errors.JWKSMultipleMatchingKeys) {
    return refused(tokenCheckSentences.OAUTH_JWS_SIGNATURE_VERIFICATION_FAILED!);
  }
  if (error instanceof errors.JOSEAlgNotAllowed) {
    return refused(
      `The identity provider signed the token with an algorithm Parley does not accept (it takes only the provider's public keys: ${publicKeyAlgorithms.join(', ')}); choose RS256 for Parley's client at the provider`,
    );
  }
  if (error instanceof errors.JWTExpired) return refused(tokenCheckSentences.OAUTH_JWT_TIMESTAMP_CHECK_FAILED!);
  if (error instanceof errors.JWTClaimValidationFailed && error.reason === 'check_failed') {
    return ['iat', 'nbf', 'exp'].includes(error.claim)
      ? refused(tokenCheckSentences.OAUTH_JWT_TIMESTAMP_CHECK_FAILED!)
      : refused(tokenCheckSentences.OAUTH_JWT_CLAIM_COMPARISON_FAILED!);
  }
  // A claim missing or of the wrong type, or no JWT at all.
  if (
    error instanceof errors.JWTClaimValidationFailed ||
    error instanceof errors.JWTInvalid ||
    error instanceof errors.JWSInvalid
  ) {
    return refused(tokenCheckSentences.OAUTH_INVALID_RESPONSE!);
  }
  // The JWKS did not load: refused by the outbound door, unreachable, not a JWKS. The provider's side.
  const why = error instanceof AppError ? `: ${error.message}` : '';
  return new AppError(
    'unprocessable',
    `Parley could not read the identity provider's keys at ${jwksUri}${why}; check the provider, then sign in again`,
    {},
    { cause: error },
  );
}
