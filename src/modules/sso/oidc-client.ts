import * as client from 'openid-client';
import { AppError } from '../../platform/errors.js';
import type { OutboundHttp } from '../../platform/outbound/index.js';
import { describeFailure } from './oidc-failures.js';
import { createProviderKeys } from './provider-keys.js';

/** What Parley needs to speak to one tenant's provider. */
export interface OidcSettings {
  readonly issuerUrl: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** Origins besides the issuer's where its endpoints may be, as a platform admin approved them. */
  readonly approvedEndpointOrigins: readonly string[];
}

/**
 * The endpoints Parley sends people to or calls. Each must be at the issuer's own origin, or at one a
 * platform admin approved: otherwise a discovery document could send people from Parley's address to
 * any page (an open redirect), or have Parley read keys from anywhere.
 */
const checkedEndpoints = [
  'authorization_endpoint',
  'token_endpoint',
  'userinfo_endpoint',
  'jwks_uri',
  'end_session_endpoint',
] as const;

/** How old an ID token may be when it arrives: its sign-in began at most this long ago (sso-sign-in.service.ts). */
const idTokenMaxAgeSeconds = 10 * 60;
/** A provider posts a logout token as the session ends; an older one is refused (a replay). */
const logoutTokenMaxAgeSeconds = 5 * 60;
/** OpenID Connect Back-Channel Logout 1.0: the member of `events` that makes a JWT a logout token. */
const backChannelLogoutEvent = 'http://schemas.openid.net/event/backchannel-logout';

export interface OidcClientDeps {
  /** Every call to an issuer goes through the outbound door: a tenant admin's URL is a user's input. */
  readonly outbound: Pick<OutboundHttp, 'fetch'>;
  /** http:// issuers, for a provider on the operator's own network or in tests (SSO_ALLOW_HTTP_ISSUERS). */
  readonly allowsHttpIssuers: boolean;
  readonly timeoutMs: number;
}

/**
 * openid-client (certified) over the outbound door. Discovery runs for each sign-in step rather than
 * being cached: sign-ins are rare, and a fresh configuration also fetches the JWKS afresh, so a key the
 * provider rotated in is used at once (openid-client's own cache waits 60 s before looking again).
 */
