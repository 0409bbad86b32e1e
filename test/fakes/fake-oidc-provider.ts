import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider, { type ProviderContext } from 'oidc-provider';

/** A person at the identity provider; tests change their groups between sign-ins. */
export interface IdpAccount {
  email?: string;
  name?: string;
  groups?: string[];
  emailVerified?: boolean;
}

export interface FakeIdp {
  readonly issuer: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly accounts: Map<string, IdpAccount>;
  /** The kid of the key ID tokens are signed with now. */
  readonly currentKid: () => string;
  /** A new signing key; the old one leaves the JWKS (a rotation with no overlap, the hardest case). */
  rotateKey(): Promise<void>;
  close(): Promise<void>;
}

/**
 * A real, OpenID-certified provider (the `oidc-provider` library) on 127.0.0.1, with its development
 * sign-in page (any login, any password: the login names the account). Consent is granted on its own,
 * as a company's provider does for its own apps.
 */
export async function startFakeIdp(options: {
  redirectUris: string[];
  postLogoutRedirectUris?: string[];
}): Promise<FakeIdp> {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const issuer = `http://127.0.0.1:${port}`;
  const clientId = `parley-${randomUUID().slice(0, 8)}`;
  const clientSecret = `secret-${randomUUID()}`;
  const accounts = new Map<string, IdpAccount>();
  let key = newSigningKey();

  const build = () =>
    new Provider(issuer, {
      clients: [
        {
          client_id: clientId,
          client_secret: clientSecret,
          redirect_uris: options.redirectUris,
          post_logout_redirect_uris: options.postLogoutRedirectUris ?? [],
          response_types: ['code'],
          grant_types: ['authorization_code'],
          token_endpoint_auth_method: 'client_secret_basic',
        },
      ],
      jwks: { keys: [key.jwk] },
      cookies: { keys: [randomUUID()] },
      // Set, so the library does not print a notice for each default it uses.
      ttl: { Interaction: 600, Grant: 600, Session: 600, AccessToken: 600, IdToken: 600, AuthorizationCode: 60 },
      scopes: ['openid', 'email', 'profile', 'groups'],
      claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'], groups: ['groups'] },
      // Claims in the ID token itself, as Keycloak and Entra ID send them, not only from userinfo.
      conformIdTokenClaims: false,
      pkce: { required: () => true },
      features: { devInteractions: { enabled: true }, rpInitiatedLogout: { enabled: true } },
      findAccount: (_context: unknown, accountId: string) => {
        const account = accounts.get(accountId);
        if (!account) return undefined;
        return {
          accountId,
          claims: () => ({
            sub: accountId,
            ...(account.email !== undefined && { email: account.email, email_verified: account.emailVerified ?? true }),
            ...(account.name !== undefined && { name: account.name }),
            ...(account.groups !== undefined && { groups: account.groups }),
          }),
        };
      },
      loadExistingGrant: async (context: ProviderContext & { oidc: { provider?: unknown } }) => {
        const accountId = context.oidc.session?.accountId;
        const clientIdOfRequest = context.oidc.client?.clientId;
        if (!accountId || !clientIdOfRequest) return undefined;
        const grant = new provider.Grant({ accountId, clientId: clientIdOfRequest });
        grant.addOIDCScope('openid email profile groups');
        grant.addOIDCClaims(['email', 'email_verified', 'name', 'groups']);
        await grant.save();
        return grant;
      },
    });

  let provider = build();
  let handle = provider.callback();
  server.on('request', (request, response) => handle(request, response));

  return {
    issuer,
    clientId,
    clientSecret,
    accounts,
    currentKid: () => key.jwk.kid,
    async rotateKey() {
      key = newSigningKey();
      provider = build();
      handle = provider.callback();
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function newSigningKey() {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = { ...privateKey.export({ format: 'jwk' }), kid: randomUUID(), use: 'sig', alg: 'RS256' } as {
    kid: string;
  } & Record<string, unknown>;
  return { jwk };
}
