import type { Actor } from '../../access/actor.js';
import { requireAdmin, requirePlatformAdmin } from '../../access/require-access.js';
import type { Database } from '../../platform/db/client.js';
import { toPage, type Page, type PageRequest } from '../../platform/db/pagination.js';
import { forbidden, notFound } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import { presentUser } from '../auth/auth.schemas.js';
import type { PasswordHasher } from '../auth/passwords.js';
import type { DefaultAgent } from '../agents/default-agent.js';
import type { StorageQuota } from '../storage-quota/index.js';
import type { UsersRepository } from '../users/users.repository.js';
import type { TenantSettingsRow, TenantsRepository } from './tenants.repository.js';
import {
  presentTenant,
  type CreatedTenantView,
  type CreateTenantInput,
  type TenantSettingsView,
  type TenantView,
  type UpdateTenantSettingsInput,
} from './tenants.schemas.js';

export interface TenantsServiceDeps {
  readonly passwords: PasswordHasher;
  readonly db: Database;
  readonly repository: TenantsRepository;
  readonly users: Pick<UsersRepository, 'insertUser'>;
  readonly defaultAgent: DefaultAgent;
  /** Refuses a model that no provider configured for the tenant serves (400). */
  readonly requireKnownModel: (tenantId: string, modelRef: string) => Promise<void>;
  readonly storageQuota: Pick<StorageQuota, 'usage'>;
}

/** A tenant's admins reach their own tenant's settings; platform admins every tenant's. Another is a 404. */
function requireSettingsAccess(actor: Actor, tenantId: string): void {
  requireAdmin(actor);
  if (actor.role !== 'platform_admin' && actor.tenantId !== tenantId) throw notFound('Tenant', tenantId);
}

export function createTenantsService(deps: TenantsServiceDeps) {
  const { db, repository, users } = deps;

  const settingsView = async (tenantId: string, settings: TenantSettingsRow): Promise<TenantSettingsView> => ({
    tenantId,
    ...settings,
    storageUsage: await deps.storageQuota.usage(tenantId),
  });

  return {
    async getSettings(actor: Actor, tenantId: string): Promise<TenantSettingsView> {
      requireSettingsAccess(actor, tenantId);
      const settings = await repository.findSettings(db, tenantId);
      if (!settings) throw notFound('Tenant', tenantId);
      return settingsView(tenantId, settings);
    },

    async updateSettings(
      actor: Actor,
      tenantId: string,
      input: UpdateTenantSettingsInput,
    ): Promise<TenantSettingsView> {
      requireSettingsAccess(actor, tenantId);
      if (!(await repository.findSettings(db, tenantId))) throw notFound('Tenant', tenantId);
      if (input.storageQuotaBytes !== undefined && actor.role !== 'platform_admin') {
        throw forbidden("Only a platform administrator can change a tenant's storage quota");
      }
      // Checked against the tenant's providers, not the caller's: a platform admin sets another tenant's.
      if (input.utilityModel) await deps.requireKnownModel(tenantId, input.utilityModel);
      const settings = await repository.updateSettings(db, tenantId, input);
      if (!settings) throw notFound('Tenant', tenantId);
      return settingsView(tenantId, settings);
    },

    /** The tenant's utility model for the companion jobs, or null (each agent's own model). */
    utilityModelOf: async (tenantId: string): Promise<string | null> =>
      (await repository.findSettings(db, tenantId))?.utilityModel ?? null,

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
      const passwordHash = admin ? await deps.passwords.hash(admin.password) : undefined;
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
