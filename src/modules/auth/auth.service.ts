import type { Actor } from '../../access/actor.js';
import type { Config } from '../../config.js';
import type { Database } from '../../platform/db/client.js';
import type { SignInMethod } from '../../platform/db/schema/index.js';
import { AppError } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import type { DefaultAgent } from '../agents/default-agent.js';
import type { AuthRepository, RefreshTokenInsert, UserRow } from './auth.repository.js';
import { presentTenant, presentUser, type LoginInput, type RegisterInput, type SessionView } from './auth.schemas.js';
import { hashOpaqueToken, newOpaqueToken, refreshTokenPrefix, type AccessTokenSigner } from './auth.tokens.js';
import { createCredentialChecks } from './credential-checks.js';
import type { LoginThrottle } from './login-throttle.js';
import type { PasswordHasher } from './passwords.js';
import { accountSignedInTo } from './sign-in-account.js';

export type { Credential, Identified } from './credential-checks.js';

export interface AuthServiceDeps {
  readonly passwords: PasswordHasher;
  readonly db: Database;
  readonly repository: AuthRepository;
  readonly signer: AccessTokenSigner;
  readonly throttle: LoginThrottle;
  readonly config: Pick<Config, 'signupMode' | 'refreshTokenTtlDays' | 'ssoSessionMaxHours' | 'ssoApiKeyMaxDays'>;
  /** Every tenant a sign-up creates starts with an agent, so its first chat needs no set-up. */
  readonly defaultAgent: DefaultAgent;
  readonly onCredentialsChanged?: (userId: string) => void;
}

const sessionExpired = () => new AppError('unauthenticated', 'The session has expired; sign in again');

/** How one sign-in's refresh tokens follow each other: its method, and when the sign-in ends (SSO) or not (null). */
interface SignInFamily {
  readonly id: string;
  readonly signedInWith: SignInMethod;
  /** A single sign-on's fixed end (SSO_SESSION_MAX_HOURS after it); null: each refresh token lives its TTL anew. */
  readonly endsAt: Date | null;
}

