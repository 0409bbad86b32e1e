import { isAdmin, type Actor } from '../../access/actor.js';
import { canUseAgent } from '../../access/agent-access.js';
import type { Database } from '../../platform/db/client.js';
import { toPage, type Page, type PageRequest } from '../../platform/db/pagination.js';
import type { AgentVisibility } from '../../platform/db/schema/agents.js';
import { AppError, forbidden, notFound } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import type { AgentChanges, AgentRow, AgentsRepository } from './agents.repository.js';
import { presentAgent, type AgentView, type CreateAgentInput, type UpdateAgentInput } from './agents.schemas.js';
import { builtinTools, type CatalogToolView } from './tool-catalog.js';
import { companionSettingsSchema, readCompanionSettings } from './companion-settings.js';
import { createAgentLinkChecks } from './agent-links.js';
import { changedFields, normalisedIds, settingsOf } from './agent-settings.js';
import type { AgentVersionsRepository } from './versions/agent-versions.repository.js';

export interface AgentsServiceDeps {
  readonly db: Database;
  readonly repository: AgentsRepository;
  readonly versions: AgentVersionsRepository;
  /**
   * The model an agent created without one gets: DEFAULT_MODEL, else the usual model of the first
   * configured provider (the tenant's own first), else `offline` — what the model picker preselects.
   */
  readonly defaultModelRef: (tenantId: string) => Promise<string>;
  /** Refuses a model that no configured provider serves (400 on `model`). */
  readonly requireKnownModel: (tenantId: string, modelRef: string) => Promise<void>;
}

/** What a chat turn needs of an agent (the shape of conversations' AgentDirectory). */
export interface UsableAgent {
  readonly id: string;
  readonly name: string;
  readonly instructions: string;
  readonly model: string;
  readonly temperature: number | null;
  readonly maxOutputTokens: number | null;
  readonly createdAt: Date;
  readonly knowledgeSourceIds: readonly string[];
}

/** Admins may also see (and manage) the agents they cannot use. */
const canView = (actor: Actor, agent: AgentRow): boolean => canUseAgent(actor, agent) || isAdmin(actor);
const canModify = (actor: Actor, agent: AgentRow): boolean =>
  isAdmin(actor) || (agent.ownerId !== null && agent.ownerId === actor.userId);

const maxUsableAgents = 500;
/** Enough to say that a name is ambiguous and how often it is taken. */
const maxNamesakes = 20;

function requireVisibilityAllowed(actor: Actor, visibility: AgentVisibility): void {
  if (visibility === 'tenant' && !isAdmin(actor)) {
    throw forbidden('Only administrators can share an agent with the whole tenant; create it as private');
  }
}

/**
 * A private agent belongs to someone; a tenant-wide one to no one. A shared agent made private again goes
 * back to whoever made it (a member's agent an admin shared and then unshared is the member's again),
 * or to the admin who unshares it when its maker's account is gone.
 */
function ownerFor(actor: Actor, agent: AgentRow | undefined, visibility: AgentVisibility): string | null {
  if (visibility === 'tenant') return null;
  if (agent?.visibility === 'private') return agent.ownerId;
  return agent?.createdBy ?? actor.userId;
}

const toUsableAgent = (agent: AgentRow): UsableAgent => ({
  id: agent.id,
  name: agent.name,
  instructions: agent.instructions,
  model: agent.model,
  temperature: agent.temperature,
  maxOutputTokens: agent.maxOutputTokens,
  createdAt: agent.createdAt,
  knowledgeSourceIds: agent.knowledgeSourceIds,
});

