import { randomBytes, timingSafeEqual } from 'node:crypto';
import * as client from 'openid-client';
import type { Database } from '../../platform/db/client.js';
import { AppError } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import type { Logger } from '../../platform/logger.js';
import { decryptSecret, encryptSecret } from '../../platform/secrets.js';
import type { AuthRepository } from '../auth/auth.repository.js';
import type { AuthService } from '../auth/index.js';
import type { SessionView } from '../auth/auth.schemas.js';
import { hashOpaqueToken } from '../auth/auth.tokens.js';
import type { UsersRepository, UsersService } from '../users/index.js';
import type { OidcClient } from './oidc-client.js';
import { domainOf, lacksClaims, personFromClaims } from './sso-claims.js';
import { provisionPerson } from './sso-provisioning.js';
import type { SsoConnectionRow, SsoRepository } from './sso.repository.js';
import type { PasswordHasher } from '../auth/passwords.js';

export interface SsoSignInDeps {
  readonly db: Database;
  readonly repository: SsoRepository;
  readonly oidc: OidcClient;
  readonly credentialsKey: Buffer;
  readonly auth: Pick<AuthService, 'startSession' | 'logout' | 'endSingleSignOnSessions'>;
  readonly authRepository: Pick<AuthRepository, 'findRefreshTokenByHash'>;
  readonly users: Pick<UsersService, 'disableForIdentityProvider' | 'announceChanges'>;
  readonly usersRepository: Pick<UsersRepository, 'insertUser' | 'updateUser'>;
  readonly passwords: PasswordHasher;
  readonly logger: Logger;
  /**
   * PUBLIC_URL: where the provider sends people back and after signing out. Never the request's Host
   * header, which its sender writes: a forged one would name another callback to the provider.
   */
  readonly publicUrl: string;
}

/** How long a person has at the provider between leaving Parley and coming back. */
export const attemptLifetimeMs = 10 * 60_000;
export const callbackPath = '/v1/sso/callback';

/**
 * The cookie that binds one sign-in to the browser that began it, named after the attempt's state: two
 * sign-ins begun in two tabs each keep their own, where one shared name let the second overwrite the first.
 */
export const bindingCookieNameOf = (state: string): string => `parley_sso_${hashOpaqueToken(state).slice(0, 16)}`;

const attemptUnknown = () =>
  new AppError(
    'validation_failed',
    'This sign-in link was already used, has expired, or was begun in another browser: start the sign-in again',
  );

