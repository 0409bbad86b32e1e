/**
 * The customer-service desk's API as the console reads it (docs/customer-service.md): support
 * conversations, their messages, events and notes, contacts, canned responses. Inboxes are in
 * areas/inbox-settings.
 */

export const supportStatuses = ['bot', 'pending', 'open', 'snoozed', 'resolved'] as const;
export type SupportStatus = (typeof supportStatuses)[number];

export const statusLabels: Record<SupportStatus, string> = {
  bot: 'With the AI',
  pending: 'Waiting for a person',
  open: 'Open',
  snoozed: 'Snoozed',
  resolved: 'Resolved',
};

export interface SupportConversation {
  id: string;
  inboxId: string;
  contactId: string;
  /** The chat conversation the widget writes into; its socket events carry this id. */
  conversationId: string | null;
  status: SupportStatus;
  assigneeId: string | null;
  snoozedUntil: string | null;
  labels: string[];
  statusChangedAt: string;
  createdAt: string;
  updatedAt: string;
  /** What the AI wrote for the person taking over, when the server has one. */
  summary?: string | null;
  /** The contact's name, when the queue sends it along (else the contact is read on its own). */
  contactName?: string | null;
  /** The contact's rating, in a conversation's own view and the contact's list (null: not rated). */
  rating?: ConversationRating | null;
  /** The team whose queue holds it (null: no team's). */
  teamId?: string | null;
  /** How urgent it is: 'none', 'low', 'medium', 'high' or 'urgent' (routing rules and PATCH set it). */
  priority?: string;
  /** The running reply-time targets' due times and where they stand (null state: no target runs). */
  targets?: ConversationTargets;
}

export interface ConversationTargets {
  firstResponseDueAt: string | null;
  nextResponseDueAt: string | null;
  resolutionDueAt: string | null;
  state: 'on_track' | 'due_soon' | 'breached' | null;
}

/** How a target's state reads in the queue and on the conversation: words, not only a colour. */
export const targetStateLabels = { on_track: 'On track', due_soon: 'Due soon', breached: 'Breached' } as const;

export interface ConversationRating {
  rating: number;
  comment: string | null;
  ratedFor: 'ai' | 'operator';
  ratedAt: string;
}

/** "★★★★☆ 4/5", with the words a screen reader says. */
export function ratingText(rating: Pick<ConversationRating, 'rating'>): string {
  return `${'★'.repeat(rating.rating)}${'☆'.repeat(5 - rating.rating)} ${rating.rating}/5`;
}

/** The three tabs of the queue; the server sorts each by waiting time, longest first. */
export const queueViews = ['mine', 'unassigned', 'all'] as const;
export type QueueView = (typeof queueViews)[number];
export const queueViewLabels: Record<QueueView, string> = { mine: 'Mine', unassigned: 'Unassigned', all: 'All' };

/** How many conversations each tab holds, with the status filter applied. */
export type QueueCounts = Partial<Record<QueueView, number>>;

export interface QueuePage {
  items: SupportConversation[];
  nextCursor: string | null;
  /** The counts, where a server sends them along with the page. */
  counts?: QueueCounts;
}

export type SupportMessageRole = 'contact' | 'assistant' | 'operator' | 'system';

export interface SupportMessage {
  id: string;
  role: SupportMessageRole;
  content: string;
  authorName?: string | null;
  /**
   * `streaming` while the AI writes it; `stopped` for an AI reply cut short (a person took over): it has
   * ended, but is not the AI's whole answer. Absent on system lines.
   */
  status?: 'pending' | 'streaming' | 'awaiting_approval' | 'complete' | 'stopped' | 'error';
  /** Images the contact sent from the widget. */
  images?: { fileId: string; filename: string; mediaType: string }[];
  /** Other files (an email's attachments), listed by name. */
  files?: { fileId: string; filename: string; mediaType: string }[];
  /** When the other side read it. */
  readAt?: string | null;
  createdAt: string;
}

/** A page of a conversation's lines, oldest first; `nextCursor` is passed back as `after`. */
export interface MessagePage {
  items: SupportMessage[];
  nextCursor?: string | null;
}

export interface SupportEvent {
  id: string;
  actorKind: 'operator' | 'contact' | 'system' | 'ai';
  actorId: string | null;
  action: string;
  from: SupportStatus | null;
  to: SupportStatus;
  assigneeId: string | null;
  reason: string | null;
  createdAt: string;
}

