import { canGrantRole, type Role } from '../../access/actor.js';
import type { Actor, SignInToConfirm } from '../../access/actor.js';
import type { Database } from '../../platform/db/client.js';
import { AppError } from '../../platform/errors.js';
import type { AuthRepository } from './auth.repository.js';
import { createLruCache } from '../../platform/lru-cache.js';
import { everyKey } from '../../platform/cache/invalidation-bus.js';
import { apiKeyPrefix, bearerTokenOf, hashOpaqueToken, type AccessTokenSigner } from './auth.tokens.js';

/** What proves an actor: a sign-in (its user, epoch and session) or an API key (its hash). */
export interface Credential {
  readonly userId: string;
  readonly sessionEpoch?: number;
  readonly sessionId?: string;
  readonly keyHash?: string;
}

export interface Identified {
  readonly actor: Actor;
  readonly credential: Credential;
  /**
   * Set when the sign-in was let in on this node's memory of its last check, not read now: the route asked
   * for it (`mayConfirmLater`) and must confirm it in the statement it acts with (live-sign-in.ts).
   */
  readonly toConfirm?: SignInToConfirm;
}

/** The answer to a credential that was not accepted, wherever it is found so (the access hook, a chat turn). */
export function credentialNotAccepted(): AppError {
  return new AppError(
    'unauthenticated',
    'The access token or API key sent was not accepted (expired, signed out, deleted or not valid); refresh the token or sign in again, or use a current API key',
  );
}

/** How many users' last confirmed sign-ins a node remembers (a few per user). */
const rememberedUsers = 10_000;
const signInsPerUser = 4;

export interface CredentialChecksDeps {
  readonly db: Database;
  readonly repository: Pick<AuthRepository, 'findApiKeyWithUser' | 'findUserForAccessToken' | 'touchApiKey'>;
  readonly signer: Pick<AccessTokenSigner, 'verify'>;
  /** SSO_API_KEY_MAX_DAYS: how long after their last single sign-on an SSO user's keys still work. */
  readonly ssoApiKeyMaxMs: number;
}

/**
 * Who a credential stands for, on every request and again on open sockets: an access token of a live
 * sign-in of an enabled user, or an API key of one, never above the user's role today.
 */
