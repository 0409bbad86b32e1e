const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/** An API timestamp for people, in their locale and time zone. */
export function formatDateTime(iso: string | null | undefined, whenMissing = '—'): string {
  if (!iso) return whenMissing;
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : dateTime.format(date);
}

/** The first words of a long text, on one line. */
export function excerpt(text: string, maxLength = 120): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length <= maxLength ? line : `${line.slice(0, maxLength - 1).trimEnd()}…`;
}
