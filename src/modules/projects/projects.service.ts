import { canSeeAllConversations, type Actor } from '../../access/actor.js';
import { canModifyOwned, canViewOwned } from '../../access/owned-resources.js';
import type { Database } from '../../platform/db/client.js';
import { AppError, forbidden, notFound } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import { toPage, type Page } from '../../platform/db/pagination.js';
import type { ProjectRow, ProjectsRepository } from './projects.repository.js';
import {
  presentProject,
  type CreateProjectInput,
  type ListProjectsQuery,
  type ProjectView,
  type UpdateProjectInput,
} from './projects.schemas.js';

export interface ProjectsServiceDeps {
  readonly db: Database;
  readonly repository: ProjectsRepository;
}

/** A project the conversation cannot be put in: missing, someone else's, or deleted meanwhile. */
export const projectNotAssignable = (projectId: string): AppError =>
  new AppError('unprocessable', `Project '${projectId}' was not found among the conversation owner's projects`);

export function createProjectsService(deps: ProjectsServiceDeps) {
  const { db, repository } = deps;

  /** Another tenant's project, or another member's for a member, is a 404: its existence is not revealed. */
  async function findVisible(actor: Actor, projectId: string): Promise<ProjectRow> {
    const project = await repository.findById(db, actor.tenantId, projectId);
    if (!project || !canViewOwned(actor, project.ownerId)) throw notFound('Project', projectId);
    return project;
  }

  async function findModifiable(actor: Actor, projectId: string): Promise<ProjectRow> {
    const project = await findVisible(actor, projectId);
    if (!canModifyOwned(actor, project.ownerId)) throw forbidden('Only the owner or an admin can change this project');
    return project;
  }

  return {
    async list(actor: Actor, query: ListProjectsQuery): Promise<Page<ProjectView>> {
      const seesAll = canSeeAllConversations(actor);
      if (!seesAll && query.ownerId && query.ownerId !== actor.userId) return { items: [], nextCursor: null };
      const ownerId = seesAll ? query.ownerId : actor.userId;
      const rows = await repository.list(db, actor.tenantId, ownerId, { limit: query.limit, after: query.cursor });
      return toPage(rows, query.limit, presentProject);
    },

    async get(actor: Actor, projectId: string): Promise<ProjectView> {
      return presentProject(await findVisible(actor, projectId));
    },

    async create(actor: Actor, input: CreateProjectInput): Promise<ProjectView> {
      const now = new Date();
      const project = await repository.insert(db, {
        id: newId(),
        tenantId: actor.tenantId,
        ownerId: actor.userId,
        name: input.name,
        description: input.description ?? '',
        createdAt: now,
        updatedAt: now,
      });
      return presentProject(project);
    },

    async update(actor: Actor, projectId: string, input: UpdateProjectInput): Promise<ProjectView> {
      await findModifiable(actor, projectId);
      const updated = await repository.update(db, actor.tenantId, projectId, input);
      if (!updated) throw notFound('Project', projectId);
      return presentProject(updated);
    },

    /** Conversations in the project stay; they just leave it (the foreign key sets them to none). */
    async remove(actor: Actor, projectId: string): Promise<void> {
      await findModifiable(actor, projectId);
      await repository.delete(db, actor.tenantId, projectId);
    },

    /** A conversation may only be filed under a project of the conversation's own owner. */
    async assertAssignable(tenantId: string, ownerId: string, projectId: string): Promise<void> {
      const project = await repository.findById(db, tenantId, projectId);
      if (!project || project.ownerId !== ownerId) throw projectNotAssignable(projectId);
    },
  };
}

export type ProjectsService = ReturnType<typeof createProjectsService>;