export function createOidcClient(deps: OidcClientDeps) {
  const customFetch: client.CustomFetch = (url, options) =>
    deps.outbound.fetch(url, { ...(options as RequestInit), timeoutMs: deps.timeoutMs });
  const keys = createProviderKeys({
    fetch: (url, init) => deps.outbound.fetch(url, { ...init, timeoutMs: deps.timeoutMs }),
    timeoutMs: deps.timeoutMs,
  });

  /** The keys' URL, once the configuration passed discovery (and requireEndpointsAtIssuer). */
  const jwksUriOf = (configuration: client.Configuration): string => {
    const { jwks_uri: jwksUri, issuer } = configuration.serverMetadata();
    if (!jwksUri) {
      throw new AppError(
        'unprocessable',
        `The identity provider ${issuer} publishes no JWKS (jwks_uri), so Parley cannot check its signatures`,
      );
    }
    return jwksUri;
  };

  async function discover(settings: OidcSettings): Promise<client.Configuration> {
    const issuer = parseIssuer(settings.issuerUrl, deps.allowsHttpIssuers);
    let discovered: client.Configuration;
    try {
      discovered = await client.discovery(issuer, settings.clientId, undefined, undefined, {
        [client.customFetch]: customFetch,
        timeout: Math.ceil(deps.timeoutMs / 1000),
        execute: deps.allowsHttpIssuers ? [client.allowInsecureRequests] : [],
      });
    } catch (error) {
      throw describeFailure(error, 'discovery', settings.issuerUrl);
    }
    requireEndpointsAtIssuer(discovered.serverMetadata(), settings.approvedEndpointOrigins);
    return withClientAuthentication(discovered, settings, deps);
  }

  return {
    discover,

    /** Discovery as the settings page's "test the connection" runs it: what it found, or what is wrong. */
    async test(settings: OidcSettings) {
      try {
        const configuration = await discover(settings);
        const metadata = configuration.serverMetadata();
        const supportsCode = metadata.response_types_supported?.includes('code') ?? true;
        if (!supportsCode) {
          return failed(`The identity provider at ${settings.issuerUrl} does not offer the authorization code flow`);
        }
        if (!metadata.jwks_uri)
          return failed(`The identity provider at ${settings.issuerUrl} publishes no JWKS (jwks_uri)`);
        return {
          ok: true,
          message: `Found the identity provider ${metadata.issuer}: its sign-in page and keys are reachable`,
          issuer: metadata.issuer,
          supportsEndSession: metadata.end_session_endpoint !== undefined,
        };
      } catch (error) {
        if (error instanceof AppError) return failed(error.message);
        throw error;
      }
    },

    /** The provider's sign-in URL for one attempt. */
    authorizationUrl(
      configuration: client.Configuration,
      attempt: {
        redirectUri: string;
        scopes: string;
        state: string;
        nonce: string;
        codeChallenge: string;
        loginHint?: string;
      },
    ): string {
      return client
        .buildAuthorizationUrl(configuration, {
          redirect_uri: attempt.redirectUri,
          scope: attempt.scopes,
          state: attempt.state,
          nonce: attempt.nonce,
          code_challenge: attempt.codeChallenge,
          code_challenge_method: 'S256',
          ...(attempt.loginHint && { login_hint: attempt.loginHint }),
        })
        .toString();
    },

    /**
     * The code exchanged and the ID token checked: issuer, audience, expiry, nonce and the `iss` of the
     * response by openid-client; signature against the JWKS, `iat` and `nbf` by the provider's keys
     * (provider-keys.ts). Its claims, with the userinfo endpoint's added when `wantsUserInfo` and the
     * provider has one.
     */
    async signIn(
      configuration: client.Configuration,
      callbackUrl: URL,
      checks: { state: string; nonce: string; codeVerifier: string },
      wantsUserInfo: (claims: Record<string, unknown>) => boolean,
    ): Promise<Record<string, unknown>> {
      const issuer = configuration.serverMetadata().issuer;
      let tokens: Awaited<ReturnType<typeof client.authorizationCodeGrant>>;
      try {
        tokens = await client.authorizationCodeGrant(configuration, callbackUrl, {
          pkceCodeVerifier: checks.codeVerifier,
          expectedState: checks.state,
          expectedNonce: checks.nonce,
          idTokenExpected: true,
        });
      } catch (error) {
        throw describeFailure(error, 'token', issuer);
      }
      // The claims read are the verified token's own.
      const claims: Record<string, unknown> = {
        ...(await keys.verify(tokens.id_token!, {
          jwksUri: jwksUriOf(configuration),
          issuer,
          audience: configuration.clientMetadata().client_id,
          maxAgeSeconds: idTokenMaxAgeSeconds,
          requiredClaims: ['iat', 'exp', 'sub'],
          isFromAnyone: false,
        })),
      };
      if (!wantsUserInfo(claims) || !configuration.serverMetadata().userinfo_endpoint) return claims;
      try {
        const userInfo = await client.fetchUserInfo(configuration, tokens.access_token, claims.sub as string);
        // The ID token's own claims win: they are signed.
        return { ...userInfo, ...claims };
      } catch (error) {
        throw describeFailure(error, 'userinfo', issuer);
      }
    },

    /**
     * A back-channel logout token checked as OpenID Connect Back-Channel Logout 1.0 says (signature,
     * issuer, audience, age, the logout event, no nonce): the subject whose sessions end. 400 otherwise,
     * as the standard asks.
     */
    async subjectOfLogoutToken(configuration: client.Configuration, logoutToken: string): Promise<string> {
      const invalid = (sentence: string) => new AppError('validation_failed', sentence);
      let claims: Record<string, unknown>;
      try {
        claims = await keys.verify(logoutToken, {
          jwksUri: jwksUriOf(configuration),
          issuer: configuration.serverMetadata().issuer,
          audience: configuration.clientMetadata().client_id,
          maxAgeSeconds: logoutTokenMaxAgeSeconds,
          requiredClaims: ['iat', 'jti', 'events'],
          isFromAnyone: true,
        });
      } catch (error) {
        if (error instanceof AppError && error.code === 'forbidden') throw invalid(error.message);
        throw error;
      }
      const events = claims.events as Record<string, unknown> | null;
      if (typeof events !== 'object' || events === null || typeof events[backChannelLogoutEvent] !== 'object') {
        throw invalid(`The logout token has no '${backChannelLogoutEvent}' event, so it is no back-channel logout`);
      }
      // An ID token carries a nonce; a logout token never does (so one cannot pass for the other).
      if (claims.nonce !== undefined) throw invalid('The logout token carries a nonce, as only ID tokens do: refused');
      if (typeof claims.sub !== 'string' || claims.sub === '') {
        throw invalid(
          "The logout token names no subject ('sub'): Parley ends the sessions of a subject, so configure the provider to send it",
        );
      }
      return claims.sub;
    },

    /** Where the browser goes to end its session at the provider, or null when the provider has no such page. */
    endSessionUrl(configuration: client.Configuration, postLogoutRedirectUri: string): string | null {
      if (!configuration.serverMetadata().end_session_endpoint) return null;
      return client
        .buildEndSessionUrl(configuration, {
          client_id: configuration.clientMetadata().client_id,
          post_logout_redirect_uri: postLogoutRedirectUri,
        })
        .toString();
    },
  };
}

