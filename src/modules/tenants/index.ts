import type { Database } from '../../platform/db/client.js';
import type { PasswordHasher } from '../auth/passwords.js';
import type { DefaultAgent } from '../agents/default-agent.js';
import type { StorageQuota } from '../storage-quota/index.js';
import type { UsersRepository } from '../users/users.repository.js';
import { createTenantsRepository } from './tenants.repository.js';
import { registerTenantsRoutes } from './tenants.routes.js';
import { createTenantsService } from './tenants.service.js';

export interface TenantsModuleDeps {
  readonly db: Database;
  readonly passwords: PasswordHasher;
  readonly users: Pick<UsersRepository, 'insertUser'>;
  readonly defaultAgent: DefaultAgent;
  readonly requireKnownModel: (tenantId: string, modelRef: string) => Promise<void>;
  readonly storageQuota: Pick<StorageQuota, 'usage'>;
}

export function createTenantsModule(deps: TenantsModuleDeps) {
  const service = createTenantsService({
    db: deps.db,
    repository: createTenantsRepository(),
    users: deps.users,
    passwords: deps.passwords,
    defaultAgent: deps.defaultAgent,
    requireKnownModel: deps.requireKnownModel,
    storageQuota: deps.storageQuota,
  });
  return { service, registerRoutes: registerTenantsRoutes };
}

export type { TenantsService } from './tenants.service.js';
