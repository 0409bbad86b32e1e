import type { WidgetTexts } from './widget-texts-fields';
import type { ReplyTargets } from './teams-api';
/** An inbox as GET /v1/inboxes answers it: never its signing secret. */
export interface Inbox {
  id: string;
  name: string;
  /** Fixed once created: `widget` takes website visitors' messages, `api` the tenant's own system's, `email` mail. */
  kind: InboxKind;
  /** An `email` inbox's address; null for the others. */
  emailAddress: string | null;
  /** The agent that answers first; null for a human-only inbox. */
  agentId: string | null;
  allowedOrigins: string[];
  widget: { title: string; color: string; greeting: string; texts?: WidgetTexts };
  businessHours: BusinessHours | null;
  handoff: { keywords: string[]; onAiFailure: 'handover' | 'stay'; noAnswerReply: string };
  csatEnabled: boolean;
  /** How an AI reply's cited sources reach the contact (widget, email): their titles, or none. */
  citations: 'titles' | 'strip';
  /** The agent keeps long-term memory of each contact (per contact); off by default. */
  memory: boolean;
  /** The team whose queue its new conversations join (null: none). */
  teamId?: string | null;
  /** Reply-time targets (null: none; a team's win for the team's conversations). */
  replyTargets?: ReplyTargets | null;
  signingSecretRotatedAt: string;
  createdAt: string;
  updatedAt: string;
}

export type InboxKind = 'widget' | 'api' | 'email';

export interface BusinessHours {
  timeZone: string;
  days: { weekday: number; opens: string; closes: string }[];
}

/** Only create and rotate answer with the secret, once. */
export interface InboxWithSecret extends Inbox {
  signingSecret: string;
}

export type InboxInput = Pick<
  Inbox,
  | 'name'
  | 'agentId'
  | 'allowedOrigins'
  | 'widget'
  | 'businessHours'
  | 'handoff'
  | 'csatEnabled'
  | 'citations'
  | 'memory'
  | 'teamId'
  | 'replyTargets'
> & {
  /** Sent only when creating: the server refuses to change it. */
  kind?: InboxKind;
  /** An `email` inbox's address. */
  emailAddress?: string;
};

export const inboxSettingsPath = '/inbox-settings';
export const inboxKeys = {
  all: ['inboxes'] as const,
  one: (id: string) => ['inboxes', id] as const,
};

/** Where the tenant's own system posts a contact's message to an `api` inbox (docs/integrations.md). */
export function apiChannelUrl(origin: string, inboxId: string): string {
  return `${origin}/v1/inboxes/${inboxId}/messages`;
}

/** What a site pastes into its pages to show the chat widget of this inbox. */
export function embedSnippet(origin: string, inboxId: string): string {
  return `<script src="${origin}/widget.js" data-inbox="${inboxId}" async></script>`;
}
