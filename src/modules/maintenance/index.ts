import type { Database } from '../../platform/db/client.js';
import type { Logger } from '../../platform/logger.js';
import { createMaintenanceRepository } from './maintenance.repository.js';
import { createMaintenanceService, type MaintenanceDeps } from './maintenance.service.js';

export function createMaintenanceModule(
  deps: { db: Database; logger: Logger; modelTimeoutMs: number } & Pick<
    MaintenanceDeps,
    'storage' | 'storedFileGraceMs' | 'onRepliesAbandoned' | 'replyStaleAfterMs'
  >,
) {
  return { service: createMaintenanceService({ ...deps, repository: createMaintenanceRepository() }) };
}

export { scheduleMaintenance, type AbandonedReply } from './maintenance.service.js';
export { namedStorageKeysSql } from './maintenance.repository.js';