export function createCredentialChecks(deps: CredentialChecksDeps) {
  const { db, repository, signer } = deps;
  /**
   * The sign-ins this node last found live, by user: what a route that confirms the sign-in in its own
   * statement (a chat turn) is let in on without a read. Only a shortcut: nothing is trusted on it alone.
   */
  const confirmed = createLruCache<SignInToConfirm[]>(rememberedUsers);
  const remember = (signIn: SignInToConfirm) => {
    const others = (confirmed.get(signIn.userId) ?? []).filter((held) => held.sessionId !== signIn.sessionId);
    confirmed.set(signIn.userId, [signIn, ...others].slice(0, signInsPerUser));
  };
  const recalled = (claims: { userId: string; tenantId: string; sessionId: string; sessionEpoch: number }) =>
    confirmed
      .get(claims.userId)
      ?.find(
        (held) =>
          held.sessionId === claims.sessionId &&
          held.sessionEpoch === claims.sessionEpoch &&
          held.tenantId === claims.tenantId,
      );

  /**
   * Whether a key works now: its user is enabled and, when the provider answers for them (linked to it,
   * or the tenant requires it), signed in through it within SSO_API_KEY_MAX_DAYS. Someone the provider
   * removed cannot sign in there again, so their keys stop by then at the latest (ADR 24).
   */
  function isKeyUsable(found: {
    user: { disabledAt: Date | null };
    lastSsoSignInAt: Date | null;
    isSsoRequired: boolean;
  }): boolean {
    if (found.user.disabledAt) return false;
    if (found.lastSsoSignInAt === null) return !found.isSsoRequired;
    return Date.now() - found.lastSsoSignInAt.getTime() <= deps.ssoApiKeyMaxMs;
  }

  return {
    /**
     * `mayConfirmLater`: the route confirms a sign-in in the statement it acts with, so one this node found
     * live before is let in without a read (`toConfirm`); API keys and unknown sign-ins are read as always.
     */
    identify: async (
      authorization: string | undefined,
      options: { mayConfirmLater?: boolean } = {},
    ): Promise<Identified | null> => {
      const token = bearerTokenOf(authorization);
      if (!token) return null;
      if (token.startsWith(apiKeyPrefix)) {
        const keyHash = hashOpaqueToken(token);
        const found = await repository.findApiKeyWithUser(db, keyHash);
        if (!found || !isKeyUsable(found)) return null;
        const lastUsedMs = found.key.lastUsedAt?.getTime() ?? 0;
        if (Date.now() - lastUsedMs > 60_000) {
          // Minute precision is enough for "last used", and spares a write on every request.
          void repository.touchApiKey(db, found.key.tenantId, found.key.id).catch(() => undefined);
        }
        return identityOfKey(found, keyHash);
      }
      const claims = await signer.verify(token);
      if (!claims) return null;
      const held = options.mayConfirmLater ? recalled(claims) : undefined;
      if (held) {
        return {
          actor: { tenantId: held.tenantId, userId: held.userId, role: held.role, via: 'token' },
          credential: { userId: held.userId, sessionEpoch: held.sessionEpoch, sessionId: held.sessionId },
          toConfirm: held,
        };
      }
      // Checked on every request so disabling a user (or changing a role) takes effect at once, a token
      // from before their sessions were ended stays refused after they are enabled again, and a token of
      // a sign-in that was signed out (or whose refresh token was reused) is refused too.
      const found = await repository.findUserForAccessToken(db, claims.userId, claims.sessionId);
      const user = found?.user;
      if (!user || user.disabledAt || user.tenantId !== claims.tenantId) return null;
      if (user.sessionEpoch !== claims.sessionEpoch) return null;
      if (!found.isSessionLive) return null;
      remember({
        userId: user.id,
        tenantId: user.tenantId,
        sessionId: claims.sessionId,
        sessionEpoch: user.sessionEpoch,
        role: user.role,
      });
      return {
        actor: { tenantId: user.tenantId, userId: user.id, role: user.role, via: 'token' },
        credential: { userId: user.id, sessionEpoch: user.sessionEpoch, sessionId: claims.sessionId },
      };
    },

    /** The user's credentials changed (signed out, disabled, another role): forget their sign-ins. */
    forgetSignIns: (userId: string): void => {
      if (userId === everyKey) confirmed.clear();
      else confirmed.delete(userId);
    },

    currentIdentity: async (credential: Credential): Promise<Identified | null> => {
      if (credential.keyHash !== undefined) {
        const found = await repository.findApiKeyWithUser(db, credential.keyHash);
        return found && isKeyUsable(found) ? identityOfKey(found, credential.keyHash) : null;
      }
      // Every sign-in's credential names its sign-in (access tokens must carry sid), so one without is spent.
      if (credential.sessionId === undefined) return null;
      const found = await repository.findUserForAccessToken(db, credential.userId, credential.sessionId);
      const user = found?.user;
      if (!user || user.disabledAt || user.sessionEpoch !== credential.sessionEpoch || !found.isSessionLive)
        return null;
      return { actor: { tenantId: user.tenantId, userId: user.id, role: user.role, via: 'token' }, credential };
    },
  };
}

/** A key never carries more than its user holds today, even if the user was demoted since. */
function identityOfKey(
  found: { key: { tenantId: string; role: Role }; user: { id: string; role: Role } },
  keyHash: string,
): Identified {
  const role = canGrantRole(found.user, found.key.role) ? found.key.role : found.user.role;
  return {
    actor: { tenantId: found.key.tenantId, userId: found.user.id, role, via: 'api_key' },
    credential: { userId: found.user.id, keyHash },
  };
}
