import { afterCommit } from '../../platform/db/after-commit.js';
import type { Database, Executor } from '../../platform/db/client.js';
import { createExpiringCache } from '../../platform/cache/expiring-cache.js';
import { everyKey, settingsCacheTtlMs } from '../../platform/cache/invalidation-bus.js';
import { newId } from '../../platform/ids.js';
import type { JobQueue } from '../../platform/jobs/index.js';
import type { Logger } from '../../platform/logger.js';
import {
  announcedMessage,
  messageOfLogPayload,
  reachesContact,
  type FeedEvent,
  type LogReader,
} from '../conversations/index.js';
import type { EmailRepository } from './email.repository.js';
import { isHandedOverReply, mailedSystemLine } from './mailed-lines.js';

export const sendEmailJobName = 'email.send';

export interface SendEmailJob {
  readonly tenantId: string;
  readonly emailId: string;
}

export interface EmailOutboxDeps {
  readonly db: Database;
  readonly repository: EmailRepository;
  readonly jobs: Pick<JobQueue, 'send'>;
  readonly logger: Logger;
}

/** How old a waiting mail must be before the sweep queues it again: its own commit queued it long before. */
const sweepGraceMs = 30_000;
const sweepBatch = 100;

/**
 * The email outbox: a reply in an email conversation, the AI's or an operator's, is read from the
 * conversation's log (ADR 27) and gets its outbound mail row in the transaction that moves the reader's
 * cursor past it, so a reply is mailed once however often a node dies. After that commit its `email.send`
 * job is queued; a sweep queues what a node that died in between left.
 */
export function createEmailOutbox(deps: EmailOutboxDeps) {
  const { db, repository, jobs, logger } = deps;
  const emailTenants = createExpiringCache<boolean>({ ttlMs: settingsCacheTtlMs, maxEntries: 10_000 });

  const queue = (tenantId: string, emailId: string) =>
    jobs.send<SendEmailJob>(
      sendEmailJobName,
      { tenantId, emailId },
      { singletonKey: emailId, isSkippedWhileRetrying: true },
    );

  /**
   * The line an event stores, if the customer is mailed it: a reply that reaches the contact (not the
   * AI's "could not help" one the handover's line stands in for), a handover's line, a notice of the
   * channel's own (mailed-lines.ts).
   */
  async function mailedLineOf(tx: Executor, event: FeedEvent) {
    const row = messageOfLogPayload(event.payload);
    const isMailed =
      row.role === 'system'
        ? row.status === 'complete' && mailedSystemLine(row) !== undefined
        : announcedMessage(event) !== undefined && reachesContact(row);
    if (!isMailed) return undefined;
    const target = await repository.findEmailConversationOfChat(tx, event.tenantId, row.conversationId);
    if (!target?.contactAddress || !target.inboxAddress) return undefined;
    if (row.role === 'assistant' && row.model !== null && isHandedOverReply(row, target)) return undefined;
    return {
      message: row,
      target: { ...target, contactAddress: target.contactAddress, inboxAddress: target.inboxAddress },
    };
  }

  /** With `tx`: the mail of the event's line, if it is one an email customer is sent. */
  async function record(tx: Executor, event: FeedEvent): Promise<void> {
    const found = await mailedLineOf(tx, event);
    if (!found) return;
    const { message, target } = found;
    const { tenantId } = event;
    const id = newId();
    const isNew = await repository.insertEmail(tx, {
      id,
      tenantId,
      supportConversationId: target.supportConversationId,
      messageId: message.id,
      direction: 'outbound',
      status: 'pending',
      internetMessageId: `${id}@${target.inboxAddress.split('@')[1] ?? 'parley.invalid'}`,
      contactAddress: target.contactAddress,
    });
    if (!isNew) return;
    afterCommit(tx, () => {
      queue(tenantId, id).catch((error: unknown) =>
        logger.warn({ err: error, emailId: id }, 'An email reply is left for the sweep to queue'),
      );
    });
  }

  return {
    /** Whether the tenant has an email inbox at all: a tenant without one pays no read per reply. */
    hasEmailInbox: (tenantId: string): Promise<boolean> =>
      emailTenants.load(tenantId, () => repository.hasEmailInbox(db, tenantId)),

    /** A mail came in for the tenant, or its inboxes changed: read again whether it has an email inbox. */
    noteEmailTenant(tenantId: string): void {
      if (tenantId === everyKey) emailTenants.clear();
      else emailTenants.invalidate(tenantId);
    },

    /** The log's reader that mails replies in email conversations (its cursor: `email`). */
    replyMails(): LogReader {
      return {
        name: 'email',
        only: repository.emailRepliesInLog(),
        handle: async (tx, events) => {
          for (const event of events) await record(tx, event);
        },
      };
    },

    /** Queues the mails still waiting long after their commit (their node died before queueing them). */
    async sweep(): Promise<number> {
      const waiting = await repository.listWaiting(db, new Date(Date.now() - sweepGraceMs), sweepBatch);
      for (const mail of waiting) await queue(mail.tenantId, mail.id);
      return waiting.length;
    },
  };
}

export type EmailOutbox = ReturnType<typeof createEmailOutbox>;