export function createSsoSignInService(deps: SsoSignInDeps) {
  const { db, repository, oidc, credentialsKey } = deps;
  const callbackUrl = `${deps.publicUrl}${callbackPath}`;

  const settingsOf = (connection: SsoConnectionRow) => ({
    issuerUrl: connection.issuerUrl,
    clientId: connection.clientId,
    clientSecret: decryptSecret(credentialsKey, connection.clientSecretSealed),
    approvedEndpointOrigins: connection.approvedEndpointOrigins,
  });

  return {
    /** Whether an email's domain, or a tenant's slug, signs in through a provider, and where to begin. */
    async discover(input: { email?: string | undefined; tenant?: string | undefined }) {
      const connection =
        input.tenant !== undefined
          ? await repository.findConnectionBySlug(db, input.tenant)
          : await repository.findConnectionByDomain(db, domainOf(input.email!));
      if (!connection) return { sso: false, ssoRequired: false, startUrl: null };
      const hint = input.email === undefined ? '' : `?loginHint=${encodeURIComponent(input.email)}`;
      return { sso: true, ssoRequired: connection.isSsoRequired, startUrl: `/v1/sso/start/${connection.slug}${hint}` };
    },

    /**
     * Begins a sign-in: state, nonce and PKCE verifier are kept server-side, and bound to this browser
     * by a random value in a cookie of its own, so a sign-in begun elsewhere cannot be finished here.
     */
    async start(slug: string, loginHint: string | undefined) {
      const connection = await repository.findConnectionBySlug(db, slug);
      if (!connection) throw new AppError('not_found', `No single sign-on is set up under the name '${slug}'`);
      const configuration = await oidc.discover(settingsOf(connection));
      const state = client.randomState();
      const nonce = client.randomNonce();
      const codeVerifier = client.randomPKCECodeVerifier();
      const browserBinding = randomBytes(32).toString('base64url');
      await repository.insertAttempt(db, {
        id: newId(),
        tenantId: connection.tenantId,
        connectionId: connection.id,
        stateHash: hashOpaqueToken(state),
        browserBindingHash: hashOpaqueToken(browserBinding),
        nonce,
        codeVerifierSealed: encryptSecret(credentialsKey, codeVerifier),
        expiresAt: new Date(Date.now() + attemptLifetimeMs),
      });
      const redirectUrl = oidc.authorizationUrl(configuration, {
        redirectUri: callbackUrl,
        scopes: connection.scopes,
        state,
        nonce,
        codeChallenge: await client.calculatePKCECodeChallenge(codeVerifier),
        loginHint,
      });
      return { redirectUrl, bindingCookie: { name: bindingCookieNameOf(state), value: browserBinding } };
    },

    /**
     * The provider sent the person back: the attempt is taken (once), the code exchanged and the ID
     * token checked, the person provisioned in the connection's tenant, and a session started.
     */
    async finish(input: {
      rawQuery: string;
      state: string | undefined;
      browserBinding: string | undefined;
    }): Promise<SessionView> {
      if (!input.state)
        throw new AppError('validation_failed', 'The identity provider sent no state: start the sign-in again');
      const attempt = await repository.takeAttempt(db, hashOpaqueToken(input.state));
      if (!attempt || attempt.expiresAt.getTime() <= Date.now()) throw attemptUnknown();
      if (!input.browserBinding || !sameHash(hashOpaqueToken(input.browserBinding), attempt.browserBindingHash)) {
        throw attemptUnknown();
      }
      const connection = await repository.findConnection(db, attempt.tenantId, attempt.connectionId);
      if (!connection)
        throw new AppError('validation_failed', "This tenant's single sign-on was removed while you signed in");
      const configuration = await oidc.discover(settingsOf(connection));
      const claims = await oidc.signIn(
        configuration,
        new URL(`${callbackUrl}?${input.rawQuery}`),
        {
          state: input.state,
          nonce: attempt.nonce,
          codeVerifier: decryptSecret(credentialsKey, attempt.codeVerifierSealed),
        },
        (idTokenClaims) => lacksClaims(connection, idTokenClaims),
      );
      const person = personFromClaims(connection, claims);
      const user = await provisionPerson(deps, connection, person);
      return deps.auth.startSession(user, 'sso');
    },

    /**
     * Ends Parley's session (as /v1/auth/logout does) and answers the provider's end-session URL when
     * the session was a single sign-on and the provider has one.
     */
    async logout(refreshToken: string): Promise<{ endSessionUrl: string | null }> {
      const stored = await deps.authRepository.findRefreshTokenByHash(db, hashOpaqueToken(refreshToken));
      await deps.auth.logout(refreshToken);
      if (!stored) return { endSessionUrl: null };
      const identity = await repository.findIdentity(db, stored.tenantId, stored.userId);
      const connection = identity && (await repository.findConnection(db, stored.tenantId, identity.connectionId));
      if (!connection) return { endSessionUrl: null };
      try {
        return { endSessionUrl: oidc.endSessionUrl(await oidc.discover(settingsOf(connection)), `${deps.publicUrl}/`) };
      } catch (error) {
        // Parley's session has ended; the provider's page is a courtesy the person can live without.
        deps.logger.warn({ err: error, connectionId: connection.id }, 'sso: end-session URL unavailable');
        return { endSessionUrl: null };
      }
    },

    /**
     * The provider says a person signed out there (OpenID Connect Back-Channel Logout): every session
     * single sign-on began for them ends. A subject Parley does not know is no error: nothing to end.
     */
    async logoutFromProvider(slug: string, logoutToken: string): Promise<{ endedSessions: number }> {
      const connection = await repository.findConnectionBySlug(db, slug);
      if (!connection) throw new AppError('not_found', `No single sign-on is set up under the name '${slug}'`);
      const configuration = await oidc.discover(settingsOf(connection));
      const subject = await oidc.subjectOfLogoutToken(configuration, logoutToken);
      const userIds = await repository.findUserIdsBySubject(db, connection.tenantId, connection.id, subject);
      let endedSessions = 0;
      for (const userId of userIds) {
        endedSessions += await deps.auth.endSingleSignOnSessions(connection.tenantId, userId);
      }
      deps.logger.info({ connectionId: connection.id, endedSessions }, 'sso: back-channel logout');
      return { endedSessions };
    },
  };
}

function sameHash(left: string, right: string): boolean {
  return left.length === right.length && timingSafeEqual(Buffer.from(left), Buffer.from(right));
}

export type SsoSignInService = ReturnType<typeof createSsoSignInService>;
