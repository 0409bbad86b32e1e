import type { Database } from '../../../platform/db/client.js';
import type { BackgroundTasks, ModelResolver } from '../../chat/index.js';
import { extractSummary, writeSummary, type DeskLine } from './desk-ai.js';
import type { DeskMessagesRepository } from './desk-messages.repository.js';
import type { DeskPublisher } from './operator-desk.service.js';
import { presentSupportConversation } from '../support/support.schemas.js';
import type { SupportChange } from '../support/support.service.js';
import { visitorNameOf } from '../contacts/visitor-names.js';

export interface DeskLiveDeps {
  readonly db: Database;
  readonly repository: DeskMessagesRepository;
  readonly publisher: DeskPublisher | undefined;
  /** Stops the AI's replies being written in a chat conversation, on whichever node (chat's reply stops). */
  readonly stopReplies: (conversationId: string) => void;
  readonly resolveModel: ModelResolver | undefined;
  /** Round-robin, for inboxes that ask for it (auto-assign.ts). */
  readonly autoAssign?: (change: SupportChange) => Promise<void>;
  readonly background: BackgroundTasks;
}

/** How many of the contact's first messages a summary is made from. */
const summaryMessages = 10;

/**
 * What follows a status change once it is stored: the AI stops when a person takes over, every
 * operator's console hears of the change, and a conversation that starts waiting for a person is
 * announced to every online operator with a summary of what the contact wants.
 */
export function createDeskLive(deps: DeskLiveDeps) {
  const { db, repository } = deps;

  async function contactLines(tenantId: string, conversationId: string | null): Promise<DeskLine[]> {
    if (!conversationId) return [];
    const rows = await repository.contactMessages(db, tenantId, conversationId, summaryMessages);
    return rows.map((row) => ({ speaker: 'contact', content: row.content }));
  }

  /**
   * The notice goes out at once with the extractive summary (the contact's own questions), so no model
   * call delays it; a real model's summary follows as `support-summary` when it is written.
   */
  async function announcePending(change: SupportChange): Promise<void> {
    const { tenantId, after } = change;
    // Two reads at once, then the write: every round trip here is time the operator waits for the notice.
    const [lines, names] = await Promise.all([
      contactLines(tenantId, after.conversationId),
      repository.noticeNames(db, tenantId, after.inboxId, after.contactId),
    ]);
    const summary = extractSummary(
      lines.map((line) => line.content),
      change.reason,
    );
    // Nothing to say yet (a human-only inbox's conversation waits before its first message): recordTopic
    // writes it then, and an empty one written here late would erase it.
    if (summary) await repository.saveSummary(db, tenantId, after.id, summary);
    deps.publisher?.publishToOperators(tenantId, {
      type: 'support-pending',
      supportConversationId: after.id,
      conversationId: after.conversationId,
      inboxId: after.inboxId,
      inboxName: names?.inboxName ?? null,
      contact: {
        id: after.contactId,
        name: names?.contactName ?? names?.contactEmail ?? visitorNameOf(after.contactId),
      },
      summary,
      reason: change.reason,
      waitingSince: after.statusChangedAt.toISOString(),
    });
    if (deps.autoAssign) await deps.autoAssign(change);
    deps.background.run('support-summary', () => improveSummary(change, lines, summary));
  }

  async function improveSummary(change: SupportChange, lines: DeskLine[], extracted: string): Promise<void> {
    const { tenantId, after } = change;
    const agent = await repository.inboxAgentOf(db, tenantId, after.inboxId);
    if (!agent || !deps.resolveModel || lines.length === 0) return;
    const resolved = await deps.resolveModel(tenantId, agent.model, {
      path: 'handoff_summary',
      contactId: after.contactId,
      agentId: agent.id,
      conversationId: after.conversationId,
    });
    if (resolved.isOffline) return;
    const summary = await writeSummary(resolved, lines, change.reason);
    if (summary === extracted) return;
    await repository.saveSummary(db, tenantId, after.id, summary);
    deps.publisher?.publishToOperators(tenantId, { type: 'support-summary', supportConversationId: after.id, summary });
  }

  async function announceChange(change: SupportChange): Promise<void> {
    const { tenantId, before, after } = change;
    // The AI no longer answers (a person took it, it was handed over, resolved or snoozed): the reply it
    // may be writing stops now, on whichever node writes it.
    // The AI handing over itself finishes its own sentence (the tool's closing line).
    if (before.status === 'bot' && after.status !== 'bot' && change.byKind !== 'ai' && after.conversationId) {
      deps.stopReplies(after.conversationId);
    }
    deps.publisher?.publishToOperators(tenantId, {
      type: 'support-updated',
      supportConversationId: after.id,
      action: change.action,
      conversation: presentSupportConversation(after),
    });
    if (after.conversationId && (after.status !== before.status || after.assigneeId !== before.assigneeId)) {
      // The widget shows who joined; the name is the one operators' replies carry.
      const assigneeName = after.assigneeId
        ? await repository.displayNameOf(db, tenantId, after.assigneeId)
        : undefined;
      deps.publisher?.publishToConversation(tenantId, after.conversationId, {
        type: 'support-status',
        conversationId: after.conversationId,
        supportConversationId: after.id,
        status: after.status,
        assignee: after.assigneeId ? { id: after.assigneeId, name: assigneeName ?? null } : null,
      });
    }
    // A move to another team's queue starts a wait there too (its members hear of it, round-robin may give it).
    const startsWaiting =
      after.status === 'pending' &&
      (before.status !== 'pending' || change.action === 'create' || change.action === 'transfer_team');
    if (startsWaiting) await announcePending(change);
  }

  return {
    /** SupportServiceDeps.onChanged: runs after the change is stored; a failure is logged, never thrown. */
    onChanged(change: SupportChange): void {
      deps.background.run('support-change', () => announceChange(change));
    },
    /**
     * A contact's message to a conversation waiting for a person with no summary yet (a human-only inbox's
     * first message, written after the widget asked what it is about): it becomes the summary the queue
     * shows, and operators' consoles hear of it.
     */
    async recordTopic(tenantId: string, supportConversationId: string, content: string): Promise<void> {
      const summary = extractSummary([content]);
      if (!summary || !(await repository.saveTopic(db, tenantId, supportConversationId, summary))) return;
      deps.publisher?.publishToOperators(tenantId, { type: 'support-summary', supportConversationId, summary });
    },
    drain: () => deps.background.drain(),
  };
}
