import type { ParsedMail } from 'mailparser';
import { transaction } from '../../platform/db/after-commit.js';
import type { Database, Executor } from '../../platform/db/client.js';
import { provenEmailSources, type StoredAttachment } from '../../platform/db/schema/index.js';
import { AppError } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import type { Logger } from '../../platform/logger.js';
import { shortenTo } from '../../platform/text-cut.js';
import type { FilesService } from '../files/index.js';
import type { StoredContact } from '../inbox/contacts/contacts.repository.js';
import type { Visitor } from '../widget/widget-sessions.js';
import type { StoredWidgetInbox, WidgetRepository } from '../widget/widget.repository.js';
import type { WidgetService } from '../widget/widget.service.js';
import type { EmailRepository, NewEmailMessage } from './email.repository.js';
import type { EmailNoticesRepository } from './email-notices.repository.js';
import { createMailAcknowledgement } from './mail-acknowledgement.js';
import { createMailAttachments } from './mail-attachments.js';
import {
  automatedMailReason,
  mailAuthentication,
  messageIdsIn,
  newTextOf,
  refutedSenderReason,
} from './mail-headers.js';

export interface EmailInboundDeps {
  readonly db: Database;
  readonly repository: EmailRepository;
  readonly notices: EmailNoticesRepository;
  readonly logger: Logger;
  readonly widgetRepository: Pick<WidgetRepository, 'insertContact'>;
  readonly widget: Pick<WidgetService, 'create' | 'send' | 'widgetActor'>;
  readonly files: Pick<FilesService, 'upload' | 'remove'>;
  /** In the transaction that makes a contact: its `contact.created` webhook event (the outbox). */
  readonly recordContactCreated?: (tx: Executor, contact: StoredContact) => Promise<void>;
  /** Told when a tenant's email conversation takes a message, so its replies are looked for at once. */
  readonly onEmailTenant?: (tenantId: string) => void;
}

/** One mail as the listener took it: the envelope's reverse-path (empty for bounces) and the parsed message. */
export interface ReceivedMail {
  readonly envelopeFrom: string;
  readonly parsed: ParsedMail;
}

export type ReceiveOutcome =
  | { readonly kind: 'stored'; readonly supportConversationId: string; readonly messageId: string }
  | { readonly kind: 'ignored'; readonly reason: string };

/** Not a browser session: mail speaks for the contact, who is known by the address it came from. */
const emailSession = 'email';
/** A mail longer than this is cut: what a person writes fits, a pasted log does not need to reach the model whole. */
const maxContentCharacters = 20_000;
/** A mail's row without its message for this long was left by a node that stopped while taking it. */
const unfinishedMailMs = 10 * 60_000;
/**
 * The AI answers at most this many of one address's mails an hour; the next go to a person, with no
 * model call. Mail costs its sender nothing to send: a loop with an auto-responder that marks nothing,
 * or someone scripting mail, would otherwise be answered (and paid for) once a mail.
 */
export const maxAiMailsPerSenderHour = 5;
const senderWindowMs = 60 * 60_000;

/** Why a mail was sent by a machine (mail-headers.ts), or null; an empty envelope sender is a bounce's mark. */
function automatedReason(mail: ReceivedMail, address: string): string | null {
  if (mail.envelopeFrom === '') return 'an empty envelope sender (a bounce or an automatic reply)';
  const lines = mail.parsed.headerLines;
  const contentType =
    lines
      .find((line) => line.key === 'content-type')
      ?.line.split(':')[1]
      ?.trim() ?? '';
  return automatedMailReason(lines, { from: address, contentType });
}

/**
 * Mail to an `email` inbox becomes its contact's message, through the widget's own path (who answers,
 * handoff, business hours), so the AI answers first exactly as on the website.
 */
