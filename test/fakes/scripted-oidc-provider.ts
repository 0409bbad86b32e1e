import { createHash, generateKeyPairSync, randomUUID, type KeyObject } from 'node:crypto';
import { SignJWT, type JWK } from 'jose';
import { sendJson, startFakeHttpServer } from './fake-http-server.js';

/** A key pair a provider signs with; `publicJwk` is what a JWKS publishes. */
export interface SigningKey {
  readonly kid: string;
  readonly privateKey: KeyObject;
  readonly publicJwk: JWK;
}

/** How the provider's next ID tokens are made: the key, header and claims a test picks. */
export interface TokenScript {
  /** Signs with this key instead of the published one (a key outside the JWKS). */
  readonly signingKey?: SigningKey;
  /** Header fields added or replaced (`kid`, `jwk`…). */
  readonly header?: Record<string, unknown>;
  /** Claims added or replaced (`iat`, `email_verified`…); undefined removes one. */
  readonly claims?: Record<string, unknown>;
}

export interface ScriptedIdp {
  readonly issuer: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** The claims each account's ID token carries besides iss, sub, aud, iat, exp and nonce; the key is `sub`. */
  readonly accounts: Map<string, Record<string, unknown>>;
  /** Applied to every ID token until set back to undefined. */
  script: TokenScript | undefined;
  /** Fields of the discovery document added or replaced (an endpoint elsewhere…). */
  discovery: Record<string, unknown>;
  /** How many times the JWKS was read. */
  jwksRequestCount(): number;
  /** The key the JWKS publishes and ID tokens are signed with now. */
  publishedKey(): SigningKey;
  /** A new published key; the old one leaves the JWKS (a rotation without overlap). */
  rotateKey(): void;
  /** A back-channel logout token for `subject`, signed with the published key unless the script says otherwise. */
  logoutToken(subject: string, script?: TokenScript): Promise<string>;
  close(): Promise<void>;
}

export function newSigningKey(): SigningKey {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const kid = randomUUID();
  const exported = publicKey.export({ format: 'jwk' }) as JWK;
  return { kid, privateKey, publicJwk: { ...exported, kid, use: 'sig', alg: 'RS256' } };
}

/**
 * A hand-made OpenID provider on 127.0.0.1 that signs what a test tells it to: discovery, a JWKS, an
 * authorization endpoint that signs in the account named in its URL (`account=`) and sends the browser
 * straight back, and a token endpoint (client_secret_basic, PKCE S256) whose ID tokens follow `script`.
 * Beside the certified oidc-provider fake, this one can misbehave: foreign keys, embedded `jwk`
 * headers, clocks in the future, claims of any type.
 */
