import { z } from 'zod';
import { pageOf, patchBody, visibleText } from '../../platform/http/common-schemas.js';
import { pageCursor, pageLimit } from '../../platform/http/list-query.js';
import type { ProjectRow } from './projects.repository.js';

export const projectSchema = z.object({
  id: z.uuid(),
  ownerId: z.uuid(),
  name: z.string(),
  description: z.string(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});
export type ProjectView = z.infer<typeof projectSchema>;

export const presentProject = (project: ProjectRow): ProjectView => ({
  id: project.id,
  ownerId: project.ownerId,
  name: project.name,
  description: project.description,
  createdAt: project.createdAt.toISOString(),
  updatedAt: project.updatedAt.toISOString(),
});

export const projectPageSchema = pageOf(projectSchema);

export const listProjectsQuery = z.strictObject({
  limit: pageLimit,
  cursor: pageCursor.optional(),
  /** Operators and admins see every project of the tenant; this narrows the list to one owner. */
  ownerId: z.uuid().optional(),
});
export type ListProjectsQuery = z.infer<typeof listProjectsQuery>;

const projectName = visibleText(200);
const projectDescription = z.string().trim().max(2000);

export const createProjectBody = z.strictObject({
  name: projectName,
  description: projectDescription.optional(),
});
export type CreateProjectInput = z.infer<typeof createProjectBody>;

export const updateProjectBody = patchBody({
  name: projectName.optional(),
  description: projectDescription.optional(),
});
export type UpdateProjectInput = z.infer<typeof updateProjectBody>;
