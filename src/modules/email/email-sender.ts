import type { Transporter } from 'nodemailer';
import { setTimeout } from 'node:timers/promises';
import type { Database } from '../../platform/db/client.js';
import { isDatabaseUnavailable } from '../../platform/db/errors.js';
import type { JobContext } from '../../platform/jobs/index.js';
import type { Logger } from '../../platform/logger.js';
import { shortenTo } from '../../platform/text-cut.js';
import { citedForContact } from '../inbox/desk/cited-for-contact.js';
import type { EmailRepository } from './email.repository.js';
import type { SendEmailJob } from './email-outbox.js';
import { handoverMailText, mailLanguageOf, ratingRequestText } from './customer-notices.js';
import { mailedSystemLine, ratingRequestIdPrefix } from './mailed-lines.js';
import { ratingLinkValidDays, type RatingLinks } from './mail-rating-links.js';

/**
 * An AI reply as mail: its `[n]` markers taken out (they mean nothing without the passages) and, with
 * the inbox's `titles`, the cited sources' titles on a line after it; with `strip`, none.
 */
export function aiReplyText(
  content: string,
  citations: Parameters<typeof citedForContact>[1],
  mode: Parameters<typeof citedForContact>[2],
): string {
  const cited = citedForContact(content, citations, mode);
  return cited.sources.length > 0 ? `${cited.content}\n\nSources: ${cited.sources.join(' · ')}` : cited.content;
}

export interface OutboundSmtpSettings {
  /** `smtp://` or `smtps://`, credentials in it; undefined: replies wait until it is set. */
  readonly url: string | undefined;
  readonly requireTls: boolean;
  readonly verifyTls: boolean;
}

export interface EmailSenderDeps {
  readonly db: Database;
  readonly repository: EmailRepository;
  readonly logger: Logger;
  readonly smtp: OutboundSmtpSettings;
  /** Retries of a failed send (the job queue's), after which the mail is marked failed. */
  readonly retryLimit: number;
  /** The rating page's signed links, for rating requests. */
  readonly ratingLinks: Pick<RatingLinks, 'linkFor'>;
}

type FoundOutbound = NonNullable<Awaited<ReturnType<EmailRepository['findOutbound']>>>;

/** How long a send job's claim on a mail holds: past its SMTP timeouts and the retries of its `sent` mark. */
const sendClaimMs = 5 * 60_000;
/** The `sent` mark's tries while the database is away, a second apart: a restart's worth, within the claim. */
const markSentAttempts = 60;
const markSentPauseMs = 1_000;

/** A long thread keeps its first id and its latest ones: what mail clients need to place the reply. */
const maxReferences = 20;

export function referencesOf(ids: readonly string[]): string[] {
  if (ids.length <= maxReferences) return [...ids];
  return [ids[0]!, ...ids.slice(-(maxReferences - 1))];
}

const replySubject = (subject: string) => (/^re:/i.test(subject.trim()) ? subject.trim() : `Re: ${subject.trim()}`);

/**
 * The `email.send` job: one outbound mail, sent once. A mail already sent (a retried or twin job) is
 * skipped; a server's permanent refusal (5xx) fails it at once, a passing one goes to the retry.
 */