export function createAgentsService(deps: AgentsServiceDeps) {
  const { db, repository, versions } = deps;
  const { requireKnowledgeSources, requireTools } = createAgentLinkChecks(repository);

  /** Another tenant's agent, or a private agent the caller may not see, is a 404 alike. */
  async function findViewable(actor: Actor, agentId: string): Promise<AgentRow> {
    const agent = await repository.findAgent(db, actor.tenantId, agentId);
    if (!agent || !canView(actor, agent)) throw notFound('Agent', agentId);
    return agent;
  }

  /**
   * The server's DEFAULT_MODEL may name a provider nobody configured (a tenant's own, say, that was
   * deleted): an agent saved with it could never answer, so it is refused, saying whose fix it is.
   */
  async function requireUsableDefault(tenantId: string, model: string): Promise<void> {
    try {
      await deps.requireKnownModel(tenantId, model);
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      throw new AppError(
        'validation_failed',
        `No model was given, and the server's default model '${model}' (DEFAULT_MODEL) is served by no provider configured here: choose a model, or ask the server's operator to correct DEFAULT_MODEL`,
        { fields: [{ field: 'model', message: 'required while the default model cannot be used' }] },
      );
    }
  }

  async function findModifiable(actor: Actor, agentId: string): Promise<AgentRow> {
    const agent = await findViewable(actor, agentId);
    if (!canModify(actor, agent))
      throw forbidden(`Only the owner of agent '${agentId}' or an administrator can change it`);
    return agent;
  }

  return {
    findModifiable,

    async list(actor: Actor, page: PageRequest): Promise<Page<AgentView>> {
      const filter = isAdmin(actor) ? {} : { usableBy: actor.userId };
      return toPage(await repository.listAgents(db, actor.tenantId, filter, page), page.limit, (agent) =>
        presentAgent(agent, canModify(actor, agent)),
      );
    },

    async get(actor: Actor, agentId: string): Promise<AgentView> {
      const agent = await findViewable(actor, agentId);
      return presentAgent(agent, canModify(actor, agent));
    },

    async create(actor: Actor, input: CreateAgentInput): Promise<AgentView> {
      const visibility = input.visibility ?? (isAdmin(actor) ? 'tenant' : 'private');
      requireVisibilityAllowed(actor, visibility);
      const knowledgeSourceIds = normalisedIds(input.knowledgeSourceIds);
      const toolKeys = normalisedIds(input.toolKeys);
      // Read before the transaction: embedded storage has one connection, which the transaction holds.
      const model = input.model ?? (await deps.defaultModelRef(actor.tenantId));
      if (input.model !== undefined) await deps.requireKnownModel(actor.tenantId, input.model);
      else await requireUsableDefault(actor.tenantId, model);
      if (input.companion?.utilityModel) await deps.requireKnownModel(actor.tenantId, input.companion.utilityModel);
      const agent = await db.transaction(async (tx) => {
        await requireKnowledgeSources(tx, actor.tenantId, knowledgeSourceIds);
        await requireTools(tx, actor.tenantId, toolKeys);
        return repository.insertAgent(
          tx,
          {
            id: newId(),
            tenantId: actor.tenantId,
            ownerId: ownerFor(actor, undefined, visibility),
            visibility,
            name: input.name,
            instructions: input.instructions,
            model,
            temperature: input.temperature ?? null,
            maxOutputTokens: input.maxOutputTokens ?? null,
            companion: companionSettingsSchema.parse(input.companion ?? {}),
            createdBy: actor.userId,
          },
          { knowledgeSourceIds, toolKeys },
        );
      });
      return presentAgent(agent, true);
    },

    async update(actor: Actor, agentId: string, input: UpdateAgentInput): Promise<AgentView> {
      const agent = await findModifiable(actor, agentId);
      // Only a new model is checked: an agent whose provider was removed may still be renamed.
      if (input.model !== undefined && input.model !== agent.model) {
        await deps.requireKnownModel(actor.tenantId, input.model);
      }
      const { visibility, knowledgeSourceIds: given, toolKeys: givenTools, companion, ...fields } = input;
      if (visibility !== undefined) requireVisibilityAllowed(actor, visibility);
      if (companion?.utilityModel) await deps.requireKnownModel(actor.tenantId, companion.utilityModel);
      const changes: AgentChanges = {
        ...fields,
        ...(companion !== undefined && { companion: { ...readCompanionSettings(agent.companion), ...companion } }),
        ...(visibility !== undefined && { visibility, ownerId: ownerFor(actor, agent, visibility) }),
      };
      // The list is replaced whole, with the other changes, or not at all. The agent's row is locked
      // first: PATCHes of one agent wait for each other (their deletes and inserts of its lists
      // collided), and an agent deleted meanwhile is found gone (404) before anything is written.
      const updated = await db.transaction(async (tx) => {
        const before = await repository.findAgentForUpdate(tx, actor.tenantId, agentId);
        if (!before) return undefined;
        const knowledgeSourceIds = given === undefined ? before.knowledgeSourceIds : normalisedIds(given);
        const toolKeys = givenTools === undefined ? before.toolKeys : normalisedIds(givenTools);
        const row = await repository.updateAgent(tx, actor.tenantId, agentId, changes);
        if (given !== undefined) {
          await requireKnowledgeSources(tx, actor.tenantId, knowledgeSourceIds);
          await repository.replaceKnowledgeSources(tx, actor.tenantId, agentId, knowledgeSourceIds);
        }
        if (givenTools !== undefined) {
          await requireTools(tx, actor.tenantId, toolKeys);
          await repository.replaceTools(tx, actor.tenantId, agentId, toolKeys);
        }
        const after = { ...row!, knowledgeSourceIds, toolKeys };
        // A change of how it answers is a new version, published as it is saved; a rename is not.
        const settings = settingsOf(after);
        if (changedFields(settingsOf(before), settings).length === 0) return after;
        const version = await versions.insertNext(tx, {
          tenantId: actor.tenantId,
          agentId,
          settings,
          note: null,
          createdBy: actor.userId,
          publishedAt: new Date(),
        });
        const published = await repository.updateAgent(tx, actor.tenantId, agentId, {
          publishedVersion: version.number,
        });
        return { ...published!, knowledgeSourceIds, toolKeys };
      });
      if (!updated) throw notFound('Agent', agentId);
      // Only its owner or an administrator gets this far, and a member cannot share an agent away.
      return presentAgent(updated, true);
    },

    async remove(actor: Actor, agentId: string): Promise<void> {
      await findModifiable(actor, agentId);
      if (!(await repository.deleteAgent(db, actor.tenantId, agentId))) throw notFound('Agent', agentId);
    },

    /** The tools an agent may be given: the built-ins and every MCP tool of the tenant (for the agent editor). */
    async toolCatalog(actor: Actor): Promise<{ items: CatalogToolView[] }> {
      const mcp = await repository.listCatalogMcpTools(db, actor.tenantId);
      return {
        items: [
          ...builtinTools.map((tool) => ({
            ...tool,
            source: 'builtin' as const,
            approval: 'auto' as const,
            enabled: true,
          })),
          ...mcp.map((tool) => ({
            key: `mcp:${tool.id}`,
            name: tool.name,
            description: tool.description,
            source: 'mcp' as const,
            serverName: tool.serverName,
            approval: tool.approval,
            enabled: tool.enabled && tool.serverEnabled,
          })),
        ],
      };
    },

    /** For chat: an agent the caller may talk to, or undefined (never someone else's private agent). */
    async findUsable(actor: Actor, agentId: string): Promise<UsableAgent | undefined> {
      const agent = await repository.findAgent(db, actor.tenantId, agentId);
      return agent && canUseAgent(actor, agent) ? toUsableAgent(agent) : undefined;
    },

    /** The agents of that name the caller may talk to, any number of them past the pickers' newest. */
    async findUsableNamed(actor: Actor, name: string): Promise<UsableAgent[]> {
      const rows = await repository.listUsableNamed(db, actor.tenantId, actor.userId, name, maxNamesakes);
      return rows.map(toUsableAgent);
    },

    /** For pickers: the newest agents the caller may talk to. */
    async listUsable(actor: Actor): Promise<UsableAgent[]> {
      const rows = await repository.listAgents(
        db,
        actor.tenantId,
        { usableBy: actor.userId },
        { limit: maxUsableAgents },
      );
      return rows.slice(0, maxUsableAgents).map(({ row }) => toUsableAgent(row));
    },
  };
}

export type AgentsService = ReturnType<typeof createAgentsService>;
