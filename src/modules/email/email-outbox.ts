import { afterCommit } from '../../platform/db/after-commit.js';
import type { Database, Executor } from '../../platform/db/client.js';
import { createExpiringCache } from '../../platform/cache/expiring-cache.js';
import { everyKey, settingsCacheTtlMs } from '../../platform/cache/invalidation-bus.js';
import { newId } from '../../platform/ids.js';
import type { JobQueue } from '../../platform/jobs/index.js';
import type { Logger } from '../../platform/logger.js';
import { announcedMessage, reachesContact, type LogReader, type MessageView } from '../conversations/index.js';
import type { EmailRepository } from './email.repository.js';

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

  /** With `tx`: the mail of `message`, if it is a reply in an email conversation that reaches the contact. */
  async function record(tx: Executor, tenantId: string, message: MessageView): Promise<void> {
    if (message.role !== 'assistant' || !reachesContact(message)) return;
    const target = await repository.findEmailConversationOfChat(tx, tenantId, message.conversationId);
    if (!target?.contactAddress || !target.inboxAddress) return;
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
          for (const event of events) {
            const message = announcedMessage(event);
            if (message) await record(tx, event.tenantId, message);
          }
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
