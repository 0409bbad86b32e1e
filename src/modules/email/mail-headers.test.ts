import { describe, expect, it } from 'vitest';
import { automatedMailReason, mailAuthentication, messageIdsIn, newTextOf, type HeaderLines } from './mail-headers.js';

const lines = (...headers: string[]): HeaderLines =>
  headers.map((line) => ({ key: line.slice(0, line.indexOf(':')).toLowerCase(), line }));
const person = { from: 'ann@customer.example', contentType: 'text/plain' };

describe('automatedMailReason', () => {
  it.each([
    [lines('Auto-Submitted: auto-replied'), person, 'Auto-Submitted: auto-replied'],
    [lines('Auto-Submitted: auto-generated; owner=x'), person, 'Auto-Submitted: auto-generated'],
    [lines('Precedence: bulk'), person, 'Precedence: bulk'],
    [lines('Precedence: Junk'), person, 'Precedence: junk'],
    [lines('Precedence: list'), person, 'Precedence: list'],
    [lines('Precedence: auto_reply'), person, 'Precedence: auto_reply'],
    [lines('X-Autoreply: yes'), person, 'X-Autoreply'],
    [lines('X-Autorespond: on'), person, 'X-Autorespond'],
    [lines(), { ...person, from: 'MAILER-DAEMON@mx.example' }, 'sent by MAILER-DAEMON@mx.example'],
    [lines(), { ...person, from: 'postmaster@mx.example' }, 'sent by postmaster@mx.example'],
    [
      lines(),
      { ...person, contentType: 'multipart/report; report-type=delivery-status' },
      'a delivery report (multipart/report)',
    ],
  ])('calls %j from %j automatic', (headers, input, reason) => {
    expect(automatedMailReason(headers, input)).toBe(reason);
  });

  it.each([[lines('Auto-Submitted: no')], [lines('Precedence: first-class')], [lines('Subject: Out of office tips')]])(
    'takes %j as a person’s mail',
    (headers) => {
      expect(automatedMailReason(headers, person)).toBeNull();
    },
  );
});

describe('mailAuthentication', () => {
  it('reads the nearest relay’s Authentication-Results', () => {
    expect(
      mailAuthentication(
        lines(
          'Authentication-Results: mx.shop.example; spf=pass smtp.mailfrom=c.example; dkim=fail header.d=c.example; dmarc=none',
          'Authentication-Results: forged.example; spf=fail; dkim=pass',
        ),
      ),
    ).toEqual({ spf: 'pass', dkim: 'fail', dmarc: 'none' });
  });
  it('falls back to Received-SPF, and is null with neither', () => {
    expect(mailAuthentication(lines('Received-SPF: SoftFail (mx: domain does not designate)'))).toEqual({
      spf: 'softfail',
      dkim: null,
      dmarc: null,
    });
    expect(mailAuthentication(lines('Subject: hi'))).toBeNull();
  });
});

describe('messageIdsIn and newTextOf', () => {
  it('reads the ids of In-Reply-To and References without brackets', () => {
    expect(messageIdsIn('<a@b> <c@d>')).toEqual(['a@b', 'c@d']);
    expect(messageIdsIn(['<a@b>', '<e@f>'])).toEqual(['a@b', 'e@f']);
    expect(messageIdsIn(undefined)).toEqual([]);
  });
  it('keeps what the sender wrote above the quoted mail', () => {
    expect(newTextOf('Yes, please.\r\n\r\nOn Fri, 27 Nov 2026, Desk wrote:\r\n> Shall we?')).toBe('Yes, please.');
    expect(newTextOf('Thanks\n> old line\n> older line\n')).toBe('Thanks');
    expect(newTextOf('> I said\nand I answer here')).toBe('> I said\nand I answer here');
  });
});
