/** Budgets count per calendar month and per day in UTC, whatever the server's or the tenant's zone. */

/** `YYYY-MM-01` of the month `now` falls in. */
export function monthOf(now: Date): string {
  return `${now.getUTCFullYear()}-${pad(now.getUTCMonth() + 1)}-01`;
}

/** `YYYY-MM-DD` of the day `now` falls in. */
export function dayOf(now: Date): string {
  return now.toISOString().slice(0, 10);
}

/** When a monthly budget starts again: 00:00 UTC on the first of next month. */
export function nextMonthStart(now: Date): Date {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1));
}

/** When a daily cap starts again: the next midnight UTC. */
export function nextDayStart(now: Date): Date {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1));
}

export function secondsUntil(when: Date, now: Date): number {
  return Math.max(1, Math.ceil((when.getTime() - now.getTime()) / 1000));
}

/** `2026-12-01 00:00 UTC`: what a person reads in a refusal. */
export function describeInstant(when: Date): string {
  return `${when.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

function pad(value: number): string {
  return String(value).padStart(2, '0');
}
