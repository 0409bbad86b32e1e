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
