import type { Database } from '../../platform/db/client.js';
import type { Logger } from '../../platform/logger.js';
import { createMaintenanceRepository } from './maintenance.repository.js';
import { createMaintenanceService } from './maintenance.service.js';

export function createMaintenanceModule(deps: { db: Database; logger: Logger; modelTimeoutMs: number }) {
  return { service: createMaintenanceService({ ...deps, repository: createMaintenanceRepository() }) };
}

export { scheduleMaintenance } from './maintenance.service.js';
/** What a reply cut short by its node's stop says (the sweep marks such replies with it). */
export { interruptedReply } from '../chat/index.js';
