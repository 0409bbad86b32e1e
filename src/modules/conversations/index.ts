import type { Database } from '../../platform/db/client.js';
import type { ProjectsService } from '../projects/index.js';
import type { AgentDirectory } from './agent-directory.js';
import { createConversationsRepository } from './conversations.repository.js';
import { registerConversationsRoutes } from './conversations.routes.js';
import { createConversationsService, type ConversationsServiceDeps } from './conversations.service.js';
import { createMessagesRepository } from './messages.repository.js';
import { createMessagesService } from './messages.service.js';

export interface ConversationsModuleDeps {
  readonly db: Database;
  readonly agents: AgentDirectory;
  readonly projects: Pick<ProjectsService, 'assertAssignable'>;
  /** Stops the replies still being written in a conversation that is deleted (chat's reply stops). */
  readonly stopReplies: (conversationId: string) => void;
  readonly onConversationChanged?: ConversationsServiceDeps['onConversationChanged'];
  readonly onConversationRemoved?: ConversationsServiceDeps['onConversationRemoved'];
  /** Announces a new conversation in the transaction that inserts it (the webhooks' conversation.created). */
  readonly recordCreated?: ConversationsServiceDeps['recordCreated'];
}

export function createConversationsModule(deps: ConversationsModuleDeps) {
  const conversations = createConversationsService({
    db: deps.db,
    repository: createConversationsRepository(),
    agents: deps.agents,
    projects: deps.projects,
    stopReplies: deps.stopReplies,
    onConversationChanged: deps.onConversationChanged,
    onConversationRemoved: deps.onConversationRemoved,
    recordCreated: deps.recordCreated,
  });
  const messages = createMessagesService({
    db: deps.db,
    repository: createMessagesRepository(),
    conversations,
  });
  return {
    service: conversations,
    messages,
    registerRoutes: (app: Parameters<typeof registerConversationsRoutes>[0]) =>
      registerConversationsRoutes(app, { conversations, messages }),
  };
}

export type { AgentDirectory, ChatAgent } from './agent-directory.js';
export type { ConversationChange, ConversationsService } from './conversations.service.js';
export { presentMessage, type MessageView } from './messages.schemas.js';
export { findByClientMessageId } from './messages.repository.js';
export { storeAnnounced, type MessageEvents } from './message-events.js';
export { announcedMessage, announcingEventTypes, messageOfLogPayload } from './logged-message.js';
export { createConversationLogFeed, type ConversationLogFeed, type LogReader } from './conversation-log-feed.js';
export { createConversationLogFeedRepository, type FeedEvent } from './conversation-log-feed.repository.js';
export {
  isCompleteOrStopped,
  reachesContact,
  shownMessageStatuses,
  shownStatusOf,
  type MessageOutcome,
  type ShownMessageStatus,
} from './message-outcome.js';
