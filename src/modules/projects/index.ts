import type { Database } from '../../platform/db/client.js';
import { createProjectsRepository } from './projects.repository.js';
import { registerProjectsRoutes } from './projects.routes.js';
import { createProjectsService } from './projects.service.js';

export interface ProjectsModuleDeps {
  readonly db: Database;
}

export function createProjectsModule(deps: ProjectsModuleDeps) {
  const service = createProjectsService({ db: deps.db, repository: createProjectsRepository() });
  return { service, registerRoutes: registerProjectsRoutes };
}

export { projectNotAssignable, type ProjectsService } from './projects.service.js';
