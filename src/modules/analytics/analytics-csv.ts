import type { AnalyticsOverview, SeriesPoint } from './analytics.schemas.js';

const columns: readonly (keyof SeriesPoint)[] = [
  'start',
  'conversations',
  'userMessages',
  'aiMessages',
  'operatorMessages',
  'supportConversations',
  'handedOff',
  'aiResolved',
  'ratings',
  'csatAverage',
  'inputTokens',
  'outputTokens',
  'costUsd',
  'knowledgeQueries',
  'toolCalls',
  'toolFailures',
];

/** A cell as RFC 4180 wants it; a leading =, +, - or @ is quoted away so a spreadsheet never runs it. */
function cell(value: string | number | null): string {
  if (value === null) return '';
  const text = String(value);
  const safe = /^[=+\-@]/.test(text) && typeof value === 'string' ? `'${text}` : text;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

/** The overview's series as CSV: a header row, then one row per bucket (what spreadsheets chart). */
export function overviewCsv(overview: AnalyticsOverview): string {
  const lines = [columns.join(',')];
  for (const point of overview.series) lines.push(columns.map((column) => cell(point[column])).join(','));
  return `${lines.join('\r\n')}\r\n`;
}

/** A file name that says what the export holds. */
export function overviewCsvFilename(overview: AnalyticsOverview): string {
  return `parley-analytics-${overview.range.from}-to-${overview.range.to}-by-${overview.range.bucket}.csv`;
}