export type OidcClient = ReturnType<typeof createOidcClient>;

function requireEndpointsAtIssuer(metadata: client.ServerMetadata, approvedOrigins: readonly string[]): void {
  const issuerOrigin = new URL(metadata.issuer).origin;
  for (const name of checkedEndpoints) {
    const endpoint = metadata[name];
    if (endpoint === undefined) continue;
    const origin = URL.canParse(endpoint) ? new URL(endpoint).origin : null;
    if (origin === issuerOrigin || (origin !== null && approvedOrigins.includes(origin))) continue;
    throw new AppError(
      'unprocessable',
      `The identity provider's ${name} (${endpoint}) is not at its issuer's address ${issuerOrigin}: Parley sends people to, and calls, only the issuer's address, unless a platform admin approves ${origin ?? 'that address'} for this connection (approvedEndpointOrigins)`,
    );
  }
}

const failed = (message: string) => ({ ok: false, message, issuer: null, supportsEndSession: false });

function parseIssuer(issuerUrl: string, allowsHttpIssuers: boolean): URL {
  const url = new URL(issuerUrl);
  if (url.protocol === 'http:' && !allowsHttpIssuers) {
    throw new AppError(
      'unprocessable',
      `The issuer URL ${issuerUrl} is plain http: client secrets and tokens would cross the network readable; use https (an operator can allow http issuers with SSO_ALLOW_HTTP_ISSUERS)`,
    );
  }
  return url;
}

/** client_secret_basic when the provider lists it (or lists nothing: the standard's default), else client_secret_post. */
function withClientAuthentication(
  discovered: client.Configuration,
  settings: OidcSettings,
  deps: OidcClientDeps,
): client.Configuration {
  const metadata = discovered.serverMetadata();
  const methods = metadata.token_endpoint_auth_methods_supported;
  const authentication =
    !methods || methods.includes('client_secret_basic')
      ? client.ClientSecretBasic(settings.clientSecret)
      : client.ClientSecretPost(settings.clientSecret);
  const configuration = new client.Configuration(metadata, settings.clientId, undefined, authentication);
  configuration[client.customFetch] = (url, options) =>
    deps.outbound.fetch(url, { ...(options as RequestInit), timeoutMs: deps.timeoutMs });
  configuration.timeout = Math.ceil(deps.timeoutMs / 1000);
  if (deps.allowsHttpIssuers) client.allowInsecureRequests(configuration);
  return configuration;
}
