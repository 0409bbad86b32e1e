import type { Actor } from '../../access/actor.js';
import { requirePlatformAdmin } from '../../access/require-access.js';
import type { Database } from '../../platform/db/client.js';
import { toPage, type Page, type PageRequest } from '../../platform/db/pagination.js';
import { newId } from '../../platform/ids.js';
import { presentUser } from '../auth/auth.schemas.js';
import { hashPassword } from '../auth/passwords.js';
import type { DefaultAgent } from '../agents/default-agent.js';
import type { UsersRepository } from '../users/users.repository.js';
import type { TenantsRepository } from './tenants.repository.js';
import { presentTenant, type CreatedTenantView, type CreateTenantInput, type TenantView } from './tenants.schemas.js';

export interface TenantsServiceDeps {
  readonly db: Database;
  readonly repository: TenantsRepository;
  readonly users: Pick<UsersRepository, 'insertUser'>;
  readonly defaultAgent: DefaultAgent;
}

export function createTenantsService(deps: TenantsServiceDeps) {
  const { db, repository, users } = deps;

  return {
    async list(actor: Actor, page: PageRequest): Promise<Page<TenantView>> {
      requirePlatformAdmin(actor);
      return toPage(await repository.listTenants(db, page), page.limit, presentTenant);
    },

    /**
     * Creates the tenant and, when given, its first tenant admin, in one transaction. The admin's address
     * cannot clash: addresses are unique within a tenant (ADR 3), and this tenant is new.
     */
    async create(actor: Actor, input: CreateTenantInput): Promise<CreatedTenantView> {
      requirePlatformAdmin(actor);
      const { admin } = input;
      const passwordHash = admin ? await hashPassword(admin.password) : undefined;
      const { created, announceAgent } = await db.transaction(async (tx) => {
        const tenant = await repository.insertTenant(tx, { id: newId(), name: input.name });
        const user =
          admin && passwordHash
            ? await users.insertUser(tx, {
                id: newId(),
                tenantId: tenant.id,
                email: admin.email,
                displayName: admin.displayName ?? null,
                passwordHash,
                role: 'tenant_admin',
              })
            : undefined;
        // Made by the tenant's own admin when there is one: the platform admin belongs to another tenant.
        const announceAgent = await deps.defaultAgent.addTo(tx, tenant, user?.id ?? null);
        return { created: { ...presentTenant(tenant), admin: user ? presentUser(user) : null }, announceAgent };
      });
      announceAgent?.();
      return created;
    },
  };
}

export type TenantsService = ReturnType<typeof createTenantsService>;
