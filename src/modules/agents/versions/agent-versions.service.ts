import type { Actor } from '../../../access/actor.js';
import type { Database, Executor } from '../../../platform/db/client.js';
import { AppError, conflict, notFound } from '../../../platform/errors.js';
import { createAgentLinkChecks } from '../agent-links.js';
import { changedFields, normalisedIds, settingsFields, settingsOf, type AgentSettings } from '../agent-settings.js';
import type { AgentRow, AgentsRepository } from '../agents.repository.js';
import { presentAgent, type AgentView } from '../agents.schemas.js';
import { companionSettingsSchema, readCompanionSettings } from '../companion-settings.js';
import type { AgentVersionRow, AgentVersionsRepository } from './agent-versions.repository.js';
import type { AgentVersionView, SaveDraftInput, VersionDiff } from './agent-versions.schemas.js';
import { diffSettings } from './settings-diff.js';

export interface AgentVersionsServiceDeps {
  readonly db: Database;
  readonly agents: AgentsRepository;
  readonly versions: AgentVersionsRepository;
  /** The agent, for someone who may change it (its owner, an administrator); 404 or 403 otherwise. */
  readonly findModifiable: (actor: Actor, agentId: string) => Promise<AgentRow>;
  readonly requireKnownModel: (tenantId: string, modelRef: string) => Promise<void>;
  readonly publishGate?: PublishGateCheck | undefined;
}

/**
 * A rule a publish must pass, asked in the publish's transaction with the agent's row locked (the
 * evaluations module's gate: docs/agents.md, "A gate before publish"). Throws the refusal.
 */
export type PublishGateCheck = (
  executor: Executor,
  check: {
    readonly tenantId: string;
    readonly agentId: string;
    readonly version: number;
    readonly publishedVersion: number;
    readonly wasPublishedBefore: boolean;
  },
) => Promise<void>;

const stateOf = (agent: Pick<AgentRow, 'publishedVersion' | 'draftVersion'>, number: number) =>
  number === agent.publishedVersion ? 'published' : number === agent.draftVersion ? 'draft' : 'earlier';

/**
 * An agent's versions (docs/agents.md, "Versions"): a draft saved beside the published settings, published
 * when ready; any earlier version published again to roll back; a diff of any two. Conversations read
 * only the agent's row, which holds the published version's settings: a draft changes nothing they see.
 */