export async function startScriptedIdp(options: { redirectUris: string[] }): Promise<ScriptedIdp> {
  const clientId = `parley-${randomUUID().slice(0, 8)}`;
  const clientSecret = `secret-${randomUUID()}`;
  const accounts = new Map<string, Record<string, unknown>>();
  const codes = new Map<string, { accountId: string; nonce?: string; codeChallenge: string; redirectUri: string }>();
  let key = newSigningKey();
  let jwksRequests = 0;
  let issuer = '';

  const sign = async (payload: Record<string, unknown>, header: Record<string, unknown>, script?: TokenScript) => {
    const claims = { ...payload, ...script?.claims };
    for (const [name, value] of Object.entries(claims)) if (value === undefined) delete claims[name];
    const signingKey = script?.signingKey ?? key;
    return new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', kid: signingKey.kid, ...header, ...script?.header })
      .sign(signingKey.privateKey);
  };

  const server = await startFakeHttpServer(async ({ request, response }) => {
    if (request.path === '/.well-known/openid-configuration') {
      sendJson(response, 200, {
        issuer,
        authorization_endpoint: `${issuer}/authorize`,
        token_endpoint: `${issuer}/token`,
        jwks_uri: `${issuer}/jwks`,
        response_types_supported: ['code'],
        subject_types_supported: ['public'],
        id_token_signing_alg_values_supported: ['RS256'],
        token_endpoint_auth_methods_supported: ['client_secret_basic'],
        code_challenge_methods_supported: ['S256'],
        authorization_response_iss_parameter_supported: true,
        backchannel_logout_supported: true,
        ...idp.discovery,
      });
      return;
    }
    if (request.path === '/jwks') {
      jwksRequests += 1;
      sendJson(response, 200, { keys: [key.publicJwk] });
      return;
    }
    if (request.path === '/authorize') {
      const { query } = request;
      const account = query.account;
      if (query.client_id !== clientId || !options.redirectUris.includes(query.redirect_uri ?? '')) {
        sendJson(response, 400, { error: 'invalid_request', error_description: 'unknown client or redirect_uri' });
        return;
      }
      if (!account || !accounts.has(account) || query.code_challenge_method !== 'S256' || !query.code_challenge) {
        sendJson(response, 400, { error: 'invalid_request', error_description: 'no such account, or no PKCE' });
        return;
      }
      const code = randomUUID();
      codes.set(code, {
        accountId: account,
        nonce: query.nonce,
        codeChallenge: query.code_challenge,
        redirectUri: query.redirect_uri!,
      });
      const back = new URL(query.redirect_uri!);
      back.searchParams.set('code', code);
      back.searchParams.set('state', query.state ?? '');
      back.searchParams.set('iss', issuer);
      response.writeHead(302, { location: back.href });
      response.end();
      return;
    }
    if (request.path === '/token' && request.method === 'POST') {
      const form = new URLSearchParams(typeof request.body === 'string' ? request.body : '');
      if (!isClient(request.headers.authorization, clientId, clientSecret)) {
        sendJson(response, 401, { error: 'invalid_client' });
        return;
      }
      const granted = codes.get(form.get('code') ?? '');
      codes.delete(form.get('code') ?? '');
      const verifier = form.get('code_verifier') ?? '';
      if (
        !granted ||
        form.get('grant_type') !== 'authorization_code' ||
        form.get('redirect_uri') !== granted.redirectUri ||
        createHash('sha256').update(verifier).digest('base64url') !== granted.codeChallenge
      ) {
        sendJson(response, 400, { error: 'invalid_grant' });
        return;
      }
      const now = Math.floor(Date.now() / 1000);
      const idToken = await sign(
        {
          ...accounts.get(granted.accountId),
          iss: issuer,
          sub: granted.accountId,
          aud: clientId,
          iat: now,
          exp: now + 600,
          nonce: granted.nonce,
        },
        { typ: 'JWT' },
        idp.script,
      );
      sendJson(
        response,
        200,
        { access_token: randomUUID(), token_type: 'Bearer', expires_in: 600, id_token: idToken },
        { 'cache-control': 'no-store' },
      );
      return;
    }
    sendJson(response, 404, { error: 'not_found' });
  });
  issuer = server.url;

  const idp: ScriptedIdp = {
    issuer,
    clientId,
    clientSecret,
    accounts,
    script: undefined,
    discovery: {},
    jwksRequestCount: () => jwksRequests,
    publishedKey: () => key,
    rotateKey: () => {
      key = newSigningKey();
    },
    logoutToken: (subject, script) => {
      const now = Math.floor(Date.now() / 1000);
      return sign(
        {
          iss: issuer,
          sub: subject,
          aud: clientId,
          iat: now,
          exp: now + 120,
          jti: randomUUID(),
          events: { 'http://schemas.openid.net/event/backchannel-logout': {} },
        },
        { typ: 'logout+jwt' },
        script,
      );
    },
    close: () => server.close(),
  };
  return idp;
}

/** client_secret_basic as RFC 6749 2.3.1 has it: both parts form-encoded, then base64. */
function isClient(authorization: string | undefined, clientId: string, clientSecret: string): boolean {
  if (!authorization?.startsWith('Basic ')) return false;
  const decode = (value: string) => decodeURIComponent(value.replace(/\+/g, ' '));
  const [id = '', secret = ''] = Buffer.from(authorization.slice(6), 'base64').toString('utf8').split(':');
  return decode(id) === clientId && decode(secret) === clientSecret;
}
