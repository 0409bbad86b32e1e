import type { Actor } from '../../../access/actor.js';
import { requireAdmin } from '../../../access/require-access.js';
import { transaction } from '../../../platform/db/after-commit.js';
import type { Database } from '../../../platform/db/client.js';
import { isUniqueViolation } from '../../../platform/db/errors.js';
import { conflict, forbidden, notFound } from '../../../platform/errors.js';
import type { EmailDomainsRepository } from './email-domains.repository.js';
import {
  presentEmailDomains,
  type EmailDomainListView,
  type ReplaceEmailDomainsInput,
} from './email-domains.schemas.js';

export interface EmailDomainsServiceDeps {
  readonly db: Database;
  readonly repository: EmailDomainsRepository;
}

const domainTaken = (domain: string) =>
  conflict(
    `The email domain '${domain}' belongs to another tenant; a platform admin removes it there before it can be approved here`,
  );

/**
 * The mail domains a tenant's email inboxes may have addresses at (docs/customer-service.md, "Inbox
 * addresses"). The listener routes mail by address before any tenant is known, so giving an inbox an
 * address claims other people's mail: like SSO's email domains, a platform admin approves them, and
 * each domain is one tenant's. The tenant's admins see theirs.
 */
export function createEmailDomainsService(deps: EmailDomainsServiceDeps) {
  const { db, repository } = deps;

  /** A tenant's admins reach their own tenant; platform admins any. Another tenant is a 404, as a missing one. */
  async function requireTenantAccess(actor: Actor, tenantId: string): Promise<void> {
    requireAdmin(actor);
    const isReachable = actor.role === 'platform_admin' || actor.tenantId === tenantId;
    if (!isReachable || !(await repository.tenantExists(db, tenantId))) throw notFound('Tenant', tenantId);
  }

  return {
    async list(actor: Actor, tenantId: string): Promise<EmailDomainListView> {
      await requireTenantAccess(actor, tenantId);
      return presentEmailDomains(await repository.listOfTenant(db, tenantId));
    },

    /** Replaces the tenant's domains; one its inboxes still use stays until they move (409). */
    async replace(actor: Actor, tenantId: string, input: ReplaceEmailDomainsInput): Promise<EmailDomainListView> {
      await requireTenantAccess(actor, tenantId);
      if (actor.role !== 'platform_admin') {
        throw forbidden(
          "Only a platform admin may approve email domains, since mail to them goes to this tenant's inboxes: ask a platform admin to add them",
        );
      }
      const wanted = [...new Set(input.domains)];
      const rows = await transaction(db, async (tx) => {
        const current = (await repository.listOfTenant(tx, tenantId)).map((row) => row.domain);
        const removed = current.filter((domain) => !wanted.includes(domain));
        const added = wanted.filter((domain) => !current.includes(domain));
        const [stranded] = await repository.inboxesAt(tx, tenantId, removed);
        if (stranded) {
          throw conflict(
            `The tenant's inbox '${stranded.name}' has the address '${stranded.emailAddress}': give it an address at another approved domain, or delete it, before its domain is taken away`,
          );
        }
        const [taken] = await repository.takenElsewhere(tx, tenantId, added);
        if (taken) throw domainTaken(taken);
        await repository.remove(tx, tenantId, removed);
        await repository.insert(tx, tenantId, added, actor.userId).catch((error: unknown) => {
          // Approved for another tenant at the same moment: the primary key let one in.
          if (isUniqueViolation(error, 'email_domains_pkey')) throw domainTaken(added.join("', '"));
          throw error;
        });
        return repository.listOfTenant(tx, tenantId);
      });
      return presentEmailDomains(rows);
    },

    /** For inboxes: refuses an address at a domain no platform admin approved for the tenant (403). */
    async requireApprovedAddress(tenantId: string, address: string): Promise<void> {
      const domain = address.slice(address.lastIndexOf('@') + 1).toLowerCase();
      if (await repository.isDomainOf(db, tenantId, domain)) return;
      throw forbidden(
        `'${domain}' is not an email domain of this tenant: ask a platform admin to approve it (PUT /v1/tenants/{tenantId}/email-domains) before an inbox takes mail at '${address}'`,
      );
    },
  };
}

export type EmailDomainsService = ReturnType<typeof createEmailDomainsService>;