export function createEmailSender(deps: EmailSenderDeps) {
  const { db, repository, logger, smtp } = deps;
  let transport: Promise<Transporter> | undefined;
  let hasWarnedUnset = false;

  // Imported on the first mail: a server without email never loads the client.
  const transporter = (url: string) =>
    (transport ??= import('nodemailer').then((nodemailer) =>
      nodemailer.createTransport({
        url,
        requireTLS: smtp.requireTls,
        tls: { rejectUnauthorized: smtp.verifyTls },
      }),
    ));

  const sender = {
    async send(job: SendEmailJob, context: Pick<JobContext, 'retryCount'>): Promise<void> {
      const found = await repository.findOutbound(db, job.tenantId, job.emailId);
      if (!found || found.email.status !== 'pending' || !found.inboxAddress) return;
      if (smtp.url === undefined) {
        // Left waiting: the sweep queues it again, and it goes once EMAIL_SMTP_URL is set.
        if (!hasWarnedUnset) logger.warn('Email replies wait: EMAIL_SMTP_URL is not set');
        hasWarnedUnset = true;
        return;
      }
      const { email } = found;
      if (!(await repository.claimForSending(db, job.tenantId, email.id, sendClaimMs))) return;
      const thread = await repository.listThread(db, job.tenantId, email.supportConversationId, email.createdAt);
      const lastInbound = thread.findLast((mail) => mail.direction === 'inbound');
      const firstSubject = thread.find((mail) => mail.subject.trim() !== '')?.subject;
      const isAiReply = !found.isOperatorReply;
      const isNotice = found.role === 'system';
      const fromName = isNotice
        ? found.inboxName
        : isAiReply
          ? (found.agentName ?? found.inboxName)
          : (found.authorName ?? found.inboxName);
      try {
        await (
          await transporter(smtp.url)
        ).sendMail({
          from: { name: fromName, address: found.inboxAddress },
          to: { name: found.contactName ?? '', address: email.contactAddress },
          // A conversation an operator opened has no mail to answer yet: its first mail is named for the inbox.
          subject: firstSubject === undefined ? found.inboxName : replySubject(firstSubject),
          text: textOf(job.tenantId, found),
          messageId: `<${email.internetMessageId}>`,
          ...(lastInbound && { inReplyTo: `<${lastInbound.internetMessageId}>` }),
          references: referencesOf(thread.map((mail) => mail.internetMessageId)).map((id) => `<${id}>`),
          // RFC 3834: an answer no person wrote; Exchange is also asked not to auto-reply to it (no loops).
          headers: isAiReply ? { 'Auto-Submitted': 'auto-replied', 'X-Auto-Response-Suppress': 'All' } : {},
        });
      } catch (error) {
        const code = (error as { responseCode?: unknown }).responseCode;
        const isPermanent = typeof code === 'number' && code >= 500;
        const isLast = isPermanent || context.retryCount >= deps.retryLimit;
        const reason = shortenTo(error instanceof Error ? error.message : String(error), 500);
        await repository.recordAttempt(db, job.tenantId, email.id, {
          status: isLast ? 'failed' : 'pending',
          error: reason,
        });
        logger.warn({ emailId: email.id, tenantId: job.tenantId, reason, isLast }, 'An email reply could not be sent');
        if (!isLast) throw error;
        return;
      }
      await markSent(job.tenantId, email.id);
    },
  };

  /**
   * The words of an outbound mail: a reply as written (an AI's without its markers), a system line in
   * the words mailed-lines.ts and customer-notices.ts give it (a rating request's link signed now).
   */
  function textOf(tenantId: string, found: FoundOutbound): string {
    if (found.role !== 'system') {
      return found.isOperatorReply ? found.content : aiReplyText(found.content, found.citations, found.inboxCitations);
    }
    const line = mailedSystemLine(found);
    switch (line?.kind) {
      case 'handover':
        return handoverMailText(line.backAt, found.businessHours?.timeZone ?? 'UTC');
      case 'rating-request': {
        // `email-rating:<language>:<resolved at, ms>`, as the rating sweep wrote it.
        const [language, resolvedAtMs] = (found.clientMessageId ?? '').slice(ratingRequestIdPrefix.length).split(':');
        const link = deps.ratingLinks.linkFor(
          {
            tenantId,
            supportConversationId: found.email.supportConversationId,
            resolvedAt: new Date(Number(resolvedAtMs)),
          },
          new Date(),
        );
        return ratingRequestText(link, ratingLinkValidDays, mailLanguageOf('', language));
      }
      case 'acknowledgement':
      case undefined:
        return found.content;
    }
  }

  /**
   * The mail went: marked sent, tried again while the database is away (a restart, a cut connection). Its
   * claim keeps every other job from sending it meanwhile; only a mark that fails past the claim lets the
   * sweep send it a second time, and the log says so.
   */
  async function markSent(tenantId: string, emailId: string): Promise<void> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        await repository.recordAttempt(db, tenantId, emailId, { status: 'sent', error: null });
        return;
      } catch (error) {
        if (!isDatabaseUnavailable(error) || attempt >= markSentAttempts) {
          logger.error(
            { err: error, emailId, tenantId },
            'A sent email reply could not be marked sent: it may go again',
          );
          throw error;
        }
        await setTimeout(markSentPauseMs);
      }
    }
  }

  return sender;
}

export type EmailSender = ReturnType<typeof createEmailSender>;
