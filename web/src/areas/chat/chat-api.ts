import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useMemo } from 'react';
import { useServices } from '../../app-context';
import { useExclusiveMutation } from '../../ui/use-exclusive-mutation';

/** A conversation as GET /v1/conversations answers it. */
export interface Conversation {
  id: string;
  ownerId: string;
  agentId: string | null;
  projectId: string | null;
  title: string | null;
  messageCount: number;
  archived: boolean;
  archivedAt: string | null;
  lastActivityAt: string;
  /** The caller's unread messages in it (read receipts, docs/companion.md); absent from older servers. */
  unreadCount?: number;
  createdAt: string;
  updatedAt: string;
}

export interface MessageUsage {
  inputTokens: number | null;
  outputTokens: number | null;
  reasoningTokens: number | null;
  totalTokens: number | null;
}

/** A knowledge passage a reply cites; `marker` is the [n] in its text. */
export interface Citation {
  marker: number;
  sourceId: string;
  documentId: string;
  documentTitle: string;
  chunkId: string;
  page: number | null;
  headingPath: string[];
  score: number;
  excerpt: string;
  /** What the search read instead of some typed words ("searched for `to` instead of `from`"); absent when nothing. */
  queryCorrections?: { from: string; to: string }[];
}

/** A file a person sent with a message (uploaded first through POST /v1/files). */
export interface Attachment {
  fileId: string;
  filename: string;
  mediaType: string;
}

/**
 * A tool the model called while writing a reply, as stored on it. `awaiting_approval` waits for the
 * person's decision (the reply is then `awaiting_approval` too); `denied` was refused and never ran.
 */
export interface StoredToolCall {
  toolCallId: string;
  toolName: string;
  input: unknown;
  state: 'awaiting_approval' | 'denied' | 'running' | 'complete' | 'error';
  output?: unknown;
  errorMessage?: string;
}

/** A stored message as GET /v1/conversations/:id/messages answers it. */
export interface StoredMessage {
  id: string;
  conversationId: string;
  role: 'user' | 'assistant' | 'system';
  content: string;
  reasoning: string | null;
  /** `stopped`: a reply cut short (its owner's stop, a person taking over); it has ended, as `complete` has. */
  status: 'pending' | 'streaming' | 'awaiting_approval' | 'complete' | 'stopped' | 'error';
  error: { code: string; message: string } | null;
  model: string | null;
  usage: MessageUsage | null;
  timeToFirstTokenMs: number | null;
  durationMs: number | null;
  finishReason: string | null;
  /** Absent from servers older than knowledge sources; empty or null when there are none. */
  citations?: Citation[] | null;
  attachments?: Attachment[] | null;
  /** The tools the reply called, in order; absent from servers without tools. */
  toolCalls?: StoredToolCall[] | null;
  createdAt: string;
  completedAt: string | null;
  /** Its conversation's log position of the message's latest state (docs/realtime.md). */
  seq: number;
  /** Only on a message the agent sent on its own (a proactive message). */
  proactive?: true;
  /** When the other side read it; null while unread. */
  readAt?: string | null;
  /** A bubble of a split reply: the reply's first message and its place (docs/companion.md). */
  replyGroup?: { id: string; position: number };
}

export interface MessageHistory {
  /** Oldest first. */
  items: StoredMessage[];
  /** Pass as `before` for the page of older messages; null when there are none. */
  olderCursor: string | null;
  newerCursor: string | null;
}

/** The fields of an agent the chat needs (GET /v1/agents). */
export interface ChatAgent {
  id: string;
  name: string;
  model: string;
}

interface Page<Item> {
  items: Item[];
  nextCursor: string | null;
}

export interface ConversationFilters {
  q: string;
  archived: boolean;
}

export const chatKeys = {
  /** Every page of every list: refreshed after a turn, a new chat, a rename, an archive or a delete. */
  lists: ['conversations', 'list'] as const,
  list: (filters: ConversationFilters) => ['conversations', 'list', filters] as const,
  one: (id: string) => ['conversations', 'one', id] as const,
  history: (id: string) => ['conversations', 'history', id] as const,
  /** Under the agents area's root key, so a change there refreshes the picker too. */
  agents: ['agents', 'chat-picker'] as const,
};

