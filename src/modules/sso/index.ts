import type { Config } from '../../config.js';
import type { Database } from '../../platform/db/client.js';
import type { App } from '../../platform/http/types.js';
import type { Logger } from '../../platform/logger.js';
import type { OutboundHttp } from '../../platform/outbound/index.js';
import type { ServerKeys } from '../../platform/secrets.js';
import { createAuthRepository } from '../auth/auth.repository.js';
import type { AuthService } from '../auth/index.js';
import type { UsersRepository, UsersService } from '../users/index.js';
import { createOidcClient } from './oidc-client.js';
import { createSsoConnectionsService } from './sso-connections.service.js';
import { createSsoSignInService } from './sso-sign-in.service.js';
import { createSsoRepository } from './sso.repository.js';
import { registerSsoRoutes } from './sso.routes.js';
import type { PasswordHasher } from '../auth/passwords.js';

export interface SsoModuleDeps {
  readonly db: Database;
  readonly keys: Pick<ServerKeys, 'credentialsKey'>;
  readonly outbound: Pick<OutboundHttp, 'fetch' | 'assertAllowed'>;
  readonly logger: Logger;
  readonly auth: Pick<AuthService, 'startSession' | 'logout' | 'endSingleSignOnSessions'>;
  readonly users: Pick<UsersService, 'disableForIdentityProvider' | 'announceChanges'>;
  readonly usersRepository: Pick<UsersRepository, 'insertUser' | 'updateUser'>;
  readonly passwords: PasswordHasher;
  readonly config: Pick<
    Config,
    'ssoAllowHttpIssuers' | 'authRateLimitPerMinute' | 'refreshTokenTtlDays' | 'publicUrl' | 'ssoSessionMaxHours'
  >;
}

/** How long one call to an identity provider may take: a person is waiting on a page. */
const issuerTimeoutMs = 10_000;

/** Single sign-on per tenant with OpenID Connect (docs/sso.md). */
export function createSsoModule(deps: SsoModuleDeps) {
  const repository = createSsoRepository();
  const authRepository = createAuthRepository();
  const oidc = createOidcClient({
    outbound: deps.outbound,
    allowsHttpIssuers: deps.config.ssoAllowHttpIssuers,
    timeoutMs: issuerTimeoutMs,
  });
  const connections = createSsoConnectionsService({
    db: deps.db,
    repository,
    oidc,
    credentialsKey: deps.keys.credentialsKey,
    assertAllowed: (url) => deps.outbound.assertAllowed(url),
    tenantExists: async (tenantId) => (await authRepository.findTenant(deps.db, tenantId)) !== undefined,
  });
  const signIn = createSsoSignInService({
    db: deps.db,
    repository,
    oidc,
    credentialsKey: deps.keys.credentialsKey,
    auth: deps.auth,
    authRepository,
    users: deps.users,
    usersRepository: deps.usersRepository,
    passwords: deps.passwords,
    logger: deps.logger,
    publicUrl: deps.config.publicUrl,
  });
  return {
    registerRoutes: (app: App) =>
      registerSsoRoutes(
        app,
        { connections, signIn },
        {
          rateLimitPerMinute: deps.config.authRateLimitPerMinute,
          refreshTokenTtlDays: deps.config.refreshTokenTtlDays,
          ssoSessionMaxHours: deps.config.ssoSessionMaxHours,
        },
      ),
  };
}
