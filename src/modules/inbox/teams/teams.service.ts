import { hasRoleAtLeast, type Actor } from '../../../access/actor.js';
import { requireAdmin } from '../../../access/require-access.js';
import type { Database } from '../../../platform/db/client.js';
import { isUniqueViolation } from '../../../platform/db/errors.js';
import type { SupportStatus } from '../../../platform/db/schema/index.js';
import { AppError, conflict, notFound } from '../../../platform/errors.js';
import { newId } from '../../../platform/ids.js';
import type { StoredTeam, TeamChanges, TeamsRepository } from './teams.repository.js';
import {
  presentReplyTargets,
  storedReplyTargets,
  type CreateTeamInput,
  type TeamView,
  type UpdateTeamInput,
} from './teams.schemas.js';

export interface TeamsServiceDeps {
  readonly db: Database;
  readonly repository: TeamsRepository;
}

/** The unique index on (tenant, lower(name)) decides between two writers; the loser hears which name. */
async function savingName<T>(name: string | undefined, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (name !== undefined && isUniqueViolation(error, 'teams_tenant_name_unique')) {
      throw conflict(`A team named '${name}' exists already; choose another name`);
    }
    throw error;
  }
}

/**
 * Teams: groups of a tenant's operators with a queue of their own. A team is a queue, not a permission:
 * every operator still opens every conversation, whatever their teams.
 */
export function createTeamsService(deps: TeamsServiceDeps) {
  const { db, repository } = deps;

  async function present(tenantId: string, rows: readonly StoredTeam[]): Promise<TeamView[]> {
    const members = await repository.membersOf(
      db,
      tenantId,
      rows.map((row) => row.id),
    );
    return rows.map((row) => ({
      id: row.id,
      name: row.name,
      description: row.description,
      replyTargets: presentReplyTargets(row.replyTargets ?? null),
      members: members
        .filter((member) => member.teamId === row.id)
        .map((member) => ({ userId: member.userId, name: member.name })),
      createdAt: row.createdAt.toISOString(),
      updatedAt: row.updatedAt.toISOString(),
    }));
  }

  async function findTeam(tenantId: string, id: string): Promise<StoredTeam> {
    const team = await repository.find(db, tenantId, id);
    if (!team) throw notFound('Team', id);
    return team;
  }

  /** Members work the desk: every id must be an operator or administrator of the tenant. */
  async function requireDeskUsers(tenantId: string, userIds: readonly string[]): Promise<void> {
    const found = new Map((await repository.findUsers(db, tenantId, userIds)).map((user) => [user.id, user]));
    for (const userId of userIds) {
      const user = found.get(userId);
      if (!user) throw notFound('User', userId);
      if (!hasRoleAtLeast(user, 'operator')) {
        throw new AppError(
          'unprocessable',
          `User '${userId}' is a member; only operators and administrators can be in a team (change their role first)`,
        );
      }
    }
  }

  return {
    async list(actor: Actor): Promise<{ items: TeamView[] }> {
      return { items: await present(actor.tenantId, await repository.list(db, actor.tenantId)) };
    },

    async get(actor: Actor, id: string): Promise<TeamView> {
      const [view] = await present(actor.tenantId, [await findTeam(actor.tenantId, id)]);
      return view!;
    },

    async create(actor: Actor, input: CreateTeamInput): Promise<TeamView> {
      requireAdmin(actor);
      const row = await savingName(input.name, () =>
        repository.insert(db, {
          id: newId(),
          tenantId: actor.tenantId,
          name: input.name,
          description: input.description,
          replyTargets: storedReplyTargets(input.replyTargets),
        }),
      );
      return { ...(await present(actor.tenantId, [row]))[0]! };
    },

    async update(actor: Actor, id: string, input: UpdateTeamInput): Promise<TeamView> {
      requireAdmin(actor);
      const changes: TeamChanges = {
        ...(input.name !== undefined && { name: input.name }),
        ...(input.description !== undefined && { description: input.description }),
        ...(input.replyTargets !== undefined && { replyTargets: storedReplyTargets(input.replyTargets) }),
      };
      const row = await savingName(input.name, () => repository.update(db, actor.tenantId, id, changes));
      if (!row) throw notFound('Team', id);
      return (await present(actor.tenantId, [row]))[0]!;
    },

    async remove(actor: Actor, id: string): Promise<void> {
      requireAdmin(actor);
      // Its conversations and inboxes lose the team (the foreign keys set null): they stay in "all".
      if (!(await repository.remove(db, actor.tenantId, id))) throw notFound('Team', id);
    },

    async setMembers(actor: Actor, id: string, userIds: readonly string[]): Promise<TeamView> {
      requireAdmin(actor);
      const unique = [...new Set(userIds)];
      await findTeam(actor.tenantId, id);
      await requireDeskUsers(actor.tenantId, unique);
      const team = await db.transaction(async (tx) => {
        // The row's lock orders two member lists sent at once: the later one wins whole.
        const locked = await repository.update(tx, actor.tenantId, id, {});
        if (locked) await repository.replaceMembers(tx, actor.tenantId, id, unique);
        return locked;
      });
      if (!team) throw notFound('Team', id);
      return (await present(actor.tenantId, [team]))[0]!;
    },

    /** Each team's queue with how many conversations it holds, and whether the caller is a member. */
    async counts(actor: Actor, query: { status?: SupportStatus | undefined }) {
      const teams = await repository.list(db, actor.tenantId);
      const counted = await repository.countByTeam(db, actor.tenantId, query.status);
      const mine = await repository.teamIdsOf(db, actor.tenantId, actor.userId);
      const countOf = new Map(counted.map((row) => [row.teamId, row.count]));
      const myTeams = new Set(mine);
      return {
        items: teams.map((team) => ({
          teamId: team.id,
          name: team.name,
          count: countOf.get(team.id) ?? 0,
          isMine: myTeams.has(team.id),
        })),
      };
    },

    /** For inboxes: the tenant's team of that id, else 404 (another tenant's is unknown here). */
    async requireTeam(tenantId: string, id: string): Promise<void> {
      await findTeam(tenantId, id);
    },
  };
}

export type TeamsService = ReturnType<typeof createTeamsService>;
