import type { Database } from '../../platform/db/client.js';
import type { UsersRepository } from '../users/users.repository.js';
import { createTenantsRepository } from './tenants.repository.js';
import { registerTenantsRoutes } from './tenants.routes.js';
import { createTenantsService } from './tenants.service.js';

export interface TenantsModuleDeps {
  readonly db: Database;
  readonly users: Pick<UsersRepository, 'insertUser'>;
}

export function createTenantsModule(deps: TenantsModuleDeps) {
  const service = createTenantsService({ db: deps.db, repository: createTenantsRepository(), users: deps.users });
  return { service, registerRoutes: registerTenantsRoutes };
}

export type { TenantsService } from './tenants.service.js';