export interface SupportNote {
  id: string;
  authorId: string | null;
  body: string;
  createdAt: string;
}

export interface Contact {
  id: string;
  name: string | null;
  displayName: string;
  email: string | null;
  phone: string | null;
  externalId: string | null;
  attributes: Record<string, unknown>;
  firstSeenAt: string;
  lastSeenAt: string;
  erasedAt: string | null;
  /** What the widget last knew of the visitor; null for contacts that never used the widget. */
  visitor: {
    page?: string;
    referrer?: string;
    language?: string;
    timeZone?: string;
    browser?: string;
    isVerified: boolean;
    seenAt: string;
  } | null;
  createdAt: string;
  updatedAt: string;
}

export interface CannedResponse {
  id: string;
  shortcode: string;
  content: string;
  createdAt: string;
  updatedAt: string;
}

/** Someone who can be given a conversation, from GET /v1/operators. */
export interface DeskOperator {
  id: string;
  name: string;
  role: string;
  presence: 'online' | 'away' | 'offline';
  openConversations: number;
}

export const supportBase = '/v1/support-conversations';

export const supportKeys = {
  all: ['support'] as const,
  queue: (view: QueueView, filters: QueueFilters) =>
    ['support', 'queue', view, filters.status, filters.channel, filters.inboxId, filters.teamId] as const,
  queueCounts: (filters: QueueFilters) =>
    ['support', 'queue', 'counts', filters.status, filters.channel, filters.inboxId, filters.teamId] as const,
  inboxes: ['support', 'inboxes'] as const,
  conversation: (id: string) => ['support', 'conversation', id] as const,
  messages: (id: string) => ['support', 'conversation', id, 'messages'] as const,
  events: (id: string) => ['support', 'conversation', id, 'events'] as const,
  notes: (id: string) => ['support', 'conversation', id, 'notes'] as const,
  contact: (id: string) => ['contacts', id] as const,
  contactConversations: (id: string) => ['contacts', id, 'conversations'] as const,
  contacts: ['contacts'] as const,
  cannedResponses: ['canned-responses'] as const,
  operators: ['operators'] as const,
};

/** The queue's address: one tab, optionally one status (else all but resolved), longest waiting first. */
/** The queue's filters; an empty string is "any". */
export interface QueueFilters {
  status: string;
  channel: string;
  inboxId: string;
  /** A team's id, 'mine' (the caller's teams) or '' (every conversation, whatever its team). */
  teamId: string;
}

const filterParams = (filters: QueueFilters) => {
  const params = new URLSearchParams();
  if (filters.status) params.set('status', filters.status);
  if (filters.channel) params.set('channel', filters.channel);
  if (filters.inboxId) params.set('inboxId', filters.inboxId);
  if (filters.teamId) params.set('teamId', filters.teamId);
  return params;
};

export function queuePath(view: QueueView, filters: QueueFilters, cursor?: string | null): string {
  const params = filterParams(filters);
  params.set('view', view);
  params.set('limit', '50');
  if (cursor) params.set('cursor', cursor);
  return `${supportBase}?${params.toString()}`;
}

/** The tabs' counts over the same filters; without a status, every conversation not resolved. */
export function queueCountsPath(filters: QueueFilters): string {
  const query = filterParams(filters).toString();
  return query ? `${supportBase}/counts?${query}` : `${supportBase}/counts`;
}

/** Where a conversation came in: an inbox's kind, as operators name it. */
export const channelLabels = { widget: 'Website', email: 'Email', api: 'API' } as const;
export type Channel = keyof typeof channelLabels;

/** An inbox as the desk shows it beside a conversation (GET /v1/inboxes). */
export interface InboxSummary {
  id: string;
  name: string;
  kind: Channel;
}

/** A contact as people know them: the server's display name (the name, else how to reach them, else a made-up one). */
export function contactLabel(contact: Pick<Contact, 'displayName'>): string {
  return contact.displayName;
}

/** "12 min", "3 h", "2 d": how long a conversation has waited since its status last changed. */
export function waitingFor(sinceIso: string, nowMs: number): string {
  const minutes = Math.max(0, Math.floor((nowMs - Date.parse(sinceIso)) / 60_000));
  if (minutes < 1) return 'just now';
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h`;
  return `${Math.floor(hours / 24)} d`;
}
