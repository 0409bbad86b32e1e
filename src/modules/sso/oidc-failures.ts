import * as client from 'openid-client';
import { AppError } from '../../platform/errors.js';

/** Where a failure happened, which decides how it reads. */
type Stage = 'discovery' | 'token' | 'userinfo';

/**
 * A failure at the provider as a sentence a person can act on: configuration problems are 422, a
 * refused or spent sign-in 400/403. Never a 5xx: the fault is outside this server.
 */
export function describeFailure(error: unknown, stage: Stage, issuer: string): AppError {
  if (error instanceof AppError) {
    return new AppError(
      'unprocessable',
      `Parley could not reach the identity provider ${issuer}: ${error.message}`,
      {},
      { cause: error },
    );
  }
  if (error instanceof client.ResponseBodyError) {
    const said = error.error_description ? `${error.error}: ${error.error_description}` : error.error;
    if (error.error === 'invalid_client' || error.error === 'unauthorized_client') {
      return new AppError(
        'unprocessable',
        `The identity provider refused Parley's client id or client secret (${said}): check them in the SSO settings`,
        {},
        { cause: error },
      );
    }
    if (error.error === 'invalid_grant') {
      return new AppError(
        'validation_failed',
        `The identity provider refused the sign-in code (${said}): it was already used or has expired; sign in again`,
        {},
        { cause: error },
      );
    }
    return new AppError(
      'unprocessable',
      `The identity provider answered with an error (${said})`,
      {},
      { cause: error },
    );
  }
  if (error instanceof client.WWWAuthenticateChallengeError) {
    // A 401 with a challenge from the token endpoint: the client's credentials were refused.
    const said = error.cause.map((challenge) => challenge.parameters.error ?? challenge.scheme).join(', ');
    return new AppError(
      'unprocessable',
      `The identity provider refused Parley's client id or client secret (${said || error.status}): check them in the SSO settings`,
      {},
      { cause: error },
    );
  }
  if (error instanceof client.AuthorizationResponseError) {
    const said = error.error_description ? `${error.error}: ${error.error_description}` : error.error;
    return new AppError('forbidden', `The identity provider did not sign you in (${said})`, {}, { cause: error });
  }
  const code = (error as { code?: unknown }).code;
  const cause = (error as { cause?: unknown }).cause;
  if (stage === 'discovery') {
    if (cause instanceof AppError) return describeFailure(cause, stage, issuer);
    if (
      error instanceof TypeError ||
      code === 'ECONNREFUSED' ||
      code === 'ENOTFOUND' ||
      (error as Error).name === 'TimeoutError'
    ) {
      return new AppError(
        'unprocessable',
        `The identity provider at ${issuer} could not be reached (its discovery document ${discoveryUrlOf(issuer)} did not load): check the issuer URL`,
        {},
        { cause: error },
      );
    }
    if (
      code === client.ResponseBodyError.name ||
      code === 'OAUTH_RESPONSE_IS_NOT_CONFORM' ||
      code === 'OAUTH_RESPONSE_IS_NOT_JSON' ||
      code === 'OAUTH_INVALID_RESPONSE'
    ) {
      return new AppError(
        'unprocessable',
        `${discoveryUrlOf(issuer)} is not an OpenID Connect discovery document: check the issuer URL`,
        {},
        { cause: error },
      );
    }
    if (code === 'OAUTH_JSON_ATTRIBUTE_COMPARISON_FAILED') {
      return new AppError(
        'unprocessable',
        `The discovery document at ${discoveryUrlOf(issuer)} names another issuer: the issuer URL must be exactly the one the provider names`,
        {},
        { cause: error },
      );
    }
    return new AppError(
      'unprocessable',
      `The identity provider at ${issuer} could not be used: its discovery document was refused`,
      {},
      { cause: error },
    );
  }
  if (cause instanceof AppError) return describeFailure(cause, stage, issuer);
  if (error instanceof TypeError) {
    return new AppError(
      'unprocessable',
      `The identity provider ${issuer} could not be reached to finish the sign-in; try again`,
      {},
      { cause: error },
    );
  }
  // RFC 9207: the `iss` the provider put beside the code names another issuer than this sign-in's.
  // openid-client wraps oauth4webapi's error, whose own message names the parameter.
  const said = `${(error as Error).message} ${cause instanceof Error ? cause.message : ''}`;
  if (code === 'OAUTH_INVALID_RESPONSE' && said.includes('"iss"')) {
    return new AppError('forbidden', tokenCheckSentences.OAUTH_JSON_ATTRIBUTE_COMPARISON_FAILED!, {}, { cause: error });
  }
  const sentence = tokenCheckSentences[String(code)];
  return new AppError(
    'forbidden',
    sentence ?? `The identity provider's answer failed Parley's checks, so no session was started`,
    {},
    { cause: error },
  );
}

/** What a person reads when the provider's answer fails a check, by oauth4webapi's code for the check. */
export const tokenCheckSentences: Record<string, string> = {
  OAUTH_JWT_CLAIM_COMPARISON_FAILED:
    'The ID token was not made for this sign-in (its issuer, audience or nonce differs): a token of another provider, client or sign-in is refused',
  OAUTH_JSON_ATTRIBUTE_COMPARISON_FAILED:
    'The answer came from another identity provider than the one this sign-in began at: it is refused',
  OAUTH_JWT_TIMESTAMP_CHECK_FAILED:
    'The ID token has expired, was issued in the future or is not yet valid; check the clocks, then sign in again',
  OAUTH_KEY_SELECTION_FAILED: "No key in the identity provider's JWKS matches the ID token's signature",
  OAUTH_INVALID_RESPONSE: "The identity provider's answer was not a valid OpenID Connect response",
  OAUTH_JWS_SIGNATURE_VERIFICATION_FAILED:
    "The ID token's signature does not verify against the identity provider's keys",
  OAUTH_RESPONSE_IS_NOT_CONFORM: "The identity provider's answer was not a valid OpenID Connect response",
};

function discoveryUrlOf(issuer: string): string {
  return `${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`;
}
