import type { StoredBusinessHours } from '../../../platform/db/schema/index.js';

interface LocalTime {
  readonly weekday: number;
  /** `HH:MM`, 24-hour, as the rules are written. */
  readonly clock: string;
}

const weekdays: Record<string, number> = { Sun: 0, Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6 };

/** Making a formatter costs far more than using one; a handful of time zones are ever in use. */
const formatters = new Map<string, Intl.DateTimeFormat>();
const formatterFor = (timeZone: string): Intl.DateTimeFormat => {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      weekday: 'short',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
};

/** The weekday and wall-clock time at `at` in `timeZone`. */
function localTimeOf(at: Date, timeZone: string): LocalTime {
  const parts = formatterFor(timeZone).formatToParts(at);
  const part = (type: string) => parts.find((entry) => entry.type === type)?.value ?? '';
  return { weekday: weekdays[part('weekday')] ?? 0, clock: `${part('hour')}:${part('minute')}` };
}

/** Whether a person is at work at `at`. No hours at all means always open. */
export function isOpenAt(hours: StoredBusinessHours | null, at: Date): boolean {
  if (!hours) return true;
  const local = localTimeOf(at, hours.timeZone);
  const today = hours.days.find((day) => day.weekday === local.weekday);
  return today !== undefined && local.clock >= today.opens && local.clock < today.closes;
}

const minuteMs = 60_000;
const weekMinutes = 7 * 24 * 60;

/**
 * The next moment the inbox opens after `at` (undefined when it never does). Walks forward a minute at
 * a time from the closing, bounded by a week: a few thousand checks, run only when a contact asks for a
 * person outside the hours, and free of the daylight-saving arithmetic a direct computation needs.
 */
export function nextOpening(hours: StoredBusinessHours | null, at: Date): Date | undefined {
  if (!hours || hours.days.length === 0) return undefined;
  const start = Math.ceil(at.getTime() / minuteMs) * minuteMs;
  for (let minute = 0; minute <= weekMinutes; minute += 1) {
    const candidate = new Date(start + minute * minuteMs);
    if (isOpenAt(hours, candidate)) return candidate;
  }
  return undefined;
}

/** Minutes past midnight of a `HH:MM` rule. */
const minutesOf = (clock: string): number => Number(clock.slice(0, 2)) * 60 + Number(clock.slice(3, 5));

/**
 * The moment `minutes` open minutes after `start`: a reply-time target's due time when only opening
 * hours count. Within an open span it jumps straight to the span's closing (a span's wall-clock length is
 * its length, bar a daylight-saving change inside it), and from a closing to the next opening with
 * `nextOpening`: a handful of steps a day, whatever the target. No hours at all: always open.
 */
export function addOpenMinutes(hours: StoredBusinessHours | null, start: Date, minutes: number): Date {
  if (!hours) return new Date(start.getTime() + minutes * minuteMs);
  let at = start;
  let left = minutes;
  // Each round ends an open span or the target: bounded by the spans of the weeks the target covers.
  for (let round = 0; round < 1000 && left > 0; round += 1) {
    if (!isOpenAt(hours, at)) {
      const opening = nextOpening(hours, at);
      if (!opening) break;
      at = opening;
    }
    const local = localTimeOf(at, hours.timeZone);
    const today = hours.days.find((day) => day.weekday === local.weekday);
    if (!today) break;
    const openLeft = minutesOf(today.closes) - minutesOf(local.clock) - (at.getTime() % minuteMs) / minuteMs;
    const used = Math.min(left, Math.max(openLeft, 1 / 60));
    at = new Date(at.getTime() + used * minuteMs);
    left -= used;
  }
  // No opening within a week (no days): nothing ever counts, so the plain clock decides.
  return left > 0 ? new Date(start.getTime() + minutes * minuteMs) : at;
}
