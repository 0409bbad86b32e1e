/** A user's quiet hours: minutes after midnight in their time zone, from `start` up to (not including) `end`. */
export interface QuietHours {
  readonly timeZone: string;
  readonly start: number;
  readonly end: number;
}

/** Whether the runtime knows an IANA time zone name (`Europe/Paris`, `UTC`). */
export function isKnownTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en-GB', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** The minutes after midnight it is at `now` in a time zone. */
export function minuteOfDayIn(timeZone: string, now: Date): number {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    formatters.set(timeZone, formatter);
  }
  const parts = formatter.formatToParts(now);
  const hour = Number(parts.find((part) => part.type === 'hour')?.value ?? 0);
  const minute = Number(parts.find((part) => part.type === 'minute')?.value ?? 0);
  return hour * 60 + minute;
}

/** True inside the quiet hours; a span that crosses midnight (22:00–07:00) covers both sides of it. */
export function isQuietAt(quiet: QuietHours, now: Date): boolean {
  if (quiet.start === quiet.end) return false;
  const minute = minuteOfDayIn(quiet.timeZone, now);
  return quiet.start < quiet.end
    ? minute >= quiet.start && minute < quiet.end
    : minute >= quiet.start || minute < quiet.end;
}

/**
 * The minute of the day at `now` in every time zone the runtime names (and `UTC`), for SQL to judge quiet
 * hours before its limit. A user's zone missing here (an alias) is judged afterwards by isQuietAt.
 */
export function minutesOfDayEverywhere(now: Date): { zones: string[]; minutes: number[] } {
  const zones = [...new Set(['UTC', ...Intl.supportedValuesOf('timeZone')])];
  return { zones, minutes: zones.map((zone) => minuteOfDayIn(zone, now)) };
}

/** `HH:MM` ⇄ minutes after midnight. */
export const minutesOf = (clock: string): number => Number(clock.slice(0, 2)) * 60 + Number(clock.slice(3, 5));
export const clockOf = (minutes: number): string =>
  `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
