import type { Actor } from '../../access/actor.js';
import { requireAdmin } from '../../access/require-access.js';
import type { Database } from '../../platform/db/client.js';
import { isUniqueViolation } from '../../platform/db/errors.js';
import { AppError, conflict, notFound } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import { decryptSecret, encryptSecret } from '../../platform/secrets.js';
import type { OidcClient } from './oidc-client.js';
import type { SsoConnectionChanges, SsoConnectionRow, SsoRepository } from './sso.repository.js';
import {
  presentConnection,
  type ConnectionView,
  type CreateConnectionInput,
  type UpdateConnectionInput,
} from './sso.schemas.js';

export interface SsoConnectionsDeps {
  readonly db: Database;
  readonly repository: SsoRepository;
  readonly oidc: Pick<OidcClient, 'test'>;
  readonly credentialsKey: Buffer;
  /** The outbound door's check of a URL, run on an issuer URL before it is stored. */
  readonly assertAllowed: (url: string) => Promise<void>;
  /** Whether a tenant exists (a platform admin may name any). */
  readonly tenantExists: (tenantId: string) => Promise<boolean>;
}

/**
 * A tenant's OpenID Connect connection: its own admins manage it; platform admins may manage any
 * tenant's. Another tenant's connection is a 404 for everyone else.
 */
export function createSsoConnectionsService(deps: SsoConnectionsDeps) {
  const { db, repository, credentialsKey } = deps;

  async function findOrThrow(actor: Actor, connectionId: string): Promise<SsoConnectionRow> {
    const found =
      actor.role === 'platform_admin'
        ? await repository.findConnectionInAnyTenant(db, connectionId)
        : await repository.findConnection(db, actor.tenantId, connectionId);
    if (!found) throw notFound('SSO connection', connectionId);
    return found;
  }

  async function targetTenant(actor: Actor, tenantId: string | undefined): Promise<string> {
    if (tenantId === undefined || tenantId === actor.tenantId) return actor.tenantId;
    if (actor.role !== 'platform_admin') throw notFound('Tenant', tenantId);
    if (!(await deps.tenantExists(tenantId))) throw notFound('Tenant', tenantId);
    return tenantId;
  }

  async function requireUnclaimedDomains(tenantId: string, domains: readonly string[] | undefined): Promise<void> {
    if (!domains) return;
    const claimed = await repository.findDomainClaimedElsewhere(db, tenantId, domains);
    if (claimed) {
      throw conflict(
        `The domain ${claimed.domain} already signs in through another tenant's identity provider: each domain leads to one tenant`,
      );
    }
  }

  async function saved<T>(write: () => Promise<T>, slug: string | undefined, tenantId: string): Promise<T> {
    try {
      return await write();
    } catch (error) {
      if (isUniqueViolation(error, 'sso_connections_slug_unique')) {
        throw conflict(`The sign-in name '${slug ?? ''}' is taken: choose another slug`);
      }
      if (isUniqueViolation(error, 'sso_connections_tenant_unique')) {
        throw conflict(`Tenant '${tenantId}' already has an SSO connection: change it instead of adding another`);
      }
      throw error;
    }
  }

  return {
    async list(actor: Actor, tenantId: string | undefined): Promise<{ items: ConnectionView[] }> {
      requireAdmin(actor);
      const rows = await repository.listConnections(db, await targetTenant(actor, tenantId));
      return { items: rows.map(presentConnection) };
    },

    async get(actor: Actor, connectionId: string): Promise<ConnectionView> {
      requireAdmin(actor);
      return presentConnection(await findOrThrow(actor, connectionId));
    },

    async create(actor: Actor, input: CreateConnectionInput): Promise<ConnectionView> {
      requireAdmin(actor);
      const tenantId = await targetTenant(actor, input.tenantId);
      await deps.assertAllowed(input.issuerUrl);
      await requireUnclaimedDomains(tenantId, input.allowedDomains);
      const row = await saved(
        () =>
          repository.insertConnection(db, {
            id: newId(),
            tenantId,
            slug: input.slug,
            issuerUrl: input.issuerUrl,
            clientId: input.clientId,
            clientSecretSealed: encryptSecret(credentialsKey, input.clientSecret),
            scopes: input.scopes,
            emailClaim: input.emailClaim,
            nameClaim: input.nameClaim,
            groupsClaim: input.groupsClaim,
            allowedDomains: [...new Set(input.allowedDomains)],
            roleMapping: input.roleMapping,
            defaultRole: input.defaultRole,
            isSsoRequired: input.ssoRequired,
          }),
        input.slug,
        tenantId,
      );
      return presentConnection(row);
    },

    async update(actor: Actor, connectionId: string, input: UpdateConnectionInput): Promise<ConnectionView> {
      requireAdmin(actor);
      const current = await findOrThrow(actor, connectionId);
      if (input.issuerUrl !== undefined) await deps.assertAllowed(input.issuerUrl);
      await requireUnclaimedDomains(current.tenantId, input.allowedDomains);
      const { clientSecret, ssoRequired, allowedDomains, ...rest } = input;
      const changes: SsoConnectionChanges = {
        ...rest,
        ...(clientSecret !== undefined && { clientSecretSealed: encryptSecret(credentialsKey, clientSecret) }),
        ...(ssoRequired !== undefined && { isSsoRequired: ssoRequired }),
        ...(allowedDomains !== undefined && { allowedDomains: [...new Set(allowedDomains)] }),
      };
      const row = await saved(
        () => repository.updateConnection(db, current.tenantId, connectionId, changes),
        input.slug,
        current.tenantId,
      );
      if (!row) throw notFound('SSO connection', connectionId);
      return presentConnection(row);
    },

    async remove(actor: Actor, connectionId: string): Promise<void> {
      requireAdmin(actor);
      const current = await findOrThrow(actor, connectionId);
      if (!(await repository.deleteConnection(db, current.tenantId, connectionId))) {
        throw notFound('SSO connection', connectionId);
      }
    },

    /** Runs discovery with the stored settings: what it found, or what is wrong, in a sentence. */
    async test(actor: Actor, connectionId: string) {
      requireAdmin(actor);
      const connection = await findOrThrow(actor, connectionId);
      try {
        return await deps.oidc.test({
          issuerUrl: connection.issuerUrl,
          clientId: connection.clientId,
          clientSecret: decryptSecret(credentialsKey, connection.clientSecretSealed),
        });
      } catch (error) {
        if (error instanceof AppError)
          return { ok: false, message: error.message, issuer: null, supportsEndSession: false };
        throw error;
      }
    },
  };
}

export type SsoConnectionsService = ReturnType<typeof createSsoConnectionsService>;
