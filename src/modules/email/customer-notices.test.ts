import { describe, expect, it } from 'vitest';
import { acknowledgementText, defaultAcknowledgements, handoverMailText, mailLanguageOf } from './customer-notices.js';

describe('what an email customer is told', () => {
  it('reads the language from Content-Language, else from Han characters in the words', () => {
    expect(mailLanguageOf('Where is my order?')).toBe('en');
    expect(mailLanguageOf('我的订单在哪里？')).toBe('zh');
    expect(mailLanguageOf('我的订单', 'en-GB')).toBe('en');
    expect(mailLanguageOf('Order', 'zh-CN')).toBe('zh');
    expect(mailLanguageOf('Bestellung', 'de')).toBe('en');
  });

  it("acknowledges in the inbox's words for the language, else the default, and says when someone is back", () => {
    const texts = { zh: { emailAcknowledgement: '收到了。' } };
    expect(acknowledgementText(texts, 'zh', null)).toBe('收到了。');
    expect(acknowledgementText(texts, 'en', null)).toBe(defaultAcknowledgements.en);
    const closed = { backAt: new Date('2026-12-07T08:00:00Z'), timeZone: 'Europe/Berlin' };
    expect(acknowledgementText({}, 'en', closed)).toBe(
      `${defaultAcknowledgements.en}\n\nNobody is at work now; someone is back on Monday, 7 December 2026 at 09:00 (Europe/Berlin) and will reply to you by mail.`,
    );
  });

  it('says the handover as the widget does, with the time a person is back in the inbox time zone', () => {
    expect(handoverMailText(null, 'UTC')).toBe('A person was asked for and will reply to you by mail shortly.');
    expect(handoverMailText(new Date('2026-12-07T01:30:00Z'), 'Asia/Shanghai')).toBe(
      'A person was asked for. Nobody is at work now; someone is back on Monday, 7 December 2026 at 09:30 (Asia/Shanghai) and will reply to you by mail.',
    );
  });
});
