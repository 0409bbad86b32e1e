import { describe, expect, it } from 'vitest';
import { isOpenAt, nextOpening } from './business-hours.js';

const berlinWeekdays = {
  timeZone: 'Europe/Berlin',
  days: [1, 2, 3, 4, 5].map((weekday) => ({ weekday, opens: '09:00', closes: '17:30' })),
};

describe('business hours', () => {
  it('no hours means always open', () => {
    expect(isOpenAt(null, new Date())).toBe(true);
    expect(nextOpening(null, new Date())).toBeUndefined();
  });

  it('reads the wall clock in the inbox’s time zone', () => {
    // Monday 2026-11-23 08:30 UTC is 09:30 in Berlin (CET, UTC+1).
    expect(isOpenAt(berlinWeekdays, new Date('2026-11-23T08:30:00Z'))).toBe(true);
    expect(isOpenAt(berlinWeekdays, new Date('2026-11-23T07:59:00Z'))).toBe(false);
    expect(isOpenAt(berlinWeekdays, new Date('2026-11-23T16:30:00Z'))).toBe(false);
  });

  it('the next opening after a Friday evening is Monday morning, local time', () => {
    const friday = new Date('2026-11-27T18:00:00Z');
    expect(nextOpening(berlinWeekdays, friday)?.toISOString()).toBe('2026-11-30T08:00:00.000Z');
  });

  it('crosses a daylight-saving change', () => {
    // Saturday 2026-03-28, before Berlin moves to CEST (UTC+2) on Sunday: Monday 09:00 is 07:00 UTC.
    expect(nextOpening(berlinWeekdays, new Date('2026-03-28T12:00:00Z'))?.toISOString()).toBe(
      '2026-03-30T07:00:00.000Z',
    );
  });

  it('an inbox with no open days never opens', () => {
    expect(nextOpening({ timeZone: 'UTC', days: [] }, new Date())).toBeUndefined();
  });
});
