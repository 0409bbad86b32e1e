import { Readable } from 'node:stream';
import type { ParsedMail } from 'mailparser';
import type { Actor } from '../../access/actor.js';
import { transaction } from '../../platform/db/after-commit.js';
import type { Database, Executor } from '../../platform/db/client.js';
import type { StoredAttachment } from '../../platform/db/schema/index.js';
import { AppError } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import type { Logger } from '../../platform/logger.js';
import { shortenTo } from '../../platform/text-cut.js';
import { maxAttachmentsPerMessage, type FilesService } from '../files/index.js';
import type { StoredContact } from '../inbox/contacts.repository.js';
import type { Visitor } from '../widget/widget-sessions.js';
import type { StoredWidgetInbox, WidgetRepository } from '../widget/widget.repository.js';
import type { WidgetService } from '../widget/widget.service.js';
import type { EmailRepository } from './email.repository.js';
import { automatedMailReason, mailAuthentication, messageIdsIn, newTextOf } from './mail-headers.js';

export interface EmailInboundDeps {
  readonly db: Database;
  readonly repository: EmailRepository;
  readonly logger: Logger;
  readonly widgetRepository: Pick<WidgetRepository, 'insertContact'>;
  readonly widget: Pick<WidgetService, 'create' | 'send' | 'widgetActor'>;
  readonly files: Pick<FilesService, 'upload'>;
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

  /** The sender's contact: the tenant's first contact with that address, or a new one named as the mail names them. */
  async function contactOf(tenantId: string, address: string, name: string | null): Promise<string> {
    return transaction(db, async (tx) => {
      await repository.lockContactAddress(tx, tenantId, address);
      const found = await repository.findContactByAddress(tx, tenantId, address);
      if (found) return found.id;
      const row = await deps.widgetRepository.insertContact(tx, {
        id: newId(),
        tenantId,
        name,
        email: address,
      });
      if (!row) throw new AppError('internal', `The contact for '${address}' could not be stored`);
      await deps.recordContactCreated?.(tx, row);
      return row.id;
    });
  }

  /** Each attachment stored as the desk user's file, under the upload limits and the storage quota. */
  async function storeAttachments(actor: Actor, parsed: ParsedMail) {
    const stored: StoredAttachment[] = [];
    const refused: string[] = [];
    for (const attachment of parsed.attachments) {
      const filename = attachment.filename ?? 'attachment';
      if (stored.length === maxAttachmentsPerMessage) {
        refused.push(
          `(The attachment '${filename}' was not kept: a message carries at most ${maxAttachmentsPerMessage} files.)`,
        );
        continue;
      }
      try {
        const file = await deps.files.upload(actor, async () => ({
          filename,
          content: Readable.from(attachment.content),
          finish: async () => undefined,
        }));
        stored.push({ fileId: file.id, filename: file.filename, mediaType: file.mediaType });
      } catch (error) {
        if (!(error instanceof AppError)) throw error;
        // Said in the conversation, so the operator knows to ask for it another way; no quota figures.
        refused.push(
          `(The attachment '${filename}' was not kept: it is too large, of a kind the desk cannot read, or there is no room left.)`,
        );
      }
    }
    return { stored, refused };
  }

  function contentOf(parsed: ParsedMail, isNewConversation: boolean, refused: readonly string[]): string {
    const body = newTextOf(parsed.text ?? '');
    const subject = parsed.subject?.trim() ?? '';
    const parts = [isNewConversation && subject ? subject : '', body, ...refused].filter((part) => part !== '');
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

  /** The conversation a reply names (of this inbox and contact), or a new one. */
  async function conversationFor(visitor: Visitor, parsed: ParsedMail) {
    const threaded = await repository.findThreadConversation(db, visitor.tenantId, {
      inboxId: visitor.inbox.id,
      contactId: visitor.contactId,
      ids: [...messageIdsIn(parsed.inReplyTo), ...messageIdsIn(parsed.references)],
    });
    return threaded ? { id: threaded, isNew: false } : { id: (await deps.widget.create(visitor)).id, isNew: true };
  }

  /** The mail's words and files as the contact's message, through the widget's path (the AI answers there). */
  async function sendAsContact(
    visitor: Visitor,
    conversation: { id: string; isNew: boolean },
    emailId: string,
    parsed: ParsedMail,
  ) {
    const { stored, refused } = await storeAttachments(await deps.widget.widgetActor(visitor.tenantId), parsed);
    const content = contentOf(parsed, conversation.isNew, refused);
    const send = (attachments: StoredAttachment[], text: string) =>
      deps.widget.send(visitor, conversation.id, { content: text, clientMessageId: emailId, attachments });
    return send(stored, content).catch((error: unknown) => {
      // Files the AI cannot be given (audio with no transcription model, a document it cannot read):
      // the words still count, and the operator learns why the files are missing. Refusing the mail
      // would only make the sending server try the same files again for days.
      if (!(error instanceof AppError) || error.status >= 500 || stored.length === 0) throw error;
      return send([], `${content}\n\n(The attachments could not be kept: ${error.message})`);
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
      const contactId = await contactOf(tenantId, address, sender?.name?.trim() || null);
      const visitor: Visitor = { tenantId, inbox, contactId, sessionId: emailSession };
      const conversation = await conversationFor(visitor, parsed);
      const emailId = newId();
      const isNew = await repository.insertEmail(db, {
        id: emailId,
        tenantId,
        supportConversationId: conversation.id,
        direction: 'inbound',
        status: 'received',
        internetMessageId,
        subject: shortenTo(parsed.subject ?? '', 500),
        contactAddress: address,
        authentication: mailAuthentication(parsed.headerLines),
      });
      if (!isNew) throw new AppError('not_ready', 'The same mail is being taken right now; try again later');
      deps.onEmailTenant?.(tenantId);
      try {
        const sent = await sendAsContact(visitor, conversation, emailId, parsed);
        await repository.linkMessage(db, tenantId, emailId, sent.message.id);
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
