import { describe, expect, it } from 'vitest';
import { presentConversationTargets } from '../targets/reply-targets.schemas.js';
import { addOpenMinutes, isOpenAt, nextOpening } from './business-hours.js';

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

describe('open minutes (reply-time targets counted in business hours)', () => {
  it('adds plain minutes without hours, and within one open span', () => {
    const start = new Date('2026-11-23T08:30:00Z');
    expect(addOpenMinutes(null, start, 90).toISOString()).toBe('2026-11-23T10:00:00.000Z');
    // Monday 09:30 Berlin: 60 open minutes later is 10:30 Berlin.
    expect(addOpenMinutes(berlinWeekdays, start, 60).toISOString()).toBe('2026-11-23T09:30:00.000Z');
  });

  it('waits for the opening, skips the night and the weekend', () => {
    // Saturday 2026-11-28 12:00 UTC: closed until Monday 09:00 Berlin (08:00 UTC).
    expect(addOpenMinutes(berlinWeekdays, new Date('2026-11-28T12:00:00Z'), 30).toISOString()).toBe(
      '2026-11-30T08:30:00.000Z',
    );
    // Friday 17:00 Berlin with 60 minutes: 30 on Friday, 30 on Monday from 09:00.
    expect(addOpenMinutes(berlinWeekdays, new Date('2026-11-27T16:00:00Z'), 60).toISOString()).toBe(
      '2026-11-30T08:30:00.000Z',
    );
    // Two full days (2 × 510 minutes) from Monday's opening end at Tuesday's closing.
    expect(addOpenMinutes(berlinWeekdays, new Date('2026-11-23T08:00:00Z'), 1020).toISOString()).toBe(
      '2026-11-24T16:30:00.000Z',
    );
  });
});

describe('where a conversation’s targets stand', () => {
  const now = new Date('2026-11-23T10:00:00Z');
  const at = (offsetMinutes: number) => new Date(now.getTime() + offsetMinutes * 60_000);
  const none = { firstResponseDueAt: null, nextResponseDueAt: null, resolutionDueAt: null };

  it('judges by the earliest running due time', () => {
    expect(presentConversationTargets(none, now).state).toBeNull();
    expect(presentConversationTargets({ ...none, resolutionDueAt: at(60) }, now).state).toBe('on_track');
    expect(presentConversationTargets({ ...none, firstResponseDueAt: at(5), resolutionDueAt: at(60) }, now).state).toBe(
      'due_soon',
    );
    expect(presentConversationTargets({ ...none, nextResponseDueAt: at(0), resolutionDueAt: at(60) }, now).state).toBe(
      'breached',
    );
  });
});