export function createEmailInbound(deps: EmailInboundDeps) {
  const { db, repository, logger } = deps;
  const attachments = createMailAttachments({ files: deps.files, logger });
  const acknowledgement = createMailAcknowledgement({ db, notices: deps.notices });

  /**
   * The sender's contact (docs/security.md, "Mail identity"): the tenant's oldest contact whose address
   * is proven (set by the tenant, signed by its site, or known by earlier mail), else a new one named as
   * the mail names them. An address a widget visitor typed proves nothing, so mail never joins that
   * visitor. A mail the relay refuted joins only the address's unverified contact, never a proven one.
   */
  async function contactOf(tenantId: string, address: string, name: string | null, isRefuted: boolean) {
    return transaction(db, async (tx) => {
      await repository.lockContactAddress(tx, tenantId, address);
      const joinable = isRefuted ? (['unverified_mail'] as const) : provenEmailSources;
      const found = await repository.findContactByAddress(tx, tenantId, address, joinable);
      if (found) return found.id;
      const row = await deps.widgetRepository.insertContact(tx, {
        id: newId(),
        tenantId,
        name,
        email: address,
        emailSource: isRefuted ? 'unverified_mail' : 'mail',
      });
      if (!row) throw new AppError('internal', `The contact for '${address}' could not be stored`);
      await deps.recordContactCreated?.(tx, row);
      return row.id;
    });
  }

  function contentOf(
    parsed: ParsedMail,
    isThreaded: boolean,
    lines: { readonly before: readonly string[]; readonly after: readonly string[] },
  ): string {
    const body = newTextOf(parsed.text ?? '');
    const subject = parsed.subject?.trim() ?? '';
    // A mail that answers a thread has its subject there already; any other starts with it.
    const parts = [...lines.before, isThreaded ? '' : subject, body, ...lines.after].filter((part) => part !== '');
    const content = parts.join('\n\n');
    return shortenTo(content === '' ? '(An empty email.)' : content, maxContentCharacters);
  }

  /**
   * Whether a mail of this `Message-ID` may be taken now. One stored with its message was taken
   * already (a sending server that missed our answer sends it again); one still without its message
   * is being taken right now (try later), or was left by a node that stopped mid-way (taken again).
   */
  async function isNewMail(tenantId: string, internetMessageId: string): Promise<boolean> {
    const earlier = await repository.findMail(db, tenantId, internetMessageId);
    if (!earlier) return true;
    if (earlier.messageId !== null) return false;
    if (Date.now() - earlier.createdAt.getTime() < unfinishedMailMs) {
      throw new AppError('not_ready', 'The same mail is being taken right now; try again later');
    }
    await repository.deleteEmail(db, tenantId, earlier.id);
    return true;
  }

  /**
   * The conversation a reply names (of this inbox and contact), or a new one. A sender past the hourly
   * bound opens no more: their mail joins their newest conversation here, so a flood is one
   * conversation waiting for a person, not one per mail (each with its own notice to every operator).
   */
  async function conversationFor(visitor: Visitor, parsed: ParsedMail, isFlooding: boolean) {
    const threaded = await repository.findThreadConversation(db, visitor.tenantId, {
      inboxId: visitor.inbox.id,
      contactId: visitor.contactId,
      ids: [...messageIdsIn(parsed.inReplyTo), ...messageIdsIn(parsed.references)],
    });
    if (threaded) return { id: threaded, isThreaded: true };
    const newest = isFlooding
      ? await repository.findNewestConversation(db, visitor.tenantId, visitor.inbox.id, visitor.contactId)
      : undefined;
    if (newest) return { id: newest, isThreaded: false };
    return { id: (await deps.widget.create(visitor)).id, isThreaded: false, isNew: true };
  }

  /**
   * The mail's words and files as the contact's message, through the widget's path (the AI answers
   * there, unless `heldBackReason` says why not). A refuted sender is said first, to operators and AI.
   */
  async function sendAsContact(
    visitor: Visitor,
    conversation: { id: string; isThreaded: boolean },
    mail: { emailId: string; parsed: ParsedMail; address: string },
    judged: { refutedReason: string | null; heldBackReason: string | undefined },
  ) {
    const actor = await deps.widget.widgetActor(visitor.tenantId);
    const { stored, refused } = await attachments.store(actor, mail.parsed);
    const warning = judged.refutedReason
      ? [
          `(This mail failed the sender checks of the desk's mail server (${judged.refutedReason}): it may not be from ${mail.address}.)`,
        ]
      : [];
    const content = contentOf(mail.parsed, conversation.isThreaded, { before: warning, after: refused });
    const send = (attachments: StoredAttachment[], text: string) =>
      deps.widget.send(visitor, conversation.id, {
        content: text,
        clientMessageId: mail.emailId,
        attachments,
        ...(judged.heldBackReason !== undefined && { heldBackReason: judged.heldBackReason }),
      });
    try {
      return await send(stored, content);
    } catch (error) {
      await attachments.remove(actor, stored);
      // Files the AI cannot be given (audio with no transcription model, a document it cannot read):
      // the words still count, and the operator learns why the files are missing. Refusing the mail
      // would only make the sending server try the same files again for days.
      if (!(error instanceof AppError) || error.status >= 500 || stored.length === 0) throw error;
      return send([], `${content}\n\n(The attachments could not be kept: ${error.message})`);
    }
  }

  /** How many mails from the address the tenant took in the last hour. */
  const recentMailsFrom = (executor: Executor, tenantId: string, address: string) =>
    repository.countMailsFrom(executor, tenantId, address, new Date(Date.now() - senderWindowMs));

  /**
   * Stores the mail's row and says why the AI must not answer it: its sender's mails of the last hour,
   * this one counted, are too many. Under the address's lock, so mails arriving at once are counted one
   * after the other: exactly the first few are answered, however they interleave. Nothing slow inside.
   */
  async function recordMail(row: NewEmailMessage & { contactAddress: string }) {
    return transaction(db, async (tx) => {
      await repository.lockContactAddress(tx, row.tenantId, row.contactAddress);
      const isNew = await repository.insertEmail(tx, row);
      const recent = await recentMailsFrom(tx, row.tenantId, row.contactAddress);
      const heldBackReason =
        recent > maxAiMailsPerSenderHour
          ? `more than ${maxAiMailsPerSenderHour} mails from this sender in an hour: a person answers the rest`
          : undefined;
      return { isNew, heldBackReason };
    });
  }

  return {
    async receive(inbox: StoredWidgetInbox, mail: ReceivedMail): Promise<ReceiveOutcome> {
      const { parsed } = mail;
      const sender = parsed.from?.value[0];
      const address = sender?.address?.toLowerCase() ?? '';
      const reason = automatedReason(mail, address);
      if (reason !== null) return { kind: 'ignored', reason };
      // The desk's own mail come back (a contact whose address is another inbox's, a forwarding rule):
      // answering it would be the desk talking to itself.
      if (await repository.findInboxByAddress(db, address)) {
        return { kind: 'ignored', reason: `sent from ${address}, an email inbox of this desk` };
      }
      const tenantId = inbox.tenantId;
      const internetMessageId = messageIdsIn(parsed.messageId)[0] ?? `${newId()}@parley.invalid`;
      if (!(await isNewMail(tenantId, internetMessageId))) {
        return { kind: 'ignored', reason: `Message-ID <${internetMessageId}> was received already` };
      }
      const authentication = mailAuthentication(parsed.headerLines);
      const refutedReason = refutedSenderReason(authentication);
      const contactId = await contactOf(tenantId, address, sender?.name?.trim() || null, refutedReason !== null);
      const visitor: Visitor = { tenantId, inbox, contactId, sessionId: emailSession };
      const isFlooding = (await recentMailsFrom(db, tenantId, address)) >= maxAiMailsPerSenderHour;
      const conversation = await conversationFor(visitor, parsed, isFlooding);
      const emailId = newId();
      const { isNew, heldBackReason } = await recordMail({
        id: emailId,
        tenantId,
        supportConversationId: conversation.id,
        direction: 'inbound',
        status: 'received',
        internetMessageId,
        subject: shortenTo(parsed.subject ?? '', 500),
        contactAddress: address,
        authentication,
      });
      if (!isNew) throw new AppError('not_ready', 'The same mail is being taken right now; try again later');
      deps.onEmailTenant?.(tenantId);
      try {
        const sent = await sendAsContact(
          visitor,
          conversation,
          { emailId, parsed, address },
          { refutedReason, heldBackReason },
        );
        await repository.linkMessage(db, tenantId, emailId, sent.message.id);
        // A human-only inbox tells the sender their mail arrived, on a conversation's first mail only.
        if (conversation.isNew === true && inbox.agentId === null && heldBackReason === undefined) {
          await acknowledgement
            .acknowledge(inbox, conversation.id, parsed)
            .catch((error: unknown) => logger.warn({ err: error }, 'A mail could not be acknowledged'));
        }
        return { kind: 'stored', supportConversationId: conversation.id, messageId: sent.message.id };
      } catch (error) {
        // Not taken: the sending server keeps the mail and tries again (the listener answers 451).
        await repository
          .deleteEmail(db, tenantId, emailId)
          .catch((cleanup: unknown) => logger.warn({ err: cleanup }, 'An unfinished email row stayed'));
        throw error;
      }
    },
  };
}

export type EmailInbound = ReturnType<typeof createEmailInbound>;
