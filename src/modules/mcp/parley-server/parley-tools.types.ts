import type { Actor } from '../../../access/actor.js';
import type { Logger } from '../../../platform/logger.js';
import type { AgentsService } from '../../agents/index.js';
import type { ChatService } from '../../chat/index.js';
import type { ConversationsService } from '../../conversations/index.js';
import type { KnowledgeSearch, SourcesService } from '../../knowledge/index.js';

/** What Parley's own MCP tools use: the same services the HTTP routes call, nothing beneath them. */
export interface ParleyToolDeps {
  readonly logger: Logger;
  /** The one KnowledgeSearch of the app (the query endpoint's and chat's). */
  readonly knowledgeSearch: KnowledgeSearch;
  readonly sources: Pick<SourcesService, 'findSource' | 'list'>;
  readonly agents: Pick<AgentsService, 'listUsable' | 'findUsable'>;
  readonly conversations: Pick<ConversationsService, 'create' | 'get'>;
  readonly chat: Pick<ChatService, 'sendMessage' | 'awaitReply'>;
}

/** A tool is registered per request, bound to the caller (the API key's user). */
export interface ToolContext {
  readonly actor: Actor;
  readonly deps: ParleyToolDeps;
}
