import type { StoredMailAuthentication } from '../../platform/db/schema/index.js';

/** A parsed mail's raw header lines, as mailparser gives them (`key` lowercase, `line` the whole unfolded line). */
export type HeaderLines = readonly { readonly key: string; readonly line: string }[];

/** Every value of a header, unfolded and trimmed (a header may repeat: `Received-SPF`, `References`). */
export function headerValues(lines: HeaderLines, name: string): string[] {
  const key = name.toLowerCase();
  return lines
    .filter((header) => header.key === key)
    .map((header) =>
      header.line
        .slice(header.line.indexOf(':') + 1)
        .replace(/\s+/g, ' ')
        .trim(),
    );
}

const bulkPrecedence = new Set(['bulk', 'junk', 'list', 'auto_reply']);
/** Who sends bounces and other mail no person reads: answering them is how two servers loop for ever. */
const systemSender = /^(mailer-daemon|postmaster|mail-daemon|mailerdaemon)@/i;

/**
 * Why a mail was written by a machine (RFC 3834 and what mail servers do in practice), or null for a
 * person's mail. Such a mail never opens a conversation and is never answered: an out-of-office note
 * answered by the AI would be answered back, and so on.
 */
export function automatedMailReason(
  lines: HeaderLines,
  input: { readonly from: string; readonly contentType: string },
): string | null {
  const autoSubmitted = headerValues(lines, 'auto-submitted')[0]?.toLowerCase().split(';')[0]?.trim();
  if (autoSubmitted && autoSubmitted !== 'no') return `Auto-Submitted: ${autoSubmitted}`;
  const precedence = headerValues(lines, 'precedence')[0]?.toLowerCase();
  if (precedence && bulkPrecedence.has(precedence)) return `Precedence: ${precedence}`;
  if (headerValues(lines, 'x-autoreply').length > 0) return 'X-Autoreply';
  if (headerValues(lines, 'x-autorespond').length > 0) return 'X-Autorespond';
  if (input.from === '' || systemSender.test(input.from)) return `sent by ${input.from || 'an empty sender'}`;
  // A delivery status notification (RFC 3464): a bounce, whoever it claims to come from.
  if (input.contentType.toLowerCase().startsWith('multipart/report')) return 'a delivery report (multipart/report)';
  return null;
}

const resultOf = (text: string, method: string): string | null =>
  new RegExp(`\\b${method}\\s*=\\s*([a-z]+)`, 'i').exec(text)?.[1]?.toLowerCase() ?? null;

/**
 * SPF, DKIM and DMARC as the relay in front of Parley judged them: the topmost `Authentication-Results`
 * (the nearest relay's; one further down may come from the sender itself), else `Received-SPF`. Parley
 * checks nothing itself: the listener is meant to sit behind the organisation's mail server.
 */
export function mailAuthentication(lines: HeaderLines): StoredMailAuthentication | null {
  const results = headerValues(lines, 'authentication-results')[0];
  const receivedSpf = headerValues(lines, 'received-spf')[0]?.split(/\s/)[0]?.toLowerCase() ?? null;
  if (results === undefined && receivedSpf === null) return null;
  return {
    spf: (results && resultOf(results, 'spf')) ?? receivedSpf,
    dkim: results ? resultOf(results, 'dkim') : null,
    dmarc: results ? resultOf(results, 'dmarc') : null,
  };
}

/** `<a@b> <c@d>` → `['a@b', 'c@d']`: the ids a reply names, without brackets. */
export function messageIdsIn(value: string | readonly string[] | undefined): string[] {
  const values = value === undefined ? [] : typeof value === 'string' ? [value] : value;
  return values.flatMap((text) => [...text.matchAll(/<([^<>\s]{1,900})>/g)].map((match) => match[1]!));
}

const quoteHeader = /^(On .{1,300} wrote:|Am .{1,300} schrieb .{1,100}:|-{2,} ?Original Message ?-{2,})\s*$/i;

/**
 * What the sender wrote this time: the text above the quoted mail it answers ("On … wrote:" and the
 * `>` lines under it). The history is in the conversation already; sending it again to the model would
 * only cost tokens and confuse who said what.
 */
export function newTextOf(text: string): string {
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  const cut = lines.findIndex(
    (line, index) =>
      quoteHeader.test(line.trim()) ||
      (line.startsWith('>') && lines.slice(index).every((rest) => rest.startsWith('>') || rest.trim() === '')),
  );
  return (cut === -1 ? lines : lines.slice(0, cut)).join('\n').trim();
}