export function createAuthService(deps: AuthServiceDeps) {
  const { db, repository, signer, throttle, config } = deps;
  const refreshTokenTtlMs = config.refreshTokenTtlDays * 86_400_000;
  const { identify, currentIdentity, forgetSignIns } = createCredentialChecks({
    db,
    repository,
    signer,
    ssoApiKeyMaxMs: config.ssoApiKeyMaxDays * 86_400_000,
  });

  /**
   * A new sign-in: its refresh token begins a family of its own. One made by single sign-on ends
   * SSO_SESSION_MAX_HOURS after it, however often it is refreshed: then the person goes through the
   * provider again, which refuses someone it removed (ADR 24).
   */
  async function startSession(user: UserRow, signedInWith: SignInMethod = 'password'): Promise<SessionView> {
    const endsAt =
      signedInWith === 'sso'
        ? new Date(Date.now() + Math.min(refreshTokenTtlMs, config.ssoSessionMaxHours * 3_600_000))
        : null;
    const session = await issueSession(user, { id: newId(), signedInWith, endsAt }, (token) =>
      repository.insertRefreshToken(db, token).then(() => true),
    );
    if (!session) throw sessionExpired();
    return session;
  }

  /**
   * Tokens for a sign-in (`family`), once `storeRefreshToken` has stored the new refresh token;
   * undefined when it would not (a refresh whose presented token was rotated meanwhile).
   */
  async function issueSession(
    user: UserRow,
    family: SignInFamily,
    storeRefreshToken: (token: RefreshTokenInsert) => Promise<boolean>,
  ): Promise<SessionView | undefined> {
    const familyId = family.id;
    const tenant = await repository.findTenant(db, user.tenantId);
    if (!tenant) throw sessionExpired();
    const refreshToken = newOpaqueToken(refreshTokenPrefix);
    const isStored = await storeRefreshToken({
      id: newId(),
      tenantId: user.tenantId,
      userId: user.id,
      familyId,
      signedInWith: family.signedInWith,
      tokenHash: hashOpaqueToken(refreshToken),
      expiresAt: family.endsAt ?? new Date(Date.now() + refreshTokenTtlMs),
    });
    if (!isStored) return undefined;
    return {
      tokenType: 'Bearer',
      accessToken: await signer.sign({
        userId: user.id,
        tenantId: user.tenantId,
        sessionEpoch: user.sessionEpoch,
        sessionId: familyId,
      }),
      expiresIn: signer.ttlSeconds,
      refreshToken,
      user: presentUser(user),
      tenant: presentTenant(tenant),
    };
  }

  const service = {
    /** A sign-in someone else proved (single sign-on): the same tokens and cookie as a password sign-in. */
    startSession,

    /**
     * The user's provider signed them out (back-channel logout): every sign-in single sign-on began for
     * them ends, its access tokens refused at once and their open sockets checked again. Their password
     * sign-ins and API keys are their own and stay (ADR 24).
     */
    async endSingleSignOnSessions(tenantId: string, userId: string): Promise<number> {
      const ended = await repository.revokeSessionsSignedInWith(db, tenantId, userId, 'sso');
      if (ended > 0) deps.onCredentialsChanged?.(userId);
      return ended;
    },

    async status() {
      const hasUsers = (await repository.countUsers(db)) > 0;
      return { hasUsers, signupMode: config.signupMode, canRegister: !hasUsers || config.signupMode === 'open' };
    },

    /** The first user becomes platform admin of a first tenant; after that SIGNUP_MODE decides. */
    async register(input: RegisterInput): Promise<SessionView> {
      const passwordHash = await deps.passwords.hash(input.password);
      const { user, announceAgent } = await db.transaction(async (tx) => {
        await repository.lockRegistration(tx);
        const isFirstUser = (await repository.countUsers(tx)) === 0;
        if (!isFirstUser && config.signupMode !== 'open') {
          throw new AppError(
            'forbidden',
            config.signupMode === 'invite'
              ? 'Sign-up is by invitation on this server: ask your tenant administrator to create your account'
              : 'Sign-up is closed on this server',
          );
        }
        // No check of the address: it is unique within a tenant (ADR 3), and this tenant is new.
        const tenant = await repository.insertTenant(tx, {
          id: newId(),
          name: input.tenantName ?? (isFirstUser ? 'Default' : `${input.displayName ?? input.email}'s workspace`),
        });
        const user = await repository.insertUser(tx, {
          id: newId(),
          tenantId: tenant.id,
          email: input.email,
          displayName: input.displayName ?? null,
          passwordHash,
          role: isFirstUser ? 'platform_admin' : 'tenant_admin',
        });
        return { user, announceAgent: await deps.defaultAgent.addTo(tx, tenant, user.id) };
      });
      announceAgent?.();
      return startSession(user);
    },

    async login(input: LoginInput, address: string): Promise<SessionView> {
      const accountKey = `account:${input.email}`;
      const addressKey = `address:${address}`;
      const knownKey = `known:${input.email}|${address}`;
      // Failures counted against the account lock it for new addresses only: counted for every address,
      // anyone could lock anyone out with ten wrong passwords, and keep them out with one more per window.
      const isKnownAddress = await throttle.isRemembered(knownKey);
      await throttle.countAttempt(isKnownAddress ? [addressKey] : [accountKey, addressKey]);
      const user = await accountSignedInTo({ db, repository, passwords: deps.passwords }, input);
      await Promise.all([throttle.reset([accountKey]), throttle.forgive([addressKey]), throttle.remember(knownKey)]);
      return startSession(user);
    },

    /** Rotates the refresh token; presenting an already-rotated token revokes the whole family. */
    async refresh(refreshToken: string): Promise<SessionView> {
      const stored = await repository.findRefreshTokenByHash(db, hashOpaqueToken(refreshToken));
      if (!stored || stored.revokedAt || stored.expiresAt.getTime() <= Date.now()) throw sessionExpired();
      const user = await repository.findUserById(db, stored.userId);
      if (!user || user.disabledAt) throw sessionExpired();
      // A password sign-in ends once the tenant requires single sign-on; its platform admins keep theirs (break-glass).
      if (
        stored.signedInWith === 'password' &&
        user.role !== 'platform_admin' &&
        (await repository.isSsoRequired(db, user.tenantId))
      ) {
        await repository.revokeFamily(db, stored.tenantId, stored.familyId);
        throw new AppError(
          'unauthenticated',
          'Your tenant now signs in through its identity provider, so this password session has ended: sign in with single sign-on',
          { extensions: { ssoRequired: true } },
        );
      }
      // Rotating the presented token and storing its successor are one transaction, whose rotation
      // holds the presented token's row: a second use of it at the same moment waits until the
      // successor is stored, then finds the token rotated and revokes the family, successor included.
      // Stored separately, the successor could land after that revocation and live on.
      const session =
        stored.rotatedAt === null
          ? await issueSession(
              user,
              {
                id: stored.familyId,
                signedInWith: stored.signedInWith,
                endsAt: stored.signedInWith === 'sso' ? stored.expiresAt : null,
              },
              (successor) =>
                db.transaction(async (tx) => {
                  if (!(await repository.markRotated(tx, stored.id))) return false;
                  await repository.insertRefreshToken(tx, successor);
                  return true;
                }),
            )
          : undefined;
      if (!session) {
        await repository.revokeFamily(db, stored.tenantId, stored.familyId);
        deps.onCredentialsChanged?.(stored.userId);
        throw new AppError('unauthenticated', 'This refresh token was already used; sign in again');
      }
      return session;
    },

    /**
     * A refresh that answers undefined instead of refusing when there is no session to resume (no
     * cookie, or one that expired, was signed out or was already used). A reused token still revokes
     * its family, as `refresh` does: this only changes how "signed out" is said.
     */
    async resume(refreshToken: string | undefined): Promise<SessionView | undefined> {
      if (!refreshToken) return undefined;
      try {
        return await service.refresh(refreshToken);
      } catch (error) {
        if (error instanceof AppError && error.code === 'unauthenticated') return undefined;
        throw error;
      }
    },

    async logout(refreshToken: string): Promise<void> {
      const stored = await repository.findRefreshTokenByHash(db, hashOpaqueToken(refreshToken));
      if (!stored) return;
      await repository.revokeFamily(db, stored.tenantId, stored.familyId);
      deps.onCredentialsChanged?.(stored.userId);
    },

    async me(actor: Actor) {
      const [user, tenant] = await Promise.all([
        repository.findUserById(db, actor.userId),
        repository.findTenant(db, actor.tenantId),
      ]);
      if (!user || !tenant) throw sessionExpired();
      return { user: { ...presentUser(user), role: actor.role }, tenant: presentTenant(tenant), via: actor.via };
    },

    /** The user's credentials changed: the sign-ins this node remembers as live are forgotten. */
    forgetSignIns,

    /**
     * The actor and what proves it, for a connection that outlives the request (realtime sockets): the
     * credential is checked again whenever it may have ended (isCredentialLive).
     */
    identify,

    /**
     * What a credential identify() gave stands for now: its actor with the role the user holds today
     * (an API key never above it), or null once it ended (user disabled or deleted, key deleted, signed
     * out, password reset). An open socket, or a ticket being redeemed, is judged by this.
     */
    currentIdentity,
  };
  return service;
}

export type AuthService = ReturnType<typeof createAuthService>;