export function createAgentVersionsService(deps: AgentVersionsServiceDeps) {
  const { db, agents, versions } = deps;
  const links = createAgentLinkChecks(agents);

  const present = (
    agent: Pick<AgentRow, 'id' | 'publishedVersion' | 'draftVersion'>,
    row: AgentVersionRow,
    previous: AgentVersionRow | undefined,
  ): AgentVersionView => ({
    agentId: agent.id,
    number: row.number,
    state: stateOf(agent, row.number),
    note: row.note,
    createdBy: row.createdBy,
    createdAt: row.createdAt.toISOString(),
    publishedAt: row.publishedAt?.toISOString() ?? null,
    publishedBy: row.publishedBy,
    changed: previous ? changedFields(previous.settings, row.settings) : [...settingsFields],
    settings: {
      ...row.settings,
      companion: readCompanionSettings(row.settings.companion),
    } as AgentVersionView['settings'],
  });

  async function findVersion(db: Executor, agent: AgentRow, number: number): Promise<AgentVersionRow> {
    const row = await versions.find(db, agent.tenantId, agent.id, number);
    if (!row) throw notFound('Version', `${agent.id}/${number}`);
    return row;
  }

  /** A version's model must still be served, or publishing it would leave the agent unable to answer. */
  async function requireServedModel(tenantId: string, number: number, model: string): Promise<void> {
    try {
      await deps.requireKnownModel(tenantId, model);
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      throw conflict(
        `Version ${number} uses the model '${model}', which no provider configured here serves now: save a draft with another model and publish that`,
      );
    }
  }

  /** Version `number` of an agent the caller was found to be allowed to change, with what it changed. */
  async function versionOf(agent: AgentRow, number: number): Promise<AgentVersionView> {
    const row = await findVersion(db, agent, number);
    const previous = number > 1 ? await versions.find(db, agent.tenantId, agent.id, number - 1) : undefined;
    return present(agent, row, previous);
  }

  return {
    async list(actor: Actor, agentId: string, query: { limit: number; before?: number | undefined }) {
      const agent = await deps.findModifiable(actor, agentId);
      const rows = await versions.list(db, actor.tenantId, agentId, query.limit, query.before);
      const page = rows.slice(0, query.limit);
      return {
        items: page.map((row, index) => {
          const { settings: _settings, agentId: _agentId, ...summary } = present(agent, row, rows[index + 1]);
          return summary;
        }),
        nextBefore: rows.length > query.limit ? page.at(-1)!.number : null,
      };
    },

    async get(actor: Actor, agentId: string, number: number): Promise<AgentVersionView> {
      return versionOf(await deps.findModifiable(actor, agentId), number);
    },

    async draft(actor: Actor, agentId: string): Promise<AgentVersionView> {
      const agent = await deps.findModifiable(actor, agentId);
      if (agent.draftVersion === null) throw notFound('Draft of agent', agentId);
      return versionOf(agent, agent.draftVersion);
    },

    /**
     * Saves a draft: the fields sent, on top of the draft there is (or the published settings), as a new
     * version the agent's draft then names. Nothing a conversation reads changes.
     */
    async saveDraft(actor: Actor, agentId: string, input: SaveDraftInput): Promise<AgentVersionView> {
      const seen = await deps.findModifiable(actor, agentId);
      if (input.model !== undefined && input.model !== seen.model)
        await deps.requireKnownModel(actor.tenantId, input.model);
      if (input.companion?.utilityModel) await deps.requireKnownModel(actor.tenantId, input.companion.utilityModel);
      const { agent, row } = await db.transaction(async (tx) => {
        const agent = await agents.findAgentForUpdate(tx, actor.tenantId, agentId);
        if (!agent) throw notFound('Agent', agentId);
        const draft = agent.draftVersion === null ? undefined : await findVersion(tx, agent, agent.draftVersion);
        const base: AgentSettings = draft?.settings ?? settingsOf(agent);
        const settings: AgentSettings = {
          instructions: input.instructions ?? base.instructions,
          model: input.model ?? base.model,
          temperature: input.temperature === undefined ? base.temperature : input.temperature,
          maxOutputTokens: input.maxOutputTokens === undefined ? base.maxOutputTokens : input.maxOutputTokens,
          knowledgeSourceIds: normalisedIds(input.knowledgeSourceIds ?? base.knowledgeSourceIds),
          toolKeys: normalisedIds(input.toolKeys ?? base.toolKeys),
          companion: companionSettingsSchema.parse({ ...readCompanionSettings(base.companion), ...input.companion }),
        };
        if (changedFields(base, settings).length === 0) {
          if (draft) return { agent, row: draft };
          throw conflict('This draft would be the published version unchanged: change a setting first');
        }
        if (input.knowledgeSourceIds)
          await links.requireKnowledgeSources(tx, actor.tenantId, settings.knowledgeSourceIds);
        if (input.toolKeys) await links.requireTools(tx, actor.tenantId, settings.toolKeys);
        const row = await versions.insertNext(tx, {
          tenantId: actor.tenantId,
          agentId,
          settings,
          note: input.note || null,
          createdBy: actor.userId,
        });
        await agents.setDraft(tx, actor.tenantId, agentId, row.number);
        return { agent: { ...agent, draftVersion: row.number }, row };
      });
      return present(agent, row, await versions.find(db, actor.tenantId, agentId, row.number - 1));
    },

    /** The draft is dropped (it stays in the history, as an earlier version). */
    async discardDraft(actor: Actor, agentId: string): Promise<void> {
      await deps.findModifiable(actor, agentId);
      await db.transaction(async (tx) => {
        const agent = await agents.findAgentForUpdate(tx, actor.tenantId, agentId);
        if (!agent) throw notFound('Agent', agentId);
        if (agent.draftVersion === null) throw notFound('Draft of agent', agentId);
        await agents.setDraft(tx, actor.tenantId, agentId, null);
      });
    },

    /**
     * Publishes a version: its settings become the agent's, for every conversation from its next turn.
     * The draft's number publishes the draft; an earlier one rolls back. Publishing the published
     * version again changes nothing.
     */
    async publish(actor: Actor, agentId: string, number: number): Promise<AgentView> {
      const seen = await deps.findModifiable(actor, agentId);
      const wanted = await findVersion(db, seen, number);
      await requireServedModel(actor.tenantId, number, wanted.settings.model);
      const published = await db.transaction(async (tx) => {
        const agent = await agents.findAgentForUpdate(tx, actor.tenantId, agentId);
        if (!agent) throw notFound('Agent', agentId);
        if (agent.publishedVersion === number) return agent;
        await deps.publishGate?.(tx, {
          tenantId: actor.tenantId,
          agentId,
          version: number,
          publishedVersion: agent.publishedVersion,
          wasPublishedBefore: wanted.publishedAt !== null,
        });
        const { settings } = wanted;
        await requireLinksStillThere(tx, actor.tenantId, number, settings);
        const row = await agents.updateAgent(tx, actor.tenantId, agentId, {
          instructions: settings.instructions,
          model: settings.model,
          temperature: settings.temperature,
          maxOutputTokens: settings.maxOutputTokens,
          companion: settings.companion,
          publishedVersion: number,
          draftVersion: agent.draftVersion === number ? null : agent.draftVersion,
        });
        await agents.replaceKnowledgeSources(tx, actor.tenantId, agentId, settings.knowledgeSourceIds);
        await agents.replaceTools(tx, actor.tenantId, agentId, settings.toolKeys);
        await versions.markPublished(tx, actor.tenantId, agentId, number, actor.userId, new Date());
        return { ...row!, knowledgeSourceIds: [...settings.knowledgeSourceIds], toolKeys: [...settings.toolKeys] };
      });
      return presentAgent(published, true);
    },

    /** What changed from version `against` (the published one when not given) to version `number`. */
    async diff(actor: Actor, agentId: string, number: number, against?: number): Promise<VersionDiff> {
      const agent = await deps.findModifiable(actor, agentId);
      const from = against ?? (number === agent.publishedVersion ? number - 1 : agent.publishedVersion);
      const to = await findVersion(db, agent, number);
      const earlier = from >= 1 ? await findVersion(db, agent, from) : undefined;
      return {
        agentId,
        from: Math.max(from, 0),
        to: number,
        changes: earlier ? diffSettings(earlier.settings, to.settings) : [],
      };
    },
  };

  /**
   * A knowledge source or MCP tool deleted since the version was saved: refused, naming it, rather than
   * published without it behind the publisher's back.
   */
  async function requireLinksStillThere(tx: Executor, tenantId: string, number: number, settings: AgentSettings) {
    try {
      await links.requireKnowledgeSources(tx, tenantId, settings.knowledgeSourceIds);
      await links.requireTools(tx, tenantId, settings.toolKeys);
    } catch (error) {
      if (!(error instanceof AppError) || error.code !== 'not_found') throw error;
      throw conflict(
        `Version ${number} uses something deleted since: ${error.message}. Save a draft without it and publish that`,
      );
    }
  }
}

export type AgentVersionsService = ReturnType<typeof createAgentVersionsService>;
