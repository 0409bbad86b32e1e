import type { ModelRegistry } from '../../ai/model-types.js';
import type { Database } from '../../platform/db/client.js';
import type { ServerKeys } from '../../platform/secrets.js';
import { createProvidersRepository } from './providers.repository.js';
import { registerProvidersRoutes } from './providers.routes.js';
import { createProvidersService } from './providers.service.js';

export interface ProvidersModuleDeps {
  readonly db: Database;
  readonly keys: Pick<ServerKeys, 'credentialsKey'>;
  /** The registry the chat turn resolves models with, so the picker offers exactly what chat accepts. */
  readonly models: Pick<ModelRegistry, 'listModels' | 'defaultModelRef'>;
}

/** `service.loadTenantProviders(tenantId)` feeds the model registry when chatting. */
export function createProvidersModule(deps: ProvidersModuleDeps) {
  const service = createProvidersService({
    db: deps.db,
    repository: createProvidersRepository(),
    credentialsKey: deps.keys.credentialsKey,
    models: deps.models,
  });
  return { service, registerRoutes: registerProvidersRoutes };
}

export type { ProvidersService, TenantProviderConfig } from './providers.service.js';
