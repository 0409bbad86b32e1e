import type { Config } from '../../config.js';
import type { App } from '../../platform/http/types.js';
import type { Database } from '../../platform/db/client.js';
import type { ServerKeys } from '../../platform/secrets.js';
import { createAuthRepository } from './auth.repository.js';
import { registerAuthRoutes } from './auth.routes.js';
import { createAuthService } from './auth.service.js';
import { createAccessTokenSigner } from './auth.tokens.js';
import type { Redis } from 'ioredis';
import type { DefaultAgent } from '../agents/default-agent.js';
import type { Logger } from '../../platform/logger.js';
import { createLoginThrottle, type LoginThrottle } from './login-throttle.js';
import { createRedisLoginThrottle } from './redis-login-throttle.js';
import type { PasswordHasher } from './passwords.js';

export interface AuthModuleDeps {
  readonly db: Database;
  readonly passwords: PasswordHasher;
  readonly keys: ServerKeys;
  /** Scaled out: failed sign-ins are counted across nodes. */
  readonly redis?: Redis;
  readonly logger: Logger;
  readonly defaultAgent: DefaultAgent;
  /** A user's sign-in ended (sign-out, a reused refresh token): their open sockets are checked again. */
  readonly onCredentialsChanged?: (userId: string) => void;
  readonly config: Pick<
    Config,
    | 'signupMode'
    | 'refreshTokenTtlDays'
    | 'ssoSessionMaxHours'
    | 'ssoApiKeyMaxDays'
    | 'accessTokenTtlSeconds'
    | 'loginAttemptsPer15Minutes'
    | 'authRateLimitPerMinute'
  >;
}

export function createAuthModule(deps: AuthModuleDeps) {
  const service = createAuthService({
    db: deps.db,
    passwords: deps.passwords,
    repository: createAuthRepository(),
    signer: createAccessTokenSigner(deps.keys.jwtSigningKey, deps.config.accessTokenTtlSeconds),
    throttle: loginThrottleOf(deps),
    config: deps.config,
    defaultAgent: deps.defaultAgent,
    onCredentialsChanged: deps.onCredentialsChanged,
  });
  return {
    service,
    registerRoutes: (app: App) =>
      registerAuthRoutes(app, service, {
        rateLimitPerMinute: deps.config.authRateLimitPerMinute,
        refreshTokenTtlDays: deps.config.refreshTokenTtlDays,
      }),
  };
}

function loginThrottleOf(deps: AuthModuleDeps): LoginThrottle {
  const options = { maxFailures: deps.config.loginAttemptsPer15Minutes, windowMs: 15 * 60_000 };
  const inProcess = createLoginThrottle(options);
  return deps.redis ? createRedisLoginThrottle(deps.redis, options, inProcess, deps.logger) : inProcess;
}

export type { AuthService, Credential, Identified } from './auth.service.js';
export { presentsApiKey } from './auth.tokens.js';
export { credentialNotAccepted } from './credential-checks.js';
export { isSignInLiveSql } from './live-sign-in.js';
