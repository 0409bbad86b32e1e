import type { ParsedMail } from 'mailparser';
import type { Database } from '../../platform/db/client.js';
import { newId } from '../../platform/ids.js';
import { isOpenAt, nextOpening } from '../inbox/inboxes/business-hours.js';
import type { StoredWidgetInbox } from '../widget/widget.repository.js';
import { acknowledgementText, mailLanguageOf } from './customer-notices.js';
import type { EmailNoticesRepository } from './email-notices.repository.js';
import { acknowledgementIdPrefix } from './mailed-lines.js';

/**
 * The acknowledgement of a human-only email inbox (docs/email-inbox.md, "Acknowledgement"): written as a
 * system line of the new conversation, in the mail's language and the inbox's words for it, with when a
 * person is back outside the business hours; the outbox mails it like every line. Its client id names the
 * conversation, so a second node or a retry never writes (nor mails) it twice. Machine mail never gets
 * here: the loop protection ignored it before any conversation was opened.
 */
export function createMailAcknowledgement(deps: { readonly db: Database; readonly notices: EmailNoticesRepository }) {
  const { db, notices } = deps;

  return {
    async acknowledge(inbox: StoredWidgetInbox, supportConversationId: string, parsed: ParsedMail, now = new Date()) {
      const conversationId = await notices.findChatConversationId(db, inbox.tenantId, supportConversationId);
      if (!conversationId) return false;
      const contentLanguage = parsed.headerLines
        .find((line) => line.key === 'content-language')
        ?.line.split(':')[1]
        ?.trim();
      const language = mailLanguageOf(`${parsed.subject ?? ''}\n${parsed.text ?? ''}`, contentLanguage);
      const hours = inbox.businessHours;
      const backAt = hours && !isOpenAt(hours, now) ? nextOpening(hours, now) : undefined;
      const content = acknowledgementText(
        inbox.widgetTexts,
        language,
        backAt && hours ? { backAt, timeZone: hours.timeZone } : null,
      );
      return notices.insertNotice(db, {
        id: newId(),
        tenantId: inbox.tenantId,
        conversationId,
        clientMessageId: `${acknowledgementIdPrefix}${supportConversationId}`,
        content,
      });
    },
  };
}
