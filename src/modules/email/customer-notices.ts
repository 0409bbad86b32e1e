import type { StoredWidgetTexts } from '../../platform/db/schema/index.js';

/**
 * What the desk tells an email customer besides its replies (docs/email-inbox.md): that a person takes
 * over, that their mail arrived (a human-only inbox), and how to rate a resolved conversation. Pure: the
 * outbox and the inbound side render them, the tests read them.
 */

export type MailLanguage = 'en' | 'zh';

/** The widget text key an inbox overrides the acknowledgement with, per language (widget-texts.ts). */
export const acknowledgementTextKey = 'emailAcknowledgement';

export const defaultAcknowledgements: Readonly<Record<MailLanguage, string>> = {
  en: 'Thank you for your mail: it has reached us, and a person will reply to it here.',
  zh: '感谢您的来信：我们已经收到，工作人员会在这里回复您。',
};

/** The words of a mail decide its language: any Han character makes it Chinese (the desk's two languages). */
export function mailLanguageOf(text: string, contentLanguage?: string): MailLanguage {
  const declared = contentLanguage?.trim().toLowerCase().slice(0, 2);
  if (declared === 'zh' || declared === 'en') return declared;
  return /\p{Script=Han}/u.test(text) ? 'zh' : 'en';
}

/** A moment as a person reads it in a mail, in the inbox's time zone, which is named. */
export function readableTime(at: Date, timeZone: string, language: MailLanguage): string {
  const formatted = new Intl.DateTimeFormat(language === 'zh' ? 'zh-CN' : 'en-GB', {
    timeZone,
    weekday: 'long',
    day: 'numeric',
    month: 'long',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).format(at);
  return `${formatted} (${timeZone})`;
}

/** The sentence said outside the business hours: when a person is back (the widget's `personBackAt`). */
export function personBackSentence(backAt: Date, timeZone: string, language: MailLanguage): string {
  const time = readableTime(backAt, timeZone, language);
  return language === 'zh'
    ? `现在无人值班；工作人员将于 ${time} 回来，并通过邮件回复您。`
    : `Nobody is at work now; someone is back on ${time} and will reply to you by mail.`;
}

/** The handover by mail: the widget's line, in words that fit a mail, and when a person is back. */
export function handoverMailText(backAt: Date | null, timeZone: string): string {
  return backAt
    ? `A person was asked for. ${personBackSentence(backAt, timeZone, 'en')}`
    : 'A person was asked for and will reply to you by mail shortly.';
}

/**
 * A human-only inbox's acknowledgement, in the mail's language: the inbox's own words for it if it has
 * them, else the default; outside the business hours followed by when a person is back.
 */
export function acknowledgementText(
  texts: StoredWidgetTexts,
  language: MailLanguage,
  closed: { readonly backAt: Date; readonly timeZone: string } | null,
): string {
  const own = texts[language]?.[acknowledgementTextKey]?.trim();
  const said = own && own !== '' ? own : defaultAcknowledgements[language];
  return closed ? `${said}\n\n${personBackSentence(closed.backAt, closed.timeZone, language)}` : said;
}

/** The rating request's words around its link. */
export function ratingRequestText(link: string, validDays: number, language: MailLanguage): string {
  return language === 'zh'
    ? `您的问题已处理完毕。请为这次服务打分（1 到 5 分）：\n\n${link}\n\n此链接 ${validDays} 天内有效。`
    : `Your conversation with us has been resolved. How did we do? Rate it from 1 to 5 here:\n\n${link}\n\nThe link works for ${validDays} days.`;
}
