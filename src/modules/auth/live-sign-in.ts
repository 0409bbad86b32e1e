import { sql, type SQL } from 'drizzle-orm';
import type { SignInToConfirm } from '../../access/actor.js';
import { refreshTokens, ssoConnections, users } from '../../platform/db/schema/index.js';

/** Whether the user's tenant requires single sign-on (docs/sso.md); its platform admins are not bound by it. */
const isSsoRequiredOf = sql<boolean>`(${users.role} <> 'platform_admin' and exists (select 1 from ${ssoConnections} where ${ssoConnections.tenantId} = ${users.tenantId} and ${ssoConnections.isSsoRequired}))`;

/**
 * Whether the sign-in an access token belongs to (its refresh tokens' family) is one of the user row's in
 * scope and still has a token that was not revoked (ADR 2). Without the user condition, a token forged with
 * the key could borrow another user's live sign-in. A password sign-in ends once its tenant requires
 * single sign-on (ADR 24): its access tokens are refused at once, so none can make API keys.
 */
export function isSessionLiveSql(sessionId: SQL, userId: SQL): SQL<boolean> {
  return sql<boolean>`exists (select 1 from ${refreshTokens} where ${refreshTokens.familyId} = ${sessionId}::uuid and ${refreshTokens.userId} = ${userId}::uuid and ${refreshTokens.revokedAt} is null and (${refreshTokens.signedInWith} = 'sso' or not ${isSsoRequiredOf}))`;
}

/**
 * The access token's check as one condition, for a statement that acts on a sign-in it has not read (a chat
 * turn's): the user is enabled, in the tenant, with the role and session epoch the request was let in
 * with, and the sign-in is live. Its values are the statement's: the rule is `identify`'s, word for word.
 */
export function isSignInLiveSql(signIn: { [K in keyof SignInToConfirm]: SQL }): SQL<boolean> {
  return sql<boolean>`exists (select 1 from ${users} where ${users.id} = ${signIn.userId}::uuid
    and ${users.tenantId} = ${signIn.tenantId}::uuid and ${users.disabledAt} is null
    and ${users.sessionEpoch} = ${signIn.sessionEpoch}::integer and ${users.role}::text = ${signIn.role}::text
    and ${isSessionLiveSql(signIn.sessionId, signIn.userId)})`;
}

export { isSsoRequiredOf };
export type { SignInToConfirm };
