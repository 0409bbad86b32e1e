import type { Database } from '../../platform/db/client.js';
import { createApiKeysRepository } from './api-keys.repository.js';
import { registerApiKeysRoutes } from './api-keys.routes.js';
import { createApiKeysService } from './api-keys.service.js';

export interface ApiKeysModuleDeps {
  readonly db: Database;
  readonly onCredentialsChanged?: (userId: string) => void;
}

export function createApiKeysModule(deps: ApiKeysModuleDeps) {
  const service = createApiKeysService({
    db: deps.db,
    repository: createApiKeysRepository(),
    onCredentialsChanged: deps.onCredentialsChanged,
  });
  return { service, registerRoutes: registerApiKeysRoutes };
}

export type { ApiKeysService } from './api-keys.service.js';
