import { canSeeAllConversations, type Actor } from '../../access/actor.js';
import { canModifyOwned, canViewOwned } from '../../access/owned-resources.js';
import { transaction } from '../../platform/db/after-commit.js';
import type { Database, Executor } from '../../platform/db/client.js';
import { isForeignKeyViolation } from '../../platform/db/errors.js';
import { toPage, type Page } from '../../platform/db/pagination.js';
import { AppError, forbidden, notFound } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import { projectNotAssignable, type ProjectsService } from '../projects/index.js';
import type { AgentDirectory } from './agent-directory.js';
import type { ConversationChanges, ConversationRow, ConversationsRepository } from './conversations.repository.js';
import {
  presentConversation,
  type ConversationView,
  type CreateConversationInput,
  type ListConversationsQuery,
  type UpdateConversationInput,
} from './conversations.schemas.js';

export interface ConversationsServiceDeps {
  readonly db: Database;
  readonly repository: ConversationsRepository;
  readonly agents: Pick<AgentDirectory, 'findUsable'>;
  readonly projects: Pick<ProjectsService, 'assertAssignable'>;
  /** Called once a conversation is deleted: the replies still being written in it stop. */
  readonly stopReplies: (conversationId: string) => void;
  /** Called once a conversation is deleted: its live watchers, on every node, are told their subscription ended. */
  readonly onConversationRemoved?: (conversationId: string) => void;
  /** Told of a conversation made or changed (title, archive, project), for live watchers (realtime). */
  readonly onConversationChanged?: (change: ConversationChange) => void;
  /**
   * Writes a new conversation's announcement (the webhooks' `conversation.created`) with `tx`, the
   * transaction that inserts it: both commit, or neither does.
   */
  readonly recordCreated?: (tx: Executor, tenantId: string, conversation: ConversationView) => Promise<void>;
}

const agentNotUsable = (agentId: string): AppError =>
  new AppError('unprocessable', `Agent '${agentId}' was not found among the agents you can use`);

/**
 * The agent or project checked a moment before was deleted before the write: the answer it would have
 * had a moment later, not a 500 from the foreign key.
 */
function referenceDeletedMeanwhile(
  error: unknown,
  input: { readonly agentId?: string; readonly projectId?: string | null },
): AppError | undefined {
  if (input.projectId && isForeignKeyViolation(error, 'conversations_project_id_projects_id_fk')) {
    return projectNotAssignable(input.projectId);
  }
  if (input.agentId && isForeignKeyViolation(error, 'conversations_agent_id_agents_id_fk')) {
    return agentNotUsable(input.agentId);
  }
  return undefined;
}

/** A conversation made, or the fields of it that changed, as its watchers are told. */
export interface ConversationChange {
  readonly kind: 'created' | 'updated';
  readonly tenantId: string;
  readonly conversation: ConversationView;
  /** An update's place in the conversation's event log (conversations.state_seq); 0 for a creation. */
  readonly seq: number;
}

export function createConversationsService(deps: ConversationsServiceDeps) {
  const { db, repository, agents, projects } = deps;

  /** Another tenant's conversation, or another member's for a member, is a 404: its existence is not revealed. */
  async function findVisible(actor: Actor, conversationId: string): Promise<ConversationRow> {
    const conversation = await repository.findById(db, actor.tenantId, conversationId);
    if (!conversation || !canViewOwned(actor, conversation.ownerId)) throw notFound('Conversation', conversationId);
    return conversation;
  }

  return {
    findVisible,

    async list(actor: Actor, query: ListConversationsQuery): Promise<Page<ConversationView>> {
      const filter = {
        ownerId: canSeeAllConversations(actor) ? undefined : actor.userId,
        projectId: query.projectId,
        isArchived: query.archived,
        titleContains: query.q,
        viewerId: actor.userId,
      };
      const rows = await repository.list(db, actor.tenantId, filter, { limit: query.limit, after: query.cursor });
      return toPage(rows, query.limit, presentConversation);
    },

    async get(actor: Actor, conversationId: string): Promise<ConversationView> {
      return presentConversation(await findVisible(actor, conversationId));
    },

    /** The id is always made here (UUID v7): ids a client sends are not accepted. */
    async create(actor: Actor, input: CreateConversationInput): Promise<ConversationView> {
      const agent = await agents.findUsable(actor, input.agentId);
      if (!agent) throw agentNotUsable(input.agentId);
      if (input.projectId) await projects.assertAssignable(actor.tenantId, actor.userId, input.projectId);
      const now = new Date();
      const view = await transaction(db, async (tx) => {
        const conversation = await repository.insert(tx, {
          id: newId(),
          tenantId: actor.tenantId,
          ownerId: actor.userId,
          agentId: agent.id,
          projectId: input.projectId ?? null,
          title: input.title ?? null,
          lastActivityAt: now,
          createdAt: now,
          updatedAt: now,
        });
        const created = presentConversation(conversation);
        await deps.recordCreated?.(tx, actor.tenantId, created);
        return created;
      }).catch((error: unknown) => {
        throw referenceDeletedMeanwhile(error, input) ?? error;
      });
      deps.onConversationChanged?.({ kind: 'created', tenantId: actor.tenantId, conversation: view, seq: 0 });
      return view;
    },

    async update(actor: Actor, conversationId: string, input: UpdateConversationInput): Promise<ConversationView> {
      const conversation = await findVisible(actor, conversationId);
      if (!canModifyOwned(actor, conversation.ownerId)) {
        throw forbidden("Only the conversation's owner or an admin can change it");
      }
      if (input.projectId) await projects.assertAssignable(actor.tenantId, conversation.ownerId, input.projectId);
      const changes: ConversationChanges = {
        ...(input.title !== undefined && { title: input.title }),
        ...(input.projectId !== undefined && { projectId: input.projectId }),
        // Archiving twice keeps the first date.
        ...(input.archived !== undefined && {
          archivedAt: input.archived ? (conversation.archivedAt ?? new Date()) : null,
        }),
      };
      const updated = await repository.update(db, actor.tenantId, conversationId, changes).catch((error: unknown) => {
        throw referenceDeletedMeanwhile(error, input) ?? error;
      });
      if (!updated) throw notFound('Conversation', conversationId);
      const view = presentConversation(updated);
      deps.onConversationChanged?.({
        kind: 'updated',
        tenantId: actor.tenantId,
        conversation: view,
        seq: updated.stateSeq,
      });
      return view;
    },

    /** Deletes the conversation with its messages. */
    async remove(actor: Actor, conversationId: string): Promise<void> {
      const conversation = await findVisible(actor, conversationId);
      if (!canModifyOwned(actor, conversation.ownerId)) {
        throw forbidden("Only the conversation's owner or an admin can delete it");
      }
      await repository.delete(db, actor.tenantId, conversationId);
      // No model keeps writing (and costing) for a conversation that is gone.
      deps.stopReplies(conversationId);
      deps.onConversationRemoved?.(conversationId);
    },
  };
}

export type ConversationsService = ReturnType<typeof createConversationsService>;
