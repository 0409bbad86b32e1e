import type { Actor } from '../../access/actor.js';
import { requireAdmin } from '../../access/require-access.js';
import type { Database, Executor } from '../../platform/db/client.js';
import { isUniqueViolation } from '../../platform/db/errors.js';
import { AppError, conflict, forbidden, notFound } from '../../platform/errors.js';
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
 * A tenant's OpenID Connect connection: its own admins manage it, all but its email domains; platform
 * admins may manage any tenant's, domains included. Another tenant's connection is a 404 for everyone else.
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

  /**
   * Sign-in sends everyone with an address at a connection's domains to its tenant, so naming them is
   * a claim over people outside the tenant: a platform admin's to make. A tenant admin may send back the
   * domains the connection already has (a form that sends every field), never other ones.
   */
  function requireDomainsAllowed(
    actor: Actor,
    domains: readonly string[] | undefined,
    current: readonly string[],
  ): void {
    if (domains === undefined || actor.role === 'platform_admin' || isSameSet(domains, current)) return;
    throw forbidden(
      "Only a platform admin may set a connection's email domains, since sign-in sends every address at them to this tenant: ask a platform admin to set them. People can still sign in at ?tenant=<slug> meanwhile",
    );
  }

  /**
   * Endpoints away from the issuer's origin are where Parley would send people from its own address
   * (an open redirect if anyone could name them) and read keys from: a platform admin's to approve.
   */
  function requireOriginsAllowed(
    actor: Actor,
    origins: readonly string[] | undefined,
    current: readonly string[],
  ): void {
    if (origins === undefined || actor.role === 'platform_admin' || isSameSet(origins, current)) return;
    throw forbidden(
      "Only a platform admin may approve endpoint origins besides the issuer's, since Parley sends people to them from its own address: ask a platform admin to approve them",
    );
  }

  /**
   * Writes a connection whose domains no other tenant's connection claims, checked and written under
   * the lock every such write takes (lockDomainClaims): each domain leads to one tenant, even when two
   * admins save at the same moment.
   */
  async function writeClaimingDomains<T>(
    tenantId: string,
    domains: readonly string[] | undefined,
    write: (tx: Executor) => Promise<T>,
  ): Promise<T> {
    return db.transaction(async (tx) => {
      if (domains !== undefined && domains.length > 0) {
        await repository.lockDomainClaims(tx);
        const claimed = await repository.findDomainClaimedElsewhere(tx, tenantId, domains);
        if (claimed) {
          throw conflict(
            `The domain ${claimed.domain} already signs in through another tenant's identity provider: each domain leads to one tenant`,
          );
        }
      }
      return write(tx);
    });
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
      requireDomainsAllowed(actor, input.allowedDomains, []);
      requireOriginsAllowed(actor, input.approvedEndpointOrigins, []);
      await deps.assertAllowed(input.issuerUrl);
      const domains = [...new Set(input.allowedDomains)];
      const row = await saved(
        () =>
          writeClaimingDomains(tenantId, domains, (tx) =>
            repository.insertConnection(tx, {
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
              allowedDomains: domains,
              approvedEndpointOrigins: [...new Set(input.approvedEndpointOrigins)],
              roleMapping: input.roleMapping,
              defaultRole: input.defaultRole,
              isSsoRequired: input.ssoRequired,
            }),
          ),
        input.slug,
        tenantId,
      );
      return presentConnection(row);
    },

    async update(actor: Actor, connectionId: string, input: UpdateConnectionInput): Promise<ConnectionView> {
      requireAdmin(actor);
      const current = await findOrThrow(actor, connectionId);
      requireDomainsAllowed(actor, input.allowedDomains, current.allowedDomains);
      requireOriginsAllowed(actor, input.approvedEndpointOrigins, current.approvedEndpointOrigins);
      if (input.issuerUrl !== undefined) await deps.assertAllowed(input.issuerUrl);
      const { clientSecret, ssoRequired, allowedDomains, approvedEndpointOrigins, ...rest } = input;
      // Unchanged domains are not written: nothing to claim.
      const domains =
        allowedDomains && !isSameSet(allowedDomains, current.allowedDomains) ? [...new Set(allowedDomains)] : undefined;
      const changes: SsoConnectionChanges = {
        ...rest,
        ...(clientSecret !== undefined && { clientSecretSealed: encryptSecret(credentialsKey, clientSecret) }),
        ...(ssoRequired !== undefined && { isSsoRequired: ssoRequired }),
        ...(domains !== undefined && { allowedDomains: domains }),
        ...(approvedEndpointOrigins !== undefined && {
          approvedEndpointOrigins: [...new Set(approvedEndpointOrigins)],
        }),
      };
      const row = await saved(
        () =>
          writeClaimingDomains(current.tenantId, domains, (tx) =>
            repository.updateConnection(tx, current.tenantId, connectionId, changes),
          ),
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
          approvedEndpointOrigins: connection.approvedEndpointOrigins,
        });
      } catch (error) {
        if (error instanceof AppError)
          return { ok: false, message: error.message, issuer: null, supportsEndSession: false };
        throw error;
      }
    },
  };
}

function isSameSet(left: readonly string[], right: readonly string[]): boolean {
  const rightSet = new Set(right);
  const leftSet = new Set(left);
  return leftSet.size === rightSet.size && [...leftSet].every((item) => rightSet.has(item));
}

export type SsoConnectionsService = ReturnType<typeof createSsoConnectionsService>;