const conversationPageSize = 30;
export const historyPageSize = 50;
const conversationPath = (id: string) => `/v1/conversations/${encodeURIComponent(id)}`;
export const messagesPath = (id: string) => `${conversationPath(id)}/messages`;

/** The conversation list, newest activity first, a page at a time. */
export function useConversationList(filters: ConversationFilters) {
  const { api } = useServices();
  const query = useInfiniteQuery({
    queryKey: chatKeys.list(filters),
    queryFn: ({ pageParam }) => {
      const params = new URLSearchParams({ limit: String(conversationPageSize), archived: String(filters.archived) });
      if (filters.q) params.set('q', filters.q);
      if (pageParam) params.set('cursor', pageParam);
      return api.get<Page<Conversation>>(`/v1/conversations?${params.toString()}`);
    },
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor,
  });
  const conversations = useMemo(() => query.data?.pages.flatMap((page) => page.items) ?? [], [query.data]);
  return { query, conversations };
}

export function useConversation(id: string) {
  const { api } = useServices();
  return useQuery({ queryKey: chatKeys.one(id), queryFn: () => api.get<Conversation>(conversationPath(id)) });
}

/**
 * The latest page of a conversation's history, read afresh whenever a conversation is opened: the
 * chat session starts from it, so a cached copy from an earlier visit would hide newer messages.
 */
export function useLatestHistory(id: string) {
  const { api } = useServices();
  return useQuery({
    queryKey: chatKeys.history(id),
    queryFn: () => api.get<MessageHistory>(`${messagesPath(id)}?limit=${historyPageSize}`),
    refetchOnMount: 'always',
    gcTime: 0,
  });
}

/** Every agent the person may chat with (a few pages at most in practice). */
export function useChatAgents() {
  const { api } = useServices();
  return useQuery({
    queryKey: chatKeys.agents,
    queryFn: async () => {
      const agents: ChatAgent[] = [];
      let cursor: string | null = null;
      for (let pages = 0; pages < 10; pages += 1) {
        const params = new URLSearchParams({ limit: '100' });
        if (cursor) params.set('cursor', cursor);
        const page: Page<ChatAgent> = await api.get<Page<ChatAgent>>(`/v1/agents?${params.toString()}`);
        agents.push(...page.items);
        cursor = page.nextCursor;
        if (!cursor) break;
      }
      return agents;
    },
  });
}

export function useCreateConversation() {
  const { api } = useServices();
  const queryClient = useQueryClient();
  return useExclusiveMutation({
    mutationFn: (agentId: string) => api.post<Conversation>('/v1/conversations', { agentId }),
    onSuccess: (conversation) => {
      queryClient.setQueryData(chatKeys.one(conversation.id), conversation);
      return queryClient.invalidateQueries({ queryKey: chatKeys.lists });
    },
  });
}

export type ConversationChange = { title: string | null } | { archived: boolean };

export function useUpdateConversation() {
  const { api } = useServices();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (input: { id: string; change: ConversationChange }) =>
      api.patch<Conversation>(conversationPath(input.id), input.change),
    onSuccess: (conversation) => {
      queryClient.setQueryData(chatKeys.one(conversation.id), conversation);
      return queryClient.invalidateQueries({ queryKey: chatKeys.lists });
    },
  });
}

export function useDeleteConversation() {
  const { api } = useServices();
  const queryClient = useQueryClient();
  return useExclusiveMutation({
    mutationFn: (id: string) => api.delete(conversationPath(id)),
    onSuccess: (_result, id) => {
      queryClient.removeQueries({ queryKey: chatKeys.one(id) });
      return queryClient.invalidateQueries({ queryKey: chatKeys.lists });
    },
  });
}

/** What to call a conversation that has no title yet. */
export const conversationTitle = (conversation: Pick<Conversation, 'title'>): string =>
  conversation.title ?? 'Untitled chat';
